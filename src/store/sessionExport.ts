/**
 * Taking the session to a paper: what the stores hold, turned into core/export's SessionExport,
 * plus the figures as drawn on screen (histogram and loss curve as SVG and PNG, a heatmap PNG per
 * image with its colour bar), written as one zip or into a folder the user picks. The file
 * formats are core/export's; this module gathers, draws and hands over, with a progress bar that
 * can be cancelled between images.
 */
import { APP_VERSION } from '../appVersion.ts';
import { exportedReconstructorOf } from '../core/export/reconstructorExport.ts';
import type { ExportImage, ExportReconstruction, ExportRegions, SessionExport } from '../core/export/sessionExport.ts';
import { buildLut, lossColorScale, robustMax } from '../viz/colorScale.ts';
import { heatmapFigurePainter, standaloneSvg, svgToPng } from '../viz/figureExport.ts';
import { createStore } from 'zustand/vanilla';
import { errorText } from '../core/errors.ts';
import { analysisStore, type Job } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
import { modelStore } from './modelStore.ts';
import { filesClient } from '../workers/clients.ts';
import { regionStatsFresh, regionStatsPending, regionStatsSettled, regionsStore } from './regions.ts';
import { say, uiStore } from './uiStore.ts';
import { imageSplit } from './reconstructionSplit.ts';

export interface ExportState {
  readonly job: Job | null;
}
export const exportStore = createStore<ExportState>()(() => ({ job: null }));

/** Why there is nothing to export yet, or null when there is. */
export function nothingToExport(): string | null {
  if (modelStore.getState().status !== 'ready') return 'Nothing to export yet: open a model pack or a block store first.';
  const { knor } = analysisStore.getState();
  if (!knor) return 'Nothing to export yet: KNOR needs at least a few embedded images.';
  // Exports carry this browser's vectors and results, which do not exist yet.
  if (knor.source === 'first-look')
    return 'Exports wait until this browser has embedded the images: the numbers shown now were precomputed when the app was built.';
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
      split: reconstruction && inReconstruction ? imageSplit(reconstruction, id) : null,
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
    // An image the reconstructor has not scored (yet) has no row: NaN says "not measured", never a loss of 0.
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
      reconstructor: exportedReconstructorOf(reconstruction.model, manifest),
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
    regions: exportedRegions(knor.ids),
  };
}

/** The regions and their statistics, when they were computed for the boxes and reconstruction there are now. */
function exportedRegions(ids: readonly string[]): ExportRegions | null {
  const { boxes, results } = regionsStore.getState();
  if (!results || !regionStatsFresh()) return null;
  const images = ids.flatMap((id, index) => (boxes[id]?.length ? [{ index, boxes: boxes[id], stats: results.perImage[id] ?? null }] : []));
  return images.length > 0 ? { images, pooled: results.pooled } : null;
}

/** A file name from an image name: its base name, no folders, nothing a file system refuses. */
export function safeFileName(name: string, taken: Set<string>): string {
  const base = name.slice(name.lastIndexOf('/') + 1).replace(/\.[^.]+$/, '');
  const clean =
    base
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+/, '')
      .slice(0, 80) || 'image';
  let candidate = clean;
  for (let i = 2; taken.has(candidate); i++) candidate = `${clean}-${i}`;
  taken.add(candidate);
  return candidate;
}

class ExportCancelled extends Error {}

/** How long an export waits for region statistics still being computed before it goes without them. */
const REGION_STATS_WAIT_MS = 60_000;
const REGIONS_LEFT_OUT = ' regions.csv was left out: the statistics of the regions drawn were not ready (see Region statistics under the heatmap).';

/** Whether any exported image has boxes (then a missing regions.csv must be said). */
function regionsOnExportedImages(count: number): boolean {
  const { boxes } = regionsStore.getState();
  const ids = analysisStore.getState().knor?.ids ?? [];
  return count > 0 && ids.some((id) => (boxes[id]?.length ?? 0) > 0);
}

/** Everything an export draws from, taken at once: later changes (an embedding that lands, another model) cannot mix in. */
interface ExportSnapshot {
  readonly session: SessionExport;
  readonly modelKey: string;
  /** Per row: the picture the heatmap is drawn over (null: none). */
  readonly pictures: readonly (Uint8ClampedArray | null)[];
  readonly pictureSize: number;
  /** The colour domain the screen uses (over every row the reconstruction has). */
  readonly domain: readonly [number, number];
  readonly opacity: number;
}

function exportSnapshot(): ExportSnapshot {
  const session = sessionExportFromStores();
  const { knor, embeddings, reconstruction } = analysisStore.getState();
  const { manifest, modelKey } = modelStore.getState();
  return {
    session,
    modelKey: modelKey!,
    pictures: (knor?.ids ?? []).map((id) => embeddings[id]?.display ?? null),
    pictureSize: manifest!.image.size,
    domain: [0, reconstruction ? robustMax(reconstruction.perPatch) : 1],
    opacity: uiStore.getState().overlayOpacity,
  };
}

/** The figures as drawn on screen, and a heatmap per image: drawing needs the page, so it happens here. */
async function figureFiles(
  snap: ExportSnapshot,
  onFigure: (done: number, total: number) => void,
  isCancelled: () => boolean,
): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
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
  const r = snap.session.reconstruction;
  if (!r) return files;
  const T = r.grid[0] * r.grid[1];
  const lut = buildLut(lossColorScale(snap.domain), 256);
  const paint = await heatmapFigurePainter(document, snap.domain);
  const taken = new Set<string>();
  const size = snap.pictureSize;
  for (let i = 0; i < snap.session.images.length; i++) {
    if (isCancelled()) throw new ExportCancelled();
    if (modelStore.getState().modelKey !== snap.modelKey) throw new ExportCancelled('another model was opened during the export');
    onFigure(i, snap.session.images.length);
    const losses = r.perPatch.subarray(i * T, (i + 1) * T);
    if (!Number.isFinite(losses[0])) continue;
    const picture = snap.pictures[i];
    const image = picture && picture.length === size * size * 4 ? new ImageData(new Uint8ClampedArray(picture), size, size) : null;
    files[`heatmaps/${safeFileName(snap.session.images[i]!.name, taken)}.png`] = await paint({
      image,
      losses,
      grid: r.grid,
      domain: snap.domain,
      lut,
      opacity: snap.opacity,
    });
  }
  return files;
}

export function exportName(s: SessionExport): string {
  const pack = s.pack.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'session';
  return `connector-lens-${pack}-${s.exportedAt.slice(0, 19).replace(/[:T]/g, '-')}`;
}

/** Where an export goes: a zip download, or a folder picked at the click. */
export interface ExportDelivery<Folder> {
  zip(name: string, bytes: Uint8Array): void;
  /** Asked first, inside the click (browsers open pickers only right after a gesture); null: the user closed it. */
  pickFolder(): Promise<Folder | null>;
  writeFolder(folder: Folder, name: string, files: Readonly<Record<string, Uint8Array>>): Promise<void>;
}

/**
 * Export the session: as one zip (download), or into a folder the user picks (as a sub-folder
 * named like the zip). The figures are drawn here, with a bar and Cancel; the tables, arrays and
 * the zip are built in the files worker, so a large session never freezes the page.
 */
export async function exportSession<Folder>(to: 'zip' | 'folder', deliver: ExportDelivery<Folder>): Promise<void> {
  const why = nothingToExport();
  if (why) {
    say('warning', why);
    return;
  }
  if (exportStore.getState().job) return;
  let folder: Folder | null = null;
  let cancelled = false;
  try {
    if (to === 'folder') {
      folder = await deliver.pickFolder();
      if (folder === null) return;
    }
    // Regions drawn a moment ago: their statistics are worth the wait (the analysis worker takes seconds at most).
    if (regionStatsPending()) {
      exportStore.setState({
        job: { label: 'Exporting session: waiting for the region statistics', done: 0, total: 1, startedAt: Date.now(), cancel: () => (cancelled = true) },
      });
      await regionStatsSettled(REGION_STATS_WAIT_MS);
      if (cancelled) throw new ExportCancelled();
    }
    const snap = exportSnapshot();
    const s = snap.session;
    const regionsLeftOut = s.regions === null && regionsOnExportedImages(s.images.length);
    exportStore.setState({ job: { label: 'Exporting session', done: 0, total: s.images.length, startedAt: Date.now(), cancel: () => (cancelled = true) } });
    const figures = await figureFiles(
      snap,
      (done, total) => exportStore.setState((st) => (st.job ? { job: { ...st.job, label: 'Exporting session: heatmaps', done, total } } : {})),
      () => cancelled,
    );
    exportStore.setState((st) => (st.job ? { job: { ...st.job, label: 'Exporting session: tables and arrays' } } : {}));
    const name = exportName(s);
    // The figures are handed over (not copied); the session's arrays are copied (the page keeps showing them).
    const built = await filesClient.request(
      { type: 'build-export', session: s, extra: figures, zipFolder: to === 'zip' ? name : null },
      { transfer: [...new Set(Object.values(figures).map((b) => b.buffer as ArrayBuffer))] },
    ).promise;
    if (cancelled) throw new ExportCancelled();
    if (built.kind === 'zip') {
      deliver.zip(`${name}.zip`, built.zip);
      say('info', `Exported ${built.count} files as ${name}.zip.${regionsLeftOut ? REGIONS_LEFT_OUT : ''}`);
    } else if (folder !== null) {
      await deliver.writeFolder(folder, name, built.files);
      say('info', `Exported ${built.count} files into the folder you chose, as ${name}/.${regionsLeftOut ? REGIONS_LEFT_OUT : ''}`);
    }
  } catch (error) {
    if (error instanceof ExportCancelled) say('info', `Export cancelled${error.message ? ` (${error.message})` : ''}; nothing was written.`);
    else
      say(
        'error',
        to === 'folder'
          ? 'The export could not be written into that folder. Try again, or export as a zip.'
          : 'The export could not be built. Try again; if it fails again, the details say why.',
        { details: errorText(error) },
      );
  } finally {
    exportStore.setState({ job: null });
  }
}
