/**
 * The random-projection baseline beside the measured KNOR: asked of the analysis worker after each
 * KNOR result, for the same vectors and settings (the worker keeps the random maps' neighbour
 * tables, so a new k or metric costs a selection). Only the newest request's answer is shown.
 */
import { describeFailure, isFailure } from '../core/errors.ts';
import type { Metric } from '../core/types.ts';
import { analysisStore } from './analysisStore.ts';
import type { PipelineSession } from './session.ts';
import { sayFailure } from './uiStore.ts';

export async function computeKnorBaseline(session: PipelineSession, dataKey: string, k: number, metric: Metric, includeSelf: boolean): Promise<void> {
  const request = ++session.baselineRequests;
  const modelKey = analysisStore.getState().modelKey;
  // The old baseline belongs to other settings: it goes while the new one is computed.
  analysisStore.setState({ knorBaseline: null });
  try {
    const result = await session.analysis.request({ type: 'random-baseline', dataKey, k, metric, includeSelf }).promise;
    if (session.baselineRequests !== request || analysisStore.getState().modelKey !== modelKey) return;
    // Other vectors replaced these in the worker: the KNOR request that sent them asks again.
    if (result.status === 'need-data') return;
    analysisStore.setState({ knorBaseline: { dataKey, k, metric, includeSelf, means: result.status === 'ok' ? result.means : null } });
  } catch (error) {
    if (isFailure(error, 'stopped') || isFailure(error, 'crashed') || isFailure(error, 'cancelled')) return;
    const failure = describeFailure(error, 'compute the random-map baseline');
    sayFailure('warning', `The random-map baseline for KNOR could not be computed: ${failure.message}`, failure);
  }
}
