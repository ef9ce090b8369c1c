/**
 * ORT's int64 outputs (TopK's indices) come back as Int32Array, read as 32-bit halves of each
 * value (ml/ort.ts): the values must equal what BigInt reads, negative ones included, and a value
 * that does not fit 32 bits must be refused, not wrapped.
 */
import { describe, expect, it } from 'vitest';
import { writeSmallModel } from '../../src/core/onnx/smallModel.ts';
import { createSession } from '../../src/ml/ort.ts';

const IDENTITY = writeSmallModel({
  name: 'int64_identity',
  nodes: [{ op: 'Identity', inputs: ['v'], outputs: ['w'] }],
  initializers: [],
  inputs: [{ name: 'v', type: 'int64', dims: ['n'] }],
  outputs: [{ name: 'w', type: 'int64', dims: ['n'] }],
});

const feed = (values: readonly bigint[]) => ({ v: { type: 'int64' as const, dims: [values.length], data: BigInt64Array.from(values) } });

describe('int64 outputs as indices', () => {
  it('equal their BigInt values, across the 32-bit range', async () => {
    const session = await createSession(IDENTITY, ['wasm']);
    const values = [0n, 1n, 5n, 65_536n, 2n ** 31n - 1n, -1n, -3n, -(2n ** 31n)];
    const out = await session.runIndexed(feed(values));
    expect(out.w!.data).toBeInstanceOf(Int32Array);
    expect(Array.from(out.w!.data)).toEqual(values.map(Number));
    await session.dispose();
  });

  it('refuses a value that does not fit 32 bits, rather than wrap it', async () => {
    const session = await createSession(IDENTITY, ['wasm']);
    await expect(session.runIndexed(feed([3n, 2n ** 31n]))).rejects.toThrow(/index 2147483648 does not fit 32 bits/);
    await expect(session.runIndexed(feed([2n ** 32n + 7n]))).rejects.toThrow(/does not fit 32 bits/);
    await expect(session.runIndexed(feed([-(2n ** 31n) - 1n]))).rejects.toThrow(/does not fit 32 bits/);
    await session.dispose();
  });
});
