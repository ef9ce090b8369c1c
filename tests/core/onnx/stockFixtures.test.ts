/**
 * The stock-export stand-ins (tests/support/stockFixtures.ts): the automatic boundary is the
 * connector's input by construction and image_features its output, in every kind and naming
 * style; the repo's configs parse and agree with the graph; the graph runs in ONNX Runtime on
 * inputs of the declared shapes (built by hand here, not by the app's processors), uses its extra
 * inputs for real, and the fp16 variant has the fp16 interface with the same numbers.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { parseProcessorConfig } from '../../../src/core/image/processors/processorConfig.ts';
import { halfBitsToFloat32 } from '../../../src/core/onnx/float16.ts';
import { inspectModel } from '../../../src/core/onnx/inspectModel.ts';
import { postTokenCount } from '../../../src/core/geometry/connectorGeometry.ts';
import { seededRandom } from '../../../src/core/random.ts';
import { STOCK_KINDS, stockFixture, type StockFixture, type StockKind } from '../../support/stockFixtures.ts';
import { STYLES } from '../../support/vlmBlocks.ts';

const FLOAT = 1;
const FLOAT16 = 10;

/** Float32 to IEEE half bits, rounding to nearest even (finite values in half range). */
function halfBits(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  return Uint16Array.from(bits, (b) => {
    const sign = (b >>> 16) & 0x8000;
    const exponent = ((b >>> 23) & 0xff) - 127 + 15;
    const mantissa = b & 0x7fffff;
    if (exponent >= 31) throw new RangeError('value out of half range');
    if (exponent <= 0) {
      if (exponent < -10) return sign;
      const full = mantissa | 0x800000;
      const shift = 14 - exponent;
      const half = full >>> shift;
      const rest = full & ((1 << shift) - 1);
      const midway = 1 << (shift - 1);
      return sign | (half + (rest > midway || (rest === midway && (half & 1) === 1) ? 1 : 0));
    }
    const half = (exponent << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0));
  });
}

/** Inputs of the declared shapes for one image, from a seeded generator; pixels in [-1, 1]. */
function feeds(f: StockFixture, pixels: Float32Array, fp16: boolean, extra: { mask?: boolean; grid?: readonly number[] } = {}): Record<string, ort.Tensor> {
  const pv = fp16 ? new ort.Tensor('float16', halfBits(pixels), pixelDims(f)) : new ort.Tensor('float32', pixels, pixelDims(f));
  if (f.kind === 'smolvlm') {
    const s = f.imageSize;
    return { pixel_values: pv, pixel_attention_mask: new ort.Tensor('bool', new Uint8Array(s * s).fill(extra.mask === false ? 0 : 1), [1, 1, s, s]) };
  }
  if (f.kind === 'qwen2vl')
    return { pixel_values: pv, grid_thw: new ort.Tensor('int64', BigInt64Array.from((extra.grid ?? [1, ...f.grid]).map(BigInt)), [1, 3]) };
  return { pixel_values: pv };
}

function pixelDims(f: StockFixture): number[] {
  const s = f.imageSize;
  if (f.kind === 'smolvlm') return [1, 1, 3, s, s];
  if (f.kind === 'qwen2vl') return [f.tokens.pre, 3 * 2 * (s / f.grid[0]) ** 2];
  return [1, 3, s, s];
}

function randomPixels(f: StockFixture, seed: number): Float32Array {
  const random = seededRandom(seed);
  // Multiples of 2^-10 in [-1, 1]: exact in float16, so both variants see the same numbers.
  return Float32Array.from({ length: pixelDims(f).reduce((a, b) => a * b, 1) }, () => Math.round((2 * random() - 1) * 1024) / 1024);
}

async function run(f: StockFixture, inputs: Record<string, ort.Tensor>): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(f.files.get(f.encoderPath)!, { executionProviders: ['wasm'] });
  try {
    return (await session.run(inputs))[f.post]!;
  } finally {
    await session.release();
  }
}

/** Bit-for-bit equal float arrays (a loop: deep equality is slow on arrays this long). */
const sameValues = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const expectedDims = (f: StockFixture) => (f.kind === 'llava-interleave' ? [1, f.tokens.post, f.tokens.dPost] : [f.tokens.post, f.tokens.dPost]);

const json = (f: StockFixture, path: string): Record<string, unknown> => JSON.parse(new TextDecoder().decode(f.files.get(path)!)) as Record<string, unknown>;

const PROCESSOR: Readonly<Record<StockKind, string>> = { smolvlm: 'idefics3', qwen2vl: 'qwen2-vl', 'llava-interleave': 'siglip' };

describe('stock fixtures', () => {
  for (const kind of STOCK_KINDS) {
    for (const style of STYLES) {
      for (const fp16 of [false, true]) {
        it(`${kind}, ${style}${fp16 ? ', fp16' : ''}: inspectModel finds the connector's input and image_features`, () => {
          const f = stockFixture(kind, { style, fp16 });
          expect(f.style).toBe(style);
          expect([...f.files.keys()]).toEqual([fp16 ? 'onnx/vision_encoder_fp16.onnx' : 'onnx/vision_encoder.onnx', 'config.json', 'preprocessor_config.json']);
          const info = inspectModel(f.files.get(f.encoderPath)!);
          if (!info.boundary.found) throw new Error(info.boundary.why);
          const b = info.boundary;
          expect({ tensor: b.tensor, post: b.post, scope: b.scope, style: b.style, confidence: b.confidence, alternatives: b.alternatives }).toEqual({
            tensor: f.pre,
            post: 'image_features',
            scope: f.scope,
            style,
            confidence: 'high',
            alternatives: [],
          });
          expect(b.preInfo.dims).toEqual(style === 'builder' ? null : f.preDims);
          expect(b.postInfo).toEqual({ name: 'image_features', elemType: fp16 ? FLOAT16 : FLOAT, dims: f.postDims });
          expect(info.candidates[0]!.name).toBe(f.pre);
          const float = fp16 ? FLOAT16 : FLOAT;
          const s = f.imageSize;
          expect(info.inputs).toEqual(
            kind === 'smolvlm'
              ? [
                  { name: 'pixel_values', elemType: float, dims: [1, 'num_images', 3, s, s] },
                  { name: 'pixel_attention_mask', elemType: 9, dims: [1, 'num_images', s, s] },
                ]
              : kind === 'qwen2vl'
                ? [
                    { name: 'pixel_values', elemType: float, dims: ['num_patches', 1176] },
                    { name: 'grid_thw', elemType: 7, dims: ['num_images', 3] },
                  ]
                : [{ name: 'pixel_values', elemType: float, dims: ['batch_size', 3, s, s] }],
          );
          expect(info.outputs).toEqual([b.postInfo]);
        });
      }
    }

    it(`${kind}: same arguments, same bytes; the configs parse and agree with the graph`, () => {
      const f = stockFixture(kind);
      const again = stockFixture(kind, { style: 'torchscript', fp16: false }).files;
      expect([...again.keys()]).toEqual([...f.files.keys()]);
      for (const [path, bytes] of again) expect(Buffer.from(bytes).equals(f.files.get(path)!), path).toBe(true);
      expect(f.grid[0] * f.grid[1]).toBe(f.tokens.pre);
      expect(postTokenCount(f.connector, f.grid)).toBe(f.tokens.post);
      const parsed = parseProcessorConfig(json(f, 'preprocessor_config.json'));
      if (!parsed.ok) throw new Error(parsed.errors.join('; '));
      const p = parsed.config;
      expect(p.processor).toBe(PROCESSOR[kind]);
      expect([p.doRescale, p.rescaleFactor, p.doNormalize]).toEqual([true, 1 / 255, true]);
      const config = json(f, 'config.json');
      const vision = config.vision_config as Record<string, unknown>;
      if (p.processor === 'idefics3') {
        expect([p.longestEdge, p.maxImageSize, p.imageSplittingRequested, p.resample, p.mean]).toEqual([
          f.imageSize,
          f.imageSize,
          true,
          'lanczos',
          [0.5, 0.5, 0.5],
        ]);
        expect(config).toMatchObject({ model_type: 'idefics3', scale_factor: 4, text_config: { hidden_size: f.tokens.dPost } });
        expect(vision).toEqual({ model_type: 'idefics3_vision', image_size: f.imageSize, patch_size: f.imageSize / f.grid[0], hidden_size: f.tokens.dPre });
        expect(f.connector).toEqual({ family: 'pixel-shuffle', scale: 4 });
      } else if (p.processor === 'qwen2-vl') {
        expect([p.patchSize, p.temporalPatchSize, p.mergeSize, p.minPixels, p.maxPixels, p.resample]).toEqual([14, 2, 2, 3136, 12845056, 'bicubic']);
        expect(p.patchSize * f.grid[0]).toBe(f.imageSize);
        expect(config).toMatchObject({ model_type: 'qwen2_vl' });
        expect(vision).toEqual({
          depth: 2,
          embed_dim: f.tokens.dPre,
          hidden_size: f.tokens.dPost,
          patch_size: 14,
          spatial_merge_size: 2,
          temporal_patch_size: 2,
        });
        expect(f.connector).toEqual({ family: 'merger', mergeSize: 2 });
        expect([f.imageSize, f.grid, f.tokens.pre, f.tokens.post]).toEqual([336, [24, 24], 576, 144]);
      } else if (p.processor === 'siglip') {
        expect([p.size, p.resample]).toEqual([{ height: f.imageSize, width: f.imageSize }, 'bicubic']);
        expect(config).toMatchObject({
          model_type: 'llava',
          vision_feature_layer: -1,
          vision_feature_select_strategy: 'full',
          text_config: { model_type: 'qwen2', hidden_size: f.tokens.dPost },
        });
        expect(vision).toEqual({ model_type: 'siglip_vision_model', image_size: f.imageSize, patch_size: f.imageSize / f.grid[0], hidden_size: f.tokens.dPre });
        expect(f.connector).toEqual({ family: 'mlp' });
      } else throw new Error(`unexpected processor ${p.processor}`);
    });

    it(`${kind}: runs in ONNX Runtime on inputs of the declared shapes, the same numbers in every style`, async () => {
      const pixels = randomPixels(stockFixture(kind), 11);
      const outputs: Float32Array[] = [];
      for (const style of STYLES) {
        const f = stockFixture(kind, { style });
        const out = await run(f, feeds(f, pixels, false));
        expect(out.type).toBe('float32');
        expect(out.dims).toEqual(expectedDims(f));
        const data = out.data as Float32Array;
        expect(data.every(Number.isFinite)).toBe(true);
        outputs.push(data);
      }
      expect(sameValues(outputs[1]!, outputs[0]!)).toBe(true);
      expect(sameValues(outputs[2]!, outputs[0]!)).toBe(true);
    });

    it(`${kind}: the fp16 export takes and gives float16, matching fp32 within 1e-2`, async () => {
      const f32 = stockFixture(kind);
      const f16 = stockFixture(kind, { fp16: true });
      expect(f16.encoderPath).toBe('onnx/vision_encoder_fp16.onnx');
      const pixels = randomPixels(f32, 12);
      expect(sameValues(halfBitsToFloat32(halfBits(pixels)), pixels)).toBe(true);
      const ref = (await run(f32, feeds(f32, pixels, false))).data as Float32Array;
      const out = await run(f16, feeds(f16, pixels, true));
      expect(out.type).toBe('float16');
      expect(out.dims).toEqual(expectedDims(f16));
      const got = halfBitsToFloat32(out.data as Uint16Array);
      const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(scale).toBeGreaterThan(0);
      const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!) / Math.max(Math.abs(ref[i]!), 1e-3 * scale)), 0);
      expect(worst).toBeLessThanOrEqual(1e-2);
    });
  }

  it('qwen2vl: a grid_thw that does not match the patch count makes the run fail', async () => {
    const f = stockFixture('qwen2vl');
    const pixels = randomPixels(f, 13);
    await expect(run(f, feeds(f, pixels, false, { grid: [1, 24, 23] }))).rejects.toThrow(/reshape/i);
    // Divisible but wrong: rows of the wrong length reach the patch embedding.
    await expect(run(f, feeds(f, pixels, false, { grid: [1, 12, 24] }))).rejects.toThrow(/MatMul/);
  });

  it('smolvlm: the pixel mask is used (an all-false mask changes the output)', async () => {
    const f = stockFixture('smolvlm');
    const pixels = randomPixels(f, 14);
    const real = (await run(f, feeds(f, pixels, false, { mask: true }))).data as Float32Array;
    const padded = (await run(f, feeds(f, pixels, false, { mask: false }))).data as Float32Array;
    expect(padded.length).toBe(real.length);
    expect(padded.some((v, i) => Math.abs(v - real[i]!) > 1e-3)).toBe(true);
    // All pixels masked is the same as all pixels zero.
    const zeros = (await run(f, feeds(f, new Float32Array(pixels.length), false))).data as Float32Array;
    expect(padded.every((v, i) => Math.abs(v - zeros[i]!) <= 1e-6)).toBe(true);
  });

  it('smolvlm: several images give their tokens one after another', async () => {
    const f = stockFixture('smolvlm');
    const s = f.imageSize;
    const [a, b] = [randomPixels(f, 15), randomPixels(f, 16)];
    const both = new Float32Array(a.length * 2);
    both.set(a);
    both.set(b, a.length);
    const out = await run(f, {
      pixel_values: new ort.Tensor('float32', both, [1, 2, 3, s, s]),
      pixel_attention_mask: new ort.Tensor('bool', new Uint8Array(2 * s * s).fill(1), [1, 2, s, s]),
    });
    expect(out.dims).toEqual([2 * f.tokens.post, f.tokens.dPost]);
    const first = (await run(f, feeds(f, a, false))).data as Float32Array;
    const second = (await run(f, feeds(f, b, false))).data as Float32Array;
    const data = out.data as Float32Array;
    const close = (x: Float32Array, y: Float32Array) => x.every((v, i) => Math.abs(v - y[i]!) <= 1e-5);
    expect(close(data.subarray(0, first.length), first)).toBe(true);
    expect(close(data.subarray(first.length), second)).toBe(true);
  });
});
