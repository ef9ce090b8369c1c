/**
 * The before/after maps of the embedded images: laid out by the analysis worker from the vectors
 * it already holds for KNOR (no second copy is sent), after each KNOR result whose vectors or
 * metric differ from the maps shown. Only the newest request's answer is shown.
 */
import { describeFailure, isFailure } from '../core/errors.ts';
import type { Metric } from '../core/types.ts';
import { analysisStore } from './analysisStore.ts';
import type { PipelineSession } from './session.ts';
import { sayFailure } from './uiStore.ts';

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
  } catch (error) {
    if (isNewest()) analysisStore.setState({ mapsProgress: null });
    if (isFailure(error, 'stopped') || isFailure(error, 'crashed') || isFailure(error, 'cancelled')) return;
    const failure = describeFailure(error, 'lay out the maps');
    sayFailure('error', `The maps could not be drawn: ${failure.message}`, failure);
  }
}
