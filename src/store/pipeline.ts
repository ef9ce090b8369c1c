/**
 * How the jobs follow each other, wired once: a model that opens gets its stored results back
 * (by content key) and its waiting images embedded; an embedding job that ends refreshes KNOR;
 * changed KNOR settings recompute it. The jobs themselves live in modelSession.ts (opening,
 * recovery), embedding.ts, neighbours.ts and training.ts.
 */
import { analysisStore } from './analysisStore.ts';
import { embedPending, whenEmbeddingEnds } from './embedding.ts';
import { whenModelOpens } from './modelSession.ts';
import { computeKnor, recomputeKnorOnChanges } from './neighbours.ts';
import { restoreAnalysis } from './persistence.ts';

let wired = false;

/** Call once at start-up, before the first model opens. */
export function wirePipeline(): void {
  if (wired) return;
  wired = true;
  whenModelOpens(async ({ modelKey }) => {
    await restoreAnalysis(modelKey);
    if (Object.keys(analysisStore.getState().embeddings).length > 0) await computeKnor();
    await embedPending();
  });
  whenEmbeddingEnds(computeKnor);
  recomputeKnorOnChanges();
}
