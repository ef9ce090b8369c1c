/**
 * Which side of the reconstructor an image is on, read off a result the same way everywhere
 * (heatmap, lecture, maps, train facts, export): held out for validation, added after training
 * (scored by the kept reconstructor, never seen by it), or trained on. For an image the result
 * has a row for: callers already know that (a row index, a loss), so it is not searched here.
 */
import type { ImageSplit } from '../core/export/sessionExport.ts';
import type { ReconstructionResult } from './analysisStore.ts';

export function imageSplit(reconstruction: ReconstructionResult, id: string): ImageSplit {
  if (reconstruction.validationIds.has(id)) return 'validation';
  return reconstruction.addedIds?.includes(id) ? 'added' : 'train';
}

/** "58 of 288 images held out; 1 added after training." for the train facts. */
export function splitSummary(reconstruction: ReconstructionResult): string {
  const added = reconstruction.addedIds?.length ?? 0;
  const run = reconstruction.ids.length - added;
  return `${reconstruction.validationIds.size} of ${run} images held out${added > 0 ? `; ${added} added after training` : ''}.`;
}
