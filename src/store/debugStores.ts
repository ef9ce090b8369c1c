/** The stores the browser test reads under ?debug (main.tsx); nothing in the app imports this. */
import { analysisStore } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
import { modelStore } from './modelStore.ts';
import { regionsStore } from './regions.ts';
import { conceptsStore } from './concepts.ts';
import { stockStore } from './stockModel.ts';
import { imageTokens } from './tokens.ts';

export const debugStores = {
  model: modelStore,
  analysis: analysisStore,
  stock: stockStore,
  collection: collectionStore,
  regions: regionsStore,
  concepts: conceptsStore,
};

/** An image's token matrices under the open model, as the tokens worker holds them (float16 values), as plain arrays. */
export async function debugTokens(imageId: string): Promise<{ pre: number[]; post: number[] } | null> {
  const modelKey = modelStore.getState().modelKey;
  const tokens = modelKey ? await imageTokens(modelKey, imageId) : null;
  return tokens ? { pre: Array.from(tokens.pre), post: Array.from(tokens.post) } : null;
}
