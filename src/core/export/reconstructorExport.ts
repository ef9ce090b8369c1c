/**
 * The trained reconstructor (ml/reconstructorModel.ts) as files PyTorch loads directly:
 * reconstructor.safetensors holds a state_dict of the module in docs/reconstructor-in-pytorch.md
 * (Linear weights [out, in], so tfjs's [in, out] matrices are transposed here), and
 * reconstructor.json says how to rebuild it: kind, layer sizes, activation, LayerNorm epsilon,
 * the standardisers' means and stds and the token routing the token mixing started from.
 * Float32 numbers in the JSON are written as their shortest round-trip text, so reading them as
 * float64 and rounding to float32 gives the app's values bit for bit.
 */
import { writeSafetensors } from '../blockstore/safetensors.ts';
import { tokenRouting } from '../geometry/connectorGeometry.ts';
import type { PackManifest } from '../types.ts';
import { float32Number } from './float32Text.ts';
import { transposed } from '../matrix/transpose.ts';

export type ExportedReconstructorKind = 'token-wise-mlp' | 'token-mixing-mlp';

/** One trained parameter under its app name ('w1', 'ln1_gain', 'token_mix', ...): TrainResult's NamedWeight. */
export interface ExportedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export interface ExportedStandardizer {
  readonly mean: Float32Array;
  /** 1 where the dimension was constant on the training images. */
  readonly std: Float32Array;
}

export interface ExportedReconstructor {
  readonly kind: ExportedReconstructorKind;
  readonly tokensPre: number;
  readonly tokensPost: number;
  readonly dPre: number;
  readonly dPost: number;
  readonly hidden: number;
  readonly weights: readonly ExportedWeight[];
  readonly standardizers: { readonly pre: ExportedStandardizer; readonly post: ExportedStandardizer };
  /** Token-mixing only: for each pre token, the post token it went into (-1: none), which the token mixing was initialised from; null when it started from Glorot. */
  readonly tokenSource: ArrayLike<number> | null;
}

/**
 * A trained model (its named weights and the standardisers it was trained behind) as an export,
 * for the pack it was trained on; null when it holds no weights. Shared by the app's export and
 * the CLI's --train.
 */
export function exportedReconstructorOf(
  model: { readonly weights: readonly ExportedWeight[]; readonly standardizers: { readonly pre: ExportedStandardizer; readonly post: ExportedStandardizer } },
  manifest: Pick<PackManifest, 'tokens' | 'connector' | 'image'>,
): ExportedReconstructor | null {
  const { pre: T, post: Tp, dPre, dPost } = manifest.tokens;
  const w2 = model.weights.find((w) => w.name === 'w2');
  if (!w2 || model.weights.length === 0) return null;
  // As ml/reconstructorModel.ts decides (not imported: it would pull tfjs into the page).
  const kind = T === Tp ? 'token-wise-mlp' : 'token-mixing-mlp';
  const tokenSource = kind === 'token-mixing-mlp' ? tokenRouting(manifest.connector, [manifest.image.grid[0], manifest.image.grid[1]]) : null;
  return {
    kind,
    tokensPre: T,
    tokensPost: Tp,
    dPre,
    dPost,
    hidden: w2.shape[1]!,
    weights: model.weights.map((w) => ({ name: w.name, shape: w.shape, values: w.values })),
    standardizers: {
      pre: { mean: model.standardizers.pre.mean, std: model.standardizers.pre.std },
      post: { mean: model.standardizers.post.mean, std: model.standardizers.post.std },
    },
    tokenSource,
  };
}

/** ml/reconstructorModel.ts's LayerNorm epsilon. */
export const LAYER_NORM_EPS = 1e-5;

export const RECONSTRUCTOR_FORMAT = 'connector-lens/reconstructor';

interface Parameter {
  /** The app's name (ml/reconstructorModel.ts). */
  readonly app: string;
  /** The PyTorch state_dict name. */
  readonly torch: string;
  /** Shape in the app ([in, out] for matrices). */
  readonly shape: readonly number[];
  /** Stored transposed ([out, in], as torch.nn.Linear keeps it). */
  readonly transpose: boolean;
}

function parameters(r: ExportedReconstructor): Parameter[] {
  const { tokensPre: T, tokensPost: Tp, dPre, dPost, hidden: h } = r;
  const p = (app: string, torch: string, shape: readonly number[], transpose = false): Parameter => ({ app, torch, shape, transpose });
  const mlp = [
    p('w1', 'fc1.weight', [dPost, dPost], true),
    p('b1', 'fc1.bias', [dPost]),
    p('ln1_gain', 'ln1.weight', [dPost]),
    p('ln1_bias', 'ln1.bias', [dPost]),
    p('w2', 'fc2.weight', [dPost, h], true),
    p('b2', 'fc2.bias', [h]),
    p('ln2_gain', 'ln2.weight', [h]),
    p('ln2_bias', 'ln2.bias', [h]),
    p('w3', 'fc3.weight', [h, dPre], true),
    p('b3', 'fc3.bias', [dPre]),
  ];
  return r.kind === 'token-mixing-mlp' ? [...mlp, p('token_mix', 'token_mix', [Tp, T]), p('token_position', 'token_position', [T, dPost])] : mlp;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Throws a RangeError naming the first size, weight or standardiser that does not fit the architecture. */
export function checkReconstructor(r: ExportedReconstructor): void {
  for (const key of ['tokensPre', 'tokensPost', 'dPre', 'dPost', 'hidden'] as const) {
    if (!Number.isInteger(r[key]) || r[key] < 1) throw new RangeError(`invalid reconstructor.${key}: ${r[key]} (expected a positive integer)`);
  }
  const expectedKind: ExportedReconstructorKind = r.tokensPre === r.tokensPost ? 'token-wise-mlp' : 'token-mixing-mlp';
  if (r.kind !== expectedKind)
    throw new RangeError(`invalid reconstructor.kind: '${r.kind}' (expected '${expectedKind}' for ${r.tokensPost} -> ${r.tokensPre} tokens)`);
  const expected = parameters(r);
  const byName = new Map(r.weights.map((w) => [w.name, w]));
  if (byName.size !== r.weights.length) throw new RangeError('invalid reconstructor.weights: a name appears twice');
  for (const param of expected) {
    const w = byName.get(param.app);
    if (!w) throw new RangeError(`invalid reconstructor.weights: '${param.app}' is missing`);
    const count = param.shape.reduce((a, b) => a * b, 1);
    if (!sameShape(w.shape, param.shape) || w.values.length !== count) {
      throw new RangeError(
        `invalid reconstructor.weights '${param.app}': shape [${w.shape.join(', ')}] with ${w.values.length} values (expected [${param.shape.join(', ')}])`,
      );
    }
  }
  const unknown = r.weights.find((w) => !expected.some((param) => param.app === w.name));
  if (unknown) throw new RangeError(`invalid reconstructor.weights: '${unknown.name}' is not a ${r.kind} parameter`);
  for (const [side, dim] of [
    ['pre', r.dPre],
    ['post', r.dPost],
  ] as const) {
    const s = r.standardizers[side];
    if (s.mean.length !== dim || s.std.length !== dim)
      throw new RangeError(`invalid reconstructor.standardizers.${side}: ${s.mean.length} means and ${s.std.length} stds (expected ${dim} each)`);
  }
  const source = r.tokenSource;
  if (source === null) return;
  if (r.kind !== 'token-mixing-mlp') throw new RangeError('invalid reconstructor.tokenSource: a token-wise MLP has no token routing (expected null)');
  if (source.length !== r.tokensPre)
    throw new RangeError(`invalid reconstructor.tokenSource: ${source.length} entries (expected ${r.tokensPre}, one per pre token)`);
  for (let t = 0; t < source.length; t++) {
    const j = source[t]!;
    if (!(Number.isInteger(j) && j >= -1 && j < r.tokensPost))
      throw new RangeError(`invalid reconstructor.tokenSource[${t}]: ${j} (expected -1 or 0..${r.tokensPost - 1})`);
  }
}

export interface StateTensor {
  readonly name: string;
  readonly dtype: 'F32';
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The weights as a PyTorch state_dict (docs/reconstructor-in-pytorch.md's module), float32. */
export function reconstructorStateDict(r: ExportedReconstructor): StateTensor[] {
  checkReconstructor(r);
  const byName = new Map(r.weights.map((w) => [w.name, w]));
  return parameters(r).map((param) => {
    const values = byName.get(param.app)!.values;
    if (!param.transpose) return { name: param.torch, dtype: 'F32', shape: param.shape, data: values };
    const [rows, cols] = param.shape as readonly [number, number];
    return { name: param.torch, dtype: 'F32', shape: [cols, rows], data: transposed(values, rows, cols) };
  });
}

export function reconstructorSafetensors(r: ExportedReconstructor): Uint8Array {
  return writeSafetensors(reconstructorStateDict(r), { format: 'pt', producer: RECONSTRUCTOR_FORMAT, kind: r.kind });
}

const float32List = (values: ArrayLike<number>) => Array.from(values, float32Number);

/** What reconstructor.json holds: enough to rebuild the module and feed it as the app did. */
export function reconstructorConfig(r: ExportedReconstructor): Record<string, unknown> {
  checkReconstructor(r);
  const mixing = r.kind === 'token-mixing-mlp';
  return {
    format: RECONSTRUCTOR_FORMAT,
    formatVersion: 1,
    kind: r.kind,
    tokensPre: r.tokensPre,
    tokensPost: r.tokensPost,
    dPre: r.dPre,
    dPost: r.dPost,
    hidden: r.hidden,
    layerSizes: [r.dPost, r.dPost, r.hidden, r.dPre],
    activation: 'gelu',
    geluApproximation: 'none',
    layerNormEps: LAYER_NORM_EPS,
    forward: [
      ...(mixing
        ? ["x = einsum('bpd,pt->btd', post, token_mix) + token_position   # [B, tokensPost, dPost] -> [B, tokensPre, dPost]"]
        : ['x = post   # [B, tokens, dPost]']),
      'x = gelu(ln1(fc1(x)))',
      'x = gelu(ln2(fc2(x)))',
      'pre_hat = fc3(x)   # [B, tokensPre, dPre], standardised units',
    ],
    weights: {
      file: 'reconstructor.safetensors',
      dtype: 'F32',
      layout: 'PyTorch state_dict; nn.Linear weights are [out, in]',
      names: parameters(r).map((param) => param.torch),
    },
    standardizers: {
      rule: '(x - mean) / std per dimension, fitted on the training images; std is 1 where a dimension was constant',
      pre: { mean: float32List(r.standardizers.pre.mean), std: float32List(r.standardizers.pre.std) },
      post: { mean: float32List(r.standardizers.post.mean), std: float32List(r.standardizers.post.std) },
    },
    tokenRouting: mixing && r.tokenSource ? Array.from(r.tokenSource) : null,
    tokenRoutingMeaning: 'for each pre token (patch), the post token it went into (-1: none); token_mix was initialised from it and then trained',
    patchLoss: 'mean over dPre of (pre_hat[t] - standardised pre[t])^2, in standardised units; image loss = mean over t',
  };
}

export function reconstructorJson(r: ExportedReconstructor): string {
  return `${JSON.stringify(reconstructorConfig(r), null, 2)}\n`;
}
