/// <reference lib="webworker" />
/**
 * Products worker: one thread of the analysis worker's dot products. It instantiates the kernel
 * (core/knn/dotProducts.ts) on the memory the analysis worker shares with it and computes the
 * panels of each block it is sent; the analysis worker reads the products from the same memory
 * (workers/productsPool.ts). Thin: the kernel and its layout are core's.
 */
import { describeFailure } from '../core/errors.ts';
import { instantiateKernel, type ProductsExport } from '../core/knn/dotProducts.ts';
import type { ProductsReply, ProductsRequest } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

let products: Promise<ProductsExport> | null = null;

function post(reply: ProductsReply): void {
  self.postMessage(reply);
}

self.onmessage = async (event: MessageEvent<ProductsRequest>) => {
  const req = event.data;
  try {
    if (req.type === 'products-init') {
      products = instantiateKernel(req.module, req.memory);
      await products;
    } else {
      if (!products) throw new Error('products-run before products-init');
      (await products)(...req.args);
    }
    post({ type: 'result', id: req.id, result: true });
  } catch (e) {
    post({ type: 'error', id: req.id, error: describeFailure(e, 'compute neighbour products') });
  }
};
