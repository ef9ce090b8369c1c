import { useAnalysis, useModel, useUi } from '../../store/hooks.ts';
import { trainReconstructor } from '../../store/training.ts';
import { JobBar } from '../JobBar.tsx';
import { LossCurve } from '../LossCurve.tsx';
import { splitSummary } from '../../store/reconstructionSplit.ts';

/** Training state on the current images; offers to train when there is no reconstruction yet. */
export function ReconstructionStep() {
  const training = useAnalysis((s) => s.training);
  const reconstruction = useAnalysis((s) => s.reconstruction);
  const trainJob = useAnalysis((s) => s.trainJob);
  const manifest = useModel((s) => s.manifest);
  const epochs = useUi((s) => s.epochs);
  const tokenMixing = manifest ? manifest.tokens.post !== manifest.tokens.pre : false;
  // The facts describe the reconstruction shown (its own run), not a later run that was cancelled.
  const best = reconstruction?.run.bestValLoss ?? undefined;
  return (
    <div className="lecture-row">
      <div className="lecture-facts">
        <p>
          {tokenMixing
            ? 'T′ ≠ T, so a token-mixing layer first maps the T′ tokens back to T, then an MLP per token.'
            : 'A token-wise MLP, as in the paper for LLaVA.'}{' '}
          Part of the images are held out to check it.
        </p>
        {trainJob ? (
          <JobBar job={trainJob} testId="lecture-train-job" />
        ) : (
          <p>
            <button type="button" className="lecture-action" data-testid="lecture-train" onClick={() => void trainReconstructor()}>
              {reconstruction ? 'Retrain' : 'Train the reconstructor'} (at most {epochs} epochs)
            </button>
          </p>
        )}
        {!reconstruction && !trainJob && training.status !== 'cancelled' && (
          <p data-testid="lecture-no-reconstruction">No reconstruction yet: train one here; it takes a moment.</p>
        )}
        {training.status === 'cancelled' && !trainJob && (
          <p data-testid="lecture-train-cancelled">Training was cancelled{reconstruction ? '; the previous reconstruction is kept' : ''}.</p>
        )}
        {training.status === 'error' && <p className="message-error">{training.error}</p>}
        {reconstruction && !trainJob && (
          <p data-testid="lecture-train-facts">
            {reconstruction.architecture} on tfjs/{reconstruction.backend}; best validation loss {best !== undefined ? best.toFixed(3) : '–'} at epoch{' '}
            {reconstruction.run.bestEpoch ?? '–'}; {splitSummary(reconstruction)}
          </p>
        )}
      </div>
      <figure className="lecture-chart">
        <LossCurve training={training} testId="lecture-loss-curve" />
      </figure>
    </div>
  );
}
