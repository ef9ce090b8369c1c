/**
 * Results for the open pack: pooled vectors and display crops per image (typed arrays, replaced
 * not mutated; the token matrices live in the tokens worker), neighbour
 * sets and KNOR, reconstructor training and patch losses, and the running jobs.
 */
import type { RateMark } from '../core/jobEstimate.ts';
import { createStore } from 'zustand/vanilla';
import type { Metric } from '../core/types.ts';
import type { NeighbourSearch } from '../core/knn/neighbourTables.ts';
import type { TrainResult } from '../workers/protocol.ts';

/** What this thread keeps of an embedded image; its token matrices are in the tokens worker (store/tokens.ts). */
export interface ImageEmbedding {
  readonly pooledPre: Float32Array;
  readonly pooledPost: Float32Array;
  readonly display: Uint8ClampedArray;
}

/** Whose vectors a result was computed from: this browser's embeddings, or the build's precomputed ones while they are checked (store/firstLook.ts). */
export type KnorSource = 'live' | 'first-look';

export interface KnorResult {
  /** Image ids in the row order of the arrays below. */
  readonly ids: readonly string[];
  readonly k: number;
  readonly metric: Metric;
  readonly includeSelf: boolean;
  readonly nnPre: Int32Array;
  readonly nnPost: Int32Array;
  readonly perImage: Float32Array;
  readonly mean: number;
  /** The analysis worker's key for the vectors searched (what the maps and the baseline of these results are laid out from). */
  readonly dataKey: string;
  readonly source: KnorSource;
  /** How the worker's neighbour tables for these vectors were searched. */
  readonly search: NeighbourSearch;
}

/**
 * The build's precomputed pooled vectors of the bundled set (core/imageset/firstLook.ts), shown
 * until this browser has embedded the set itself, then compared with its embeddings.
 */
export interface FirstLookState {
  readonly packId: string;
  /** Collection ids, in the row order of the vectors (the collection's order when it was matched). */
  readonly ids: readonly string[];
  readonly dPre: number;
  readonly dPost: number;
  readonly pooledPre: Float32Array;
  readonly pooledPost: Float32Array;
  /** provisional: shown, not yet checked; verified/differs: compared with this browser's embeddings (largest difference, the worst image's id). */
  readonly check:
    | { readonly status: 'provisional' }
    | { readonly status: 'verified' | 'differs'; readonly maxDifference: number; readonly worstId: string; readonly compared: number };
}

/** The before/after maps: 2-D coordinates of the pooled vectors (store/maps.ts). */
export interface EmbeddingMaps {
  /** The analysis worker's key for the vectors laid out (the KNOR request's). */
  readonly dataKey: string;
  /** Image ids in the row order of the coordinates. */
  readonly ids: readonly string[];
  readonly metric: Metric;
  /** [ids.length, 2] row-major. */
  readonly pre: Float32Array;
  readonly post: Float32Array;
  readonly explainedPre: readonly number[];
  readonly explainedPost: readonly number[];
}

/** KNOR of random linear maps of the connector's shape (store/knorBaseline.ts), for the settings of the KNOR shown. */
/** UMAP layouts of the same vectors as `maps` (store/maps.ts), computed on request. */
export interface UmapLayouts {
  readonly dataKey: string;
  readonly metric: Metric;
  readonly pre: Float32Array;
  readonly post: Float32Array;
}

export interface KnorBaseline {
  readonly dataKey: string;
  readonly k: number;
  readonly metric: Metric;
  readonly includeSelf: boolean;
  /** Mean KNOR of each random draw; null when the set is too large to compute it here. */
  readonly means: readonly number[] | null;
}

export interface TrainingState {
  readonly status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  readonly epochs: number;
  readonly trainLoss: readonly number[];
  readonly valLoss: readonly number[];
  readonly bestEpoch: number | null;
  readonly error: string | null;
}

export interface ReconstructionResult {
  readonly ids: readonly string[];
  readonly tokens: number;
  /** [ids.length, tokens] standardised patch MSE. */
  readonly perPatch: Float32Array;
  readonly perImage: Float32Array;
  readonly validationIds: ReadonlySet<string>;
  /** Images added after training and scored by the kept reconstructor (store/applyReconstruction.ts), in `ids` too; absent: none. */
  readonly addedIds?: readonly string[];
  readonly backend: string;
  readonly architecture: string;
  readonly stoppedEarly: boolean;
  /** The step after which the user's "Finish now" ended training; absent when it ran its course. */
  readonly finishedAfterStep?: number;
  readonly constantDims: number;
  /** The run that made these losses: its best validation epoch (1-based) and that epoch's loss. The training state may describe a later run (cancelled, failed). */
  readonly run: { readonly bestEpoch: number | null; readonly bestValLoss: number | null };
  /** The trained reconstructor (best-epoch weights and the standardisers it expects). */
  readonly model: Pick<TrainResult, 'weights' | 'standardizers'>;
  /** Shipped with the image set (store/precomputedReconstruction.ts); verified: every image embedded here matched its inputs, not only the first few. */
  readonly precomputed?: { readonly verified: boolean };
}

export interface Job {
  readonly label: string;
  readonly done: number;
  readonly total: number;
  /** When it started (Date.now()), for the time estimate. */
  readonly startedAt: number;
  /** Its first progress report, when its start-up should not count in the estimate (core/jobEstimate.ts). */
  readonly mark?: RateMark;
  readonly cancel: () => void;
  /** Present while the job can stop early and keep what it has (training's "Finish now"). */
  readonly finish?: () => void;
}

export interface AnalysisState {
  /** The content key of the model these results belong to (modelStore.modelKey when current). */
  readonly modelKey: string | null;
  readonly embeddings: Readonly<Record<string, ImageEmbedding>>;
  readonly failures: Readonly<Record<string, string>>;
  readonly knor: KnorResult | null;
  /** Why KNOR is not shown (too few images...), when it is not. */
  readonly knorBlocked: string | null;
  readonly maps: EmbeddingMaps | null;
  readonly knorBaseline: KnorBaseline | null;
  readonly umap: UmapLayouts | null;
  readonly umapJob: Job | null;
  /** A neighbour search that takes a while (new vectors, or a k past the tables' depth): its bar and Cancel in the KNOR panel. */
  readonly searchJob: Job | null;
  /** Share of the map layout done (0..1) while one is computed, else null. */
  readonly mapsProgress: number | null;
  readonly training: TrainingState;
  readonly reconstruction: ReconstructionResult | null;
  readonly embedJob: Job | null;
  readonly trainJob: Job | null;
  readonly lastEmbedMs: number | null;
  readonly firstLook: FirstLookState | null;
}

/** The first look's pooled vectors of one row (views into its arrays, not copies). */
export function firstLookRow(firstLook: FirstLookState, row: number): { readonly pre: Float32Array; readonly post: Float32Array } {
  const { dPre, dPost } = firstLook;
  return { pre: firstLook.pooledPre.subarray(row * dPre, (row + 1) * dPre), post: firstLook.pooledPost.subarray(row * dPost, (row + 1) * dPost) };
}

export const idleTraining: TrainingState = { status: 'idle', epochs: 0, trainLoss: [], valLoss: [], bestEpoch: null, error: null };

export const emptyAnalysis = (modelKey: string | null): AnalysisState => ({
  modelKey,
  embeddings: {},
  failures: {},
  knor: null,
  knorBlocked: null,
  maps: null,
  knorBaseline: null,
  umap: null,
  umapJob: null,
  searchJob: null,
  mapsProgress: null,
  training: idleTraining,
  reconstruction: null,
  embedJob: null,
  trainJob: null,
  lastEmbedMs: null,
  firstLook: null,
});

export const analysisStore = createStore<AnalysisState>()(() => emptyAnalysis(null));
