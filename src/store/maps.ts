/**
 * The before/after maps of the embedded images: laid out by the analysis worker from the vectors
 * it already holds for KNOR (no second copy is sent), after each KNOR result whose vectors or
 * metric differ from the maps shown. Only the newest request's answer is shown. PCA comes at once;
 * UMAP runs when the UMAP layout is chosen, as a job with progress and Cancel.
 */
import { describeFailure, isFailure } from '../core/errors.ts';
import type { Metric } from '../core/types.ts';
import { analysisStore } from './analysisStore.ts';
import type { PipelineSession } from './session.ts';
import { sayFailure, uiStore } from './uiStore.ts';

/** How long a UMAP layout may take to stop after Cancel before its worker is restarted. */
const UMAP_CANCEL_GRACE_MS = 2_000;

export async function computeMaps(session: PipelineSession, dataKey: string, ids: readonly string[], metric: Metric): Promise<void> {
  const request = ++session.mapRequests;
  const shown = analysisStore.getState().maps;
  // What is shown is what is asked for: a layout still on its way (another metric) must not replace it.
  if (shown && shown.dataKey === dataKey && shown.metric === metric) return analysisStore.setState({ mapsProgress: null });
  const isNewest = () => session.mapRequests === request;
  const modelKey = analysisStore.getState().modelKey;
  analysisStore.setState({ mapsProgress: 0 });
  try {
    const result = await session.analysis.request(
      { type: 'map-layout', dataKey, metric },
      { onProgress: (p) => isNewest() && analysisStore.setState({ mapsProgress: p.total > 0 ? p.done / p.total : 0 }) },
    ).promise;
    if (!isNewest() || analysisStore.getState().modelKey !== modelKey) return;
    // The worker holds other vectors now: the KNOR request that replaced them asks for their maps.
    if (result.status !== 'ok') return analysisStore.setState({ mapsProgress: null });
    const { pre, post, explainedPre, explainedPost } = result;
    analysisStore.setState({ maps: { dataKey, ids, metric, pre, post, explainedPre, explainedPost }, mapsProgress: null });
    if (uiStore.getState().mapLayout === 'umap') void computeUmap(session);
  } catch (error) {
    if (isNewest()) analysisStore.setState({ mapsProgress: null });
    if (isFailure(error, 'stopped') || isFailure(error, 'crashed') || isFailure(error, 'cancelled')) return;
    const failure = describeFailure(error, 'lay out the maps');
    sayFailure('error', `The maps could not be drawn: ${failure.message}`, failure);
  }
}

/** UMAP layouts of the maps shown, unless they are there already or being computed. */
export async function computeUmap(session: PipelineSession): Promise<void> {
  const { maps, umap, umapJob, modelKey } = analysisStore.getState();
  if (!maps || umapJob || (umap && umap.dataKey === maps.dataKey && umap.metric === maps.metric)) return;
  const { dataKey, metric } = maps;
  const { id, promise } = session.analysis.request(
    { type: 'map-umap', dataKey, metric },
    {
      onProgress: (p) => analysisStore.setState((s) => (s.umapJob ? { umapJob: { ...s.umapJob, done: p.done, total: p.total } } : {})),
    },
  );
  analysisStore.setState({
    umapJob: { label: 'UMAP layout, epochs', done: 0, total: 1, startedAt: Date.now(), cancel: () => session.analysis.cancel(id, UMAP_CANCEL_GRACE_MS) },
  });
  try {
    const result = await promise;
    if (analysisStore.getState().modelKey !== modelKey || result.status !== 'ok') return;
    analysisStore.setState({ umap: { dataKey, metric, pre: result.pre, post: result.post } });
  } catch (error) {
    if (isFailure(error, 'cancelled')) return uiStore.setState({ mapLayout: 'pca' });
    if (isFailure(error, 'stopped') || isFailure(error, 'crashed')) return;
    const failure = describeFailure(error, 'lay out the maps with UMAP');
    sayFailure('error', `The UMAP layout failed: ${failure.message}`, failure);
    uiStore.setState({ mapLayout: 'pca' });
  } finally {
    analysisStore.setState({ umapJob: null });
    // The maps changed while this ran: lay out the new ones.
    const now = analysisStore.getState().maps;
    if (uiStore.getState().mapLayout === 'umap' && now && (now.dataKey !== dataKey || now.metric !== metric)) void computeUmap(session);
  }
}
