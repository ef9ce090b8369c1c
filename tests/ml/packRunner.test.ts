/**
 * Opening a pack checks the ONNX graphs against the manifest: a contradiction is refused with a
 * message naming the tensor and both shapes; a corrupt file is refused with ORT's reason.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeFailure } from '../../src/core/errors.ts';
import { describe, expect, it } from 'vitest';
import type { PackManifest } from '../../src/core/types.ts';
import { openPack } from '../../src/ml/packRunner.ts';

const dir = resolve(import.meta.dirname, '../../models/vit-merger');
const manifest: PackManifest = JSON.parse(readFileSync(resolve(dir, 'manifest.json'), 'utf8'));
const encoder = new Uint8Array(readFileSync(resolve(dir, 'encoder.onnx')));
const connector = new Uint8Array(readFileSync(resolve(dir, 'connector.onnx')));

describe('openPack', () => {
  it('opens a consistent pack on WASM and embeds one image', async () => {
    const runner = await openPack(manifest, encoder, connector, ['wasm']);
    const { pre, post } = await runner.embed(new Float32Array(3 * 224 * 224).fill(0.1));
    expect(pre.length).toBe(196 * 64);
    expect(post.length).toBe(49 * 128);
    expect(runner.ep).toBe('wasm');
    await runner.dispose();
  });

  it('refuses a manifest whose post-token count contradicts the connector graph', async () => {
    const wrong = { ...manifest, tokens: { ...manifest.tokens, post: 50 } };
    await expect(openPack(wrong, encoder, connector, ['wasm'])).rejects.toThrow(
      'connector.onnx output "post_tokens": the model produced shape [1, 49, 128], the manifest says [1, 50, 128]',
    );
  });

  it('refuses a manifest naming a tensor the graph does not have', async () => {
    const wrong = { ...manifest, io: { ...manifest.io, encoderOutput: 'hidden_states' } };
    await expect(openPack(wrong, encoder, connector, ['wasm'])).rejects.toThrow(
      `encoder.onnx: the manifest names output "hidden_states", but the model's outputs are "pre_tokens"`,
    );
  });

  it('refuses a swapped pair (encoder where the connector belongs)', async () => {
    await expect(openPack(manifest, encoder, encoder, ['wasm'])).rejects.toThrow(
      /connector\.onnx: the manifest names input "pre_tokens", but the model's inputs are "pixel_values"/,
    );
  });

  it('refuses a corrupt ONNX file with a reason', async () => {
    const corrupt = connector.slice(0, connector.length >> 1);
    const error: unknown = await openPack(manifest, encoder, corrupt, ['wasm']).then(
      () => null,
      (e: unknown) => e,
    );
    // Written for people; what the runtime said goes to details.
    expect(describeFailure(error)).toMatchObject({
      code: 'internal',
      message: expect.stringMatching(/^ONNX Runtime could not open this model/),
      details: expect.stringMatching(/^wasm: .+/),
    });
  });

  it('falls back to WASM, with the reason, when WebGPU is not available', async () => {
    const runner = await openPack(manifest, encoder, connector, ['webgpu', 'wasm']);
    expect(runner.ep).toBe('wasm');
    expect(runner.fallbackReason).toMatch(/no WebGPU adapter/);
    await runner.dispose();
  });
});
