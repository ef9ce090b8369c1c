/**
 * How the jobs follow each other, wired per session (store/session.ts): a model that opens gets
 * its stored results back (by content key) and its waiting images embedded; an embedding job that
 * ends refreshes KNOR; changed KNOR settings recompute it; a worker that was reset (crash, stop)
 * is dealt with (the open model held again, KNOR's vectors sent again). The jobs themselves live
 * in modelSession.ts (opening, recovery), embedding.ts, neighbours.ts and training.ts.
 *
 * Nothing listens before wiring, and wiring can be undone: the app wires its session once at
 * start-up; a test wires a fresh session over scripted workers and unwires it after.
 */
import { analysisStore } from './analysisStore.ts';
import { embedPending } from './embedding.ts';
import { afterInferenceReset } from './modelSession.ts';
import { afterAnalysisReset, computeKnor, recomputeKnorOnChanges } from './neighbours.ts';
import { scoreAddedImages } from './applyReconstruction.ts';
import { restoreAnalysis } from './persistence.ts';
import { recomputeRegionsOnChanges } from './regions.ts';
import { appSession, idleFollowers, isAppSession, setAppSession, type PipelineSession } from './session.ts';

/**
 * Wire `session` (the app's by default; call before the first model opens) and make it the app's
 * session, the one the views' calls act on. Returns the function that unwires it (the followers,
 * the reset listeners, the KNOR subscription) and lets the app go of it. Wiring a wired session
 * again changes nothing and returns the same function.
 */
export function wirePipeline(session: PipelineSession = appSession()): () => void {
  if (session.unwire) return session.unwire;
  setAppSession(session);
  session.followers = {
    modelOpened: async ({ modelKey }) => {
      await restoreAnalysis(modelKey, session);
      if (Object.keys(analysisStore.getState().embeddings).length > 0) await computeKnor(session);
      await embedPending(session);
    },
    embeddingEnded: async () => {
      await computeKnor(session);
      // Images added after training get their heatmaps from the kept reconstructor (in the
      // training worker; the embedding job does not wait for it).
      void scoreAddedImages(session);
    },
  };
  const stopInferenceResets = session.inference.onReset((reset) => afterInferenceReset(session, reset));
  const stopAnalysisResets = session.analysis.onReset(() => afterAnalysisReset(session));
  const stopKnorSubscription = recomputeKnorOnChanges(session);
  const stopRegionSubscription = recomputeRegionsOnChanges(session);
  const unwire = () => {
    if (session.unwire !== unwire) return;
    session.unwire = null;
    session.followers = idleFollowers();
    stopInferenceResets();
    stopAnalysisResets();
    stopKnorSubscription();
    stopRegionSubscription();
    if (isAppSession(session)) setAppSession(null);
  };
  session.unwire = unwire;
  return unwire;
}
