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
import { cropBoxOf, patchMask, type PooledRegionStats, type RegionBox, type RegionStats } from '../core/patches/regionAnalysis.ts';
import type { ImportedRegion } from '../core/patches/regionImport.ts';
import { analysisStore, type ReconstructionResult } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
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
  /** Whether dragging on the heatmap draws a box. */
  readonly drawing: boolean;
}

export const regionsStore = createStore<RegionsState>()(() => ({ boxes: {}, results: null, drawing: false }));

export function addBox(imageId: string, box: RegionBox): void {
  regionsStore.setState((s) => ({ boxes: { ...s.boxes, [imageId]: [...(s.boxes[imageId] ?? []), box] } }));
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
    regionsStore.setState({ results: null });
    return;
  }
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
      results: { reconstruction, boxes, perImage: Object.fromEntries(rows.map(({ id }, i) => [id, result.perImage[i] ?? null])), pooled: result.pooled },
    });
  } catch (error) {
    if (isFailure(error, 'stopped') || isFailure(error, 'crashed')) return;
    const failure = describeFailure(error, 'compute the region statistics');
    sayFailure('warning', `The region statistics could not be computed: ${failure.message}`, failure);
  }
}

/** Recompute when the boxes or the reconstruction change. Returns the unsubscribe. */
export function recomputeRegionsOnChanges(session: PipelineSession = appSession()): () => void {
  const boxes = regionsStore.subscribe((now, before) => {
    if (now.boxes !== before.boxes) void computeRegionStats(session);
  });
  const reconstruction = analysisStore.subscribe((now, before) => {
    if (now.reconstruction !== before.reconstruction) void computeRegionStats(session);
  });
  return () => {
    boxes();
    reconstruction();
  };
}

/**
 * Imported COCO regions onto the collection: matched by file name (the whole name, else the last
 * path part when only one image has it), moved into the open model's crop. Says what it did and
 * what it could not place; returns how many images got regions.
 */
export function applyImportedRegions(regions: readonly ImportedRegion[], source: string): number {
  const manifest = modelStore.getState().manifest;
  if (!manifest) {
    say('warning', `Regions from ${source} need a model open first: the boxes are placed on the crop its encoder sees.`);
    return 0;
  }
  const images = collectionStore.getState().images;
  const base = (name: string) => name.slice(name.lastIndexOf('/') + 1);
  const byBase = new Map<string, string[]>();
  for (const image of images) byBase.set(base(image.name), [...(byBase.get(base(image.name)) ?? []), image.id]);
  const size = manifest.image.size;
  const placed: Record<string, RegionBox[]> = {};
  const unmatched: string[] = [];
  let outside = 0;
  for (const region of regions) {
    const id =
      images.find((i) => i.name === region.fileName)?.id ??
      (byBase.get(base(region.fileName))?.length === 1 ? byBase.get(base(region.fileName))![0] : undefined);
    if (!id) {
      unmatched.push(region.fileName);
      continue;
    }
    const resized = resizedSize(region.width, region.height, manifest.preprocess, size);
    const boxes = region.boxes.flatMap((box) => {
      const crop = cropBoxOf(box, region, resized, size);
      if (!crop) outside += 1;
      return crop ? [{ x: crop.x / size, y: crop.y / size, width: crop.width / size, height: crop.height / size }] : [];
    });
    if (boxes.length > 0) placed[id] = boxes;
  }
  const count = Object.keys(placed).length;
  regionsStore.setState((s) => ({ boxes: { ...s.boxes, ...placed } }));
  const notes = [
    unmatched.length > 0 ? `${unmatched.length} named no image here (${unmatched.slice(0, 3).join(', ')}${unmatched.length > 3 ? ', …' : ''})` : '',
    outside > 0 ? `${outside} box${outside === 1 ? '' : 'es'} fell outside the crop the encoder sees` : '',
  ].filter(Boolean);
  say(
    count > 0 ? 'info' : 'warning',
    `Regions from ${source}: ${count} image${count === 1 ? '' : 's'} got regions.${notes.length > 0 ? ` ${notes.join('; ')}.` : ''}`,
  );
  return count;
}
