/**
 * Every message between the main thread and the workers, as discriminated unions, and for each
 * worker a CallMap saying what each request type answers with (workers/client.ts infers the reply
 * type from it). Replies are {type, id, result | error | progress | item}; an error is a Failure
 * (a code that recovery decides on, a message for people, raw details); no exception escapes a worker.
 */
import type { PatchSample } from '../core/patches/samplePatches.ts';
import type { PooledRegionStats, RegionStats } from '../core/patches/regionAnalysis.ts';
import type { Failure } from '../core/errors.ts';
import type { Metric, PackManifest } from '../core/types.ts';
import type { Call } from './client.ts';
import type { ModelInspection } from '../core/onnx/inspectModel.ts';
import type { ParsedLabels } from '../core/labels/parseLabels.ts';
import type { ExecutionProvider } from '../ml/ort.ts';
import type { NamedWeight, ReconstructionData, ReconstructionShape } from '../ml/trainReconstructor.ts';
import type { ConceptAnalysis, ConceptInput, ConceptSettings } from '../ml/conceptAnalysis.ts';
import type { TopKSae } from '../core/sae/topkSae.ts';
import type { Standardizer } from '../core/stats/standardize.ts';
import type { SessionExport } from '../core/export/sessionExport.ts';
import type { PutOutcome, TokenShape } from '../core/tokens/tokenStore.ts';
import type { ProductsExport } from '../core/knn/dotProducts.ts';
import type { NeighbourSearch } from '../core/knn/neighbourTables.ts';

export type JobId = number;

/** Where a model file comes from: a URL the worker fetches, or bytes already in memory. */
export type ModelSource =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  /** A user's file, read in the worker; siblings are the other chosen files, for external weights. */
  | { readonly kind: 'file'; readonly name: string; readonly file: Blob; readonly siblings: readonly { readonly name: string; readonly file: Blob }[] };

// ---------- inference worker ----------

export interface LoadPackRequest {
  readonly type: 'load-pack';
  readonly id: JobId;
  readonly manifest: PackManifest;
  readonly encoder: ModelSource;
  readonly connector: ModelSource;
  readonly preferred: readonly ExecutionProvider[];
}
export interface LoadPackResult {
  /**
   * What the model's results are filed under: a hash of every byte that decides them (graphs,
   * weights, preprocessing and io fields, for stock exports the tap and the processor configs),
   * computed while the files were read (core/identity/modelIdentity.ts).
   */
  readonly modelKey: string;
  readonly ep: ExecutionProvider;
  readonly fallbackReason: string | null;
  /** Threads the model's WASM sessions compute on; null when it runs on WebGPU. */
  readonly wasmThreads: number | null;
  readonly loadMs: number;
}

/**
 * Open a stock export (vision encoder with the connector inside) tapped at `tap`, its images
 * prepared by the processor its config files describe; the worker probes it and says what it is.
 */
export interface LoadStockRequest {
  readonly type: 'load-stock';
  readonly id: JobId;
  readonly source: ModelSource;
  readonly tap: { readonly pre: string; readonly post: string };
  /** config.json (null when absent) and preprocessor_config.json, as parsed JSON (outside data). */
  readonly config: unknown;
  readonly preprocessorConfig: unknown;
  /** The id the picker lists it under, the name shown, and where the model came from. */
  readonly packId: string;
  readonly name: string;
  readonly origin: string;
  readonly preferred: readonly ExecutionProvider[];
}
export interface LoadStockResult extends LoadPackResult {
  /** The model described as a pack, from its probe run. */
  readonly manifest: PackManifest;
  /** Outputs the tap appended. */
  readonly added: readonly string[];
  /** Where the analysis departs from the processor's defaults, in words. */
  readonly notes: readonly string[];
}

export interface EmbedRequest {
  readonly type: 'embed';
  readonly id: JobId;
  readonly images: readonly { readonly imageId: string; readonly blob: Blob }[];
}
/** One image's tokens, streamed as it finishes (buffers transferred). */
export type EmbeddedImage =
  | {
      readonly ok: true;
      readonly imageId: string;
      readonly pre: Float32Array;
      readonly post: Float32Array;
      readonly pooledPre: Float32Array;
      readonly pooledPost: Float32Array;
      /** The exact cropped, resized image the encoder saw (size x size RGBA), for overlays. */
      readonly display: Uint8ClampedArray;
      readonly ms: number;
    }
  | { readonly ok: false; readonly imageId: string; readonly failure: Failure };
export interface EmbedResult {
  readonly done: number;
  readonly failed: number;
  readonly cancelled: boolean;
  readonly ep: ExecutionProvider;
}

/** Pooled vectors of the embedded images, pre and post, row-major [n, d]. */
export interface PooledVectors {
  readonly pre: Float32Array;
  readonly post: Float32Array;
  readonly n: number;
  readonly dPre: number;
  readonly dPost: number;
}

/**
 * Neighbours and KNOR for k, metric and self mode. The worker keeps exact neighbour tables for
 * the last vectors it was sent (core/knn/neighbourTable.ts), under `dataKey`: a new k, metric or
 * self mode then costs no new search. `data` is sent when the vectors changed, or when the worker
 * answered that it has none for this key.
 */
export interface KnnRequest {
  readonly type: 'knn';
  readonly id: JobId;
  readonly dataKey: string;
  readonly data: PooledVectors | null;
  readonly k: number;
  readonly metric: Metric;
  readonly includeSelf: boolean;
}
export type KnnResult =
  | { readonly status: 'need-data' }
  | {
      readonly status: 'ok';
      readonly nnPre: Int32Array;
      readonly nnPost: Int32Array;
      readonly perImage: Float32Array;
      readonly mean: number;
      readonly search: NeighbourSearch;
    };

/**
 * 2-D maps of the vectors the worker holds under `dataKey` (sent with a `knn` request): the first
 * two principal components before and after the connector, of unit-length rows for cosine.
 */
export interface MapLayoutRequest {
  readonly type: 'map-layout';
  readonly id: JobId;
  readonly dataKey: string;
  readonly metric: Metric;
}
export type MapLayoutResult =
  | { readonly status: 'need-data' }
  | {
      readonly status: 'ok';
      /** [n, 2] row-major, rows in the order the vectors were sent. */
      readonly pre: Float32Array;
      readonly post: Float32Array;
      /** Share of the variance each of the two axes explains, per space. */
      readonly explainedPre: readonly number[];
      readonly explainedPost: readonly number[];
    };
/**
 * KNOR of the pre vectors against random linear maps of them to d_post dimensions
 * (core/knn/randomBaseline.ts), for the vectors held under `dataKey`, at k, metric and self mode.
 */
export interface RandomBaselineRequest {
  readonly type: 'random-baseline';
  readonly id: JobId;
  readonly dataKey: string;
  readonly k: number;
  readonly metric: Metric;
  readonly includeSelf: boolean;
}
export type RandomBaselineResult =
  | { readonly status: 'need-data' }
  /** The product would take too long here (multiply-adds n · d_pre · d_post above the limit). */
  | { readonly status: 'too-large'; readonly work: number }
  | { readonly status: 'ok'; /** Mean KNOR of each random draw. */ readonly means: readonly number[] };

/** UMAP layouts (core/projection/umap.ts) of the vectors held under `dataKey`, from their exact neighbour lists. */
export interface MapUmapRequest {
  readonly type: 'map-umap';
  readonly id: JobId;
  readonly dataKey: string;
  readonly metric: Metric;
}
export type MapUmapResult =
  | { readonly status: 'need-data' }
  | { readonly status: 'ok'; /** [n, 2] each, rows in the order the vectors were sent. */ readonly pre: Float32Array; readonly post: Float32Array };

/** Passes of the subspace iteration done, out of at most `total` (both spaces together). */
export interface MapLayoutProgress {
  readonly done: number;
  readonly total: number;
}

/** Region statistics (core/patches/regionAnalysis.ts): per image, one row of patch losses and a 0/1 mask of its region; pooled over them. */
export interface RegionStatsRequest {
  readonly type: 'region-stats';
  readonly id: JobId;
  readonly images: readonly { readonly losses: Float32Array; readonly mask: Uint8Array }[];
  readonly seed: number;
}
export interface RegionStatsResult {
  /** In request order; null where the region is empty or covers the whole image. */
  readonly perImage: readonly (RegionStats | null)[];
  readonly pooled: PooledRegionStats | null;
}

// ---------- analysis worker: neighbours, KNOR and maps, apart from the model ----------

export type AnalysisRequest = KnnRequest | MapLayoutRequest | MapUmapRequest | RandomBaselineRequest | RegionStatsRequest | CancelRequest;

export interface AnalysisCalls {
  /** Progress (only from a search that takes a while): percent of the search, both spaces together. */
  readonly knn: Call<KnnRequest, KnnResult, MapLayoutProgress>;
  readonly 'map-layout': Call<MapLayoutRequest, MapLayoutResult, MapLayoutProgress>;
  readonly 'random-baseline': Call<RandomBaselineRequest, RandomBaselineResult>;
  readonly 'region-stats': Call<RegionStatsRequest, RegionStatsResult>;
  /** Progress: epochs done of the total, both spaces together. */
  readonly 'map-umap': Call<MapUmapRequest, MapUmapResult, MapLayoutProgress>;
}

export interface CancelRequest {
  readonly type: 'cancel';
  readonly id: JobId;
  /** The job to cancel. */
  readonly target: JobId;
}

/** Finish job `target` now with what it has: the training worker's "Finish now" (TrainHooks.finish). */
export interface FinishRequest {
  readonly type: 'finish';
  readonly id: JobId;
  readonly target: JobId;
}

/** Browser-test hooks (the app only sends them with ?debug): destroy the WebGPU device; crash the worker. */
export interface DebugRequest {
  readonly type: 'debug-lose-webgpu' | 'debug-crash';
  readonly id: JobId;
}

export type InferenceRequest = LoadPackRequest | LoadStockRequest | EmbedRequest | CancelRequest | DebugRequest;

export interface EmbedProgress {
  readonly done: number;
  readonly total: number;
}

export interface InferenceCalls {
  readonly 'load-pack': Call<LoadPackRequest, LoadPackResult>;
  readonly 'load-stock': Call<LoadStockRequest, LoadStockResult>;
  readonly embed: Call<EmbedRequest, EmbedResult, EmbedProgress, EmbeddedImage>;
  readonly 'debug-lose-webgpu': Call<DebugRequest & { readonly type: 'debug-lose-webgpu' }, boolean>;
  readonly 'debug-crash': Call<DebugRequest & { readonly type: 'debug-crash' }, boolean>;
}

// ---------- tap worker: reads a stock export's graph, weights skipped (docs/tapping.md) ----------

/** Read a model's graph (not its weights): shapes, the automatic connector boundary, candidates. */
export interface InspectModelRequest {
  readonly type: 'inspect-model';
  readonly id: JobId;
  readonly source: ModelSource;
}
export interface InspectModelResult {
  /** modelKey() of the file: what a stored tap choice is filed under. */
  readonly key: string;
  readonly inspection: ModelInspection;
}

export type TapRequest = InspectModelRequest | CancelRequest;

export interface TapCalls {
  readonly 'inspect-model': Call<InspectModelRequest, InspectModelResult>;
}

// ---------- training worker ----------

/**
 * Train on these images' tokens, read a batch at a time from the tokens worker through `tokens`
 * (a port it serves: ServeBatchesRequest), so the training worker never holds the collection.
 */
export interface TrainRequest extends ReconstructionShape {
  readonly type: 'train';
  readonly id: JobId;
  readonly epochs: number;
  readonly seed: number;
  /** tokenKey(modelKey, imageId) of each image, in the order of the result's rows. */
  readonly keys: readonly string[];
  readonly tokens: MessagePort;
}
/** An epoch's losses (for the curve), or how many optimiser steps of all planned are done (for the bar and its estimate). */
export type TrainProgress =
  | {
      readonly kind: 'epoch';
      readonly epoch: number;
      readonly epochs: number;
      readonly trainLoss: number;
      readonly valLoss: number;
      readonly bestEpoch: number;
    }
  | { readonly kind: 'step'; readonly step: number; readonly steps: number; readonly epoch: number }
  /** The final pass that computes every image's per-patch losses (the heatmaps). */
  | { readonly kind: 'evaluate'; readonly done: number; readonly total: number };
export interface TrainResult {
  readonly perPatch: Float32Array;
  readonly perImage: Float32Array;
  readonly trainLoss: readonly number[];
  readonly valLoss: readonly number[];
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  /** The step after which "Finish now" ended training; null when it ran its course. */
  readonly finishedAfterStep: number | null;
  readonly backend: string;
  readonly architecture: string;
  readonly validation: Int32Array;
  readonly constantDims: number;
  /** The trained reconstructor itself, kept so it survives a reload. */
  readonly weights: readonly NamedWeight[];
  readonly standardizers: { readonly pre: Standardizer; readonly post: Standardizer };
}
/** Concepts before and after the connector (ml/conceptAnalysis.ts): two TopK SAEs on the patch tokens, matched. */
export interface ConceptsRequest extends ConceptInput {
  readonly type: 'concepts';
  readonly id: JobId;
  readonly settings: ConceptSettings;
  /** Imported autoencoders to apply instead of training (ConceptHooks.trained). */
  readonly trained?: { readonly pre: TopKSae; readonly post: TopKSae };
}
/** SAE optimiser steps done of both together. */
export interface ConceptsProgress {
  readonly done: number;
  readonly total: number;
}

/** A kept reconstructor applied to images added after it was trained (ml/applyReconstructor.ts). */
export interface ApplyReconstructorRequest extends ReconstructionData {
  readonly type: 'apply-reconstructor';
  readonly id: JobId;
  readonly kept: Pick<TrainResult, 'weights' | 'standardizers'>;
}
export interface ApplyReconstructorResult {
  readonly perPatch: Float32Array;
  readonly perImage: Float32Array;
}
export type TrainingRequest = TrainRequest | ConceptsRequest | ApplyReconstructorRequest | CancelRequest | FinishRequest;

export interface TrainingCalls {
  readonly train: Call<TrainRequest, TrainResult, TrainProgress>;
  readonly concepts: Call<ConceptsRequest, ConceptAnalysis, ConceptsProgress>;
  readonly 'apply-reconstructor': Call<ApplyReconstructorRequest, ApplyReconstructorResult>;
}

// ---------- tokens worker: every image's token matrices, off the main thread (core/tokens/tokenStore.ts) ----------

/** Keep an image's matrices (float32 in; kept as float16); `persist`: in a file too, so a reload finds them. */
export interface PutTokensRequest extends TokenShape {
  readonly type: 'put-tokens';
  readonly id: JobId;
  /** tokenKey(modelKey, imageId). */
  readonly key: string;
  readonly pre: Float32Array;
  readonly post: Float32Array;
  readonly persist: boolean;
}
/**
 * A block store's images: their tokens are read from these files when asked for (workers/blockTokenSource.ts),
 * never copied here. Every block has `shape` (the store checked it when it was opened).
 */
export interface AttachBlockTokensRequest {
  readonly type: 'attach-block-tokens';
  readonly id: JobId;
  readonly shape: TokenShape;
  readonly blocks: readonly { readonly key: string; readonly pre: File; readonly post: File }[];
}
/** Which of these keys are held (in memory or a file). */
export interface HasTokensRequest {
  readonly type: 'has-tokens';
  readonly id: JobId;
  readonly keys: readonly string[];
}
/** These keys' matrices stacked in their order as float32, for a training worker job. */
export interface StackTokensRequest {
  readonly type: 'stack-tokens';
  readonly id: JobId;
  readonly keys: readonly string[];
  /** Only these rows of each image (a training step's patch sample, T' = T): [n, count, d] comes back. */
  readonly patches?: PatchSample;
  /**
   * Arrays of an earlier batch, handed back (transferred) to be filled again where they are large
   * enough: the answer is then a view of their buffers (TokenStore.stack's `into`).
   */
  readonly into?: { readonly pre: Float32Array; readonly post: Float32Array };
}
export type StackTokensResult =
  | { readonly ok: true; readonly pre: Float32Array; readonly post: Float32Array; readonly shape: TokenShape }
  | { readonly ok: false; readonly missing: readonly string[] };
/** One token of one image (the lecture's strips). */
export interface TokenRowRequest {
  readonly type: 'token-row';
  readonly id: JobId;
  readonly key: string;
  readonly space: 'pre' | 'post';
  readonly index: number;
}
/** Forget tokens: every key starting with one of the prefixes (an image id: all its models'), or everything. */
export interface RemoveTokensRequest {
  readonly type: 'remove-tokens';
  readonly id: JobId;
  readonly prefixes: readonly string[] | 'all';
}
/**
 * Answer StackTokensRequests arriving on `port` (the training worker's end of a MessageChannel),
 * in the same order as every other request, so training reads its batches without the main thread.
 */
export interface ServeBatchesRequest {
  readonly type: 'serve-batches';
  readonly id: JobId;
  readonly port: MessagePort;
}
export type TokensRequest =
  | PutTokensRequest
  | AttachBlockTokensRequest
  | HasTokensRequest
  | StackTokensRequest
  | TokenRowRequest
  | RemoveTokensRequest
  | ServeBatchesRequest
  | CancelRequest;

export interface TokensCalls {
  readonly 'put-tokens': Call<PutTokensRequest, PutOutcome>;
  readonly 'attach-block-tokens': Call<AttachBlockTokensRequest, true>;
  readonly 'has-tokens': Call<HasTokensRequest, readonly boolean[]>;
  readonly 'stack-tokens': Call<StackTokensRequest, StackTokensResult>;
  readonly 'token-row': Call<TokenRowRequest, Float32Array | null>;
  readonly 'remove-tokens': Call<RemoveTokensRequest, number>;
  readonly 'serve-batches': Call<ServeBatchesRequest, true>;
}

// ---------- files worker: what a person drops, checked and parsed off the main thread ----------

export interface CheckImagesRequest {
  readonly type: 'check-images';
  readonly id: JobId;
  readonly files: readonly File[];
}
/** One file's check, by its index in the request: admitted with its size and content hash, or refused with why. */
export type CheckedFile =
  | { readonly ok: true; readonly width: number | null; readonly height: number | null; readonly notice: string | null; readonly contentHash: string }
  | { readonly ok: false; readonly message: string };
export interface CheckedItem {
  readonly index: number;
  readonly result: CheckedFile;
}

export interface ParseLabelsRequest {
  readonly type: 'parse-labels';
  readonly id: JobId;
  readonly file: File;
}

/** The paper's block store: one pre and one post safetensors file per image, and the image itself when the folder has it. */
export interface ReadBlockStoreRequest {
  readonly type: 'read-block-store';
  readonly id: JobId;
  readonly blocks: readonly { readonly id: string; readonly pre: File; readonly post: File; readonly image: File | null }[];
  /** What the page may hold for the store (pooled vectors and pictures); refused after the first block when more. */
  readonly maxPageBytes: number;
}
/**
 * One block read: pooled vectors, and the picture to draw heatmaps over. Its tokens are not sent:
 * the tokens worker reads them from the block's files when needed (store/tokens.ts attachBlockTokens).
 */
export interface BlockStoreItem {
  readonly index: number;
  readonly pooledPre: Float32Array;
  readonly pooledPost: Float32Array;
  /** DISPLAY_SIZE x DISPLAY_SIZE RGBA: the block's image centre-cropped; null without a readable image (the page shares one grey picture). */
  readonly display: Uint8ClampedArray | null;
  /** BLAKE3 of the image file, when there is one (how the app knows an image). */
  readonly imageHash: string | null;
}
export interface BlockStoreShape {
  readonly tokensPre: number;
  readonly dPre: number;
  readonly tokensPost: number;
  readonly dPost: number;
  /** Rank of the stored blocks: 2 for tokens, 1 for pooled vectors only (no reconstruction). */
  readonly rank: 1 | 2;
}
export interface ReadBlockStoreResult {
  readonly done: number;
  readonly cancelled: boolean;
  readonly shape: BlockStoreShape | null;
  /** BLAKE3 over every block file's name and bytes: the store's content key. */
  readonly digest: string;
  /** Images beside blocks that could not be decoded (the blocks are kept, shown grey), each with why. */
  readonly unreadableImages: readonly string[];
}

/** A session's export: the tables and arrays (core/export) built here, with the page's figures added, zipped or not. */
export interface BuildExportRequest {
  readonly type: 'build-export';
  readonly id: JobId;
  readonly session: SessionExport;
  /** Files drawn on the page (heatmaps, figures), by path. */
  readonly extra: Readonly<Record<string, Uint8Array>>;
  /** Zip everything under this top folder; null: hand the files back loose (for a picked folder). */
  readonly zipFolder: string | null;
}
export type BuiltExport =
  | { readonly kind: 'zip'; readonly zip: Uint8Array; readonly count: number }
  | { readonly kind: 'files'; readonly files: Readonly<Record<string, Uint8Array>>; readonly count: number };

export type FilesRequest = CheckImagesRequest | ParseLabelsRequest | ReadBlockStoreRequest | BuildExportRequest | CancelRequest;

export interface FilesCalls {
  readonly 'check-images': Call<CheckImagesRequest, { readonly done: number }, EmbedProgress, CheckedItem>;
  readonly 'parse-labels': Call<ParseLabelsRequest, ParsedLabels>;
  readonly 'read-block-store': Call<ReadBlockStoreRequest, ReadBlockStoreResult, EmbedProgress, BlockStoreItem>;
  readonly 'build-export': Call<BuildExportRequest, BuiltExport>;
}

// ---------- products workers: the analysis worker's threads of dot products (core/knn/dotProducts.ts) ----------

/** Instantiate the kernel on the memory the analysis worker shares (once per neighbour table). */
export interface ProductsInitRequest {
  readonly type: 'products-init';
  readonly id: JobId;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
}

/** Compute one thread's part of a block: the kernel's arguments (kernelArguments). */
export interface ProductsRunRequest {
  readonly type: 'products-run';
  readonly id: JobId;
  readonly args: Parameters<ProductsExport>;
}

export type ProductsRequest = ProductsInitRequest | ProductsRunRequest;

export interface ProductsCalls {
  readonly 'products-init': Call<ProductsInitRequest, true>;
  readonly 'products-run': Call<ProductsRunRequest, true>;
}

// ---------- replies ----------

export type Reply<R, P = never, I = never> =
  | { readonly type: 'result'; readonly id: JobId; readonly result: R }
  | { readonly type: 'error'; readonly id: JobId; readonly error: Failure }
  | { readonly type: 'progress'; readonly id: JobId; readonly progress: P }
  | { readonly type: 'item'; readonly id: JobId; readonly item: I };

export type InferenceReply = Reply<LoadPackResult | LoadStockResult | EmbedResult | boolean, EmbedProgress, EmbeddedImage>;
export type AnalysisReply = Reply<KnnResult | MapLayoutResult | MapUmapResult | RandomBaselineResult | RegionStatsResult, MapLayoutProgress>;
export type TrainingReply = Reply<TrainResult | ConceptAnalysis | ApplyReconstructorResult, TrainProgress | ConceptsProgress>;
export type TapReply = Reply<InspectModelResult>;
export type TokensReply = Reply<PutOutcome | readonly boolean[] | StackTokensResult | Float32Array | null | number | true>;
export type ProductsReply = Reply<true>;
export type FilesReply = Reply<{ readonly done: number } | ParsedLabels | ReadBlockStoreResult | BuiltExport, EmbedProgress, CheckedItem | BlockStoreItem>;
