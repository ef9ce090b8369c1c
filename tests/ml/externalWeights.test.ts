/**
 * A pack whose weights sit in an external-data file runs when the file is handed to ORT with it,
 * and gives the same tokens as the same pack with inline weights; the tiny pack's Sqrt encoder
 * yields NaN for a dark image (what the app flags and leaves out).
 */
import { describe, expect, it } from 'vitest';
import { openPack } from '../../src/ml/packRunner.ts';
import { tinyManifest, tinyPackVariants } from '../e2e/fixturePack.ts';

const variants = tinyPackVariants();
const bytes = (set: keyof typeof variants, name: string) => new Uint8Array(variants[set].find((f) => f.name === name)!.buffer);
const bright = new Float32Array(3 * 32 * 32).map((_, i) => 0.3 + 0.5 * Math.sin(i) ** 2);
const dark = new Float32Array(3 * 32 * 32).fill(-0.95);

describe('external weights', () => {
  it('match the inline pack exactly', async () => {
    const inline = await openPack(tinyManifest, bytes('valid', 'encoder.onnx'), bytes('valid', 'connector.onnx'), ['wasm']);
    const external = await openPack(tinyManifest, bytes('external', 'encoder.onnx'), bytes('external', 'connector.onnx'), ['wasm'], {
      encoder: [{ path: 'encoder.onnx_data', data: bytes('external', 'encoder.onnx_data') }],
    });
    const a = await inline.embed(bright);
    const b = await external.embed(bright);
    expect(b.pre).toEqual(a.pre);
    expect(b.post).toEqual(a.post);
    expect(a.pre.every(Number.isFinite)).toBe(true);
    expect((await inline.embed(dark)).pre.some(Number.isNaN)).toBe(true);
    await inline.dispose();
    await external.dispose();
  });

  it('are required: without the side file the pack does not open', async () => {
    await expect(openPack(tinyManifest, bytes('external', 'encoder.onnx'), bytes('external', 'connector.onnx'), ['wasm'])).rejects.toThrow(
      /^ONNX Runtime could not open this model/,
    );
  });
});
