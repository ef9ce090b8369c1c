/**
 * The first-look record shipped for the default pack (public/first-look/<default>.json) still
 * belongs to the committed pack and image set: its model key is the one the app's inference
 * worker computes for the pack's files, its content hashes are those of the bundled files, and its
 * pooled vectors are what the pack gives now (ONNX Runtime, the app's preprocessing), checked on
 * images spread over the set. Stale after a pack, image-set or ANALYSIS_VERSION change: run
 * `npm run precompute:first-look`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashBytes } from '../../src/core/identity/contentHash.ts';
import { compareFirstLook, parseFirstLook } from '../../src/core/imageset/firstLook.ts';
import { parseImageSetIndex } from '../../src/core/imageset/imageSetIndex.ts';
import { embedPngFile, nodePackModelKey, openNodePack } from '../../scripts/packs/embedLikeTheApp.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE = 24;

describe('the first-look record of the default pack', () => {
  const packId = (JSON.parse(readFileSync(resolve(ROOT, 'models/index.json'), 'utf8')) as { default: string }).default;
  const record = parseFirstLook(JSON.parse(readFileSync(resolve(ROOT, 'public/first-look', `${packId}.json`), 'utf8')));
  const entries = parseImageSetIndex(JSON.parse(readFileSync(resolve(ROOT, 'public/imageset/index.json'), 'utf8')));

  it('is filed under the key the app computes for the pack, and covers every bundled file by content', async () => {
    const pack = await openNodePack(packId);
    expect(record.packId).toBe(packId);
    expect(record.modelKey).toBe(await nodePackModelKey(pack));
    expect(record.dPre).toBe(pack.manifest.tokens.dPre);
    expect(record.dPost).toBe(pack.manifest.tokens.dPost);
    expect(record.files).toEqual(entries.map((e) => e.file));
    const hashes = await Promise.all(entries.map(async (e) => hashBytes(new Uint8Array(readFileSync(resolve(ROOT, 'public/imageset', e.file))))));
    expect(record.contentHashes).toEqual(hashes);
  });

  it('holds the pooled vectors the pack gives now', async () => {
    const pack = await openNodePack(packId);
    const rows = Array.from({ length: SAMPLE }, (_, i) => Math.floor((i * record.files.length) / SAMPLE));
    const { dPre, dPost } = record;
    const live = { pooledPre: new Float32Array(SAMPLE * dPre), pooledPost: new Float32Array(SAMPLE * dPost) };
    const shipped = { pooledPre: new Float32Array(SAMPLE * dPre), pooledPost: new Float32Array(SAMPLE * dPost) };
    for (const [i, row] of rows.entries()) {
      const e = await embedPngFile(pack, resolve(ROOT, 'public/imageset', record.files[row]!));
      live.pooledPre.set(e.pooledPre, i * dPre);
      live.pooledPost.set(e.pooledPost, i * dPost);
      shipped.pooledPre.set(record.pooledPre.subarray(row * dPre, (row + 1) * dPre), i * dPre);
      shipped.pooledPost.set(record.pooledPost.subarray(row * dPost, (row + 1) * dPost), i * dPost);
    }
    // Same runtime and code as the script that wrote it: equal to float32 rounding.
    expect(compareFirstLook(shipped, live, SAMPLE).maxDifference).toBeLessThanOrEqual(1e-6);
  }, 120_000);
});
