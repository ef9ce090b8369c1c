/**
 * The concept analysis (ml/conceptAnalysis.ts) of the open model's embedded images, run in the
 * training worker with a bar, an estimate and Cancel. A result is kept with what it was computed
 * from (the model's content key and the images, by id in order): it is shown as current only while
 * both are still what is open, and otherwise marked as out of date, never passed off as current.
 */
import { createStore } from 'zustand/vanilla';
import { describeFailure, UserFacingError, userMessage } from '../core/errors.ts';
import { formatBytes } from '../core/formatBytes.ts';
import { unzipSync, zipSync } from 'fflate';
import { readConceptFiles, type ImportedConcepts } from '../core/export/conceptImport.ts';
import type { TopKSae } from '../core/sae/topkSae.ts';
import { APP_VERSION } from '../appVersion.ts';
import { conceptFiles } from '../core/export/conceptExport.ts';
import type { ConceptAnalysis, ConceptSettings } from '../ml/conceptAnalysis.ts';
import { analysisStore, type Job } from './analysisStore.ts';
import { CANCEL_GRACE_MS } from './modelSession.ts';
import { tokenRouting } from '../core/geometry/connectorGeometry.ts';
import { modelStore } from './modelStore.ts';
import { embeddedIds, stack } from './neighbours.ts';
import { stackedTokens } from './tokens.ts';
import { appSession, type PipelineSession } from './session.ts';
import { say, sayFailure } from './uiStore.ts';

export interface ConceptResult {
  readonly modelKey: string;
  readonly ids: readonly string[];
  readonly analysis: ConceptAnalysis;
  /** The file the autoencoders were imported from; null when they were trained here. */
  readonly origin: string | null;
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
/**
 * At the patch level the concept analysis gathers every embedded image's tokens as float32 at
 * once (its autoencoders train on all of them); at most this much, so a large store (1,000
 * LLaVA-size images: 11.8 GB) is refused with a message instead of failing to allocate in a
 * worker. The pooled level needs no tokens (pooledVectorsAsTokens) and runs at any size.
 */
export const MAX_CONCEPT_TOKEN_BYTES = 1024 ** 3;

/** Why these images' tokens are too many to gather for concepts, or null. */
export function conceptTokensProblem(images: number, tokens: { pre: number; dPre: number; post: number; dPost: number }): string | null {
  const perImage = 4 * (tokens.pre * tokens.dPre + tokens.post * tokens.dPost);
  if (images * perImage <= MAX_CONCEPT_TOKEN_BYTES) return null;
  const fits = Math.floor(MAX_CONCEPT_TOKEN_BYTES / perImage);
  return `Concepts train on every embedded image's tokens at once: ${images.toLocaleString('en-US')} images of ${tokens.pre} x ${tokens.dPre} and ${tokens.post} x ${tokens.dPost} need ${formatBytes(images * perImage)}, more than the ${formatBytes(MAX_CONCEPT_TOKEN_BYTES)} a tab can give them. Run concepts on at most ${fits.toLocaleString('en-US')} images (remove some, or open a part of the store), or on pooled vectors (one per image: ${formatBytes(images * 4 * (tokens.dPre + tokens.dPost))}).`;
}

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
  const { latents, k, stability, level } = conceptsStore.getState().settings;
  const steps = level === 'pooled' ? POOLED_STEPS : STEPS;
  await runConcepts(session, {
    settings: { latents, k, steps, seed: SEED, stability, level },
    label: `Finding concepts (${stability ? 'three' : 'two'} sparse autoencoders), step`,
    total: (stability ? 3 : 2) * steps,
    doing: 'find the concepts',
  });
}

/**
 * A concept export ("Export concepts": a zip, or its files chosen together) applied to what is
 * open: its two autoencoders encode these images' tokens (no training), and the quality, the
 * matching and the names are those of the imported concepts here. Refused with a message when the
 * files are not a concept export or do not fit the open model's widths; nothing loaded is lost.
 */
export async function importConcepts(files: readonly File[], session: PipelineSession = appSession()): Promise<void> {
  const { manifest, modelKey } = modelStore.getState();
  if (!manifest || !modelKey) {
    say('warning', 'Open a model pack first: imported concepts are applied to its embeddings.');
    return;
  }
  let imported: ImportedConcepts;
  const origin = files.length === 1 ? files[0]!.name : `${files.length} files`;
  try {
    imported = readConceptFiles(await conceptFileMap(files));
  } catch (error) {
    sayFailure('error', userMessage(error, `${origin} could not be read as a concept export.`), describeFailure(error, 'import the concepts'));
    return;
  }
  const { pre, post, settings, pack } = imported;
  if (pre.d !== manifest.tokens.dPre || post.d !== manifest.tokens.dPost) {
    say(
      'error',
      `These concepts were found on embeddings ${pre.d} wide before the connector and ${post.d} after it; the open model's are ${manifest.tokens.dPre} and ${manifest.tokens.dPost}. Open the model they were found with${pack ? ` (${pack.name})` : ''} and import them again.`,
    );
    return;
  }
  if (pack && pack.key !== modelKey)
    say(
      'warning',
      `These concepts were found with ${pack.name}, not with the model open now (its weights differ). They are applied as they are: read the matches with that in mind.`,
    );
  await runConcepts(session, {
    settings: { ...settings, stability: false },
    trained: { pre, post },
    label: 'Applying the imported concepts',
    total: 1,
    doing: 'apply the imported concepts',
    origin,
    names: imported.names,
  });
}

/** The files chosen, by path: a zip's entries, or the files themselves. */
async function conceptFileMap(files: readonly File[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (file.name.toLowerCase().endsWith('.zip')) {
      let entries: Record<string, Uint8Array>;
      try {
        entries = unzipSync(bytes);
      } catch (cause) {
        throw new UserFacingError(`${file.name} is not a readable zip archive: it is damaged or cut off. Export the concepts again.`, { cause });
      }
      for (const [path, entry] of Object.entries(entries)) out.set(path, entry);
    } else out.set(file.webkitRelativePath || file.name, bytes);
  }
  return out;
}

interface ConceptRun {
  readonly settings: ConceptSettings;
  readonly trained?: { readonly pre: TopKSae; readonly post: TopKSae };
  readonly label: string;
  readonly total: number;
  /** For a failure's message: "could not …". */
  readonly doing: string;
  readonly origin?: string;
  readonly names?: Readonly<Record<number, string>>;
}

/**
 * The images' pooled vectors as one-token matrices, for the pooled level: the analysis mean-pools
 * its input (ml/conceptAnalysis.ts), and the mean of one token is that token, so it sees the
 * vectors KNOR compares (pooled from the float32 tokens, before they were stored as float16)
 * without gathering a single token matrix. `ids` are embedded ones (embeddedIds); the stacks are
 * copies, since the arrays go to the worker.
 */
function pooledVectorsAsTokens(ids: readonly string[], tokens: { dPre: number; dPost: number }) {
  const { embeddings } = analysisStore.getState();
  return {
    pre: stack(ids, (id) => embeddings[id]!.pooledPre),
    post: stack(ids, (id) => embeddings[id]!.pooledPost),
    images: ids.length,
    tokensPre: 1,
    tokensPost: 1,
    dPre: tokens.dPre,
    dPost: tokens.dPost,
  };
}

/** While a run gathers its tokens (before its job shows), a second one is not started. */
let gatheringConcepts = false;

async function runConcepts(session: PipelineSession, run: ConceptRun): Promise<void> {
  const { manifest, modelKey } = modelStore.getState();
  if (!manifest || !modelKey || conceptsStore.getState().job) return;
  const ids = embeddedIds();
  if (ids.length < MIN_CONCEPT_IMAGES) {
    say('warning', `Concepts need at least ${MIN_CONCEPT_IMAGES} embedded images; ${ids.length} are embedded.`);
    return;
  }
  // Pooled vectors are on this thread already (what KNOR compares): nothing to gather, any size.
  const pooled = run.settings.level === 'pooled';
  const tooMany = pooled ? null : conceptTokensProblem(ids.length, manifest.tokens);
  if (tooMany !== null) {
    say('warning', tooMany);
    return;
  }
  if (gatheringConcepts) return;
  gatheringConcepts = true;
  let data;
  try {
    data = pooled ? pooledVectorsAsTokens(ids, manifest.tokens) : await stackedTokens(modelKey, ids, manifest.tokens, session);
  } catch (error) {
    const failure = describeFailure(error, 'gather the tokens');
    sayFailure('error', `Could not ${run.doing}: ${failure.message}`, failure);
    return;
  } finally {
    gatheringConcepts = false;
  }
  if (!data || conceptsStore.getState().job || modelStore.getState().modelKey !== modelKey) return;
  // Which post token each patch went into: co-activation is measured on corresponding patches.
  const tokenSource = tokenRouting(manifest.connector, [manifest.image.grid[0], manifest.image.grid[1]]);
  const { id, promise } = session.training.request(
    {
      type: 'concepts',
      ...data,
      tokenSource,
      settings: run.settings,
      ...(run.trained ? { trained: run.trained } : {}),
    },
    {
      transfer: [data.pre.buffer, data.post.buffer],
      // The first report marks where the rate is measured from: tfjs's start-up is not a step.
      onProgress: (p) =>
        conceptsStore.setState((s) => (s.job ? { job: { ...s.job, done: p.done, total: p.total, mark: s.job.mark ?? { at: Date.now(), done: p.done } } } : {})),
    },
  );
  conceptsStore.setState({
    job: { label: run.label, done: 0, total: run.total, startedAt: Date.now(), cancel: () => session.training.cancel(id, CANCEL_GRACE_MS) },
  });
  try {
    const analysis = await promise;
    conceptsStore.setState({ result: { modelKey, ids, analysis, origin: run.origin ?? null }, names: run.names ?? {} });
  } catch (error) {
    const failure = describeFailure(error, run.doing);
    if (failure.code === 'cancelled' || failure.code === 'stopped') say('info', 'Cancelled; the previous concepts (if any) are kept.');
    else sayFailure('error', `Could not ${run.doing}: ${failure.message}`, failure);
  } finally {
    conceptsStore.setState({ job: null });
    // As after training (store/training.ts): the worker keeps nothing between jobs, its heap does.
    session.training.releaseWhenIdle();
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
    matchedOn: analysis.matchedOn,
    recurrence: analysis.recurrence,
    names: conceptsStore.getState().names,
  });
  const folder = `concepts-${result.modelKey.slice(3, 11)}`;
  return { name: `${folder}.zip`, bytes: zipSync(Object.fromEntries(Object.entries(files).map(([file, bytes]) => [`${folder}/${file}`, bytes]))) };
}
