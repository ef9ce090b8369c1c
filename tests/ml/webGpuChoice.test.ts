/**
 * Which provider a model opens on (ml/ort.ts createSession), by the WebGPU adapter the context
 * offers (ml/webGpuAdapter.ts): a software adapter is skipped for WASM, with the reason kept for
 * the badge, unless WebGPU is asked for by name.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeSmallModel } from '../../src/core/onnx/smallModel.ts';
import { createSession } from '../../src/ml/ort.ts';
import { isSoftwareAdapter, webGpuKind } from '../../src/ml/webGpuAdapter.ts';

/** y = x + 1: the smallest model that proves a session runs. */
const MODEL = writeSmallModel({
  name: 'plus_one',
  nodes: [{ op: 'Add', inputs: ['x', 'one'], outputs: ['y'] }],
  initializers: [{ name: 'one', type: 'float32', dims: [1], values: Float32Array.of(1) }],
  inputs: [{ name: 'x', type: 'float32', dims: [2] }],
  outputs: [{ name: 'y', type: 'float32', dims: [2] }],
});

const withAdapter = (adapter: unknown) => vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => adapter } });
const SWIFTSHADER = { info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device (Subzero)' } };

afterEach(() => vi.unstubAllGlobals());

describe('the WebGPU adapter decides the provider', () => {
  it('tells software adapters from hardware ones', async () => {
    expect(isSoftwareAdapter(SWIFTSHADER)).toBe(true);
    expect(isSoftwareAdapter({ info: { isFallbackAdapter: true } })).toBe(true);
    expect(isSoftwareAdapter({ info: { vendor: 'nvidia', architecture: 'ampere' } })).toBe(false);
    withAdapter(SWIFTSHADER);
    expect(await webGpuKind()).toBe('software');
    withAdapter({ info: { vendor: 'apple', architecture: 'metal-3' } });
    expect(await webGpuKind()).toBe('hardware');
    withAdapter(null);
    expect(await webGpuKind()).toBe('none');
  });

  it('a software adapter is skipped for WASM when WASM may be chosen, and the reason says so', async () => {
    withAdapter(SWIFTSHADER);
    const session = await createSession(MODEL, ['webgpu', 'wasm']);
    try {
      expect(session.ep).toBe('wasm');
      expect(session.fallbackReason).toBe(
        'WebGPU here is a software adapter (SwiftShader or similar), which is slower than WASM; ?ep=webgpu in the address uses it anyway',
      );
      expect(Array.from((await session.run({ x: { data: Float32Array.of(1, 2), dims: [2] } })).y!.data)).toEqual([2, 3]);
    } finally {
      await session.dispose();
    }
  });

  it('WebGPU asked for by name is tried even on a software adapter (here in Node it cannot run, and says so)', async () => {
    withAdapter(SWIFTSHADER);
    await expect(createSession(MODEL, ['webgpu'])).rejects.toMatchObject({ code: 'internal', details: expect.stringMatching(/^webgpu: /) });
  });
});
