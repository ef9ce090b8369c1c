/**
 * What a lecture step still lacks on the current data, said as what is missing and how to get
 * it, or null when the step can show live content. Pure: the component gathers the facts.
 */
import type { LectureStepId } from './steps.ts';

export interface LectureFacts {
  readonly packStatus: 'idle' | 'loading' | 'ready' | 'error';
  /** Images in the collection. */
  readonly images: number;
  /** The image the lecture shows (the selected one) has been embedded by the open pack. */
  readonly imageEmbedded: boolean;
  /** Why KNOR is not computed (core/knn/nearest.ts knorBlockedReason), or null. */
  readonly knorBlocked: string | null;
  readonly hasKnor: boolean;
  /** The lecture's image is a row of the KNOR result. */
  readonly imageInKnor: boolean;
  readonly embedded: number;
  readonly minTrainImages: number;
  readonly hasReconstruction: boolean;
  /** The lecture's image took part in the last training run. */
  readonly imageInReconstruction: boolean;
  readonly minConceptImages: number;
}

const ADD_IMAGES = 'Press Esc, then drop images onto the page or add the sample set.';

export function missingFor(step: LectureStepId, f: LectureFacts): string | null {
  if (f.images === 0) return `No images yet. ${ADD_IMAGES}`;
  if (step === 'image') return null;
  if (f.packStatus === 'error') return 'No model pack is open. Press Esc and pick one from the Model pack list.';
  if (f.packStatus !== 'ready') return 'The model pack is still loading; this step fills in by itself.';
  switch (step) {
    case 'connector':
      return null;
    case 'encoder':
      return f.imageEmbedded ? null : 'This image has not been embedded yet; it fills in as soon as it is.';
    case 'neighbours':
    case 'knor':
      if (f.knorBlocked) return f.knorBlocked;
      if (!f.hasKnor) return 'Neighbours are still being computed; this step fills in by itself.';
      if (step === 'neighbours' && !f.imageInKnor)
        return 'This image is not part of the neighbour search (it failed or is still being embedded). Pick another on step 1.';
      return null;
    case 'reconstruction':
      return f.embedded >= f.minTrainImages
        ? null
        : `Training needs at least ${f.minTrainImages} embedded images; ${f.embedded} ${f.embedded === 1 ? 'is' : 'are'}. ${ADD_IMAGES}`;
    case 'concepts':
      return f.embedded >= f.minConceptImages
        ? null
        : `Finding concepts needs at least ${f.minConceptImages} embedded images; ${f.embedded} ${f.embedded === 1 ? 'is' : 'are'}. ${ADD_IMAGES}`;
    case 'heatmap':
      if (!f.hasReconstruction) return 'No reconstruction yet: go back to step 6 and train one.';
      return f.imageInReconstruction ? null : 'This image was not part of the last training run: retrain on step 6 to include it.';
  }
}
