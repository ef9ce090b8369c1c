/// <reference lib="webworker" />
/**
 * The training bench's page worker (bundled by trainingChromium.ts): the app's trainer on
 * tfjs-wasm with one thread, set up as ml/tfBackend.ts sets it up where one thread is what the
 * app would use (the single-threaded SIMD build), so the products take the path the app's
 * training worker takes (ml/heapGemm.ts's kernel where the engine has relaxed SIMD).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { heapGemm } from '../../src/ml/heapGemm.ts';
import { replyFromWorker } from './workerReply.ts';
import { appEpochSeconds, TRAINING_SIZES } from './trainingApp.ts';

declare const self: DedicatedWorkerGlobalScope;

export interface TrainingPageRequest {
  readonly size: number;
}

export interface TrainingPageResult {
  readonly seconds: number[];
  readonly backend: string;
  /** Whether the products ran on the project's kernel (else XNNPACK). */
  readonly ownKernel: boolean;
}

self.onmessage = (event: MessageEvent<TrainingPageRequest>) => {
  replyFromWorker(self, async () => {
    setWasmPaths('./');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs-wasm did not start');
    await tf.ready();
    const seconds = await appEpochSeconds(TRAINING_SIZES[event.data.size]!);
    return { seconds, backend: tf.getBackend(), ownKernel: heapGemm() !== null } satisfies TrainingPageResult;
  });
};
