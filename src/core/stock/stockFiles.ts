/**
 * A stock export chosen from the user's disk: which file is the vision encoder, which are its
 * config files, which are weight side files. Files come by their base names (a browser's file
 * picker gives no folders). Every refusal is a UserFacingError saying what to choose instead.
 */
import { errorText, UserFacingError } from '../errors.ts';
import { encoderPath, type DtypeVariant } from '../hub/variants.ts';
import type { ChosenFile } from '../pack/packFiles.ts';

export const PREPROCESSOR_CONFIG = 'preprocessor_config.json';
export const MODEL_CONFIG = 'config.json';

/** Config files are a few kB; anything this big is not one. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export interface StockFiles<F extends ChosenFile> {
  readonly encoder: F;
  /** Everything else chosen (weight side files such as vision_encoder.onnx_data are among them). */
  readonly siblings: readonly F[];
  readonly config: F | null;
  readonly preprocessor: F;
  /** Other vision encoders (weight types) among the files, not taken; [] when there was one. */
  readonly otherEncoders: readonly string[];
}

/**
 * Which weight type to take when a folder holds several: half precision keeps the analysis close
 * to fp32 at half the memory; then full precision; then the quantized ones, least lossy first.
 */
const VARIANT_PREFERENCE: readonly DtypeVariant[] = ['fp16', 'fp32', 'q4f16', 'quantized', 'uint8', 'int8', 'q4', 'bnb4'];
const rank = (name: string) => {
  const at = VARIANT_PREFERENCE.findIndex((v) => encoderPath(v, '') === name);
  return at < 0 ? VARIANT_PREFERENCE.length : at;
};

const STOCK_SHAPE = `A stock export is its vision encoder (onnx/vision_encoder*.onnx, with any .onnx_data files) plus ${MODEL_CONFIG} and ${PREPROCESSOR_CONFIG} from the repo root; choose them together.`;

/** True when the chosen files look like a stock export rather than a pack (no manifest.json, a config JSON). */
export function looksLikeStockExport(files: readonly ChosenFile[]): boolean {
  const names = new Set(files.map((f) => f.name));
  return !names.has('manifest.json') && (names.has(PREPROCESSOR_CONFIG) || names.has(MODEL_CONFIG));
}

/**
 * The stock export among the chosen (or dropped) files. A folder of a whole repo holds several
 * vision encoders, one per weight type: the preferred one is taken and the others are reported.
 */
export function pickStockFiles<F extends ChosenFile>(files: readonly F[]): StockFiles<F> {
  const graphs = files.filter((f) => f.name.endsWith('.onnx'));
  if (graphs.length === 0) throw new UserFacingError(`None of the ${files.length} files you chose is an .onnx model. ${STOCK_SHAPE}`);
  const encoders = graphs.length === 1 ? graphs : graphs.filter((f) => f.name.startsWith('vision_encoder')).sort((a, b) => rank(a.name) - rank(b.name));
  if (encoders.length === 0) {
    throw new UserFacingError(
      `None of the .onnx files you chose (${graphs.map((f) => f.name).join(', ')}) is a vision_encoder*.onnx: choose the vision encoder of one weight type (e.g. vision_encoder_fp16.onnx).`,
    );
  }
  const encoder = encoders[0]!;
  if (encoder.size === 0) throw new UserFacingError(`${encoder.name} is empty (0 bytes). Download it again.`);
  const one = (name: string): F | null => {
    const found = files.filter((f) => f.name === name);
    if (found.length > 1) throw new UserFacingError(`${found.length} files named ${name} were chosen; open one model at a time.`);
    const file = found[0] ?? null;
    if (file && file.size > MAX_CONFIG_BYTES)
      throw new UserFacingError(`${name} is ${(file.size / 1e6).toFixed(1)} MB; a config file is a few kilobytes. Choose the one from the model's repo root.`);
    return file;
  };
  const preprocessor = one(PREPROCESSOR_CONFIG);
  if (!preprocessor)
    throw new UserFacingError(
      `No ${PREPROCESSOR_CONFIG} among the files you chose: it says how images are prepared for ${encoder.name}, so the model cannot be analysed without it. ${STOCK_SHAPE}`,
    );
  const config = one(MODEL_CONFIG);
  return {
    encoder,
    siblings: files.filter((f) => f !== encoder && f !== preprocessor && f !== config),
    config,
    preprocessor,
    otherEncoders: encoders.slice(1).map((f) => f.name),
  };
}

/** A config file's text as JSON (outside data); `name` for the message. */
export function parseConfigJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new UserFacingError(`${name} is not valid JSON (${errorText(error)}). Take it from the model's repo again.`);
  }
}

/** config.json's model_type ("idefics3", "qwen2_vl"), or null when it has none. */
export function modelTypeOf(config: unknown): string | null {
  const type = typeof config === 'object' && config !== null && !Array.isArray(config) ? (config as { model_type?: unknown }).model_type : undefined;
  return typeof type === 'string' ? type : null;
}
