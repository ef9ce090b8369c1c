import { useEffect, useRef, useState } from 'react';
import { lectureKeyAction, type KeyContext } from '../../core/lecture/navigation.ts';
import { missingFor } from '../../core/lecture/readiness.ts';
import { LECTURE_STEP_COUNT, LECTURE_STEPS, type LectureStepId } from '../../core/lecture/steps.ts';
import { useAnalysis, useCollection, useLecture, useModel, useUi } from '../../store/hooks.ts';
import { lecture, lectureStore } from '../../store/lectureStore.ts';
import { selectImage } from '../../store/uiStore.ts';
import { JobBar } from '../JobBar.tsx';
import { NeighbourGrid } from '../NeighbourGrid.tsx';
import { useHeatmapView } from '../useHeatmapView.ts';
import { ConceptsStep } from './ConceptsStep.tsx';
import { ConnectorStep } from './ConnectorStep.tsx';
import { EncoderStep } from './EncoderStep.tsx';
import { HeatmapStep } from './HeatmapStep.tsx';
import { ImageStep } from './ImageStep.tsx';
import { KnorStep } from './KnorStep.tsx';
import { ReconstructionStep } from './ReconstructionStep.tsx';
import { useEncoderView } from './useEncoderView.ts';
import { useLectureFacts } from './useLectureFacts.ts';

/** The header's lecture button: where focus returns on exit when the opener is gone. */
export const LECTURE_BUTTON_ID = 'lecture-button';

const TEXT_INPUTS = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
const BUTTON_INPUTS = new Set(['button', 'submit', 'reset', 'checkbox', 'radio']);

function keyContext(e: KeyboardEvent): KeyContext {
  const t = e.target instanceof HTMLElement ? e.target : null;
  const buttonInput = t instanceof HTMLInputElement && BUTTON_INPUTS.has(t.type);
  return {
    key: e.key,
    shift: e.shiftKey,
    command: e.ctrlKey || e.altKey || e.metaKey,
    typing: !!t && ((TEXT_INPUTS.has(t.tagName) && !buttonInput) || t.isContentEditable),
    onControl: !!t && (buttonInput || t.tagName === 'BUTTON' || t.tagName === 'A' || t.tagName === 'SUMMARY'),
  };
}

function StepBody({ id }: { id: LectureStepId }) {
  const { image } = useLectureFacts();
  const encoder = useEncoderView();
  const heatmap = useHeatmapView();
  const knor = useAnalysis((s) => s.knor);
  switch (id) {
    case 'image':
      return image ? <ImageStep image={image} /> : null;
    case 'encoder':
      return encoder && <EncoderStep view={encoder} />;
    case 'connector':
      return encoder && <ConnectorStep view={encoder} />;
    case 'neighbours':
      return <NeighbourGrid />;
    case 'knor':
      return knor && <KnorStep knor={knor} />;
    case 'reconstruction':
      return <ReconstructionStep />;
    case 'heatmap':
      return <HeatmapStep view={heatmap} />;
    case 'concepts':
      return <ConceptsStep image={heatmap.image} />;
  }
}

/**
 * Lecture mode: the pipeline one step per screen, in large type, on the current images. Owns the
 * keyboard (L opens; see core/lecture/navigation.ts) and focus: the dialog takes focus on open,
 * focus returns to where it was on exit, and a live region announces each step.
 */
export function LectureMode() {
  const open = useLecture((s) => s.open);
  const step = useLecture((s) => s.step);
  const { facts } = useLectureFacts();
  const images = useCollection((s) => s.images);
  const selectedId = useUi((s) => s.selectedId);
  const manifest = useModel((s) => s.manifest);
  const embedJob = useAnalysis((s) => s.embedJob);
  const dialog = useRef<HTMLDivElement>(null);
  const opener = useRef<Element | null>(null);
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const action = lectureKeyAction(keyContext(e), lectureStore.getState().open, LECTURE_STEP_COUNT);
      if (!action) return;
      e.preventDefault();
      lecture(action);
    };
    // Where focus was when the lecture opened, read before the app behind it is hidden.
    const unsubscribe = lectureStore.subscribe((s, prev) => {
      if (s.open && !prev.open) opener.current = document.activeElement;
    });
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      unsubscribe();
    };
  }, []);

  const wasOpen = useRef(false);
  useEffect(() => {
    if (open) {
      wasOpen.current = true;
      dialog.current?.focus();
      return;
    }
    if (!wasOpen.current) return;
    wasOpen.current = false;
    const back = opener.current;
    opener.current = null;
    if (back instanceof HTMLElement && back.isConnected && back !== document.body) back.focus();
    else if (document.activeElement === document.body || !document.activeElement) document.getElementById(LECTURE_BUTTON_ID)?.focus();
  }, [open]);

  useEffect(() => {
    // Set after the live region is on the page, not derived at render: screen readers announce a
    // live region's change, not the text it mounts with (the lecture's first step would go unsaid).
    // eslint-disable-next-line react-hooks/set-state-in-effect -- see above
    if (!open) return setAnnouncement('');
    const s = LECTURE_STEPS[step]!;
    setAnnouncement(`Step ${step + 1} of ${LECTURE_STEP_COUNT}: ${s.title}. ${s.explanation}`);
    // A step's controls go with it: keep focus in the lecture so the keys keep working.
    if (!dialog.current?.contains(document.activeElement)) dialog.current?.focus();
  }, [open, step]);

  // Every step shows one image: the selected one, or the first until one is selected.
  const first = images[0]?.id;
  useEffect(() => {
    if (open && first && (!selectedId || !images.some((i) => i.id === selectedId))) selectImage(first);
  }, [open, first, selectedId, images]);

  if (!open) return null;
  const current = LECTURE_STEPS[step]!;
  const missing = missingFor(current.id, facts);
  return (
    <div className="lecture" role="dialog" aria-modal="true" aria-label="Lecture mode" tabIndex={-1} ref={dialog} data-testid="lecture">
      <header className="lecture-top">
        <span className="lecture-brand">
          Connector Lens{manifest ? ` · ${manifest.name}` : ''}
          {manifest?.weights.synthetic && (
            <span
              className="lecture-synthetic"
              title="This pack's encoder and connector are seeded random networks: the pipeline and the metrics are real, what the neighbours mean is not."
            >
              {' '}
              · synthetic weights
            </span>
          )}
        </span>
        <span className="lecture-counter" data-testid="lecture-counter">
          {step + 1} / {LECTURE_STEP_COUNT}
        </span>
        <button type="button" className="lecture-exit" data-testid="lecture-exit" aria-keyshortcuts="Escape" onClick={() => lecture({ type: 'close' })}>
          Exit (Esc)
        </button>
      </header>
      <p className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="lecture-live">
        {announcement}
      </p>
      <section className="lecture-step" aria-labelledby="lecture-step-title" data-testid="lecture-step" data-step={current.id}>
        <h2 id="lecture-step-title" data-testid="lecture-title">
          {current.title}
        </h2>
        <p className="lecture-explanation">{current.explanation}</p>
        <div className="lecture-content">
          {missing ? (
            <p className="lecture-missing" role="status" data-testid="lecture-missing">
              {missing}
            </p>
          ) : (
            <StepBody id={current.id} />
          )}
          {embedJob && <JobBar job={embedJob} testId="lecture-embed-job" />}
        </div>
      </section>
      <nav className="lecture-nav" aria-label="Lecture steps">
        <button type="button" disabled={step === 0} aria-keyshortcuts="ArrowLeft PageUp" onClick={() => lecture({ type: 'previous' })}>
          ← Previous
        </button>
        <ol>
          {LECTURE_STEPS.map((s, i) => (
            <li key={s.id}>
              <button
                type="button"
                aria-current={i === step ? 'step' : undefined}
                aria-keyshortcuts={String(i + 1)}
                onClick={() => lecture({ type: 'goto', step: i })}
              >
                {i + 1}. {s.short}
              </button>
            </li>
          ))}
        </ol>
        <button
          type="button"
          disabled={step === LECTURE_STEP_COUNT - 1}
          aria-keyshortcuts="ArrowRight PageDown Space"
          onClick={() => lecture({ type: 'next' })}
        >
          Next →
        </button>
      </nav>
    </div>
  );
}
