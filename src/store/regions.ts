/**
 * Regions on images and what the reconstruction loss does inside them (core/patches/regionAnalysis.ts).
 * Boxes are kept per collection image in fractions of the crop the encoder saw (0..1 on both axes),
 * so they are drawn and read the same at any canvas size; boxes imported from COCO JSON come in
 * original pixels and are moved into the crop with the open model's preprocessing.
 *
 * The statistics are derived, not requested: the analysis worker recomputes them whenever the boxes
 * or the reconstruction change (a subscription, wired with the pipeline), and only the newest
 * request's answer is shown.
 */
import { createStore } from 'zustand/vanilla';
import { describeFailure, isFailure } from '../core/errors.ts';
import { resizedSize } from '../core/image/preprocess.ts';
import type { PreprocessSpec } from '../core/types.ts';
import { cropBoxOf, patchMask, type PooledRegionStats, type RegionBox, type RegionStats } from '../core/patches/regionAnalysis.ts';
import { fitRegionToImage, type ImportedRegion } from '../core/patches/regionImport.ts';
import { analysisStore, type ReconstructionResult } from './analysisStore.ts';
import { collectionStore, type ImageEntry } from './collectionStore.ts';
import { modelStore } from './modelStore.ts';
import { appSession, type PipelineSession } from './session.ts';
import { say, sayFailure } from './uiStore.ts';

/** The permutation tests' seed: the same boxes over the same losses always give the same p. */
const SEED = 2025;

export interface RegionResults {
  /** What they were computed from (compared by identity: a new reconstruction or new boxes make them stale). */
  readonly reconstruction: ReconstructionResult;
  readonly boxes: RegionsState['boxes'];
  readonly perImage: Readonly<Record<string, RegionStats | null>>;
  readonly pooled: PooledRegionStats | null;
}

export interface RegionsState {
  /** Per image id, boxes in fractions of the encoder's crop. */
  readonly boxes: Readonly<Record<string, readonly RegionBox[]>>;
  readonly results: RegionResults | null;
  /** Set when the last computation failed (the message said why): the statistics shown would be out of date, so none are. */
  readonly failed: boolean;
  /**
   * How the crop the boxes are fractions of was cut from each image (the open model's resize when
   * they were drawn or imported): a model that cuts it another way would read them off other pixels.
   */
  readonly geometry: PreprocessSpec['resize'] | null;
  /** Whether dragging on the heatmap draws a box. */
  readonly drawing: boolean;
}

export const regionsStore = createStore<RegionsState>()(() => ({ boxes: {}, results: null, failed: false, geometry: null, drawing: false }));

const openGeometry = () => modelStore.getState().manifest?.preprocess.resize ?? null;

export function addBox(imageId: string, box: RegionBox): void {
  regionsStore.setState((s) => ({ boxes: { ...s.boxes, [imageId]: [...(s.boxes[imageId] ?? []), box] }, geometry: openGeometry() }));
}

export function clearBoxes(imageId: string): void {
  regionsStore.setState((s) => {
    const { [imageId]: _gone, ...rest } = s.boxes;
    return { boxes: rest };
  });
}

/** The patch grid the losses are laid out on, when the reconstruction's rows are one: [rows, cols]. */
function lossGrid(reconstruction: ReconstructionResult): readonly [number, number] | null {
  const grid = modelStore.getState().manifest?.image.grid;
  if (!grid || grid[0] * grid[1] !== reconstruction.tokens) return null;
  return [grid[0], grid[1]];
}

/** A 0/1 mask over the patches for boxes in crop fractions. */
export const maskOf = (boxes: readonly RegionBox[], grid: readonly [number, number]) => patchMask(boxes, grid, 1);

let requests = 0;

export async function computeRegionStats(session: PipelineSession = appSession()): Promise<void> {
  const request = ++requests;
  const { reconstruction } = analysisStore.getState();
  const { boxes } = regionsStore.getState();
  const grid = reconstruction ? lossGrid(reconstruction) : null;
  const rows = reconstruction && grid ? reconstruction.ids.flatMap((id, row) => (boxes[id]?.length ? [{ id, row }] : [])) : [];
  if (!reconstruction || !grid || rows.length === 0) {
    regionsStore.setState({ results: null, failed: false });
    return;
  }
  regionsStore.setState({ failed: false });
  const images = rows.map(({ id, row }) => ({
    losses: reconstruction.perPatch.slice(row * reconstruction.tokens, (row + 1) * reconstruction.tokens),
    mask: maskOf(boxes[id]!, grid),
  }));
  try {
    const result = await session.analysis.request(
      { type: 'region-stats', images, seed: SEED },
      { transfer: images.flatMap((i) => [i.losses.buffer, i.mask.buffer]) },
    ).promise;
    if (request !== requests || analysisStore.getState().reconstruction !== reconstruction || regionsStore.getState().boxes !== boxes) return;
    regionsStore.setState({
      failed: false,
      results: { reconstruction, boxes, perImage: Object.fromEntries(rows.map(({ id }, i) => [id, result.perImage[i] ?? null])), pooled: result.pooled },
    });
  } catch (error) {
    if (request !== requests) return;
    regionsStore.setState({ results: null, failed: true });
    // The worker was restarted under it: the next change recomputes, nothing to say.
    if (isFailure(error, 'stopped') || isFailure(error, 'crashed')) return;
    const failure = describeFailure(error, 'compute the region statistics');
    sayFailure('warning', `The region statistics could not be computed: ${failure.message}`, failure);
  }
}

/**
 * A model that cuts its crop another way (a centre square vs the whole image stretched) opened
 * over existing boxes: they would mark other pixels, so they go, and the message says so. Models
 * that cut it the same way keep them: fractions of the crop are the same image content at any size.
 */
function dropBoxesOfAnotherCrop(): void {
  const { geometry, boxes } = regionsStore.getState();
  const now = openGeometry();
  if (geometry === null || now === null || now === geometry || Object.keys(boxes).length === 0) return;
  const count = Object.keys(boxes).length;
  regionsStore.setState({ boxes: {}, results: null, failed: false, geometry: null });
  say(
    'warning',
    `The regions on ${count} image${count === 1 ? ' were' : 's were'} removed: they were drawn on a ${geometry === 'shortest-edge' ? 'centre-square crop' : 'whole-image crop'}, and this model sees ${now === 'shortest-edge' ? 'a centre square' : 'the whole image stretched'}. Draw or import them again.`,
  );
}

/** Whether the statistics shown (and exported) belong to the boxes and the reconstruction there are now. */
export function regionStatsFresh(): boolean {
  return resultsFresh(regionsStore.getState(), analysisStore.getState().reconstruction);
}

/** The same, for given states (a component's selector): computed from these boxes and this reconstruction. */
export function resultsFresh(state: RegionsState, reconstruction: ReconstructionResult | null): boolean {
  return state.results !== null && state.results.boxes === state.boxes && state.results.reconstruction === reconstruction;
}

/** Boxes on images of the reconstruction whose statistics are still being computed (none failed). */
export function regionStatsPending(): boolean {
  const { reconstruction } = analysisStore.getState();
  const { boxes, failed } = regionsStore.getState();
  if (!reconstruction || failed || regionStatsFresh()) return false;
  return reconstruction.ids.some((id) => (boxes[id]?.length ?? 0) > 0);
}

/** Resolves once no statistics are pending (computed or failed), or after `timeoutMs`: true when they are fresh then. */
export function regionStatsSettled(timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    const finish = () => {
      clearTimeout(timer);
      unsubscribe();
      done(regionStatsFresh());
    };
    const timer = setTimeout(finish, timeoutMs);
    const unsubscribe = regionsStore.subscribe(() => {
      if (!regionStatsPending()) finish();
    });
    if (!regionStatsPending()) finish();
  });
}

/** Recompute when the boxes or the reconstruction change; drop boxes a newly opened model would misplace. Returns the unsubscribe. */
export function recomputeRegionsOnChanges(session: PipelineSession = appSession()): () => void {
  const model = modelStore.subscribe((now, before) => {
    if (now.manifest !== before.manifest) dropBoxesOfAnotherCrop();
  });
  const boxes = regionsStore.subscribe((now, before) => {
    if (now.boxes !== before.boxes) void computeRegionStats(session);
  });
  const reconstruction = analysisStore.subscribe((now, before) => {
    if (now.reconstruction !== before.reconstruction) void computeRegionStats(session);
  });
  return () => {
    model();
    boxes();
    reconstruction();
  };
}

/** An image's decoded size, upright as the encoder sees it: the intake's record, else decoded now (the bundled set records none). */
async function decodedSize(image: ImageEntry): Promise<{ width: number; height: number } | null> {
  if (image.width !== null && image.height !== null) return { width: image.width, height: image.height };
  try {
    const bitmap = await createImageBitmap(image.blob, { imageOrientation: 'from-image' });
    const size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return size;
  } catch {
    return null;
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Imported COCO regions onto the collection: matched by file name (the whole name, else the last
 * path part when only one image has it), fitted to the image's decoded size (core/patches/regionImport.ts:
 * the same picture at another resolution is scaled, another aspect ratio is refused), moved into
 * the open model's crop. Says what it did and what it could not place; returns how many images got regions.
 */
export async function applyImportedRegions(regions: readonly ImportedRegion[], source: string): Promise<number> {
  const manifest = modelStore.getState().manifest;
  if (!manifest) {
    say('warning', `Regions from ${source} need a model open first: the boxes are placed on the crop its encoder sees.`);
    return 0;
  }
  const images = collectionStore.getState().images;
  const base = (name: string) => name.slice(name.lastIndexOf('/') + 1);
  const byBase = new Map<string, ImageEntry[]>();
  for (const image of images) byBase.set(base(image.name), [...(byBase.get(base(image.name)) ?? []), image]);
  const size = manifest.image.size;
  const placed: Record<string, RegionBox[]> = {};
  const unmatched: string[] = [];
  const mismatched: string[] = [];
  let rescaled = 0;
  let outside = 0;
  for (const declared of regions) {
    const image =
      images.find((i) => i.name === declared.fileName) ??
      (byBase.get(base(declared.fileName))?.length === 1 ? byBase.get(base(declared.fileName))![0] : undefined);
    if (!image) {
      unmatched.push(declared.fileName);
      continue;
    }
    const actual = await decodedSize(image);
    const fit = actual ? fitRegionToImage(declared, actual) : ({ kind: 'as-declared', region: declared } as const);
    if (fit.kind === 'mismatch') {
      mismatched.push(`${image.name}: declared ${fit.declared.join(' × ')}, is ${fit.actual.join(' × ')}`);
      continue;
    }
    if (fit.kind === 'rescaled') rescaled += 1;
    const region = fit.region;
    const resized = resizedSize(region.width, region.height, manifest.preprocess, size);
    const boxes = region.boxes.flatMap((box) => {
      const crop = cropBoxOf(box, region, resized, size);
      if (!crop) outside += 1;
      return crop ? [{ x: crop.x / size, y: crop.y / size, width: crop.width / size, height: crop.height / size }] : [];
    });
    if (boxes.length > 0) placed[image.id] = boxes;
  }
  // Images removed while their sizes were read get no boxes.
  const still = new Set(collectionStore.getState().images.map((i) => i.id));
  const kept = Object.fromEntries(Object.entries(placed).filter(([id]) => still.has(id)));
  const count = Object.keys(kept).length;
  regionsStore.setState((s) => ({ boxes: { ...s.boxes, ...kept }, geometry: manifest.preprocess.resize }));
  const list = (names: readonly string[]) => `${names.slice(0, 3).join('; ')}${names.length > 3 ? '; …' : ''}`;
  const notes = [
    unmatched.length > 0 ? `${unmatched.length} named no image here (${list(unmatched)})` : '',
    mismatched.length > 0
      ? `${plural(mismatched.length, 'was', 'were')} left out because the image here has another shape than the file declares (${list(mismatched)})`
      : '',
    rescaled > 0 ? `${plural(rescaled, 'region was', 'regions were')} scaled to the image here (same picture, another resolution)` : '',
    outside > 0 ? `${plural(outside, 'box', 'boxes')} fell outside the crop the encoder sees` : '',
  ].filter(Boolean);
  say(count > 0 ? 'info' : 'warning', `Regions from ${source}: ${plural(count, 'image')} got regions.${notes.length > 0 ? ` ${notes.join('; ')}.` : ''}`);
  return count;
}
