/**
 * Neural-network layers as ONNX subgraphs, with seeded Glorot-uniform weights. Only
 * multiplication and one division per number (mulberry32), so the bytes are platform-stable.
 * Weight names are stable paths (e.g. "blocks.0.attn.q.weight"); the reference forward pass in
 * tests reads them by name.
 *
 * With `given` weights (name -> values, e.g. trained ones), every parameter is taken from there
 * instead and the generator is not consulted: the same graph, other numbers.
 */
import { GraphBuilder } from '../onnx/graphBuilder.ts';
import type { Random } from '../../src/core/random.ts';

export class Layers {
  constructor(
    readonly g: GraphBuilder,
    private readonly random: Random,
    private readonly given?: ReadonlyMap<string, Float32Array>,
  ) {}

  /** A float initializer: the given weights' values when there are some, else `init()` (drawn now, in call order). */
  param(name: string, dims: readonly number[], init: () => Float32Array): string {
    if (!this.given) return this.g.floatInit(name, dims, init());
    const values = this.given.get(name);
    const count = dims.reduce((a, b) => a * b, 1);
    if (!values) throw new Error(`missing weight ${name} [${dims.join(', ')}]`);
    if (values.length !== count) throw new Error(`weight ${name}: expected ${count} values [${dims.join(', ')}], got ${values.length}`);
    return this.g.floatInit(name, dims, values);
  }

  uniform(count: number, limit: number, offset = 0): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = offset + (2 * this.random() - 1) * limit;
    return out;
  }

  /** y = x W + b with W [in, out] (MatMul layout), Glorot-uniform. */
  linear(x: string, inDim: number, outDim: number, name: string, bias = true): string {
    const w = this.param(`${name}.weight`, [inDim, outDim], () => this.uniform(inDim * outDim, Math.sqrt(6 / (inDim + outDim))));
    const y = this.g.op('MatMul', [x, w]);
    if (!bias) return y;
    const b = this.param(`${name}.bias`, [outDim], () => this.uniform(outDim, 0.02));
    return this.g.op('Add', [y, b]);
  }

  /** LayerNormalization over the last axis; gain near 1, so the reference check sees non-trivial weights. */
  layerNorm(x: string, dim: number, name: string): string {
    const gamma = this.param(`${name}.weight`, [dim], () => this.uniform(dim, 0.1, 1));
    const beta = this.param(`${name}.bias`, [dim], () => this.uniform(dim, 0.02));
    return this.g.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: { float: 1e-5 } });
  }

  /** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
  gelu(x: string): string {
    const g = this.g;
    const scaled = g.op('Div', [x, this.constant('sqrt2', Math.SQRT2)]);
    const erf = g.op('Erf', [scaled]);
    const onePlus = g.op('Add', [erf, this.constant('one', 1)]);
    return g.op('Mul', [g.op('Mul', [x, onePlus]), this.constant('half', 0.5)]);
  }

  private readonly constants = new Map<string, string>();
  constant(name: string, value: number): string {
    const key = `const.${name}`;
    if (!this.constants.has(key)) this.constants.set(key, this.g.scalar(key, value));
    return this.constants.get(key)!;
  }

  private readonly shapes = new Map<string, string>();
  shape(values: readonly number[]): string {
    const key = `shape.${values.join('_').replace(/-/g, 'm')}`;
    if (!this.shapes.has(key)) this.shapes.set(key, this.g.int64Init(key, values));
    return this.shapes.get(key)!;
  }

  reshape(x: string, dims: readonly number[]): string {
    return this.g.op('Reshape', [x, this.shape(dims)]);
  }

  transpose(x: string, perm: readonly number[]): string {
    return this.g.op('Transpose', [x], { perm });
  }

  /**
   * Multi-head attention: queries from `q` [N, Tq, dim], keys and values from `kv` [N, Tk, dim].
   * Self-attention when q === kv.
   */
  attention(q: string, kv: string, dim: number, heads: number, name: string): string {
    const head = dim / heads;
    const split = (x: string) => this.transpose(this.reshape(x, [0, -1, heads, head]), [0, 2, 1, 3]);
    const qh = split(this.linear(q, dim, dim, `${name}.q`));
    const kT = this.transpose(this.reshape(this.linear(kv, dim, dim, `${name}.k`), [0, -1, heads, head]), [0, 2, 3, 1]);
    const vh = split(this.linear(kv, dim, dim, `${name}.v`));
    const scores = this.g.op('Mul', [this.g.op('MatMul', [qh, kT]), this.constant(`attn_scale_${head}`, 1 / Math.sqrt(head))]);
    const weights = this.g.op('Softmax', [scores], { axis: -1 });
    const merged = this.reshape(this.transpose(this.g.op('MatMul', [weights, vh]), [0, 2, 1, 3]), [0, -1, dim]);
    return this.linear(merged, dim, dim, `${name}.out`);
  }

  /** Linear - GELU - Linear. */
  mlp(x: string, inDim: number, hidden: number, outDim: number, name: string): string {
    return this.linear(this.gelu(this.linear(x, inDim, hidden, `${name}.fc1`)), hidden, outDim, `${name}.fc2`);
  }
}
