/**
 * Taking the session to a paper: what the stores hold, turned into core/export's SessionExport,
 * plus the figures as drawn on screen (histogram and loss curve as SVG and PNG, a heatmap PNG per
 * image with its colour bar), written as one zip or into a folder the user picks. The file
 * formats are core/export's; this module gathers, draws and hands over, with a progress bar that
 * can be cancelled between images.
 */
import { APP_VERSION } from '../appVersion.ts';
import { postTokenOfPatch } from '../core/geometry/connectorGeometry.ts';
import type { ExportedReconstructor } from '../core/export/reconstructorExport.ts';
import { sessionFiles, zipSession } from '../core/export/sessionBundle.ts';
import type { ExportImage, ExportReconstruction, SessionExport } from '../core/export/sessionExport.ts';
import { buildLut, lossColorScale, robustMax } from '../viz/colorScale.ts';
import { heatmapFigurePainter, standaloneSvg, svgToPng } from '../viz/figureExport.ts';
import { createStore } from 'zustand/vanilla';
import { errorText } from '../core/errors.ts';
import { analysisStore, type Job } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
import { modelStore } from './modelStore.ts';
import { say } from './uiStore.ts';

export interface ExportState {
  readonly job: Job | null;
}
export const exportStore = createStore<ExportState>()(() => ({ job: null }));

/** Why there is nothing to export yet, or null when there is. */
export function nothingToExport(): string | null {
  if (modelStore.getState().status !== 'ready') return 'Nothing to export yet: open a model pack or a block store first.';
  if (!analysisStore.getState().knor) return 'Nothing to export yet: KNOR needs at least a few embedded images.';
  return null;
}

/** The session as core/export's input: rows in KNOR's order, reconstruction rows matched by image. */
export function sessionExportFromStores(now = new Date()): SessionExport {
  const { knor, embeddings, reconstruction } = analysisStore.getState();
  const { manifest, modelKey } = modelStore.getState();
  if (!knor || !manifest || !modelKey) throw new Error(nothingToExport() ?? 'nothing to export');
  const byId = new Map(collectionStore.getState().images.map((i) => [i.id, i]));
  const n = knor.ids.length;
  const row = new Map(reconstruction?.ids.map((id, i) => [id, i]) ?? []);
  const images: ExportImage[] = knor.ids.map((id) => {
    const image = byId.get(id);
    const inReconstruction = row.has(id);
    return {
      name: image?.name ?? id,
      label: image?.label ?? null,
      contentHash: image?.contentHash ?? null,
      split: !reconstruction || !inReconstruction ? null : reconstruction.validationIds.has(id) ? 'validation' : 'train',
    };
  });
  const stack = (pick: (id: string) => Float32Array, dim: number) => {
    const out = new Float32Array(n * dim);
    knor.ids.forEach((id, i) => out.set(pick(id), i * dim));
    return out;
  };
  const { dPre, dPost } = manifest.tokens;
  let exportedReconstruction: ExportReconstruction | null = null;
  if (reconstruction) {
    const T = reconstruction.tokens;
    // An image added after training has no row: NaN says "not measured", never a loss of 0.
    const perPatch = new Float32Array(n * T).fill(Number.NaN);
    const perImage = new Float32Array(n).fill(Number.NaN);
    knor.ids.forEach((id, i) => {
      const r = row.get(id);
      if (r === undefined) return;
      perPatch.set(reconstruction.perPatch.subarray(r * T, (r + 1) * T), i * T);
      perImage[i] = reconstruction.perImage[r]!;
    });
    exportedReconstruction = {
      perPatch,
      perImage,
      grid: [manifest.image.grid[0], manifest.image.grid[1]],
      description: reconstruction.architecture,
      reconstructor: exportedReconstructor(reconstruction.model, manifest),
    };
  }
  return {
    appVersion: APP_VERSION,
    exportedAt: now.toISOString(),
    pack: { name: manifest.name, key: modelKey },
    images,
    knor: { k: knor.k, metric: knor.metric, includeSelf: knor.includeSelf, nnPre: knor.nnPre, nnPost: knor.nnPost, perImage: knor.perImage },
    pooled: { pre: stack((id) => embeddings[id]!.pooledPre, dPre), dPre, post: stack((id) => embeddings[id]!.pooledPost, dPost), dPost },
    reconstruction: exportedReconstruction,
  };
}

type Model = NonNullable<ReturnType<typeof analysisStore.getState>['reconstruction']>['model'];

function exportedReconstructor(model: Model, manifest: NonNullable<ReturnType<typeof modelStore.getState>['manifest']>): ExportedReconstructor | null {
  const { pre: T, post: Tp, dPre, dPost } = manifest.tokens;
  const w2 = model.weights.find((w) => w.name === 'w2');
  if (!w2 || model.weights.length === 0) return null;
  // As ml/reconstructorModel.ts decides (not imported: it would pull tfjs into the page).
  const kind = T === Tp ? 'token-wise-mlp' : 'token-mixing-mlp';
  const grid = [manifest.image.grid[0], manifest.image.grid[1]] as const;
  const tokenSource = kind === 'token-mixing-mlp' ? Int32Array.from({ length: T }, (_, p) => postTokenOfPatch(manifest.connector, grid, p) ?? -1) : null;
  return {
    kind,
    tokensPre: T,
    tokensPost: Tp,
    dPre,
    dPost,
    hidden: w2.shape[1]!,
    weights: model.weights.map((w) => ({ name: w.name, shape: w.shape, values: w.values })),
    standardizers: { pre: { mean: model.standardizers.pre.mean, std: model.standardizers.pre.std }, post: { mean: model.standardizers.post.mean, std: model.standardizers.post.std } },
    tokenSource,
  };
}

/** A file name from an image name: its base name, no folders, nothing a file system refuses. */
export function safeFileName(name: string, taken: Set<string>): string {
  const base = name.slice(name.lastIndexOf('/') + 1).replace(/\.[^.]+$/, '');
  const clean = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 80) || 'image';
  let candidate = clean;
  for (let i = 2; taken.has(candidate); i++) candidate = `${clean}-${i}`;
  taken.add(candidate);
  return candidate;
}

class ExportCancelled extends Error {}

/** Every file of the export: core/export's tables plus the figures drawn here. */
async function allFiles(s: SessionExport, onFigure: (done: number, total: number) => void, isCancelled: () => boolean): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = { ...sessionFiles(s) };
  const text = (t: string) => new TextEncoder().encode(t);
  for (const [testId, base] of [
    ['knor-histogram', 'knor_histogram'],
    ['loss-curve', 'loss_curve'],
  ] as const) {
    const svg = document.querySelector<SVGSVGElement>(`svg[data-testid="${testId}"]`);
    if (!svg) continue;
    const svgText = standaloneSvg(svg);
    files[`figures/${base}.svg`] = text(svgText);
    files[`figures/${base}.png`] = await svgToPng(document, svgText);
  }
  const r = s.reconstruction;
  const { embeddings } = analysisStore.getState();
  const manifest = modelStore.getState().manifest;
  const ids = analysisStore.getState().knor?.ids ?? [];
  if (r && manifest) {
    const T = r.grid[0] * r.grid[1];
    const measured = r.perPatch.filter((v) => Number.isFinite(v));
    const domain: [number, number] = [0, robustMax(measured)];
    const lut = buildLut(lossColorScale(domain), 256);
    const paint = await heatmapFigurePainter(document, domain);
    const taken = new Set<string>();
    const size = manifest.image.size;
    for (let i = 0; i < s.images.length; i++) {
      if (isCancelled()) throw new ExportCancelled();
      onFigure(i, s.images.length);
      const losses = r.perPatch.subarray(i * T, (i + 1) * T);
      if (!Number.isFinite(losses[0])) continue;
      const display = embeddings[ids[i]!]?.display;
      const image = display ? new ImageData(new Uint8ClampedArray(display), size, size) : null;
      files[`heatmaps/${safeFileName(s.images[i]!.name, taken)}.png`] = await paint({ image, losses, grid: r.grid, domain, lut, opacity: 0.6 });
    }
  }
  return files;
}

function exportName(s: SessionExport): string {
  const pack = s.pack.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'session';
  return `connector-lens-${pack}-${s.exportedAt.slice(0, 19).replace(/[:T]/g, '-')}`;
}

/**
 * Export the session: as one zip (download), or into a folder the user picks. Shows a bar with
 * Cancel while the heatmaps are drawn.
 */
export async function exportSession(to: 'zip' | 'folder', deliver: { zip(name: string, bytes: Uint8Array): void; folder(files: Record<string, Uint8Array>): Promise<boolean> }): Promise<void> {
  const why = nothingToExport();
  if (why) {
    say('warning', why);
    return;
  }
  if (exportStore.getState().job) return;
  let cancelled = false;
  const s = sessionExportFromStores();
  exportStore.setState({ job: { label: 'Exporting session', done: 0, total: s.images.length, startedAt: Date.now(), cancel: () => (cancelled = true) } });
  try {
    const files = await allFiles(
      s,
      (done, total) => exportStore.setState((st) => (st.job ? { job: { ...st.job, label: 'Exporting session: heatmaps', done, total } } : {})),
      () => cancelled,
    );
    const name = exportName(s);
    if (to === 'zip') {
      deliver.zip(`${name}.zip`, zipSession(Object.fromEntries(Object.entries(files).map(([path, bytes]) => [`${name}/${path}`, bytes]))));
      say('info', `Exported ${Object.keys(files).length} files as ${name}.zip.`);
    } else if (await deliver.folder(files)) say('info', `Exported ${Object.keys(files).length} files into the folder you chose.`);
  } catch (error) {
    if (error instanceof ExportCancelled) say('info', 'Export cancelled; nothing was written.');
    else say('error', 'The export could not be written. Try again, or export as a zip instead of into a folder.', { details: errorText(error) });
  } finally {
    exportStore.setState({ job: null });
  }
}
