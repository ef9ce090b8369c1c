/**
 * Opening a stock-style model (connector inside) through the app's ORT module: the automatic
 * boundary, tapped in place, gives pre and post per image equal to the parts run apart.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { inspectModel } from '../../src/core/onnx/inspectModel.ts';
import { readGraphSummary } from '../../src/core/onnx/graphSummary.ts';
import { readWithRoom } from '../../src/core/onnx/readWithRoom.ts';
import { openTapped } from '../../src/ml/tappedModel.ts';
import { seededRandom } from '../../src/core/random.ts';
import { connectorPart, encoderPart, PIXELS, vlmFixture } from '../support/vlmFixtures.ts';

async function runPart(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, output: string): Promise<ort.Tensor> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const out = (await s.run(feeds))[output]!;
  await s.release();
  return out;
}

describe('openTapped', () => {
  it('opens the idefics2-style dynamo export on the inspected boundary and returns pre and post per image', async () => {
    const f = vlmFixture('idefics2', 'dynamo');
    const info = inspectModel(f.bytes);
    expect(info.boundary.found).toBe(true);
    if (!info.boundary.found || info.boundary.post === null) return;
    expect(info.inputs).toEqual([{ name: PIXELS.name, elemType: 1, dims: ['batch', 3, 32, 32] }]);
    expect(info.candidates[0]!.name).toBe(f.pre);
    // inspectModel's result is plain data: it survives structured cloning (a worker reply) unchanged.
    expect(structuredClone(info)).toEqual(info);

    const { buffer, length } = await readWithRoom(new Blob([f.bytes]));
    const runner = await openTapped(buffer, length, readGraphSummary(buffer.subarray(0, length)), { pre: info.boundary.tensor, post: info.boundary.post }, [
      'wasm',
    ]);
    expect([runner.inputs, runner.added, runner.ep]).toEqual([[PIXELS.name], [f.pre], 'wasm']);
    const random = seededRandom(3);
    const pixels = Float32Array.from({ length: 3 * 32 * 32 }, () => 2 * random() - 1);
    const { pre, post } = await runner.run({ [PIXELS.name]: { data: pixels, dims: [1, 3, 32, 32] } });
    await runner.dispose();

    const enc = encoderPart('idefics2');
    const refPre = await runPart(enc.bytes, { [PIXELS.name]: new ort.Tensor('float32', pixels, [1, 3, 32, 32]) }, enc.output);
    const con = connectorPart('idefics2');
    const refPost = await runPart(con.bytes, { [con.input]: refPre }, con.output);
    expect(pre.dims).toEqual(refPre.dims);
    expect(post.dims).toEqual(refPost.dims);
    const diff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    expect(diff(pre.data, refPre.data as Float32Array)).toBeLessThanOrEqual(1e-5);
    expect(diff(post.data, refPost.data as Float32Array)).toBeLessThanOrEqual(1e-5);
  });
});
