/**
 * A tiny pack the browser test opens from "the user's files": 32 px images, 4x4 patches of 8 px,
 * an encoder that ends in Sqrt (so a dark image, whose normalised patches are negative, yields
 * NaN tokens, as a broken real model might) and an MLP-family connector. Variants break it the
 * ways users' packs break: wrong manifest types, contradicting shapes, corrupt or missing ONNX,
 * weights in an external-data file.
 */
import { GraphBuilder } from '../../src/core/onnx/graphBuilder.ts';
import { onnx } from '../../src/core/onnx/proto.ts';
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
 * Positive conv weights summing to about 1 and a bias of 0.9: a patch's token is NaN exactly when
 * its weighted normalised mean is below -0.9, i.e. the patch is nearly black.
 */
function encoder(): Uint8Array {
  const g = new GraphBuilder('tiny_encoder');
  const pixels = g.input('pixel_values', ['batch', 3, SIZE, SIZE]);
  const w = new Float32Array(D_PRE * 3 * PATCH * PATCH).map((_, i) => (1 + ((i * 7) % 11)) / (3 * PATCH * PATCH * 6));
  const bias = g.floatInit('patch.bias', [D_PRE], new Float32Array(D_PRE).fill(0.9));
  const conv = g.op('Conv', [pixels, g.floatInit('patch.weight', [D_PRE, 3, PATCH, PATCH], w), bias], { kernel_shape: [PATCH, PATCH], strides: [PATCH, PATCH] });
  const root = g.op('Sqrt', [conv]);
  const flat = g.op('Reshape', [root, g.int64Init('shape', [0, D_PRE, GRID * GRID])]);
  g.op('Transpose', [flat], { perm: [0, 2, 1] }, 'pre_tokens');
  g.output('pre_tokens', ['batch', GRID * GRID, D_PRE]);
  return g.toBytes();
}

function connector(): Uint8Array {
  const g = new GraphBuilder('tiny_connector');
  const pre = g.input('pre_tokens', ['batch', GRID * GRID, D_PRE]);
  const w = new Float32Array(D_PRE * D_POST).map((_, i) => Math.sin(i * 1.7) * 0.5);
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

export function tinyPackVariants(): Record<'valid' | 'external' | 'externalMissing' | 'noManifest' | 'wrongType' | 'shapeMismatch' | 'corruptOnnx', PackFile[]> {
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
