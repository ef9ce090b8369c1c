/**
 * THE SEAM between fetching a model and running it: every model opened from a hub arrives here,
 * as plain files by repo path plus its config JSONs (a HubModel), and this decides how it opens.
 *
 * - A Connector Lens pack (manifest.json + two graphs) goes through the user-pack path: the
 *   manifest is checked here, the graphs and their external weights in the inference worker.
 * - A stock transformers.js-style export (onnx/vision_encoder*.onnx + config.json +
 *   preprocessor_config.json) needs the connector-boundary tap (src/core/onnx tap code, branch
 *   `tap`) to split its graph into pre- and post-connector tokens. Until that lands, the files stay
 *   cached and the user is told; the tap plugs in here, in the `stock` branch, and nowhere else.
 */
import { formatBytes } from '../core/formatBytes.ts';
import type { HubModel } from '../core/hub/loadHubModel.ts';
import { openPackFromFiles } from './userPack.ts';
import { say } from './uiStore.ts';

/** The last stock export fetched, kept for the tap to pick up; null when none. */
let lastStockModel: HubModel | null = null;
export const pendingStockModel = (): HubModel | null => lastStockModel;

export async function openHubModel(model: HubModel): Promise<void> {
  const where = `${model.repo}${model.revision === 'main' ? '' : `@${model.revision}`}`;
  if (model.kind === 'pack') {
    // Pack files sit at the repo root (the manifest names them without folders).
    const files = [...model.files].map(([path, blob]) => new File([blob], path, { type: blob.type }));
    await openPackFromFiles(files, { label: where, kept: model.cacheWarning === null });
    return;
  }
  lastStockModel = model;
  say(
    'warning',
    `Downloaded ${where} (${model.variant}: ${model.encoder} and its config, ${formatBytes(model.bytes)}${model.cachedFiles === model.files.size ? ', from this browser\'s cache' : ''}). ` +
      'Tapping stock exports lands with the tap: this version runs Connector Lens packs only (docs/model-pack.md). The files stay cached, so opening the model later needs no download.',
  );
}
