/**
 * The tfjs LayersModel -> ONNX converter on a tiny hand-made Keras model (conv + BN + ReLU6,
 * depthwise convs with multiplier 2, ZeroPadding2D, Add, a standalone BN, pooling) with float32
 * and uint8-quantised weights, run in onnxruntime-web and checked against a float64 forward pass
 * written here from TensorFlow's definitions (NHWC, TF's SAME padding), including SAME with
 * stride 2 on odd sizes where the padding is asymmetric.
 */
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { onnx } from '../../../scripts/onnx/proto.ts';
import { readModel } from '../../../scripts/onnx/readModel.ts';
import {
  tfjsLayersToOnnx,
  TfjsConversionError,
  UnsupportedLayerError,
  type ConvertOptions,
  type TfjsLayersModelJson,
} from '../../../scripts/onnx/tfjsLayersToOnnx.ts';
import { decodeTfjsWeights, type TfjsWeightSpec } from '../../../scripts/onnx/tfjsWeights.ts';
import { seededRandom } from '../../../src/core/random.ts';

// ---------------------------------------------------------------- the tiny model

const H = 7;
const W = 9;
const C = 3;

type LayerJson = { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[] };
const layer = (name: string, className: string, config: Record<string, unknown>, inputs: string[]): LayerJson => ({
  name,
  class_name: className,
  config: { name, trainable: false, ...config },
  inbound_nodes: inputs.length ? [inputs.map((i) => [i, 0, 0, {}])] : [],
});
const conv = (filters: number, kernel: number[], strides: number[], padding: string, useBias: boolean, activation = 'linear') => ({
  filters,
  kernel_size: kernel,
  strides,
  padding,
  data_format: 'channels_last',
  dilation_rate: [1, 1],
  activation,
  use_bias: useBias,
});
const dwconv = (kernel: number[], strides: number[], padding: string, useBias: boolean) => ({
  kernel_size: kernel,
  strides,
  padding,
  data_format: 'channels_last',
  dilation_rate: [1, 1],
  activation: 'linear',
  use_bias: useBias,
  depth_multiplier: 2,
});
const bn = { axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true };

const LAYERS: LayerJson[] = [
  layer('input_1', 'InputLayer', { batch_input_shape: [null, H, W, C], dtype: 'float32' }, []),
  // 7x9 -> 4x5: SAME, stride 2, kernel 4x3: rows padded 1 above and 2 below, columns 1 and 1.
  layer('conv_a', 'Conv2D', conv(4, [4, 3], [2, 2], 'same', true), ['input_1']),
  layer('bn_a', 'BatchNormalization', bn, ['conv_a']),
  layer('relu_a', 'ReLU', { max_value: 6, negative_slope: 0, threshold: 0 }, ['bn_a']),
  // 4x5 -> 2x3: SAME, stride 2, kernel 3: rows padded 0 and 1, columns 1 and 1.
  layer('dw_b', 'DepthwiseConv2D', dwconv([3, 3], [2, 2], 'same', false), ['relu_a']),
  layer('bn_b', 'BatchNormalization', bn, ['dw_b']),
  layer('relu_b', 'ReLU', { max_value: 6 }, ['bn_b']),
  // 4x5 -> 5x7 -> 2x3 (valid, stride 2).
  layer(
    'pad_c',
    'ZeroPadding2D',
    {
      padding: [
        [1, 0],
        [0, 2],
      ],
      data_format: 'channels_last',
    },
    ['relu_a'],
  ),
  layer('dw_c', 'DepthwiseConv2D', dwconv([3, 3], [2, 2], 'valid', true), ['pad_c']),
  layer('add_d', 'Add', {}, ['relu_b', 'dw_c']),
  // Follows an Add: cannot be folded, becomes Mul + Add.
  layer('bn_e', 'BatchNormalization', { ...bn, epsilon: 0.01 }, ['add_d']),
  layer('conv_f', 'Conv2D', conv(5, [1, 1], [1, 1], 'valid', true, 'relu'), ['bn_e']),
  layer('drop_f', 'Dropout', { rate: 0.5 }, ['conv_f']),
  // 2x3 -> 1x2: the last column's window holds one real pixel and one padded one.
  layer('avg_g', 'AveragePooling2D', { pool_size: [2, 2], strides: [2, 2], padding: 'same', data_format: 'channels_last' }, ['drop_f']),
  layer('max_h', 'MaxPooling2D', { pool_size: [2, 2], strides: [1, 1], padding: 'same', data_format: 'channels_last' }, ['drop_f']),
  // After every cut used here: never converted.
  layer('leaky', 'LeakyReLU', { alpha: 0.3 }, ['add_d']),
  layer('flatten', 'Flatten', {}, ['leaky']),
  layer('dense', 'Dense', { units: 2, activation: 'softmax' }, ['flatten']),
];

/** [name, shape, quantised?]: the manifest order differs from the layer order on purpose. */
const WEIGHTS: [string, number[], boolean][] = [
  ['dw_c/depthwise_kernel', [3, 3, 4, 2], true],
  ['conv_a/kernel', [4, 3, 3, 4], false],
  ['conv_a/bias', [4], false],
  ['bn_a/gamma', [4], true],
  ['bn_a/beta', [4], false],
  ['bn_a/moving_mean', [4], true],
  ['bn_a/moving_variance', [4], true],
  ['dw_b/depthwise_kernel', [3, 3, 4, 2], false],
  ['bn_b/gamma', [8], false],
  ['bn_b/beta', [8], true],
  ['bn_b/moving_mean', [8], false],
  ['bn_b/moving_variance', [8], false],
  ['dw_c/bias', [8], false],
  ['bn_e/gamma', [8], true],
  ['bn_e/beta', [8], true],
  ['bn_e/moving_mean', [8], true],
  ['bn_e/moving_variance', [8], true],
  ['conv_f/kernel', [1, 1, 8, 5], true],
  ['conv_f/bias', [5], false],
  ['dense/kernel', [30, 2], false],
  ['dense/bias', [2], false],
];

interface Tiny {
  readonly model: TfjsLayersModelJson;
  readonly data: Uint8Array;
  /** The values as the reference reads them (dequantised here, independently of the converter). */
  readonly weights: Map<string, Float64Array>;
}

function tinyModel(layers: LayerJson[] = LAYERS): Tiny {
  const r = seededRandom(7);
  const specs: TfjsWeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  const weights = new Map<string, Float64Array>();
  for (const [name, shape, quantised] of WEIGHTS) {
    const count = shape.reduce((a, b) => a * b, 1);
    const variance = name.endsWith('moving_variance');
    const values = new Float64Array(count);
    if (quantised) {
      const min = variance ? 0.2 : -1 + r() * 0.5;
      const scale = (variance ? 1.5 : 2) / 255;
      const bytes = Uint8Array.from({ length: count }, () => Math.floor(r() * 256));
      bytes.forEach((q, i) => (values[i] = Math.fround(q * scale + min)));
      specs.push({ name, shape, dtype: 'float32', quantization: { dtype: 'uint8', min, scale } });
      chunks.push(bytes);
    } else {
      const f = Float32Array.from({ length: count }, () => (variance ? 0.3 + r() : (r() - 0.5) * 1.6));
      f.forEach((v, i) => (values[i] = v));
      specs.push({ name, shape, dtype: 'float32' });
      chunks.push(new Uint8Array(f.buffer));
    }
    weights.set(name, values);
  }
  const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    data.set(c, offset);
    offset += c.length;
  }
  const model: TfjsLayersModelJson = {
    modelTopology: {
      keras_version: '2.2.4',
      backend: 'tensorflow',
      model_config: { class_name: 'Model', config: { name: 'tiny', layers, input_layers: [['input_1', 0, 0]], output_layers: [['dense', 0, 0]] } },
    },
    weightsManifest: [{ paths: ['group1-shard1of1'], weights: specs }],
  };
  return { model, data, weights };
}

// ---------------------------------------------------------------- float64 reference (NHWC)

interface Map3 {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly v: Float64Array; // [h][w][c]
}
const map3 = (h: number, w: number, c: number): Map3 => ({ h, w, c, v: new Float64Array(h * w * c) });

/** TensorFlow's padding for one axis. */
function tfPadding(size: number, k: number, s: number, padding: string): { out: number; before: number } {
  if (padding === 'valid') return { out: Math.floor((size - k) / s) + 1, before: 0 };
  const out = Math.ceil(size / s);
  const along = Math.max((out - 1) * s + k - size, 0);
  return { out, before: Math.floor(along / 2) };
}

/** kernel(i, j, ci, co) over input channel ci for output channel co; null = no connection. */
function window(
  x: Map3,
  kh: number,
  kw: number,
  s: number,
  padding: string,
  outC: number,
  inputChannel: (co: number) => number[],
  kernel: (i: number, j: number, ci: number, co: number) => number,
): Map3 {
  const py = tfPadding(x.h, kh, s, padding);
  const px = tfPadding(x.w, kw, s, padding);
  const y = map3(py.out, px.out, outC);
  for (let oy = 0; oy < py.out; oy++) {
    for (let ox = 0; ox < px.out; ox++) {
      for (let co = 0; co < outC; co++) {
        let sum = 0;
        for (let i = 0; i < kh; i++) {
          const iy = oy * s + i - py.before;
          if (iy < 0 || iy >= x.h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = ox * s + j - px.before;
            if (ix < 0 || ix >= x.w) continue;
            for (const ci of inputChannel(co)) sum += x.v[(iy * x.w + ix) * x.c + ci]! * kernel(i, j, ci, co);
          }
        }
        y.v[(oy * y.w + ox) * outC + co] = sum;
      }
    }
  }
  return y;
}

function refConv(x: Map3, k: Float64Array, kh: number, kw: number, outC: number, s: number, padding: string, bias?: Float64Array): Map3 {
  const all = Array.from({ length: x.c }, (_, i) => i);
  const y = window(
    x,
    kh,
    kw,
    s,
    padding,
    outC,
    () => all,
    (i, j, ci, co) => k[((i * kw + j) * x.c + ci) * outC + co]!,
  );
  if (bias) y.v.forEach((v, i) => (y.v[i] = v + bias[i % outC]!));
  return y;
}

function refDepthwise(x: Map3, k: Float64Array, kh: number, kw: number, m: number, s: number, padding: string, bias?: Float64Array): Map3 {
  const y = window(
    x,
    kh,
    kw,
    s,
    padding,
    x.c * m,
    (co) => [Math.floor(co / m)],
    (i, j, ci, co) => k[((i * kw + j) * x.c + ci) * m + (co % m)]!,
  );
  if (bias) y.v.forEach((v, i) => (y.v[i] = v + bias[i % y.c]!));
  return y;
}

function refBatchNorm(x: Map3, gamma: Float64Array, beta: Float64Array, mean: Float64Array, variance: Float64Array, eps: number): Map3 {
  const y = map3(x.h, x.w, x.c);
  x.v.forEach((v, i) => {
    const c = i % x.c;
    y.v[i] = ((v - mean[c]!) / Math.sqrt(variance[c]! + eps)) * gamma[c]! + beta[c]!;
  });
  return y;
}

const apply = (x: Map3, f: (v: number) => number): Map3 => ({ ...x, v: x.v.map(f) });
const relu6 = (x: Map3) => apply(x, (v) => Math.min(Math.max(v, 0), 6));

function refPad(x: Map3, top: number, bottom: number, left: number, right: number): Map3 {
  const y = map3(x.h + top + bottom, x.w + left + right, x.c);
  for (let i = 0; i < x.h; i++)
    for (let j = 0; j < x.w; j++) for (let c = 0; c < x.c; c++) y.v[((i + top) * y.w + j + left) * y.c + c] = x.v[(i * x.w + j) * x.c + c]!;
  return y;
}

/** TF pooling: SAME windows see only the pixels inside the map (the average divides by their count). */
function refPool(x: Map3, k: number, s: number, kind: 'avg' | 'max'): Map3 {
  const py = tfPadding(x.h, k, s, 'same');
  const px = tfPadding(x.w, k, s, 'same');
  const y = map3(py.out, px.out, x.c);
  for (let oy = 0; oy < py.out; oy++) {
    for (let ox = 0; ox < px.out; ox++) {
      for (let c = 0; c < x.c; c++) {
        let acc = kind === 'max' ? -Infinity : 0;
        let n = 0;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) {
            const iy = oy * s + i - py.before;
            const ix = ox * s + j - px.before;
            if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
            const v = x.v[(iy * x.w + ix) * x.c + c]!;
            acc = kind === 'max' ? Math.max(acc, v) : acc + v;
            n++;
          }
        }
        y.v[(oy * y.w + ox) * x.c + c] = kind === 'max' ? acc : acc / n;
      }
    }
  }
  return y;
}

function reference(tiny: Tiny, image: Map3): Map<string, Map3> {
  const w = (name: string) => tiny.weights.get(name)!;
  const out = new Map<string, Map3>();
  const a = relu6(
    refBatchNorm(
      refConv(image, w('conv_a/kernel'), 4, 3, 4, 2, 'same', w('conv_a/bias')),
      w('bn_a/gamma'),
      w('bn_a/beta'),
      w('bn_a/moving_mean'),
      w('bn_a/moving_variance'),
      0.001,
    ),
  );
  out.set('relu_a', a);
  const b = relu6(
    refBatchNorm(
      refDepthwise(a, w('dw_b/depthwise_kernel'), 3, 3, 2, 2, 'same'),
      w('bn_b/gamma'),
      w('bn_b/beta'),
      w('bn_b/moving_mean'),
      w('bn_b/moving_variance'),
      0.001,
    ),
  );
  out.set('relu_b', b);
  const c = refDepthwise(refPad(a, 1, 0, 0, 2), w('dw_c/depthwise_kernel'), 3, 3, 2, 2, 'valid', w('dw_c/bias'));
  const d: Map3 = { ...b, v: b.v.map((v, i) => v + c.v[i]!) };
  out.set('add_d', d);
  const e = refBatchNorm(d, w('bn_e/gamma'), w('bn_e/beta'), w('bn_e/moving_mean'), w('bn_e/moving_variance'), 0.01);
  out.set('bn_e', e);
  const f = apply(refConv(e, w('conv_f/kernel'), 1, 1, 5, 1, 'valid', w('conv_f/bias')), (v) => Math.max(v, 0));
  out.set('drop_f', f);
  out.set('avg_g', refPool(f, 2, 2, 'avg'));
  out.set('max_h', refPool(f, 2, 1, 'max'));
  return out;
}

// ---------------------------------------------------------------- running

function images(count: number): Float32Array {
  const r = seededRandom(99);
  return Float32Array.from({ length: count * C * H * W }, () => r());
}

function nhwc(nchw: Float32Array, n: number): Map3 {
  const x = map3(H, W, C);
  for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) x.v[i * C + c] = nchw[(n * C + c) * H * W + i]!;
  return x;
}

async function run(bytes: Uint8Array, pixels: Float32Array, count: number): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const out = (await session.run({ pixel_values: new ort.Tensor('float32', pixels, [count, C, H, W]) })).pre_tokens!;
  await session.release();
  return out;
}

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

describe('tfjsLayersToOnnx on a tiny Keras model', () => {
  const tiny = tinyModel();
  const count = 2;
  const pixels = images(count);
  const refs = Array.from({ length: count }, (_, n) => reference(tiny, nhwc(pixels, n)));

  it.each([
    ['relu_a', [4, 5], 4, true],
    ['relu_b', [2, 3], 8, true],
    ['add_d', [2, 3], 8, true],
    ['bn_e', [2, 3], 8, true],
    ['bn_e', [2, 3], 8, false],
    ['drop_f', [2, 3], 5, true],
    ['avg_g', [1, 2], 5, true],
    ['max_h', [2, 3], 5, true],
  ] as const)('cut at %s: grid %j, %i channels (fold BN: %s) matches the float64 reference', async (cut, grid, channels, fold) => {
    const converted = tfjsLayersToOnnx(tiny.model, tiny.data, { cutLayer: cut, foldBatchNorm: fold });
    expect(converted.grid).toEqual(grid);
    expect(converted.channels).toBe(channels);
    expect(converted.inputShape).toEqual([C, H, W]);
    const tokens = grid[0] * grid[1];
    const out = await run(converted.bytes, pixels, count);
    expect(out.dims).toEqual([count, tokens, channels]);
    const data = out.data as Float32Array;
    let diff = 0;
    let scale = 0;
    for (let n = 0; n < count; n++) {
      const ref = refs[n]!.get(cut)!;
      // NHWC flattened is exactly the token layout: token y*W + x, channels last.
      expect(ref.v.length).toBe(tokens * channels);
      ref.v.forEach((v, i) => {
        diff = Math.max(diff, Math.abs(data[n * tokens * channels + i]! - v));
        scale = Math.max(scale, Math.abs(v));
      });
    }
    expect(scale).toBeGreaterThan(0.1);
    expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
  });

  it('folds each BatchNorm that follows a convolution, and only those', () => {
    const folded = tfjsLayersToOnnx(tiny.model, tiny.data, { cutLayer: 'bn_e' });
    const ops = readModel(folded.bytes).nodes.map((n) => n.op);
    expect(folded.foldedBatchNorms).toBe(2);
    expect(ops.filter((o) => o === 'Mul')).toHaveLength(1); // bn_e, after the Add
    const unfolded = tfjsLayersToOnnx(tiny.model, tiny.data, { cutLayer: 'bn_e', foldBatchNorm: false });
    expect(unfolded.foldedBatchNorms).toBe(0);
    expect(readModel(unfolded.bytes).nodes.filter((n) => n.op === 'Mul')).toHaveLength(3);
  });

  it('writes TF SAME padding as explicit asymmetric Conv pads [top, left, bottom, right]', () => {
    const bytes = tfjsLayersToOnnx(tiny.model, tiny.data, { cutLayer: 'relu_b' }).bytes;
    const graph = onnx.ModelProto.decode(bytes).graph!;
    const ints = (node: string, name: string) =>
      graph
        .node!.find((n) => n.output![0] === node)!
        .attribute!.find((a) => a.name === name)!
        .ints!.map(Number);
    const int = (node: string, name: string) => Number(graph.node!.find((n) => n.output![0] === node)!.attribute!.find((a) => a.name === name)!.i);
    // conv_a: 7x9, kernel 4x3, stride 2 -> rows 1 above, 2 below; columns 1 and 1.
    expect(ints('bn_a', 'pads')).toEqual([1, 1, 2, 1]);
    expect(ints('bn_a', 'kernel_shape')).toEqual([4, 3]);
    expect(int('bn_a', 'group')).toBe(1);
    // dw_b: 4x5, kernel 3, stride 2 -> rows 0 above, 1 below; columns 1 and 1; one group per channel.
    expect(ints('bn_b', 'pads')).toEqual([0, 1, 1, 1]);
    expect(int('bn_b', 'group')).toBe(4);
    const info = readModel(bytes);
    expect(info.initializers.get('conv_a/weight')!.dims).toEqual([4, 3, 4, 3]);
    expect(info.initializers.get('dw_b/weight')!.dims).toEqual([8, 1, 3, 3]);
  });

  it('is deterministic: the same model gives the same bytes', () => {
    const a = tfjsLayersToOnnx(tiny.model, tiny.data, { cutLayer: 'max_h' }).bytes;
    const b = tfjsLayersToOnnx(tinyModel().model, tinyModel().data, { cutLayer: 'max_h' }).bytes;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('treats batch items independently', async () => {
    const converted = tfjsLayersToOnnx(tiny.model, tiny.data, { cutLayer: 'add_d' });
    const one = (await run(converted.bytes, pixels.subarray(C * H * W), 1)).data as Float32Array;
    const both = (await run(converted.bytes, pixels, 2)).data as Float32Array;
    expect(Array.from(both.subarray(one.length))).toEqual(Array.from(one));
  });
});

describe('tfjsLayersToOnnx refuses what it cannot convert, by name', () => {
  const tiny = tinyModel();
  const convert =
    (options: ConvertOptions, model = tiny.model, data = tiny.data) =>
    () =>
      tfjsLayersToOnnx(model, data, options);

  it('an unsupported layer type on the way to the cut', () => {
    expect(convert({ cutLayer: 'leaky' })).toThrow(UnsupportedLayerError);
    expect(convert({ cutLayer: 'leaky' })).toThrow('layer "leaky" (LeakyReLU): this layer type is not supported by the converter');
    try {
      convert({ cutLayer: 'dense' })();
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedLayerError);
      expect((error as UnsupportedLayerError).layerName).toBe('leaky');
    }
  });

  it('an unsupported setting of a supported layer', () => {
    const layers = LAYERS.map((l) => (l.name === 'relu_a' ? { ...l, config: { ...l.config, negative_slope: 0.1 } } : l));
    const { model, data } = tinyModel(layers);
    expect(convert({ cutLayer: 'relu_a' }, model, data)).toThrow(/layer "relu_a" \(ReLU\): negative_slope 0\.1/);
    const causal = LAYERS.map((l) => (l.name === 'conv_a' ? { ...l, config: { ...l.config, padding: 'causal' } } : l));
    const m2 = tinyModel(causal);
    expect(convert({ cutLayer: 'conv_a' }, m2.model, m2.data)).toThrow('layer "conv_a" (Conv2D): padding "causal" is not supported ("valid" or "same")');
  });

  it('a cut layer the model does not have', () => {
    expect(convert({ cutLayer: 'block_99' })).toThrow(new TfjsConversionError('cut layer "block_99": the model has no layer of that name'));
  });

  it('weights that are missing, misshapen, or do not fill the data', () => {
    const { model, data } = tinyModel();
    const without = { ...model, weightsManifest: [{ paths: ['x'], weights: model.weightsManifest[0]!.weights.filter((w) => w.name !== 'conv_f/bias') }] };
    expect(convert({ cutLayer: 'drop_f' }, without, data.subarray(0, data.length - 20))).toThrow(
      'layer "conv_f": weight "conv_f/bias" is not in the weights manifest',
    );
    expect(convert({ cutLayer: 'relu_a' }, model, data.subarray(1))).toThrow(/weight dense\/bias: needs bytes .* but the weight data holds/);
    const padded = new Uint8Array(data.length + 4);
    padded.set(data);
    expect(convert({ cutLayer: 'relu_a' }, model, padded)).toThrow(
      `the weights manifest accounts for ${data.length} bytes, but the weight data holds ${data.length + 4}`,
    );
    const reshaped = {
      ...model,
      weightsManifest: [{ paths: ['x'], weights: model.weightsManifest[0]!.weights.map((w) => (w.name === 'conv_a/bias' ? { ...w, shape: [2, 2] } : w)) }],
    };
    expect(convert({ cutLayer: 'relu_a' }, reshaped, data)).toThrow('layer "conv_a": weight "conv_a/bias" has shape [2, 2], expected [4]');
  });
});

describe('decodeTfjsWeights', () => {
  it('dequantises uint8 and uint16 (q * scale + min, rounded to float32), widens float16, reads float32', () => {
    const bytes = new Uint8Array([
      0, 255, 10, /* uint16 LE */ 0x00, 0x01, 0xff, 0xff, /* float16 LE: 1.0, -2.5 */ 0x00, 0x3c, 0x00, 0xc1, /* float32 0.5 */ 0, 0, 0, 0x3f,
    ]);
    const w = decodeTfjsWeights(
      [
        {
          paths: ['a'],
          weights: [
            { name: 'u8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.1 } },
            { name: 'u16', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', min: 0.5, scale: 0.001 } },
            { name: 'f16', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
            { name: 'f32', shape: [1], dtype: 'float32' },
          ],
        },
      ],
      bytes,
    );
    expect(Array.from(w.get('u8')!.values)).toEqual([-1, 255 * 0.1 - 1, 10 * 0.1 - 1].map(Math.fround));
    expect(Array.from(w.get('u16')!.values)).toEqual([256 * 0.001 + 0.5, 65535 * 0.001 + 0.5].map(Math.fround));
    expect(Array.from(w.get('f16')!.values)).toEqual([1, -2.5]);
    expect(Array.from(w.get('f32')!.values)).toEqual([0.5]);
  });
});
