/**
 * The one object the pipeline's effects coordinate through. The stores say what is shown; this
 * says what the effects (modelSession.ts, embedding.ts, neighbours.ts, training.ts) need to know
 * about each other and about the workers: what the inference worker holds, which model is open,
 * which load is newest and which is in the worker, the queue loads wait in, the embedding job in
 * flight, what the analysis worker holds for KNOR.
 *
 * One object made by a factory, not state spread over modules: a test makes a fresh one (over
 * scripted workers) per test, and two never share anything. Nothing listens until
 * store/pipeline.ts wires it (wirePipeline), which also makes it the app's session: the one the
 * views' calls (embedPending(), openBuiltinPack(id)...) act on. The effects take a session as
 * their last parameter, the app's by default.
 */
import type { KnorSource } from './analysisStore.ts';
import type { WorkerClient } from '../workers/client.ts';
import { analysisClient, inferenceClient, tokensClient, trainingClient } from '../workers/clients.ts';
import type { AnalysisCalls, InferenceCalls, JobId, LoadPackRequest, LoadStockRequest, TokensCalls, TrainingCalls } from '../workers/protocol.ts';

/** What the inference worker is asked to open: a pack's two graphs, or a stock export tapped. */
export type ModelLoad = Omit<LoadPackRequest, 'id' | 'preferred'> | Omit<LoadStockRequest, 'id' | 'preferred'>;

/** A model the app has open: how to open it again, and what people call it. */
export interface OpenModel {
  readonly packId: string;
  readonly load: ModelLoad;
  /** For messages: what people call it. */
  readonly name: string;
}

/** The vectors the analysis worker holds: those of these ids under this model, by key. */
export interface SentVectors {
  readonly key: string;
  readonly modelKey: string;
  readonly ids: readonly string[];
  readonly source: KnorSource;
}

/** What follows what: set by wirePipeline, no-ops until then. */
export interface PipelineFollowers {
  /** A model opened and its (empty or kept) results are in the stores: restore, KNOR, embed. */
  modelOpened: (opened: { readonly modelKey: string }) => Promise<void>;
  /** An embedding job ended (finished, failed, cancelled or stopped): KNOR refreshes. */
  embeddingEnded: () => Promise<void>;
}

export interface PipelineSession {
  /** The workers this session's jobs run in (the app's, or scripted ones in a test). */
  readonly inference: WorkerClient<InferenceCalls>;
  readonly analysis: WorkerClient<AnalysisCalls>;
  readonly training: WorkerClient<TrainingCalls>;
  /** Holds every image's token matrices (the main thread keeps pooled vectors and results only). */
  readonly tokens: WorkerClient<TokensCalls>;
  /**
   * What the app has open: set only when a load answered and its choice was still the newest.
   * It stays set when the worker loses the model (crash, stop); workerHolds says whether it holds it.
   */
  opened: OpenModel | null;
  /**
   * The load the current inference worker holds. null after the worker was reset (crash, stop,
   * terminate) until a load answers in the new one. Jobs may run in the worker only when it is
   * `opened.load` (the same object): ensureWorkerHolds opens it again otherwise.
   */
  workerHolds: ModelLoad | null;
  /**
   * Counts the models chosen (openModel calls). A choice that finds it moved on leaves the state to
   * the newer one; a reopen asked for before it moved on is skipped (the newer choice holds a model).
   */
  generation: number;
  /** The load request in the inference worker now (a choice or a reopen), to end it when another model is chosen; null when none is. */
  loadInFlight: JobId | null;
  /** The tail of the load queue: loads run one after another, never two in the worker at once. Never rejects. */
  loadQueue: Promise<unknown>;
  /** The embedding job in flight, null when none: a second request waits for it, then embeds what is still waiting. */
  embedding: Promise<void> | null;
  /** The vectors the analysis worker holds for KNOR; null when unknown (its worker was reset, a request failed). Only a change sends them again. */
  knorSent: SentVectors | null;
  /** Makes each new set of sent vectors a new key (`<modelKey>#<n>`). Only grows. */
  knorVersion: number;
  /** Counts KNOR requests: only the newest one's answer is shown (answers may come back out of order). */
  knorRequests: number;
  /** Counts map layout requests: only the newest one's answer is shown. */
  mapRequests: number;
  /** Counts random-baseline requests: only the newest one's answer is shown. */
  baselineRequests: number;
  followers: PipelineFollowers;
  /** Set while wired (store/pipeline.ts): undoes the wiring. */
  unwire: (() => void) | null;
}

export interface PipelineWorkers {
  readonly inference: WorkerClient<InferenceCalls>;
  readonly analysis: WorkerClient<AnalysisCalls>;
  readonly training: WorkerClient<TrainingCalls>;
  readonly tokens: WorkerClient<TokensCalls>;
}

/** Followers that do nothing: a session's until it is wired, and again once unwired. */
export function idleFollowers(): PipelineFollowers {
  return { modelOpened: async () => {}, embeddingEnded: async () => {} };
}

/** A session with nothing open, over these workers (the app's by default). Nothing listens until it is wired. */
export function createPipelineSession(workers: Partial<PipelineWorkers> = {}): PipelineSession {
  return {
    inference: workers.inference ?? inferenceClient,
    analysis: workers.analysis ?? analysisClient,
    training: workers.training ?? trainingClient,
    tokens: workers.tokens ?? tokensClient,
    opened: null,
    workerHolds: null,
    generation: 0,
    loadInFlight: null,
    loadQueue: Promise.resolve(),
    embedding: null,
    knorSent: null,
    knorVersion: 0,
    knorRequests: 0,
    mapRequests: 0,
    baselineRequests: 0,
    followers: idleFollowers(),
    unwire: null,
  };
}

/** Loads one at a time in the session's inference worker: the worker must never open two models at once. */
export function queuedLoad<T>(session: PipelineSession, task: () => Promise<T>): Promise<T> {
  const run = session.loadQueue.then(task, task);
  session.loadQueue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

/**
 * The session the views' calls act on: the one last wired (wirePipeline), else a bare one over the
 * app's workers, made on first use (jobs run, nothing follows them: no restore on open, no
 * recovery on a reset). The one piece of module state left, and it only points.
 */
let current: PipelineSession | null = null;

export function appSession(): PipelineSession {
  current ??= createPipelineSession();
  return current;
}

/** Make `session` the app's (wirePipeline), or let go of it (its unwire): the next appSession() is then a fresh bare one. */
export function setAppSession(session: PipelineSession | null): void {
  current = session;
}

/** Whether `session` is the app's now (an unwired session lets go of the app only if it held it). */
export function isAppSession(session: PipelineSession): boolean {
  return current === session;
}
