/**
 * THE SEAM between fetching a model and running it: every model opened from a hub arrives here,
 * as plain files by repo path plus its config JSONs (a HubModel), and this decides how it opens.
 *
 * - A Connector Lens pack (manifest.json + two graphs) goes through the user-pack path: the
 *   manifest is checked here, the graphs and their external weights in the inference worker.
 * - A stock transformers.js-style export (onnx/vision_encoder*.onnx + config.json +
 *   preprocessor_config.json) opens tapped at its connector boundary (store/stockModel.ts).
 */
import { formatBytes } from '../core/formatBytes.ts';
import type { HubModel } from '../core/hub/loadHubModel.ts';
import { modelStore } from './modelStore.ts';
import { openStockModel } from './stockModel.ts';
import { openPackFromFiles } from './userPack.ts';

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

export async function openHubModel(model: HubModel): Promise<void> {
  const originBefore = modelStore.getState().origin;
  await openHubFiles(model);
  // Every successful open sets a fresh origin object: when it changed, this model opened, and a
  // link to the view names the repo at the commit it resolved to (a branch moves; a commit does not).
  const after = modelStore.getState();
  if (after.status === 'ready' && after.origin !== originBefore) modelStore.setState({ origin: { kind: 'hub', repo: model.repo, revision: model.sha } });
}

async function openHubFiles(model: HubModel): Promise<void> {
  const where = `${model.repo}${model.revision === 'main' ? '' : `@${model.revision}`}`;
  if (model.kind === 'pack') {
    // Pack files sit at the repo root (the manifest names them without folders).
    const files = [...model.files].map(([path, blob]) => new File([blob], path, { type: blob.type }));
    await openPackFromFiles(files, { label: where, kept: model.cacheWarning === null });
    return;
  }
  // Side files are named relative to the graph's folder, as its external-data entries name them.
  const siblings = [...model.files]
    .filter(([path]) => path !== model.encoder && !path.endsWith('.json'))
    .map(([path, blob]) => new File([blob], baseName(path)));
  await openStockModel({
    encoder: new File([model.files.get(model.encoder)!], baseName(model.encoder)),
    siblings,
    config: model.config,
    preprocessorConfig: model.preprocessorConfig,
    label: `${where} (${model.variant ?? 'fp32'}, ${formatBytes(model.bytes)}${model.cachedFiles === model.files.size ? ', from this browser’s cache' : ''})`,
    origin: `${model.host}/${model.repo}@${model.sha}`,
    kept: model.cacheWarning === null,
  });
}
