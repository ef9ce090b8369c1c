/**
 * Convert a TensorFlow.js LayersModel (a Keras functional model: `model.json` topology plus its
 * weights) into an ONNX encoder cut at a named layer, with the project's own graph builder. Pure
 * TypeScript: no tfjs, no DOM; the same inputs give the same bytes.
 *
 * The ONNX graph takes `pixel_values` [B, C, H, W] (NCHW float32, the same values the Keras model
 * takes in NHWC: no rescaling is added) and returns the cut layer's feature map as tokens
 * `pre_tokens` [B, H'*W', C'], token index y * W' + x (row-major over the grid).
 *
 * Keras works in NHWC; ONNX's Conv works in NCHW. Rather than transposing around every op, the
 * whole graph runs in NCHW: each Keras layer maps to its NCHW equivalent (kernels HWIO -> OIHW,
 * depthwise [h, w, C, M] -> [C*M, 1, h, w] with group = C, channel axis 1), and one Transpose at the
 * end lays the map out as tokens.
 *
 * BatchNormalization after a convolution is folded into the convolution's weights and bias at
 * conversion time (w' = w * s, b' = (b - mean) * s + beta, s = gamma / sqrt(var + eps), in float64):
 * at inference BN is a fixed per-channel affine map, so folding gives the same function with one
 * op instead of two per block (fewer nodes, one less pass over each activation map) and no
 * moving statistics left in the file. A BatchNormalization that does not follow a foldable
 * convolution becomes Mul + Add with the same per-channel scale and shift.
 *
 * Supported layers (channels_last, as tfjs writes them): InputLayer, Conv2D (groups, dilation,
 * bias, linear/relu activation), DepthwiseConv2D (any depth multiplier), BatchNormalization,
 * ReLU (max_value: ReLU6 becomes Clip(0, 6)), Activation (linear, relu, relu6), Add,
 * ZeroPadding2D (Pad), AveragePooling2D and MaxPooling2D, Dropout (identity at inference). Padding
 * "same" reproduces TensorFlow's asymmetric SAME padding exactly: out = ceil(in / stride), the
 * extra pixel (when the total is odd) goes after, i.e. bottom and right. Only the cut layer's
 * ancestors are converted, so layers after the cut (Flatten, Dense...) do not matter; any other
 * layer type on the way is refused with an UnsupportedLayerError naming the layer.
 */
import { GraphBuilder } from './graphBuilder.ts';
import { decodeTfjsWeights, TfjsConversionError, type DecodedWeight, type TfjsWeightsGroup } from './tfjsWeights.ts';

export { TfjsConversionError } from './tfjsWeights.ts';

/** A layer type, or a layer setting, that the converter does not translate. */
export class UnsupportedLayerError extends TfjsConversionError {
  override name = 'UnsupportedLayerError';
  constructor(
    readonly layerName: string,
    readonly className: string,
    reason = 'this layer type is not supported by the converter',
  ) {
    super(`layer "${layerName}" (${className}): ${reason}`);
  }
}

export interface TfjsLayersModelJson {
  readonly modelTopology: unknown;
  readonly weightsManifest: readonly TfjsWeightsGroup[];
}

export interface ConvertOptions {
  /** The Keras layer whose output map becomes the tokens. */
  readonly cutLayer: string;
  /** Graph input name; default "pixel_values". */
  readonly inputName?: string;
  /** Graph output name; default "pre_tokens". */
  readonly outputName?: string;
  readonly graphName?: string;
  /** Fold BatchNormalization into the preceding convolution; default true. */
  readonly foldBatchNorm?: boolean;
  /** [H, W] when the model's input shape leaves them open (null). */
  readonly inputSize?: readonly [number, number];
}

export interface ConvertedEncoder {
  readonly bytes: Uint8Array;
  readonly inputName: string;
  readonly outputName: string;
  /** NCHW input, without the batch: [C, H, W]. */
  readonly inputShape: readonly [number, number, number];
  /** The cut layer's map: [rows, cols]. */
  readonly grid: readonly [number, number];
  readonly channels: number;
  /** The Keras layers converted, in graph order (the cut layer last). */
  readonly layers: readonly string[];
  readonly foldedBatchNorms: number;
  readonly onnxNodes: number;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Layer {
  readonly name: string;
  readonly className: string;
  readonly config: Json;
  /** Producing layer of each input, in order. */
  readonly inputs: readonly string[];
}

/** A tensor in the ONNX graph: NCHW, batch dimension symbolic. */
interface Value {
  readonly name: string;
  readonly c: number;
  readonly h: number;
  readonly w: number;
}

interface Padding2D {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

function parseLayers(topology: unknown): { layers: Map<string, Layer>; order: string[]; input: string } {
  if (!isObj(topology)) throw new TfjsConversionError('modelTopology: expected an object');
  const modelConfig = isObj(topology.model_config) ? topology.model_config : topology;
  const className = modelConfig.class_name;
  if (className !== 'Model' && className !== 'Functional') {
    throw new TfjsConversionError(`modelTopology: a functional model ("Model" or "Functional") is needed, this one is ${JSON.stringify(className)}`);
  }
  const config = modelConfig.config;
  if (!isObj(config) || !Array.isArray(config.layers)) throw new TfjsConversionError('modelTopology: the model config has no layer list');
  const layers = new Map<string, Layer>();
  const order: string[] = [];
  for (const raw of config.layers) {
    if (!isObj(raw) || typeof raw.class_name !== 'string' || !isObj(raw.config))
      throw new TfjsConversionError('modelTopology: a layer entry without class_name or config');
    const name = typeof raw.name === 'string' ? raw.name : String(raw.config.name);
    const nodes = Array.isArray(raw.inbound_nodes) ? raw.inbound_nodes : [];
    if (nodes.length > 1) throw new UnsupportedLayerError(name, raw.class_name, `it is called ${nodes.length} times (shared layers are not supported)`);
    const inputs: string[] = [];
    const node: unknown = nodes[0] ?? [];
    if (!Array.isArray(node)) throw new TfjsConversionError(`layer "${name}": inbound node in an unknown format (Keras 2 lists are expected)`);
    for (const entry of node) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string')
        throw new TfjsConversionError(`layer "${name}": inbound node in an unknown format (Keras 2 lists are expected)`);
      if (entry[1] !== 0 || entry[2] !== 0)
        throw new UnsupportedLayerError(name, raw.class_name, `input ${JSON.stringify(entry.slice(0, 3))} is not the first output of a layer`);
      inputs.push(entry[0]);
    }
    if (layers.has(name)) throw new TfjsConversionError(`modelTopology: two layers named "${name}"`);
    layers.set(name, { name, className: raw.class_name, config: raw.config, inputs });
    order.push(name);
  }
  const inputLayers = config.input_layers;
  if (!Array.isArray(inputLayers) || inputLayers.length !== 1 || !Array.isArray(inputLayers[0]) || typeof inputLayers[0][0] !== 'string') {
    throw new TfjsConversionError('modelTopology: exactly one input layer is supported');
  }
  return { layers, order, input: inputLayers[0][0] };
}

/** The cut layer's ancestors in dependency order (each layer after all of its inputs). */
function ancestors(layers: ReadonlyMap<string, Layer>, cut: string): string[] {
  const order: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (name: string, from: string): void => {
    const layer = layers.get(name);
    if (!layer) throw new TfjsConversionError(`layer "${from}" takes its input from "${name}", which the model does not have`);
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'open') throw new TfjsConversionError(`layer "${name}" is part of a cycle`);
    state.set(name, 'open');
    for (const input of layer.inputs) visit(input, name);
    state.set(name, 'done');
    order.push(name);
  };
  if (!layers.has(cut)) throw new TfjsConversionError(`cut layer "${cut}": the model has no layer of that name`);
  visit(cut, cut);
  return order;
}

const pair = (v: unknown, what: string, layer: Layer): [number, number] => {
  if (typeof v === 'number' && Number.isInteger(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isInteger(x))) return [v[0] as number, v[1] as number];
  throw new UnsupportedLayerError(layer.name, layer.className, `${what} ${JSON.stringify(v)} is not an integer or a pair of integers`);
};

/** TensorFlow's padding: "valid" or "same" (out = ceil(in / stride), the odd pixel after). */
function windowPads(
  layer: Layer,
  size: readonly [number, number],
  kernel: readonly [number, number],
  strides: readonly [number, number],
  dilation: readonly [number, number],
): { out: [number, number]; pads: Padding2D } {
  const padding = layer.config.padding ?? 'valid';
  const axis = (i: 0 | 1): { out: number; before: number; after: number } => {
    const effective = (kernel[i] - 1) * dilation[i] + 1;
    if (padding === 'valid') {
      const out = Math.floor((size[i] - effective) / strides[i]) + 1;
      if (out < 1) throw new TfjsConversionError(`layer "${layer.name}": a ${effective}-pixel window does not fit in ${size[i]} pixels`);
      return { out, before: 0, after: 0 };
    }
    if (padding === 'same') {
      const out = Math.ceil(size[i] / strides[i]);
      const total = Math.max((out - 1) * strides[i] + effective - size[i], 0);
      const before = Math.floor(total / 2);
      return { out, before, after: total - before };
    }
    throw new UnsupportedLayerError(layer.name, layer.className, `padding ${JSON.stringify(padding)} is not supported ("valid" or "same")`);
  };
  const y = axis(0);
  const x = axis(1);
  return { out: [y.out, x.out], pads: { top: y.before, bottom: y.after, left: x.before, right: x.after } };
}

function checkChannelsLast(layer: Layer): void {
  const format = layer.config.data_format;
  if (format !== undefined && format !== null && format !== 'channels_last') {
    throw new UnsupportedLayerError(layer.name, layer.className, `data_format ${JSON.stringify(format)} is not supported (channels_last only)`);
  }
}

class Converter {
  readonly builder: GraphBuilder;
  readonly values = new Map<string, Value>();
  private readonly constants = new Map<number, string>();
  private readonly consumers = new Map<string, string[]>();
  private readonly folded = new Set<string>();
  foldedCount = 0;
  nodeCount = 0;

  constructor(
    private readonly layers: ReadonlyMap<string, Layer>,
    private readonly weights: ReadonlyMap<string, DecodedWeight>,
    private readonly order: readonly string[],
    private readonly cut: string,
    private readonly fold: boolean,
    graphName: string,
  ) {
    this.builder = new GraphBuilder(graphName);
    for (const name of order) for (const input of this.layer(name).inputs) this.consumers.set(input, [...(this.consumers.get(input) ?? []), name]);
  }

  private layer(name: string): Layer {
    const layer = this.layers.get(name);
    if (!layer) throw new TfjsConversionError(`no layer named "${name}"`);
    return layer;
  }

  private value(name: string): Value {
    const v = this.values.get(name);
    if (!v) throw new TfjsConversionError(`layer "${name}" has no converted output`);
    return v;
  }

  private op(op: string, inputs: readonly string[], attributes: Parameters<GraphBuilder['op']>[2] = {}, output?: string): string {
    this.nodeCount += 1;
    return this.builder.op(op, inputs, attributes, output);
  }

  private constant(value: number): string {
    let name = this.constants.get(value);
    if (!name) {
      name = this.builder.scalar(`const_${String(value).replace(/[^0-9a-z]/gi, '_')}`, value);
      this.constants.set(value, name);
    }
    return name;
  }

  private weight(layer: Layer, param: string, shape: readonly number[]): Float32Array {
    const key = `${layer.name}/${param}`;
    const w = this.weights.get(key);
    if (!w) throw new TfjsConversionError(`layer "${layer.name}": weight "${key}" is not in the weights manifest`);
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
      throw new TfjsConversionError(`layer "${layer.name}": weight "${key}" has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    return w.values;
  }

  private single(layer: Layer): Value {
    if (layer.inputs.length !== 1) throw new UnsupportedLayerError(layer.name, layer.className, `expected one input, it has ${layer.inputs.length}`);
    return this.value(layer.inputs[0]!);
  }

  convert(inputName: string, inputSize: readonly [number, number] | undefined): Value {
    for (const name of this.order) {
      if (this.folded.has(name)) continue;
      const layer = this.layer(name);
      this.values.set(name, this.convertLayer(layer, inputName, inputSize));
    }
    return this.value(this.cut);
  }

  private convertLayer(layer: Layer, inputName: string, inputSize: readonly [number, number] | undefined): Value {
    switch (layer.className) {
      case 'InputLayer':
        return this.inputLayer(layer, inputName, inputSize);
      case 'Conv2D':
      case 'DepthwiseConv2D':
        return this.conv(layer);
      case 'BatchNormalization':
        return this.batchNorm(layer, this.single(layer));
      case 'ReLU':
        return this.relu(layer);
      case 'Activation':
        return this.activation(layer, this.single(layer), layer.config.activation, layer.name);
      case 'Add':
        return this.add(layer);
      case 'ZeroPadding2D':
        return this.zeroPadding(layer);
      case 'AveragePooling2D':
      case 'MaxPooling2D':
        return this.pool(layer);
      case 'Dropout':
        return this.single(layer);
      default:
        throw new UnsupportedLayerError(layer.name, layer.className);
    }
  }

  private inputLayer(layer: Layer, inputName: string, inputSize: readonly [number, number] | undefined): Value {
    const shape = layer.config.batch_input_shape ?? layer.config.batch_shape;
    if (!Array.isArray(shape) || shape.length !== 4)
      throw new UnsupportedLayerError(layer.name, layer.className, `input shape ${JSON.stringify(shape)} is not [batch, height, width, channels]`);
    const [, h0, w0, c] = shape as unknown[];
    const h = typeof h0 === 'number' ? h0 : inputSize?.[0];
    const w = typeof w0 === 'number' ? w0 : inputSize?.[1];
    if (typeof c !== 'number' || h === undefined || w === undefined) {
      throw new UnsupportedLayerError(
        layer.name,
        layer.className,
        `input shape ${JSON.stringify(shape)}: channels must be fixed, and open height or width needs the inputSize option`,
      );
    }
    if (inputSize && (inputSize[0] !== h || inputSize[1] !== w)) {
      throw new TfjsConversionError(`inputSize [${inputSize.join(', ')}] contradicts the model's input shape ${JSON.stringify(shape)}`);
    }
    this.builder.input(inputName, ['batch', c, h, w]);
    return { name: inputName, c, h, w };
  }

  /** The BatchNormalization to fold into this convolution, if the graph allows it. */
  private foldableBatchNorm(conv: Layer): Layer | undefined {
    if (!this.fold || conv.name === this.cut) return undefined;
    const consumers = this.consumers.get(conv.name) ?? [];
    if (consumers.length !== 1) return undefined;
    const bn = this.layer(consumers[0]!);
    if (bn.className !== 'BatchNormalization') return undefined;
    return bn;
  }

  /** Per-channel y = x * scale + shift of an inference-mode BatchNormalization, in float64. */
  private batchNormAffine(layer: Layer, channels: number): { scale: Float64Array; shift: Float64Array } {
    const axis = layer.config.axis ?? -1;
    const axisOk = axis === -1 || axis === 3 || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3));
    if (!axisOk) throw new UnsupportedLayerError(layer.name, layer.className, `axis ${JSON.stringify(axis)} is not the channel axis`);
    const epsilon = typeof layer.config.epsilon === 'number' ? layer.config.epsilon : 1e-3;
    const gamma = layer.config.scale === false ? undefined : this.weight(layer, 'gamma', [channels]);
    const beta = layer.config.center === false ? undefined : this.weight(layer, 'beta', [channels]);
    const mean = this.weight(layer, 'moving_mean', [channels]);
    const variance = this.weight(layer, 'moving_variance', [channels]);
    const scale = new Float64Array(channels);
    const shift = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      scale[c] = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + epsilon);
      shift[c] = (beta ? beta[c]! : 0) - mean[c]! * scale[c]!;
    }
    return { scale, shift };
  }

  private conv(layer: Layer): Value {
    checkChannelsLast(layer);
    const x = this.single(layer);
    const depthwise = layer.className === 'DepthwiseConv2D';
    const kernel = pair(layer.config.kernel_size, 'kernel_size', layer);
    const strides = pair(layer.config.strides ?? 1, 'strides', layer);
    const dilation = pair(layer.config.dilation_rate ?? 1, 'dilation_rate', layer);
    const activation = layer.config.activation ?? 'linear';
    if (activation !== 'linear' && activation !== 'relu')
      throw new UnsupportedLayerError(layer.name, layer.className, `activation ${JSON.stringify(activation)} is not supported (linear or relu)`);
    const [kh, kw] = kernel;
    let outC: number;
    let group: number;
    let w64: Float64Array;
    if (depthwise) {
      const m = layer.config.depth_multiplier ?? 1;
      if (typeof m !== 'number' || !Number.isInteger(m) || m < 1)
        throw new UnsupportedLayerError(layer.name, layer.className, `depth_multiplier ${JSON.stringify(m)}`);
      const k = this.weight(layer, 'depthwise_kernel', [kh, kw, x.c, m]);
      outC = x.c * m;
      group = x.c;
      // [kh, kw, C, M] -> [C*M, 1, kh, kw]; TF's output channel c*M + mm.
      w64 = new Float64Array(outC * kh * kw);
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++)
          for (let c = 0; c < x.c; c++) for (let mm = 0; mm < m; mm++) w64[((c * m + mm) * kh + i) * kw + j] = k[((i * kw + j) * x.c + c) * m + mm]!;
    } else {
      const groups = layer.config.groups ?? 1;
      if (typeof groups !== 'number' || !Number.isInteger(groups) || groups < 1 || x.c % groups !== 0)
        throw new UnsupportedLayerError(layer.name, layer.className, `groups ${JSON.stringify(groups)} for ${x.c} input channels`);
      group = groups;
      const filters = layer.config.filters;
      if (typeof filters !== 'number') throw new UnsupportedLayerError(layer.name, layer.className, 'no filters');
      outC = filters;
      const inC = x.c / group;
      const k = this.weight(layer, 'kernel', [kh, kw, inC, outC]);
      // HWIO -> OIHW.
      w64 = new Float64Array(outC * inC * kh * kw);
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++)
          for (let ci = 0; ci < inC; ci++) for (let o = 0; o < outC; o++) w64[((o * inC + ci) * kh + i) * kw + j] = k[((i * kw + j) * inC + ci) * outC + o]!;
    }
    const b64 = new Float64Array(outC);
    if (layer.config.use_bias !== false) {
      const bias = this.weight(layer, 'bias', [outC]);
      for (let o = 0; o < outC; o++) b64[o] = bias[o]!;
    }
    let outputLayer = layer;
    const bn = activation === 'linear' ? this.foldableBatchNorm(layer) : undefined;
    if (bn) {
      const { scale, shift } = this.batchNormAffine(bn, outC);
      const per = w64.length / outC;
      for (let o = 0; o < outC; o++) {
        for (let i = 0; i < per; i++) w64[o * per + i]! *= scale[o]!;
        b64[o] = b64[o]! * scale[o]! + shift[o]!;
      }
      this.folded.add(bn.name);
      this.foldedCount += 1;
      outputLayer = bn;
    }
    const { out, pads } = windowPads(layer, [x.h, x.w], kernel, strides, dilation);
    const inPerGroup = depthwise ? 1 : x.c / group;
    const wName = this.builder.floatInit(`${layer.name}/weight`, [outC, inPerGroup, kh, kw], Float32Array.from(w64));
    const bName = this.builder.floatInit(`${layer.name}/bias`, [outC], Float32Array.from(b64));
    const convOut = activation === 'relu' ? `${layer.name}/conv` : outputLayer.name;
    this.op(
      'Conv',
      [x.name, wName, bName],
      { dilations: dilation, group, kernel_shape: kernel, pads: [pads.top, pads.left, pads.bottom, pads.right], strides },
      convOut,
    );
    const v: Value = { name: convOut, c: outC, h: out[0], w: out[1] };
    if (bn) this.values.set(bn.name, v);
    if (activation === 'relu') return { ...v, name: this.op('Relu', [convOut], {}, layer.name) };
    return v;
  }

  private batchNorm(layer: Layer, x: Value): Value {
    const { scale, shift } = this.batchNormAffine(layer, x.c);
    const s = this.builder.floatInit(`${layer.name}/scale`, [x.c, 1, 1], Float32Array.from(scale));
    const t = this.builder.floatInit(`${layer.name}/shift`, [x.c, 1, 1], Float32Array.from(shift));
    const scaled = this.op('Mul', [x.name, s], {}, `${layer.name}/scaled`);
    return { ...x, name: this.op('Add', [scaled, t], {}, layer.name) };
  }

  private relu(layer: Layer): Value {
    const x = this.single(layer);
    const maxValue = layer.config.max_value ?? null;
    const slope = layer.config.negative_slope ?? 0;
    const threshold = layer.config.threshold ?? 0;
    if (slope !== 0 || threshold !== 0)
      throw new UnsupportedLayerError(
        layer.name,
        layer.className,
        `negative_slope ${JSON.stringify(slope)} / threshold ${JSON.stringify(threshold)}: only the plain (and capped) ReLU is supported`,
      );
    if (maxValue === null) return { ...x, name: this.op('Relu', [x.name], {}, layer.name) };
    if (typeof maxValue !== 'number' || !(maxValue > 0)) throw new UnsupportedLayerError(layer.name, layer.className, `max_value ${JSON.stringify(maxValue)}`);
    return { ...x, name: this.op('Clip', [x.name, this.constant(0), this.constant(maxValue)], {}, layer.name) };
  }

  private activation(layer: Layer, x: Value, activation: unknown, output: string): Value {
    if (activation === 'linear') return x;
    if (activation === 'relu') return { ...x, name: this.op('Relu', [x.name], {}, output) };
    if (activation === 'relu6') return { ...x, name: this.op('Clip', [x.name, this.constant(0), this.constant(6)], {}, output) };
    throw new UnsupportedLayerError(layer.name, layer.className, `activation ${JSON.stringify(activation)} is not supported (linear, relu, relu6)`);
  }

  private add(layer: Layer): Value {
    if (layer.inputs.length < 2) throw new UnsupportedLayerError(layer.name, layer.className, 'fewer than two inputs');
    const xs = layer.inputs.map((n) => this.value(n));
    const first = xs[0]!;
    for (const x of xs) {
      if (x.c !== first.c || x.h !== first.h || x.w !== first.w) {
        throw new TfjsConversionError(
          `layer "${layer.name}": inputs of shapes [${first.h}, ${first.w}, ${first.c}] and [${x.h}, ${x.w}, ${x.c}] (broadcasting is not supported)`,
        );
      }
    }
    let sum = first.name;
    for (let i = 1; i < xs.length; i++) sum = this.op('Add', [sum, xs[i]!.name], {}, i === xs.length - 1 ? layer.name : `${layer.name}/${i}`);
    return { ...first, name: sum };
  }

  private zeroPadding(layer: Layer): Value {
    checkChannelsLast(layer);
    const x = this.single(layer);
    const p = layer.config.padding ?? 1;
    let pads: Padding2D;
    if (Array.isArray(p) && p.length === 2 && Array.isArray(p[0])) {
      const [ty, tx] = [pair(p[0], 'padding', layer), pair(p[1], 'padding', layer)];
      pads = { top: ty[0], bottom: ty[1], left: tx[0], right: tx[1] };
    } else {
      const [py, px] = pair(p, 'padding', layer);
      pads = { top: py, bottom: py, left: px, right: px };
    }
    if ([pads.top, pads.bottom, pads.left, pads.right].some((v) => v < 0))
      throw new UnsupportedLayerError(layer.name, layer.className, `negative padding ${JSON.stringify(p)}`);
    const padsName = this.builder.int64Init(`${layer.name}/pads`, [0, 0, pads.top, pads.left, 0, 0, pads.bottom, pads.right]);
    return {
      name: this.op('Pad', [x.name, padsName], { mode: 'constant' }, layer.name),
      c: x.c,
      h: x.h + pads.top + pads.bottom,
      w: x.w + pads.left + pads.right,
    };
  }

  private pool(layer: Layer): Value {
    checkChannelsLast(layer);
    const x = this.single(layer);
    const kernel = pair(layer.config.pool_size ?? 2, 'pool_size', layer);
    const strides = pair(layer.config.strides ?? kernel, 'strides', layer);
    const { out, pads } = windowPads(layer, [x.h, x.w], kernel, strides, [1, 1]);
    const attributes = { kernel_shape: kernel, pads: [pads.top, pads.left, pads.bottom, pads.right], strides };
    // TensorFlow's average over a SAME window counts only the pixels inside the image.
    const name =
      layer.className === 'AveragePooling2D'
        ? this.op('AveragePool', [x.name], { ...attributes, count_include_pad: 0 }, layer.name)
        : this.op('MaxPool', [x.name], attributes, layer.name);
    return { name, c: x.c, h: out[0], w: out[1] };
  }

  /** [B, C, H, W] -> [B, H*W, C], token y*W + x. */
  tokens(x: Value, outputName: string): void {
    const shape = this.builder.int64Init('tokens_shape', [0, x.c, x.h * x.w]);
    const flat = this.op('Reshape', [x.name, shape], {}, 'tokens_channels_first');
    this.op('Transpose', [flat], { perm: [0, 2, 1] }, outputName);
    this.builder.output(outputName, ['batch', x.h * x.w, x.c]);
  }
}

/**
 * `weightData` is the concatenation of the weight files in manifest order (for one shard: the
 * shard). Throws TfjsConversionError (UnsupportedLayerError for a layer it cannot translate).
 */
export function tfjsLayersToOnnx(model: TfjsLayersModelJson, weightData: Uint8Array, options: ConvertOptions): ConvertedEncoder {
  const { layers, input } = parseLayers(model.modelTopology);
  const order = ancestors(layers, options.cutLayer);
  const sources = order.filter((name) => layers.get(name)!.inputs.length === 0);
  if (sources.length !== 1 || sources[0] !== input || layers.get(input)!.className !== 'InputLayer') {
    throw new TfjsConversionError(
      `cut layer "${options.cutLayer}" must depend on the model input "${input}" alone (it depends on ${sources.map((n) => `"${n}"`).join(', ')})`,
    );
  }
  const weights = decodeTfjsWeights(model.weightsManifest, weightData);
  const inputName = options.inputName ?? 'pixel_values';
  const outputName = options.outputName ?? 'pre_tokens';
  const converter = new Converter(layers, weights, order, options.cutLayer, options.foldBatchNorm ?? true, options.graphName ?? `${options.cutLayer}_tokens`);
  const inputValue = converter.convert(inputName, options.inputSize);
  const first = converter.values.get(input)!;
  converter.tokens(inputValue, outputName);
  return {
    bytes: converter.builder.toBytes(),
    inputName,
    outputName,
    inputShape: [first.c, first.h, first.w],
    grid: [inputValue.h, inputValue.w],
    channels: inputValue.c,
    layers: order,
    foldedBatchNorms: converter.foldedCount,
    onnxNodes: converter.nodeCount + 2,
  };
}
