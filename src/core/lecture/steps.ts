/**
 * The lecture's steps, in pipeline order: what each is called and the one sentence said about it.
 * The live content of each step is drawn by its component; this list only names and explains.
 */

export type LectureStepId = 'image' | 'encoder' | 'connector' | 'neighbours' | 'knor' | 'reconstruction' | 'heatmap' | 'concepts';

export interface LectureStep {
  readonly id: LectureStepId;
  readonly title: string;
  /** For the step list at the bottom of the screen. */
  readonly short: string;
  /** One sentence, readable from the back of a room. */
  readonly explanation: string;
}

export const LECTURE_STEPS: readonly LectureStep[] = [
  { id: 'image', short: 'Image', title: 'The image', explanation: 'Everything starts from one picture: the image the model is asked to look at.' },
  {
    id: 'encoder',
    short: 'Encoder',
    title: 'The vision encoder',
    explanation: 'The encoder cuts the image into square patches and turns each patch into a vector: T tokens of d_v numbers.',
  },
  {
    id: 'connector',
    short: 'Connector',
    title: 'The connector',
    explanation: "The connector maps the encoder's tokens into the language model's space, and may merge them on the way.",
  },
  {
    id: 'neighbours',
    short: 'Neighbours',
    title: 'Neighbours before and after',
    explanation: 'The most similar images in the collection, found before the connector and again after it: green ones survived.',
  },
  {
    id: 'knor',
    short: 'KNOR',
    title: 'KNOR: how many neighbours survive',
    explanation: "KNOR is the share of an image's k nearest neighbours still nearest after the connector: 1 means nothing moved.",
  },
  {
    id: 'reconstruction',
    short: 'Reconstruction',
    title: 'Reconstruction',
    explanation: "A small network learns to rebuild the encoder's tokens from the connector's output; what it cannot rebuild was lost.",
  },
  {
    id: 'heatmap',
    short: 'Heatmap',
    title: 'Where information is lost',
    explanation:
      "Each patch's reconstruction error, laid over the image: bright patches are where the connector lost most (an upper bound: a weaker reconstructor shows loss the connector did not cause).",
  },
  {
    id: 'concepts',
    short: 'Concepts',
    title: 'Concepts the connector keeps and drops',
    explanation:
      'A sparse autoencoder writes each patch as a few learned directions, "concepts"; a concept before the connector that nothing after it fires with was dropped.',
  },
];

export const LECTURE_STEP_COUNT = LECTURE_STEPS.length;
