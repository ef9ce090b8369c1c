/** What the lecture knows about the current data: the facts its steps' readiness is judged on. */
import type { LectureFacts } from '../../core/lecture/readiness.ts';
import type { ImageEntry } from '../../store/collectionStore.ts';
import { useAnalysis, useCollection, useModel, useUi } from '../../store/hooks.ts';
import { MIN_CONCEPT_IMAGES } from '../../store/concepts.ts';
import { MIN_TRAIN_IMAGES } from '../../store/training.ts';

export interface LectureData {
  readonly facts: LectureFacts;
  /** The image every step shows: the selected one. */
  readonly image: ImageEntry | undefined;
}

export function useLectureFacts(): LectureData {
  const images = useCollection((s) => s.images);
  const selectedId = useUi((s) => s.selectedId);
  const packStatus = useModel((s) => s.status);
  const embeddings = useAnalysis((s) => s.embeddings);
  const knor = useAnalysis((s) => s.knor);
  const knorBlocked = useAnalysis((s) => s.knorBlocked);
  const reconstruction = useAnalysis((s) => s.reconstruction);
  const image = images.find((i) => i.id === selectedId);
  const id = image?.id ?? '';
  return {
    image,
    facts: {
      packStatus,
      images: images.length,
      imageEmbedded: !!embeddings[id],
      knorBlocked,
      hasKnor: knor !== null,
      imageInKnor: !!knor?.ids.includes(id),
      embedded: images.filter((i) => embeddings[i.id]).length,
      minTrainImages: MIN_TRAIN_IMAGES,
      hasReconstruction: reconstruction !== null,
      imageInReconstruction: !!reconstruction?.ids.includes(id),
      minConceptImages: MIN_CONCEPT_IMAGES,
    },
  };
}
