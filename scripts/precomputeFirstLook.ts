/**
 * npm run precompute:first-look [-- <packId>...]: embeds the bundled image set with built-in packs
 * exactly as the app would (scripts/packs/embedLikeTheApp.ts: the app's preprocessing, ONNX
 * Runtime on WASM, one image at a time) and writes each pack's mean-pooled vectors, with the
 * pack's content key and every image's content hash, to public/first-look/<packId>.json
 * (core/imageset/firstLook.ts). A first visit shows KNOR from them at once while this browser
 * embeds the set itself and checks them. Default: the default pack. Run it again whenever the
 * pack, the image set or ANALYSIS_VERSION changes (tests/packs/firstLook.test.ts fails until then).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { hashBytes } from '../src/core/identity/contentHash.ts';
import { encodeFirstLook, type FirstLookRecord } from '../src/core/imageset/firstLook.ts';
import { parseImageSetIndex } from '../src/core/imageset/imageSetIndex.ts';
import { embedPngFile, nodePackModelKey, openNodePack } from './packs/embedLikeTheApp.ts';

const ROOT = resolve(import.meta.dirname, '..');
const IMAGESET = resolve(ROOT, 'public/imageset');

/** The record for one pack over the bundled set, as the app would compute it. */
export async function firstLookRecord(packId: string): Promise<FirstLookRecord> {
  const pack = await openNodePack(packId);
  const { dPre, dPost } = pack.manifest.tokens;
  const entries = parseImageSetIndex(JSON.parse(readFileSync(resolve(IMAGESET, 'index.json'), 'utf8')));
  const pooledPre = new Float32Array(entries.length * dPre);
  const pooledPost = new Float32Array(entries.length * dPost);
  const contentHashes: string[] = [];
  for (const [i, entry] of entries.entries()) {
    const path = resolve(IMAGESET, entry.file);
    const e = await embedPngFile(pack, path);
    pooledPre.set(e.pooledPre, i * dPre);
    pooledPost.set(e.pooledPost, i * dPost);
    contentHashes.push(await hashBytes(new Uint8Array(readFileSync(path))));
  }
  return { packId, modelKey: await nodePackModelKey(pack), files: entries.map((e) => e.file), contentHashes, dPre, dPost, pooledPre, pooledPost };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const index = JSON.parse(readFileSync(resolve(ROOT, 'models/index.json'), 'utf8')) as { default: string };
  const packIds = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [index.default];
  for (const packId of packIds) {
    const started = performance.now();
    const record = await firstLookRecord(packId);
    const target = resolve(ROOT, 'public/first-look', `${packId}.json`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${JSON.stringify(encodeFirstLook(record))}\n`);
    console.log(
      `${target}: ${record.files.length} images, ${(readFileSync(target).length / 1024).toFixed(0)} kB, ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
}
