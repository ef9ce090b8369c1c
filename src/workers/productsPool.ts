/**
 * The analysis worker's dot products on several threads: products workers (products.worker.ts)
 * that share the kernel's memory, each computing an equal share of every block's panels, while
 * the analysis worker selects candidates from the block before (core/knn/kernelCandidates.ts).
 *
 * A shared memory needs a cross-origin isolated page; where there is none, or one thread, the
 * products run on the analysis worker's own thread (singleThreadProducts), with the same answers.
 * The workers live for one neighbour table: the memory they share (the vectors, packed) goes with them.
 */
import {
  fusedKernelAvailable,
  kernelArguments,
  kernelBinary,
  layoutMemory,
  singleThreadProducts,
  type BlockProducts,
  type ProductEngineFactory,
} from '../core/knn/dotProducts.ts';
import { computeThreadsHere } from '../core/threads/computeThreads.ts';
import { WorkerClient } from './client.ts';
import type { ProductsCalls } from './protocol.ts';

/**
 * An engine factory on as many products workers as this page allows compute threads
 * (computeThreadsHere: one where it is not cross-origin isolated, and then the caller's own thread).
 */
export function pooledProducts(): ProductEngineFactory {
  const { threads } = computeThreadsHere();
  if (threads <= 1) return singleThreadProducts;
  return async (layout) => {
    const memory = layoutMemory(layout, true);
    const module = await WebAssembly.compile(kernelBinary(fusedKernelAvailable(), true));
    const clients = Array.from(
      { length: threads },
      () => new WorkerClient<ProductsCalls>(() => new Worker(new URL('./products.worker.ts', import.meta.url), { type: 'module' }), 'products'),
    );
    const dispose = () => clients.forEach((client) => client.terminate());
    try {
      await Promise.all(clients.map((client) => client.request({ type: 'products-init', module, memory }).promise));
    } catch {
      // Workers that cannot start here (a browser that refuses a worker inside a worker, a
      // crash): the same products on this thread, only slower.
      dispose();
      return singleThreadProducts(layout);
    }
    let running: Promise<void> = Promise.resolve();
    return {
      memory,
      threads,
      start(block: BlockProducts) {
        // Equal shares of the block's panels, in order; a block narrower than the threads uses fewer.
        const shares = Math.min(threads, block.panels);
        running = Promise.all(
          Array.from({ length: shares }, (_, s) => {
            const from = Math.floor((s * block.panels) / shares);
            const to = Math.floor(((s + 1) * block.panels) / shares);
            return clients[s]!.request({ type: 'products-run', args: kernelArguments(layout, block, from, to) }).promise;
          }),
        ).then(() => undefined);
      },
      // A worker's failure (a FailureError: crashed, out of memory) rejects here.
      finish: () => running,
      dispose,
    };
  };
}
