/**
 * npm run precompute [-- <packId> --epochs N]: trains the reconstructor on the bundled image set
 * exactly as the app would (same preprocessing, same encoder and connector through ONNX Runtime,
 * same trainer, epochs and seed; tfjs's WASM backend, 7x its plain CPU one here) and writes public/reconstructions/<packId>.json.
 * A first visit installs it after checking that the browser's encoder reproduces its inputs, so the
 * heatmaps appear without a GPU or a wait. Seeded like the app (split, initialisation, dropout);
 * tests/packs/precomputed.test.ts checks the committed record against the committed pack.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { postTokenOfPatch } from '../src/core/geometry/connectorGeometry.ts';
import { parseImageSetIndex } from '../src/core/imageset/imageSetIndex.ts';
import { encodePrecomputed, fingerprintOf, FINGERPRINT_DIMS, type PrecomputedReconstruction } from '../src/core/imageset/precomputed.ts';
import { DEFAULT_TRAIN_CONFIG, trainReconstructor } from '../src/ml/trainReconstructor.ts';
import { embedPngFile, openNodePack } from './packs/embedLikeTheApp.ts';

const ROOT = resolve(import.meta.dirname, '..');
const IMAGESET = resolve(ROOT, 'public/imageset');
/** What the app's Train button runs by default (with early stopping). */
const DEFAULT_EPOCHS = DEFAULT_TRAIN_CONFIG.epochs;
/** The seed the app's pipeline passes to the training worker. */
const SEED = 7;

const { values, positionals } = parseArgs({ allowPositionals: true, options: { epochs: { type: 'string' } } });
const index = JSON.parse(readFileSync(resolve(ROOT, 'models/index.json'), 'utf8')) as { default: string };
const packId = positionals[0] ?? index.default;
const epochs = Number(values.epochs ?? DEFAULT_EPOCHS);

const pack = await openNodePack(packId);
const { manifest } = pack;
const { tokens, image } = manifest;

const entries = parseImageSetIndex(JSON.parse(readFileSync(resolve(IMAGESET, 'index.json'), 'utf8')));
const n = entries.length;
const pre = new Float32Array(n * tokens.pre * tokens.dPre);
const post = new Float32Array(n * tokens.post * tokens.dPost);
const fingerprints = new Float32Array(n * FINGERPRINT_DIMS);
const started = performance.now();
for (const [i, entry] of entries.entries()) {
  const e = await embedPngFile(pack, resolve(IMAGESET, entry.file));
  pre.set(e.pre, i * e.pre.length);
  post.set(e.post, i * e.post.length);
  fingerprints.set(fingerprintOf(e.pooledPre, e.pooledPost), i * FINGERPRINT_DIMS);
}
console.log(`${packId}: embedded ${n} images in ${((performance.now() - started) / 1000).toFixed(1)} s`);

setWasmPaths(`${resolve(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
const grid = [image.grid[0], image.grid[1]] as const;
const tokenSource = Int32Array.from({ length: tokens.pre }, (_, p) => postTokenOfPatch(manifest.connector, grid, p) ?? -1);
const trainStart = performance.now();
const r = await trainReconstructor(
  { pre, post, images: n, tokensPre: tokens.pre, tokensPost: tokens.post, dPre: tokens.dPre, dPost: tokens.dPost, tokenSource },
  { epochs, seed: SEED },
  { onEpoch: (p) => console.log(`epoch ${p.epoch}/${p.epochs}: train ${p.trainLoss.toFixed(4)}, validation ${p.valLoss.toFixed(4)}`) },
);
console.log(`trained in ${((performance.now() - trainStart) / 1000).toFixed(0)} s on ${r.backend}`);

const files = entries.map((e) => e.file);
const record: PrecomputedReconstruction = {
  packId,
  files,
  fingerprints,
  tokens: tokens.pre,
  perPatch: r.patchLoss.perPatch,
  perImage: r.patchLoss.perImage,
  validationFiles: Array.from(r.split.validation, (i) => files[i]!),
  trainLoss: r.history.trainLoss,
  valLoss: r.history.valLoss,
  bestEpoch: r.bestEpoch,
  stoppedEarly: r.stoppedEarly,
  constantDims: r.constantDims,
  backend: r.backend,
  architecture: r.architecture,
  epochs,
  seed: SEED,
  weights: r.weights,
  standardizers: r.standardizers,
};
const target = resolve(ROOT, 'public/reconstructions', `${packId}.json`);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, `${JSON.stringify(encodePrecomputed(record))}\n`);
console.log(`${target}: ${(readFileSync(target).length / 1024).toFixed(0)} kB`);
