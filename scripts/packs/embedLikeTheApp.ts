/**
 * A built-in pack run in Node as the app's inference worker runs it: the manifest checked by the
 * app's validator, one image at a time (batch 1), the app's preprocessing, ONNX Runtime on WASM.
 * Shared by `npm run precompute` and the test of what it wrote, so both see the browser's numbers.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { preprocess } from '../../src/core/image/preprocess.ts';
import { hashBytes } from '../../src/core/identity/contentHash.ts';
import { packModelKey } from '../../src/core/identity/modelIdentity.ts';
import { meanPool } from '../../src/core/knn/pool.ts';
import { validateManifest } from '../../src/core/pack/validateManifest.ts';
import type { PackManifest } from '../../src/core/types.ts';
import { decodePng } from '../mobilenet/decodePng.ts';

export const MODELS_DIR = resolve(import.meta.dirname, '../../models');

export interface NodePack {
  readonly id: string;
  readonly manifest: PackManifest;
  readonly encoder: ort.InferenceSession;
  readonly connector: ort.InferenceSession;
}

export interface Embedded {
  /** [T, d_v] and [T', d_l]. */
  readonly pre: Float32Array;
  readonly post: Float32Array;
  readonly pooledPre: Float32Array;
  readonly pooledPost: Float32Array;
}

export async function openNodePack(id: string): Promise<NodePack> {
  const dir = resolve(MODELS_DIR, id);
  const checked = validateManifest(JSON.parse(readFileSync(resolve(dir, 'manifest.json'), 'utf8')));
  if (!checked.ok) throw new Error(`${id}: ${checked.errors.join('; ')}`);
  const { manifest } = checked;
  ort.env.wasm.numThreads = 1;
  const open = (file: string) => ort.InferenceSession.create(new Uint8Array(readFileSync(resolve(dir, file))), { executionProviders: ['wasm'] });
  const [encoder, connector] = await Promise.all([open(manifest.files.encoder), open(manifest.files.connector)]);
  return { id, manifest, encoder, connector };
}

/** One PNG file through the pack. */
export async function embedPngFile(pack: NodePack, path: string): Promise<Embedded> {
  const { io, image, tokens, preprocess: spec } = pack.manifest;
  const png = decodePng(new Uint8Array(readFileSync(path)), path);
  const { pixels } = preprocess(png.rgba, png.width, png.height, spec, image.size);
  const encoded = (await pack.encoder.run({ [io.encoderInput]: new ort.Tensor('float32', pixels, [1, 3, image.size, image.size]) }))[io.encoderOutput]!;
  const connected = (await pack.connector.run({ [io.connectorInput]: encoded }))[io.connectorOutput]!;
  const pre = encoded.data as Float32Array;
  const post = connected.data as Float32Array;
  return { pre, post, pooledPre: meanPool(pre, 1, tokens.pre, tokens.dPre), pooledPost: meanPool(post, 1, tokens.post, tokens.dPost) };
}

/** The content key the app's inference worker files this pack's results under (a built-in pack has no side files of weights). */
export async function nodePackModelKey(pack: NodePack): Promise<string> {
  const dir = resolve(MODELS_DIR, pack.id);
  const digest = async (name: string) => {
    const bytes = new Uint8Array(readFileSync(resolve(dir, name)));
    return { name, bytes: bytes.length, hash: await hashBytes(bytes) };
  };
  const { files } = pack.manifest;
  return packModelKey(pack.manifest, {
    encoder: await digest(files.encoder),
    connector: await digest(files.connector),
    encoderWeights: [],
    connectorWeights: [],
  });
}
