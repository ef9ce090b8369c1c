/**
 * Identity by content: a model's key changes with every byte and field that changes its numbers,
 * and with nothing else; files are hashed as they stream, so the key costs no second read.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHasher, hashBytes, hashParts } from '../../../src/core/identity/contentHash.ts';
import { isModelKey, packModelKey, stockModelKey, type FileDigest } from '../../../src/core/identity/modelIdentity.ts';
import { readWithRoom } from '../../../src/core/onnx/readWithRoom.ts';
import type { PackManifest } from '../../../src/core/types.ts';
import { readModelSource } from '../../../src/workers/readModel.ts';

const manifest = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../models/vit-mlp/manifest.json'), 'utf8')) as PackManifest;
const encoderBytes = new Uint8Array(readFileSync(resolve(import.meta.dirname, '../../../models/vit-mlp', manifest.files.encoder)));

const digest = async (name: string, bytes: Uint8Array): Promise<FileDigest> => ({ name, bytes: bytes.length, hash: await hashBytes(bytes) });

async function keyFor(m: PackManifest, encoder: Uint8Array, connector: Uint8Array): Promise<string> {
  return packModelKey(m, {
    encoder: await digest(m.files.encoder, encoder),
    connector: await digest(m.files.connector, connector),
    encoderWeights: [],
    connectorWeights: [],
  });
}

describe('content hashes', () => {
  it('are BLAKE3-256 (the published test vector for empty input)', async () => {
    expect(await hashBytes(new Uint8Array(0))).toBe('af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
  });

  it('give the same hash fed in any chunking as in one piece', async () => {
    const whole = await hashBytes(encoderBytes);
    const h = await contentHasher();
    for (let at = 0; at < encoderBytes.length; at += 4099) h.update(encoderBytes.subarray(at, at + 4099));
    expect(h.digest()).toBe(whole);
  });

  it('of parts are the hash of the parts joined, also when many are asked for at once (one shared hasher)', async () => {
    const a = encoderBytes.subarray(0, 1000);
    const b = encoderBytes.subarray(1000, 5000);
    const joined = new Uint8Array([...a, ...b]);
    const h = await contentHasher();
    h.update(joined);
    expect(await hashParts([a, b])).toBe(h.digest());
    const pieces = Array.from({ length: 12 }, (_, i) => encoderBytes.subarray(i * 300, i * 300 + 700));
    const alone: string[] = [];
    for (const piece of pieces) alone.push(await hashBytes(piece));
    expect(await Promise.all(pieces.map((piece) => hashBytes(piece)))).toEqual(alone);
    expect(new Set(alone).size).toBe(pieces.length);
  });

  it('are computed by readWithRoom in the same pass that reads the file', async () => {
    const h = await contentHasher();
    const read = await readWithRoom(new Blob([encoderBytes]), 16, h);
    expect(read.length).toBe(encoderBytes.length);
    expect(h.digest()).toBe(await hashBytes(encoderBytes));
  });

  it('write JSON with sorted keys, so key order never changes a hash', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });
});

describe('packModelKey', () => {
  const connector = Uint8Array.from(encoderBytes.subarray(0, 5000));

  it('is the same for the same bytes and result fields, whatever the pack is called', async () => {
    const key = await keyFor(manifest, encoderBytes, connector);
    expect(isModelKey(key)).toBe(true);
    const renamed = { ...manifest, id: 'my-copy', name: 'My copy', description: 'renamed', weights: { ...manifest.weights, license: 'other' } };
    expect(await keyFor(renamed, encoderBytes, connector)).toBe(key);
  });

  it('changes with one weight byte at the same file size (the defect a size-based id had)', async () => {
    const key = await keyFor(manifest, encoderBytes, connector);
    const changed = Uint8Array.from(encoderBytes);
    changed[changed.length - 7] = changed[changed.length - 7]! ^ 1;
    expect(changed.length).toBe(encoderBytes.length);
    expect(await keyFor(manifest, changed, connector)).not.toBe(key);
  });

  it('changes with the preprocessing, the io names and the geometry', async () => {
    const key = await keyFor(manifest, encoderBytes, connector);
    const variants: PackManifest[] = [
      { ...manifest, preprocess: { ...manifest.preprocess, mean: [0.5, 0.5, 0.5] } },
      { ...manifest, preprocess: { ...manifest.preprocess, resample: manifest.preprocess.resample === 'bicubic' ? 'bilinear' : 'bicubic' } },
      { ...manifest, io: { ...manifest.io, encoderOutput: 'other' } },
      { ...manifest, image: { ...manifest.image, size: manifest.image.size + 1 } },
    ];
    const keys = await Promise.all(variants.map((v) => keyFor(v, encoderBytes, connector)));
    for (const k of keys) expect(k).not.toBe(key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('tells the encoder from the connector and counts external weight files by name', async () => {
    const a = await keyFor(manifest, encoderBytes, connector);
    const swapped = await keyFor(manifest, connector, encoderBytes);
    expect(swapped).not.toBe(a);
    const w = await digest('encoder.onnx_data', connector);
    const withWeights = await packModelKey(manifest, {
      encoder: await digest('e', encoderBytes),
      connector: await digest('c', connector),
      encoderWeights: [w],
      connectorWeights: [],
    });
    const renamedWeights = await packModelKey(manifest, {
      encoder: await digest('e', encoderBytes),
      connector: await digest('c', connector),
      encoderWeights: [{ ...w, name: 'other.onnx_data' }],
      connectorWeights: [],
    });
    expect(withWeights).not.toBe(a);
    expect(renamedWeights).not.toBe(withWeights);
  });
});

describe('stockModelKey', () => {
  it('changes with the tap, the processor config and the weights', async () => {
    const encoder = await digest('vision_encoder.onnx', encoderBytes);
    const base = {
      encoder,
      weights: [],
      tap: { pre: 'a', post: 'b' },
      config: { model_type: 'idefics3' },
      preprocessorConfig: { size: { longest_edge: 512 } },
    };
    const key = await stockModelKey(base);
    expect(await stockModelKey({ ...base, preprocessorConfig: { size: { longest_edge: 512 } } })).toBe(key);
    expect(await stockModelKey({ ...base, tap: { pre: 'a', post: 'c' } })).not.toBe(key);
    expect(await stockModelKey({ ...base, preprocessorConfig: { size: { longest_edge: 384 } } })).not.toBe(key);
    expect(await stockModelKey({ ...base, weights: [await digest('vision_encoder.onnx_data', encoderBytes)] })).not.toBe(key);
  });
});

describe('readModelSource', () => {
  it('digests a file, bytes and a URL alike', async () => {
    const expected = await hashBytes(encoderBytes);
    const fromFile = await readModelSource({ kind: 'file', name: 'encoder.onnx', file: new Blob([encoderBytes]), siblings: [] }, 'encoder.onnx');
    const fromBytes = await readModelSource({ kind: 'bytes', bytes: encoderBytes }, 'encoder.onnx', 32);
    expect(fromFile.digest).toEqual({ name: 'encoder.onnx', bytes: encoderBytes.length, hash: expected });
    expect(fromBytes.digest.hash).toBe(expected);
    expect(fromBytes.buffer.length).toBe(encoderBytes.length + 32);
    expect(fromBytes.buffer.subarray(0, fromBytes.length)).toEqual(encoderBytes);
  });
});
