import { useAnalysis, useModel, useUi } from '../store/hooks.ts';
import { MIN_TRAIN_IMAGES, trainReconstructor } from '../store/training.ts';
import { uiStore } from '../store/uiStore.ts';
import { JobBar } from './JobBar.tsx';
import { LossCurve } from './LossCurve.tsx';
import { FigureExport } from './FigureExport.tsx';
import { splitSummary } from '../store/reconstructionSplit.ts';

export function TrainPanel() {
  const training = useAnalysis((s) => s.training);
  const reconstruction = useAnalysis((s) => s.reconstruction);
  const trainJob = useAnalysis((s) => s.trainJob);
  const running = trainJob !== null;
  const embeddedCount = useAnalysis((s) => Object.keys(s.embeddings).length);
  const manifest = useModel((s) => s.manifest);
  const epochs = useUi((s) => s.epochs);

  const tokenMixing = manifest ? manifest.tokens.post !== manifest.tokens.pre : false;
  // A block store of pooled vectors ([dim] per image) has one "token": nothing to map patch by patch.
  const pooledOnly = useModel((s) => s.origin?.kind === 'block-store' && s.manifest?.tokens.pre === 1);
  return (
    <div className="panel train-panel" data-testid="train-panel">
      <div className="panel-head">
        <h2>Reconstruction P → V</h2>
        {training.trainLoss.length > 0 && <FigureExport testId="loss-curve" fileBase="loss_curve" />}
      </div>
      <p className="hint">
        A small network learns to map post-projection tokens back to pre-projection tokens; what it cannot recover is what the connector lost (an upper bound: a
        weak reconstructor shows loss too).{' '}
        {tokenMixing ? 'T′ ≠ T here, so a token-mixing layer first maps T′ tokens to T.' : 'Token-wise MLP, as in the paper for LLaVA.'}
      </p>
      <div className="controls">
        <label>
          max epochs
          <input
            type="number"
            min={1}
            max={500}
            value={epochs}
            data-testid="epochs-input"
            onChange={(e) => {
              const value = Number(e.target.value);
              if (Number.isInteger(value) && value >= 1 && value <= 500) uiStore.setState({ epochs: value });
            }}
          />
        </label>
        <button
          type="button"
          data-testid="train-button"
          disabled={running || !manifest || pooledOnly || embeddedCount < MIN_TRAIN_IMAGES}
          onClick={() => void trainReconstructor()}
        >
          {running ? 'Training…' : reconstruction ? 'Retrain reconstructor' : 'Train reconstructor'}
        </button>
      </div>
      {trainJob && <JobBar job={trainJob} testId="train-job" />}
      {pooledOnly && (
        <p className="hint" data-testid="train-blocked">
          This block store holds pooled vectors ([dim] per image): there are no tokens to reconstruct. Open a store of token blocks ([tokens, dim]) for
          heatmaps.
        </p>
      )}
      {!pooledOnly && embeddedCount < MIN_TRAIN_IMAGES && (
        <p className="hint" data-testid="train-blocked">
          Needs at least {MIN_TRAIN_IMAGES} embedded images.
        </p>
      )}
      <LossCurve training={training} testId="loss-curve" />
      {training.status === 'error' && <p className="message message-error">{training.error}</p>}
      {reconstruction && (
        <p className="facts" data-testid="train-facts">
          {reconstruction.architecture} on tfjs/{reconstruction.backend}; best validation epoch {reconstruction.run.bestEpoch ?? '–'}
          {reconstruction.stoppedEarly ? ' (stopped early)' : ''}
          {reconstruction.finishedAfterStep !== undefined
            ? ` (finished by you after step ${reconstruction.finishedAfterStep}${reconstruction.run.bestEpoch === null ? ', before any epoch was validated' : ''})`
            : ''}
          ; {splitSummary(reconstruction)}
          {reconstruction.constantDims > 0 ? ` ${reconstruction.constantDims} constant dimensions were left unscaled.` : ''}
        </p>
      )}
    </div>
  );
}
