/**
 * Stock exports (a vision encoder with the connector inside, from the hub or the user's disk)
 * opened for analysis. The flow: inspect the graph in the tap worker (weights skipped), take the
 * stored tap for this model or else the automatic boundary, open it tapped in the inference
 * worker (which probes it and describes it as a pack), and remember the tap once it works. With
 * no boundary found, the tap panel asks the user to pick; a new pick reopens the model.
 */
import { createStore } from 'zustand/vanilla';
import { describeFailure } from '../core/errors.ts';
import type { ModelInspection } from '../core/onnx/inspectModel.ts';
import { initialTapChoice, makeTapRecord } from '../core/onnx/tapRecord.ts';
import { modelTypeOf, parseConfigJson, pickStockFiles } from '../core/stock/stockFiles.ts';
import { tapClient } from '../workers/clients.ts';
import type { InspectModelResult } from '../workers/protocol.ts';
import { modelStore } from './modelStore.ts';
import { openModel, STOCK_ID_PREFIX } from './modelSession.ts';
import { loadTapRecord, saveTapRecord } from './tapRecords.ts';
import { say, sayFailure } from './uiStore.ts';
import { rememberUserModel } from './userModel.ts';

/** A stock export as chosen: the encoder file, its side files, and its parsed config files. */
export interface StockModelInput {
  readonly encoder: File;
  /** Weight side files, by the names the graph refers to them by. */
  readonly siblings: readonly File[];
  readonly config: unknown;
  readonly preprocessorConfig: unknown;
  /** What people call it: "HuggingFaceTB/SmolVLM-256M-Instruct (fp16)", "vision_encoder.onnx". */
  readonly label: string;
  /** Where it came from, for the manifest and messages: a hub URL, or "your files". */
  readonly origin: string;
  /** True when it is cached in this browser (opening again needs no download). */
  readonly kept: boolean;
}

export type TapSource = 'stored' | 'automatic' | 'picked';

export interface StockState {
  readonly input: StockModelInput | null;
  /** modelKey() of the encoder file: what tap choices are filed under. */
  readonly key: string | null;
  readonly inspection: ModelInspection | null;
  /** The tap the open model runs with (null until one opened). */
  readonly tap: { readonly pre: string; readonly post: string; readonly source: TapSource } | null;
  readonly status: 'idle' | 'inspecting' | 'needs-pick' | 'opening' | 'open' | 'failed';
  /** Where the analysis departs from the processor's defaults, from the last open. */
  readonly notes: readonly string[];
  /** Attempts that have ended (opened, refused, or waiting for a pick): what a test waits on. */
  readonly settled: number;
}

export const stockStore = createStore<StockState>()(() => ({ input: null, key: null, inspection: null, tap: null, status: 'idle', notes: [], settled: 0 }));

/** Put the panel back to `state` (or move it on), counting the attempt as ended. */
const settle = (state: Partial<StockState>) => stockStore.setState((s) => ({ ...state, settled: s.settled + 1 }));

/** The id a stock model's embeddings are filed under: the model and the tap (another tap, other tokens). */
export const stockPackId = (key: string, pre: string, post: string) => `${STOCK_ID_PREFIX}${key}:${pre}\u2192${post}`;

/** Inspect a stock export and open it with its stored or automatic tap (or ask for a pick). */
export async function openStockModel(input: StockModelInput): Promise<void> {
  // What the panel showed before this attempt: a refusal at any step puts it back exactly.
  const before = stockStore.getState();
  stockStore.setState({ status: 'inspecting' });
  let inspected: InspectModelResult;
  try {
    inspected = await tapClient.request({ type: 'inspect-model', source: { kind: 'file', name: input.encoder.name, file: input.encoder, siblings: [] } })
      .promise;
  } catch (error) {
    settle(before);
    const failure = describeFailure(error, `read ${input.encoder.name}`);
    sayFailure('error', `Could not read ${input.encoder.name} (${input.label}): ${failure.message}`, failure);
    return;
  }
  // Storage failing (private mode) only means no stored tap: the automatic one is used.
  const stored = await loadTapRecord(inspected.key).then(
    (r) => r,
    () => null,
  );
  const choice = initialTapChoice(inspected.inspection, stored);
  if (!choice) {
    // Nothing opens yet: the model and whatever was open before stay as they are until a pick.
    settle({ input, key: inspected.key, inspection: inspected.inspection, tap: null, status: 'needs-pick', notes: [] });
    const why = inspected.inspection.boundary.found ? 'nothing leaves the connector' : inspected.inspection.boundary.why;
    say(
      'warning',
      `${input.label}: no connector boundary was found automatically (${why}). Pick the pre- and post-projection tensors in the connector tap panel.`,
    );
    return;
  }
  await openTapped(input, inspected.key, inspected.inspection, { pre: choice.pre, post: choice.post, source: choice.source }, before);
}

/** Reopen the current stock model with another tap (from the picker). */
export async function retapStockModel(pre: string, post: string): Promise<void> {
  const current = stockStore.getState();
  const { input, key, inspection } = current;
  if (!input || !key || !inspection) return;
  const b = inspection.boundary;
  const automatic = b.found && b.tensor === pre && b.post === post;
  await openTapped(input, key, inspection, { pre, post, source: automatic ? 'automatic' : 'picked' }, current);
}

/** Open tapped; on a refusal the panel goes back to `restore`, what it showed before the attempt began. */
async function openTapped(
  input: StockModelInput,
  key: string,
  inspection: ModelInspection,
  tap: NonNullable<StockState['tap']>,
  restore: StockState,
): Promise<void> {
  // Another model's tap must not be shown against this model's graph while it opens.
  stockStore.setState({ input, key, inspection, tap: restore.key === key ? restore.tap : null, status: 'opening' });
  const packId = stockPackId(key, tap.pre, tap.post);
  const loaded = await openModel(
    packId,
    {
      type: 'load-stock',
      source: { kind: 'file', name: input.encoder.name, file: input.encoder, siblings: input.siblings.map((f) => ({ name: f.name, file: f })) },
      tap: { pre: tap.pre, post: tap.post },
      config: input.config,
      preprocessorConfig: input.preprocessorConfig,
      packId,
      name: input.label,
      origin: input.origin,
    },
    `"${input.label}"`,
    input.label,
  );
  if (!loaded) {
    // The model that was open stays open; the panel goes back to describing what it did.
    settle(restore);
    return;
  }
  const { notes } = loaded;
  stockStore.setState({ input, key, inspection, tap, status: 'open', notes });
  // Storage failing (private mode, quota) must not fail the open: the model works, it just is not remembered.
  await saveTapRecord(makeTapRecord(key, input.encoder.name, { pre: tap.pre, post: tap.post, automatic: tap.source === 'automatic' })).then(
    () => undefined,
    () => undefined,
  );
  modelStore.setState({ userPack: { id: packId, name: input.label } });
  rememberUserModel(() => openTapped(input, key, inspection, tap, stockStore.getState()));
  const how = tap.source === 'stored' ? 'your stored tap' : tap.source === 'automatic' ? 'the automatic connector boundary' : 'the tensors you picked';
  const cached = input.kept
    ? ' It is cached in this browser: opening it again needs no download.'
    : input.origin === YOUR_FILES
      ? ' It is not stored: after a reload, open it again.'
      : '';
  say('info', `Opened ${input.label} tapped at ${how}: "${tap.pre}" → "${tap.post}".${notes.length ? ` ${notes.join(' ')}` : ''}${cached}`);
  settle({});
}

/** True when the open model is this stock state's model and tap (the tap panel describes it). */
export function isOpenStockModel(state: StockState, openPackId: string | null): boolean {
  return state.key !== null && state.tap !== null && openPackId === stockPackId(state.key, state.tap.pre, state.tap.post);
}

export const YOUR_FILES = 'your files';

/** A stock export chosen from disk: the encoder, its side files, config.json and preprocessor_config.json. */
export async function openStockFiles(files: readonly File[]): Promise<void> {
  let input: StockModelInput;
  try {
    const picked = pickStockFiles(files);
    const [config, preprocessorConfig] = await Promise.all([
      picked.config ? picked.config.text().then((t) => parseConfigJson(t, 'config.json')) : null,
      picked.preprocessor.text().then((t) => parseConfigJson(t, 'preprocessor_config.json')),
    ]);
    // "vision_encoder.onnx (idefics3)": the file name alone says little once several are opened.
    const modelType = modelTypeOf(config);
    const label = modelType ? `${picked.encoder.name} (${modelType})` : picked.encoder.name;
    input = { encoder: picked.encoder, siblings: picked.siblings, config, preprocessorConfig, label, origin: YOUR_FILES, kept: false };
    if (picked.otherEncoders.length > 0) {
      say(
        'info',
        `The files hold ${picked.otherEncoders.length + 1} vision encoders (one per weight type); opening ${picked.encoder.name}. For another (${picked.otherEncoders.join(', ')}), choose that file with config.json and preprocessor_config.json in "Open model files…".`,
      );
    }
  } catch (error) {
    const failure = describeFailure(error, 'read the model files');
    sayFailure('error', failure.message, failure);
    settle({});
    return;
  }
  await openStockModel(input);
}
