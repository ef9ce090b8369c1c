/**
 * A pack folder written by tools/export_pack.py, read as the app reads a user's chosen files
 * (manifest parser, external-data check), and its tokens in the app's runtime (openPack on WASM)
 * compared with the reference tensors written beside it (reference/*.f32, reference.json).
 * Shared by the exporter test and the transformers-models test.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { checkExternalData, externalDataRefs } from '../../src/core/onnx/externalData.ts';
import { findManifest, modelFiles, parseManifest } from '../../src/core/pack/packFiles.ts';
import type { PackManifest } from '../../src/core/types.ts';
import type { ExternalDataFile } from '../../src/ml/ort.ts';
import { openPack } from '../../src/ml/packRunner.ts';

export interface Reference {
  readonly pixels: Float32Array;
  readonly pre: Float32Array;
  readonly post: Float32Array;
  readonly count: number;
}

export function readReference(folder: string): Reference {
  const meta = JSON.parse(readFileSync(join(folder, 'reference', 'reference.json'), 'utf8')) as { shapes: Record<'pixels' | 'pre' | 'post', number[]> };
  const read = (name: 'pixels' | 'pre' | 'post') => {
    const bytes = readFileSync(join(folder, 'reference', `${name}.f32`));
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(data.length).toBe(meta.shapes[name].reduce((a, b) => a * b, 1));
    return data;
  };
  return { pixels: read('pixels'), pre: read('pre'), post: read('post'), count: meta.shapes.pixels[0]! };
}

export interface OpenedPack {
  readonly manifest: PackManifest;
  readonly encoder: Uint8Array;
  readonly connector: Uint8Array;
  readonly external: { encoder: ExternalDataFile[]; connector: ExternalDataFile[] };
}

/** The pack folder read as the app reads a user's chosen files. */
export function readPack(folder: string): OpenedPack {
  const files = readdirSync(folder)
    .filter((name) => statSync(join(folder, name)).isFile())
    .map((name) => ({ name, size: statSync(join(folder, name)).size }));
  const manifest = parseManifest(readFileSync(join(folder, findManifest(files).name), 'utf8'));
  const chosen = modelFiles(manifest, files);
  const sizes = new Map(files.map((f) => [f.name, f.size]));
  const load = (name: string) => {
    const bytes = new Uint8Array(readFileSync(join(folder, name)));
    const refs = externalDataRefs(bytes, name);
    checkExternalData(name, refs, sizes);
    return { bytes, external: refs.map((r) => ({ path: r.location, data: new Uint8Array(readFileSync(join(folder, r.location))) })) };
  };
  const encoder = load(chosen.encoder.name);
  const connector = load(chosen.connector.name);
  return { manifest, encoder: encoder.bytes, connector: connector.bytes, external: { encoder: encoder.external, connector: connector.external } };
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
export const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Runs every reference image through the app's PackRunner; returns the worst pre and post differences. */
export async function compareWithTorch(folder: string): Promise<{ pre: number; post: number; outputs: Float32Array[] }> {
  const pack = readPack(folder);
  const ref = readReference(folder);
  const { pre: T, dPre, post: T2, dPost } = pack.manifest.tokens;
  const plane = 3 * pack.manifest.image.size ** 2;
  const runner = await openPack(pack.manifest, pack.encoder, pack.connector, ['wasm'], pack.external);
  let pre = 0;
  let post = 0;
  const outputs: Float32Array[] = [];
  try {
    for (let i = 0; i < ref.count; i++) {
      const out = await runner.embed(ref.pixels.slice(i * plane, (i + 1) * plane));
      pre = Math.max(pre, maxAbsDiff(out.pre, ref.pre.subarray(i * T * dPre, (i + 1) * T * dPre)));
      post = Math.max(post, maxAbsDiff(out.post, ref.post.subarray(i * T2 * dPost, (i + 1) * T2 * dPost)));
      outputs.push(out.post);
    }
  } finally {
    await runner.dispose();
  }
  // The comparison proves something only if the tokens carry signal.
  expect(maxAbs(ref.pre)).toBeGreaterThan(0.5);
  expect(maxAbs(ref.post)).toBeGreaterThan(0.1);
  console.log(
    `${folder.split('/').pop()}: max |app - torch| pre ${pre.toExponential(2)} (scale ${maxAbs(ref.pre).toFixed(2)}), post ${post.toExponential(2)} (scale ${maxAbs(ref.post).toFixed(2)})`,
  );
  return { pre, post, outputs };
}
