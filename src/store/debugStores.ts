/** The stores the browser test reads under ?debug (main.tsx); nothing in the app imports this. */
import { analysisStore } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
import { modelStore } from './modelStore.ts';
import { regionsStore } from './regions.ts';
import { conceptsStore } from './concepts.ts';
import { stockStore } from './stockModel.ts';

export const debugStores = {
  model: modelStore,
  analysis: analysisStore,
  stock: stockStore,
  collection: collectionStore,
  regions: regionsStore,
  concepts: conceptsStore,
};
