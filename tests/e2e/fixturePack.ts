/**
 * A tiny pack the browser test opens from "the user's files": 32 px images, 4x4 patches of 8 px,
 * an encoder that ends in Sqrt (so a dark image, whose normalised patches are negative, yields
 * NaN tokens, as a broken real model might) and an MLP-family connector. Variants break it the
 * ways users' packs break: wrong manifest types, contradicting shapes, corrupt or missing ONNX,
 * weights in an external-data file.
 */
import { GraphBuilder } from '../../scripts/onnx/graphBuilder.ts';
import { onnx } from '../../scripts/onnx/proto.ts';
import type { PackManifest } from '../../src/core/types.ts';

const SIZE = 32;
const PATCH = 8;
const GRID = SIZE / PATCH;
const D_PRE = 8;
const D_POST = 16;

export const tinyManifest: PackManifest = {
  formatVersion: 1,
  id: 'tiny-sqrt',
  name: 'Tiny test pack (Sqrt encoder)',
  description: 'Built by tests/e2e/fixturePack.ts: a patch conv, Sqrt, and a linear connector.',
  image: { size: SIZE, patchSize: PATCH, grid: [GRID, GRID] },
  tokens: { pre: GRID * GRID, post: GRID * GRID, dPre: D_PRE, dPost: D_POST },
  connector: { family: 'mlp' },
  preprocess: { resize: 'stretch', crop: 'none', resample: 'bilinear', rescale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
  files: { encoder: 'encoder.onnx', connector: 'connector.onnx' },
  io: { encoderInput: 'pixel_values', encoderOutput: 'pre_tokens', connectorInput: 'pre_tokens', connectorOutput: 'post_tokens' },
  weights: { source: 'synthetic', synthetic: true, license: 'CC0-1.0', origin: 'tests/e2e/fixturePack.ts' },
};

/**
 * An encoder whose first node is a Loop over the pixels that multiplies them by 1 as often as
 * its trip count says: 'always' 10^12 times (the load's warm-up never ends), 'on-images' as often
 * as the summed absolute pixels times 10^9 (zero for the all-zero warm-up, so it opens, and
 * effectively forever for a real image). As a model with a data-dependent Loop behaves in ORT:
 * one run that never returns and cannot be interrupted.
 */
function loopingEncoder(trip: 'always' | 'on-images'): Uint8Array {
  const g = new GraphBuilder('looping_encoder');
  const pixels = g.input('pixel_values', ['batch', 3, SIZE, SIZE]);
  const count =
    trip === 'always'
      ? g.op('Cast', [g.op('Mul', [g.scalar('one', 1), g.scalar('trillion', 1e12)])], { to: 7 })
      : g.op('Cast', [g.op('Mul', [g.op('ReduceSum', [g.op('Abs', [pixels])], { keepdims: 0 }), g.scalar('billion', 1e9)])], { to: 7 });
  const keepGoing = g.op('Greater', [g.scalar('a', 1), g.scalar('b', 0)]);
  const looped = g.op('Loop', [count, keepGoing, pixels], {}, 'looped_pixels');
  const w = new Float32Array(D_PRE * 3 * PATCH * PATCH).map((_, i) => Math.cos(i * 0.37) / (3 * PATCH * PATCH));
  const conv = g.op('Conv', [looped, g.floatInit('patch.weight', [D_PRE, 3, PATCH, PATCH], w)], { kernel_shape: [PATCH, PATCH], strides: [PATCH, PATCH] });
  const flat = g.op('Reshape', [conv, g.int64Init('shape', [0, D_PRE, GRID * GRID])]);
  g.op('Transpose', [flat], { perm: [0, 2, 1] }, 'pre_tokens');
  g.output('pre_tokens', ['batch', GRID * GRID, D_PRE]);
  // The Loop's body (the builder writes no graph attributes): (iteration, condition, pixels) -> (condition, pixels * 1).
  const model = onnx.ModelProto.decode(g.toBytes());
  const loop = model.graph!.node!.find((n) => n.opType === 'Loop')!;
  const info = (name: string, elemType: number, dims: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const T = onnx.TensorProto.DataType;
  const body = {
    name: 'loop_body',
    node: [
      { opType: 'Identity', input: ['cond_in'], output: ['cond_out'], name: 'body_cond' },
      { opType: 'Mul', input: ['x_in', 'body_one'], output: ['x_out'], name: 'body_mul' },
    ],
    initializer: [{ name: 'body_one', dims: [], dataType: T.FLOAT, rawData: new Uint8Array(Float32Array.of(1).buffer) }],
    input: [info('iteration', T.INT64, []), info('cond_in', T.BOOL, []), info('x_in', T.FLOAT, ['batch', 3, SIZE, SIZE])],
    output: [info('cond_out', T.BOOL, []), info('x_out', T.FLOAT, ['batch', 3, SIZE, SIZE])],
  };
  loop.attribute = [{ name: 'body', type: onnx.AttributeProto.AttributeType.GRAPH, g: body }];
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Positive conv weights summing to about 1 and a bias of 0.9: a patch's token is NaN exactly when
 * its weighted normalised mean is below -0.9, i.e. the patch is nearly black.
 */
function encoder(): Uint8Array {
  const g = new GraphBuilder('tiny_encoder');
  const pixels = g.input('pixel_values', ['batch', 3, SIZE, SIZE]);
  const w = new Float32Array(D_PRE * 3 * PATCH * PATCH).map((_, i) => (1 + ((i * 7) % 11)) / (3 * PATCH * PATCH * 6));
  const bias = g.floatInit('patch.bias', [D_PRE], new Float32Array(D_PRE).fill(0.9));
  const conv = g.op('Conv', [pixels, g.floatInit('patch.weight', [D_PRE, 3, PATCH, PATCH], w), bias], {
    kernel_shape: [PATCH, PATCH],
    strides: [PATCH, PATCH],
  });
  const root = g.op('Sqrt', [conv]);
  const flat = g.op('Reshape', [root, g.int64Init('shape', [0, D_PRE, GRID * GRID])]);
  g.op('Transpose', [flat], { perm: [0, 2, 1] }, 'pre_tokens');
  g.output('pre_tokens', ['batch', GRID * GRID, D_PRE]);
  return g.toBytes();
}

/** `phase` shifts the weights: another phase is another model of exactly the same byte size. */
function connector(phase = 0): Uint8Array {
  const g = new GraphBuilder('tiny_connector');
  const pre = g.input('pre_tokens', ['batch', GRID * GRID, D_PRE]);
  const w = new Float32Array(D_PRE * D_POST).map((_, i) => Math.sin(i * 1.7 + phase) * 0.5);
  g.op('MatMul', [pre, g.floatInit('proj.weight', [D_PRE, D_POST], w)], {}, 'post_tokens');
  g.output('post_tokens', ['batch', GRID * GRID, D_POST]);
  return g.toBytes();
}

/** Move every initializer's bytes into one side file, as exporters do for models over 2 GB. */
function withExternalData(model: Uint8Array, location: string): { model: Uint8Array; data: Uint8Array } {
  const proto = onnx.ModelProto.decode(model);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of proto.graph?.initializer ?? []) {
    const raw = t.rawData ?? new Uint8Array(0);
    if (raw.length === 0 || t.dataType !== onnx.TensorProto.DataType.FLOAT) continue;
    chunks.push(raw);
    t.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.length) },
    ];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.rawData = new Uint8Array(0);
    offset += raw.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { model: onnx.ModelProto.encode(proto).finish(), data };
}

export interface PackFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

const json = (name: string, value: unknown): PackFile => ({ name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(value, null, 2)) });
const bin = (name: string, bytes: Uint8Array): PackFile => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });

export function tinyPackVariants(): Record<
  'valid' | 'external' | 'externalMissing' | 'noManifest' | 'wrongType' | 'shapeMismatch' | 'corruptOnnx',
  PackFile[]
> {
  const enc = encoder();
  const con = connector();
  const external = withExternalData(enc, 'encoder.onnx_data');
  const wrongType = { ...tinyManifest, tokens: { ...tinyManifest.tokens, dPre: 'eight' } };
  const shapeMismatch = { ...tinyManifest, tokens: { ...tinyManifest.tokens, dPost: 17 } };
  const corrupt = enc.slice(0, enc.length >> 1).map((b, i) => (i % 3 === 0 ? b ^ 0x5a : b));
  return {
    valid: [json('manifest.json', tinyManifest), bin('encoder.onnx', enc), bin('connector.onnx', con)],
    external: [json('manifest.json', tinyManifest), bin('encoder.onnx', external.model), bin('encoder.onnx_data', external.data), bin('connector.onnx', con)],
    externalMissing: [json('manifest.json', tinyManifest), bin('encoder.onnx', external.model), bin('connector.onnx', con)],
    noManifest: [bin('encoder.onnx', enc), bin('connector.onnx', con)],
    wrongType: [json('manifest.json', wrongType), bin('encoder.onnx', enc), bin('connector.onnx', con)],
    shapeMismatch: [json('manifest.json', shapeMismatch), bin('encoder.onnx', enc), bin('connector.onnx', con)],
    corruptOnnx: [json('manifest.json', tinyManifest), bin('encoder.onnx', corrupt), bin('connector.onnx', con)],
  };
}

/**
 * Packs for the reliability scenario. 'same-size': the valid pack with other connector weights
 * and not one byte more or less, under the same manifest id (what a size-based identity mixed
 * up); 'other-preprocessing': the valid pack's bytes with another normalisation in its manifest;
 * 'hangs-on-load' and 'hangs-on-images': encoders with a Loop that never ends (loopingEncoder).
 */
export function reliabilityPacks(): Record<
  'valid' | 'sameSize' | 'otherPreprocessing' | 'hangsOnLoad' | 'hangsOnImages',
  { files: PackFile[]; manifest: PackManifest; encoder: Uint8Array; connector: Uint8Array }
> {
  const enc = encoder();
  const pack = (manifest: PackManifest, e: Uint8Array, c: Uint8Array) => ({
    files: [json('manifest.json', manifest), bin('encoder.onnx', e), bin('connector.onnx', c)],
    manifest,
    encoder: e,
    connector: c,
  });
  const otherNorm: PackManifest = { ...tinyManifest, preprocess: { ...tinyManifest.preprocess, mean: [0.25, 0.25, 0.25], std: [0.75, 0.75, 0.75] } };
  const looping = (id: string, name: string): PackManifest => ({ ...tinyManifest, id, name });
  return {
    valid: pack(tinyManifest, enc, connector()),
    sameSize: pack(tinyManifest, enc, connector(1.3)),
    otherPreprocessing: pack(otherNorm, enc, connector()),
    hangsOnLoad: pack(looping('loop-load', 'Looping pack (never opens)'), loopingEncoder('always'), connector()),
    hangsOnImages: pack(looping('loop-images', 'Looping pack (hangs on images)'), loopingEncoder('on-images'), connector()),
  };
}
