/**
 * Training streams its tokens: the training worker's end (workers/tokenBatchPort.ts) reads batches
 * from the real tokens service (workers/tokenRequests.ts) over a real MessageChannel, and a run on
 * it equals, bit for bit, a run on the same matrices held in memory. The trainer never asks for
 * more than a batch (or the standardiser's group of eight) at a time, with one read ahead.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenStore, tokenKey } from '../../src/core/tokens/tokenStore.ts';
import { isUserFacing } from '../../src/core/errors.ts';
import { fitGroup, inMemoryBatches, trainReconstructor, type TokenBatchSource } from '../../src/ml/trainReconstructor.ts';
import { portBatches } from '../../src/workers/tokenBatchPort.ts';
import { tokensService } from '../../src/workers/tokenRequests.ts';
import { uniformArray } from '../support/uniformArray.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const SHAPE = { tokensPre: 6, dPre: 5, tokensPost: 3, dPost: 7 };
const IMAGES = 11;
const ids = Array.from({ length: IMAGES }, (_, i) => `img-${i}`);
const keys = ids.map((id) => tokenKey('model-a', id));

/** A tokens service holding the images' random matrices, and a port to it as the training worker gets it. */
async function servedTokens() {
  const store = new TokenStore(null);
  for (const [i, key] of keys.entries()) {
    const pre = uniformArray(SHAPE.tokensPre * SHAPE.dPre, 100 + i);
    const post = uniformArray(SHAPE.tokensPost * SHAPE.dPost, 200 + i);
    await store.put(key, SHAPE, pre, post, false);
  }
  const answer = tokensService(store, () => undefined);
  const channel = new MessageChannel();
  answer({ type: 'serve-batches', id: 1, port: channel.port1 });
  return { store, port: channel.port2 };
}

const config = { epochs: 3, hidden: 8, batchSize: 3, seed: 5, patience: 3 };

describe('training on tokens read through the tokens port', () => {
  it('gives the same result, to the last bit, as training on the same matrices in memory', async () => {
    const { store, port } = await servedTokens();
    // The reference: every image's matrices as the store holds them (float16 values), stacked.
    const stacked = await store.stack(keys);
    const inMemory = await trainReconstructor({ pre: stacked.pre, post: stacked.post, images: IMAGES, ...SHAPE }, config);
    const source = portBatches(port, keys, SHAPE);
    try {
      const streamed = await trainReconstructor(source, config);
      expect(streamed.history).toEqual(inMemory.history);
      expect(streamed.bestEpoch).toBe(inMemory.bestEpoch);
      expect(streamed.patchLoss.perPatch).toEqual(inMemory.patchLoss.perPatch);
      expect(streamed.patchLoss.perImage).toEqual(inMemory.patchLoss.perImage);
      expect(streamed.standardizers).toEqual(inMemory.standardizers);
      expect(streamed.weights.map((w) => w.values)).toEqual(inMemory.weights.map((w) => w.values));
    } finally {
      source.close();
    }
  });

  it('hands every batch back to be filled again: the tokens service makes new batch arrays only until it has two large enough', async () => {
    const { store, port } = await servedTokens();
    const stacked = await store.stack(keys);
    const inMemory = await trainReconstructor({ pre: stacked.pre, post: stacked.post, images: IMAGES, ...SHAPE }, config);
    const calls: { given: boolean; reused: boolean }[] = [];
    const stack = store.stack.bind(store);
    store.stack = async (k, patches, into) => {
      const out = await stack(k, patches, into);
      calls.push({ given: into !== undefined, reused: into !== undefined && out.pre.buffer === into.pre.buffer && out.post.buffer === into.post.buffer });
      return out;
    };
    const source = portBatches(port, keys, SHAPE);
    try {
      const streamed = await trainReconstructor(source, config);
      expect(streamed.patchLoss.perPatch).toEqual(inMemory.patchLoss.perPatch);
      expect(streamed.weights.map((w) => w.values)).toEqual(inMemory.weights.map((w) => w.values));
    } finally {
      source.close();
    }
    // Two passes of 2 groups, 3 epochs of 3 steps and a validation pass, 4 groups of scoring.
    expect(calls.length).toBeGreaterThan(15);
    // The first two reads go out before any batch is back (one is read ahead); from then on a read
    // brings the smallest spare that fits, and new arrays are made only while none does.
    expect(calls.slice(0, 2).every((c) => !c.given)).toBe(true);
    expect(calls.every((c) => c.given === c.reused)).toBe(true); // a spare is sent only where it fits
    expect(calls.filter((c) => !c.given).length).toBeLessThanOrEqual(3);
  });

  it("samples patches in the tokens worker (T' = T): the rows it sends train to the last bit as sampling in memory does", async () => {
    // Square images, so that a token-wise model trains on a sample of 2 of their 6 patches a step.
    const square = { tokensPre: 6, dPre: 5, tokensPost: 6, dPost: 7 };
    const store = new TokenStore(null);
    for (const [i, key] of keys.entries()) await store.put(key, square, uniformArray(30, 300 + i), uniformArray(42, 400 + i), false);
    const channel = new MessageChannel();
    let asked = 0;
    const answer = tokensService(store, () => undefined);
    answer({ type: 'serve-batches', id: 1, port: channel.port1 });
    // Count what crosses the port: sampled reads ask for 2 rows an image and get only those.
    const source = portBatches(channel.port2, keys, square);
    const counted: TokenBatchSource = {
      ...source,
      read: async (images, patches) => {
        const got = await source.read(images, patches);
        if (patches) {
          asked++;
          expect(patches.count).toBe(2);
          expect([got.pre.length, got.post.length]).toEqual([images.length * 2 * square.dPre, images.length * 2 * square.dPost]);
        }
        return got;
      },
    };
    const sampling = { ...config, maxStepValues: 3 * 2 * 7 };
    try {
      const stacked = await store.stack(keys);
      const inMemory = await trainReconstructor({ pre: stacked.pre, post: stacked.post, images: IMAGES, ...square }, sampling);
      const streamed = await trainReconstructor(counted, sampling);
      expect(streamed.patchesPerStep).toBe(2);
      // Every training step of every epoch run was read sampled: ceil(train images / batch) x epochs.
      expect(asked).toBe(Math.ceil(streamed.split.train.length / sampling.batchSize) * streamed.history.trainLoss.length);
      expect(streamed.history).toEqual(inMemory.history);
      expect(streamed.patchLoss.perPatch).toEqual(inMemory.patchLoss.perPatch);
      expect(streamed.weights.map((w) => w.values)).toEqual(inMemory.weights.map((w) => w.values));
    } finally {
      source.close();
    }
  });

  it('says in words which images are missing when the tokens worker no longer holds some', async () => {
    const { store, port } = await servedTokens();
    await store.removeByPrefix([tokenKey('', ids[4]!)]);
    const source = portBatches(port, keys, SHAPE);
    try {
      const failure = await trainReconstructor(source, config).then(
        () => null,
        (error: unknown) => error,
      );
      expect(isUserFacing(failure)).toBe(true);
      expect((failure as Error).message).toBe(
        'The tokens of 1 image are no longer kept in this browser (the stored files may have been cleared). Embed the images again, then train.',
      );
    } finally {
      source.close();
    }
  });

  it('rejects a read in flight when the port is closed, and any read after', async () => {
    // Nobody serves this port: the read would wait for ever without the close.
    const channel = new MessageChannel();
    const source = portBatches(channel.port2, keys, SHAPE);
    const inFlight = source.read(Int32Array.of(0, 1));
    source.close();
    await expect(inFlight).rejects.toThrow('the tokens port closed before the read was answered');
    await expect(source.read(Int32Array.of(0))).rejects.toThrow('the tokens port is closed');
    channel.port1.close();
  });
});

describe('what the trainer holds', () => {
  it('reads the standardisers’ groups by size: 8 small images, 2 LLaVA-1.5 ones (2.9 million values each)', () => {
    expect(fitGroup({ tokensPre: 196, dPre: 128, tokensPost: 196, dPost: 96 })).toBe(8);
    expect(fitGroup({ tokensPre: 576, dPre: 1024, tokensPost: 576, dPost: 4096 })).toBe(2);
    expect(fitGroup({ tokensPre: 4096, dPre: 4096, tokensPost: 1, dPost: 1 })).toBe(1);
  });

  it('reads at most a batch (or eight images for the standardisers) at a time, with one read ahead', async () => {
    const images = 20;
    const data = {
      pre: uniformArray(images * SHAPE.tokensPre * SHAPE.dPre, 1),
      post: uniformArray(images * SHAPE.tokensPost * SHAPE.dPost, 2),
      images,
      ...SHAPE,
    };
    const memory = inMemoryBatches(data);
    let outstanding = 0;
    let mostOutstanding = 0;
    let largestRead = 0;
    let imagesRead = 0;
    const counting: TokenBatchSource = {
      ...memory,
      read: async (chosen) => {
        outstanding += 1;
        mostOutstanding = Math.max(mostOutstanding, outstanding);
        largestRead = Math.max(largestRead, chosen.length);
        imagesRead += chosen.length;
        await new Promise((resolve) => setTimeout(resolve, 1));
        outstanding -= 1;
        return memory.read(chosen);
      },
    };
    const epochs = 2;
    const result = await trainReconstructor(counting, { ...config, epochs, patience: epochs, batchSize: 2 });
    expect(largestRead).toBe(8);
    expect(mostOutstanding).toBe(1);
    // Two standardiser passes over the 16 training images, each epoch's training and validation
    // images, and every image once for the patch losses: each image's tokens are read, never kept.
    const train = images - result.split.validation.length;
    expect(imagesRead).toBe(2 * train + epochs * images + images);
  });
});
