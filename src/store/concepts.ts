/**
 * The concept analysis (ml/conceptAnalysis.ts) of the open model's embedded images, run in the
 * training worker with a bar, an estimate and Cancel. A result is kept with what it was computed
 * from (the model's content key and the images, by id in order): it is shown as current only while
 * both are still what is open, and otherwise marked as out of date, never passed off as current.
 */
import { createStore } from 'zustand/vanilla';
import { describeFailure } from '../core/errors.ts';
import { zipSync } from 'fflate';
import { APP_VERSION } from '../appVersion.ts';
import { conceptFiles } from '../core/export/conceptExport.ts';
import type { ConceptAnalysis, ConceptSettings } from '../ml/conceptAnalysis.ts';
import type { Job } from './analysisStore.ts';
import { CANCEL_GRACE_MS } from './modelSession.ts';
import { modelStore } from './modelStore.ts';
import { embeddedIds, stackedTokens } from './neighbours.ts';
import { appSession, type PipelineSession } from './session.ts';
import { say, sayFailure } from './uiStore.ts';

export interface ConceptResult {
  readonly modelKey: string;
  readonly ids: readonly string[];
  readonly analysis: ConceptAnalysis;
}

export interface ConceptsState {
  readonly settings: Omit<ConceptSettings, 'seed' | 'steps'>;
  readonly job: Job | null;
  readonly result: ConceptResult | null;
  /** Names given to concepts before the connector, for the result shown (a new result starts unnamed). */
  readonly names: Readonly<Record<number, string>>;
}

/** Dictionary sizes offered (plus 4× the width before the connector, the usual expansion): these packs are narrow. */
export const DICTIONARY_SIZES = [64, 128, 256, 512] as const;

export function dictionarySizes(width: number | null): number[] {
  const sizes: number[] = [...DICTIONARY_SIZES];
  if (width && !sizes.includes(4 * width)) sizes.push(4 * width);
  return sizes.sort((a, b) => a - b);
}
export const ACTIVE_LATENTS = [4, 8, 16, 32] as const;
/** Enough to train a small dictionary on patch tokens; the bar shows the steps. */
const STEPS = 1000;
/** Pooled vectors are one per image (hundreds): half the steps is still hundreds of passes over them. */
const POOLED_STEPS = 500;
const SEED = 11;
/** An SAE needs more tokens than this to mean anything. */
export const MIN_CONCEPT_IMAGES = 8;

export const conceptsStore = createStore<ConceptsState>()(() => ({
  settings: { latents: 128, k: 8, stability: false, level: 'patches' },
  job: null,
  result: null,
  names: {},
}));

/** Whether a result was computed from what is open now: the same model and the same embedded images, in order. */
export function conceptResultCurrent(result: ConceptResult | null): boolean {
  if (!result) return false;
  const ids = embeddedIds();
  return modelStore.getState().modelKey === result.modelKey && ids.length === result.ids.length && ids.every((id, i) => id === result.ids[i]);
}

export async function findConcepts(session: PipelineSession = appSession()): Promise<void> {
  const { manifest, modelKey } = modelStore.getState();
  if (!manifest || !modelKey || conceptsStore.getState().job) return;
  const ids = embeddedIds();
  if (ids.length < MIN_CONCEPT_IMAGES) {
    say('warning', `Finding concepts needs at least ${MIN_CONCEPT_IMAGES} embedded images; ${ids.length} are embedded.`);
    return;
  }
  const data = stackedTokens(ids, manifest.tokens);
  const { latents, k, stability, level } = conceptsStore.getState().settings;
  const steps = level === 'pooled' ? POOLED_STEPS : STEPS;
  const { id, promise } = session.training.request(
    {
      type: 'concepts',
      ...data,
      settings: { latents, k, steps, seed: SEED, stability, level },
    },
    {
      transfer: [data.pre.buffer, data.post.buffer],
      onProgress: (p) => conceptsStore.setState((s) => (s.job ? { job: { ...s.job, done: p.done, total: p.total } } : {})),
    },
  );
  conceptsStore.setState({
    job: {
      label: `Finding concepts (${stability ? 'three' : 'two'} sparse autoencoders), step`,
      done: 0,
      total: (stability ? 3 : 2) * steps,
      startedAt: Date.now(),
      cancel: () => session.training.cancel(id, CANCEL_GRACE_MS),
    },
  });
  try {
    const analysis = await promise;
    conceptsStore.setState({ result: { modelKey, ids, analysis }, names: {} });
  } catch (error) {
    const failure = describeFailure(error, 'find the concepts');
    if (failure.code === 'cancelled' || failure.code === 'stopped') say('info', 'Concept search cancelled; the previous concepts (if any) are kept.');
    else sayFailure('error', `Finding concepts failed: ${failure.message}`, failure);
  } finally {
    conceptsStore.setState({ job: null });
  }
}

export function nameConcept(concept: number, name: string): void {
  conceptsStore.setState((s) => ({ names: { ...s.names, [concept]: name } }));
}

/** The result shown, as the concept export's files (core/export/conceptExport.ts), zipped under one folder. */
export function conceptExportZip(result: ConceptResult): { name: string; bytes: Uint8Array } {
  const { analysis } = result;
  const manifest = modelStore.getState().manifest;
  const side = (s: ConceptAnalysis['pre']) => ({ sae: s.sae, quality: s.quality, pcaVarianceExplained: s.pcaVarianceExplained, tokens: s.codes.n });
  const files = conceptFiles({
    appVersion: APP_VERSION,
    pack: { name: manifest?.name ?? 'block store', key: result.modelKey },
    images: result.ids.length,
    settings: {
      latents: analysis.settings.latents,
      k: analysis.settings.k,
      steps: analysis.settings.steps,
      seed: analysis.settings.seed,
      level: analysis.settings.level,
    },
    pre: side(analysis.pre),
    post: side(analysis.post),
    matches: analysis.matches,
    aligned: analysis.aligned,
    recurrence: analysis.recurrence,
    names: conceptsStore.getState().names,
  });
  const folder = `concepts-${result.modelKey.slice(3, 11)}`;
  return { name: `${folder}.zip`, bytes: zipSync(Object.fromEntries(Object.entries(files).map(([file, bytes]) => [`${folder}/${file}`, bytes]))) };
}
