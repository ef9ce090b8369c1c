import type { KnorResult } from '../store/analysisStore.ts';

/** The mean KNOR as a big number, with what it means in words. */
export function KnorMean({ knor, testId }: { knor: KnorResult; testId: string }) {
  return (
    <p className="big-number">
      <span data-testid={testId}>{knor.mean.toFixed(3)}</span>
      <span className="big-number-caption">
        mean KNOR over {knor.ids.length} images: {(100 * (1 - knor.mean)).toFixed(0)}% of the {knor.k} nearest neighbours change after the connector (
        {knor.metric === 'cosine' ? 'cosine' : 'squared L2'}, mean-pooled{knor.includeSelf ? ', self counted' : ''})
      </span>
    </p>
  );
}
