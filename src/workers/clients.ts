/** The app's workers (inference, training, tokens, tap inspection), created lazily, each behind a typed client. */
import { WorkerClient } from './client.ts';
import type { AnalysisCalls, FilesCalls, InferenceCalls, TapCalls, TokensCalls, TrainingCalls } from './protocol.ts';

export const inferenceClient = new WorkerClient<InferenceCalls>(
  () => new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module', name: 'inference' }),
  'the inference worker',
);

export const trainingClient = new WorkerClient<TrainingCalls>(
  () => new Worker(new URL('./training.worker.ts', import.meta.url), { type: 'module', name: 'training' }),
  'the training worker',
);

/** Tapped single-file models live in their own worker: terminating it frees a large model's memory at once. */
export const tapClient = new WorkerClient<TapCalls>(
  () => new Worker(new URL('./tap.worker.ts', import.meta.url), { type: 'module', name: 'tap' }),
  'the tap worker',
);

/** Dropped files checked and label files parsed, off the main thread. */
export const filesClient = new WorkerClient<FilesCalls>(
  () => new Worker(new URL('./files.worker.ts', import.meta.url), { type: 'module', name: 'files' }),
  'the file-checking worker',
);

/** Neighbours and KNOR: apart from the inference worker, so a stuck model never holds them back. */
export const analysisClient = new WorkerClient<AnalysisCalls>(
  () => new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module', name: 'analysis' }),
  'the analysis worker',
);

/** Every image's token matrices, held and stored off the main thread (tokens.worker.ts). */
export const tokensClient = new WorkerClient<TokensCalls>(
  () => new Worker(new URL('./tokens.worker.ts', import.meta.url), { type: 'module', name: 'tokens' }),
  'the tokens worker',
);
