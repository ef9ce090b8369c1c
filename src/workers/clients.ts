/** The app's workers (inference, training, tap inspection), created lazily, each behind a typed client. */
import { WorkerClient } from './client.ts';
import type {
  EmbeddedImage,
  EmbedResult,
  InferenceRequest,
  InspectModelResult,
  KnnResult,
  LoadPackResult,
  LoadStockResult,
  TapRequest,
  TrainingRequest,
  TrainProgress,
  TrainResult,
} from './protocol.ts';

export const inferenceClient = new WorkerClient<InferenceRequest, LoadPackResult | LoadStockResult | EmbedResult | KnnResult | boolean, { done: number; total: number }, EmbeddedImage>(
  () => new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module', name: 'inference' }),
  'the inference worker',
);

export const trainingClient = new WorkerClient<TrainingRequest, TrainResult, TrainProgress, never>(
  () => new Worker(new URL('./training.worker.ts', import.meta.url), { type: 'module', name: 'training' }),
  'the training worker',
);

/** Tapped single-file models live in their own worker: terminating it frees a large model's memory at once. */
export const tapClient = new WorkerClient<TapRequest, InspectModelResult, never, never>(
  () => new Worker(new URL('./tap.worker.ts', import.meta.url), { type: 'module', name: 'tap' }),
  'the tap worker',
);
