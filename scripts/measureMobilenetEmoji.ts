/**
 * Do the converted MobileNetV2 features mean anything? Leave-one-out 1-NN accuracy by emoji
 * subcategory (Noto emoji from npm emoji-datasource-google, 64 px PNGs, Apache-2.0), for raw
 * pixels versus mean-pooled encoder tokens.
 *   npx tsx scripts/measureMobilenetEmoji.ts [perClass=6]
 *
 * Emoji are composited on white (they are RGBA with transparent backgrounds), resized 64 -> 224
 * (Pillow-compatible bicubic, src/core/image/resample.ts) and fed in two input conventions:
 * [0, 1] (what nsfwjs feeds the model) and [-1, 1] (what Keras's ImageNet MobileNetV2 weights were
 * trained on: preprocess_input's x / 127.5 - 1). Per subcategory, perClass emoji are taken evenly
 * spaced along the Unicode order, so near-duplicates (a run of moon phases, say) do not dominate.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { resizeImage } from '../src/core/image/resample.ts';
import { kNearest } from '../src/core/knn/nearest.ts';
import { meanPool } from '../src/core/knn/pool.ts';
import type { Metric } from '../src/core/types.ts';
import { convertMobilenet, MOBILENET_PACK_DIR } from './mobilenet/convert.ts';
import { decodePng } from './mobilenet/decodePng.ts';

const EMOJI_DIR = resolve(import.meta.dirname, '../node_modules/emoji-datasource-google');
const CLASSES = ['animal-mammal', 'animal-bird', 'animal-marine', 'animal-bug', 'plant-flower', 'food-fruit', 'food-vegetable', 'transport-ground', 'clothing'];
const S = 224;
const perClass = Number(process.argv[2] ?? 6);

interface EmojiEntry {
  readonly short_name: string;
  readonly image: string;
  readonly subcategory: string;
  readonly sort_order: number;
  readonly has_img_google: boolean;
}

const all = JSON.parse(readFileSync(resolve(EMOJI_DIR, 'emoji.json'), 'utf8')) as EmojiEntry[];
const chosen: { name: string; label: number; file: string }[] = [];
CLASSES.forEach((subcategory, label) => {
  const members = all.filter((e) => e.subcategory === subcategory && e.has_img_google).sort((a, b) => a.sort_order - b.sort_order);
  if (members.length < perClass) throw new Error(`${subcategory}: ${members.length} emoji, fewer than ${perClass}`);
  for (let i = 0; i < perClass; i++) {
    const e = members[Math.floor((i * members.length) / perClass)]!;
    chosen.push({ name: e.short_name, label, file: resolve(EMOJI_DIR, 'img/google/64', e.image) });
  }
});
const n = chosen.length;

/** NCHW [n, 3, 224, 224] in [0, 1]. */
const pixels = new Float32Array(n * 3 * S * S);
chosen.forEach(({ file }, i) => {
  const { width, height, rgba } = decodePng(new Uint8Array(readFileSync(file)), file);
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const a = rgba[p * 4 + 3]!;
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.round((rgba[p * 4 + c]! * a + 255 * (255 - a)) / 255);
  }
  const big = resizeImage(rgb, width, height, 3, S, S, 'bicubic');
  for (let p = 0; p < S * S; p++) for (let c = 0; c < 3; c++) pixels[(i * 3 + c) * S * S + p] = big[p * 3 + c]! / 255;
});

async function tokens(model: Uint8Array, input: Float32Array): Promise<{ data: Float32Array; t: number; d: number }> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  const chunks: Float32Array[] = [];
  let t = 0;
  let d = 0;
  const batch = 16;
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const x = input.subarray(start * 3 * S * S, (start + count) * 3 * S * S);
    const out = (await session.run({ pixel_values: new ort.Tensor('float32', x, [count, 3, S, S]) })).pre_tokens!;
    [, t, d] = out.dims as [number, number, number];
    chunks.push(out.data as Float32Array);
  }
  await session.release();
  const data = new Float32Array(n * t * d);
  let offset = 0;
  for (const c of chunks) {
    data.set(c, offset);
    offset += c.length;
  }
  return { data, t, d };
}

function oneNnAccuracy(embeddings: Float32Array, dim: number, metric: Metric): number {
  const nn = kNearest(embeddings, n, dim, 1, metric);
  let hits = 0;
  for (let i = 0; i < n; i++) if (chosen[nn[i]!]!.label === chosen[i]!.label) hits++;
  return hits / n;
}

ort.env.wasm.numThreads = 1;
const signed = pixels.map((v) => 2 * v - 1);
const block10 = new Uint8Array(readFileSync(resolve(MOBILENET_PACK_DIR, 'encoder.onnx')));
// For comparison only: the full backbone's last map, whose blocks 11-16 nsfw_model fine-tuned.
const outRelu = convertMobilenet('out_relu').bytes;

const rows: [string, Float32Array, number][] = [['raw pixels 224x224x3, [0, 1]', pixels, 3 * S * S]];
for (const [label, model, input] of [
  ['block_10 (ImageNet), [0, 1] input, mean-pooled', block10, pixels],
  ['block_10 (ImageNet), [-1, 1] input, mean-pooled', block10, signed],
  ['out_relu (fine-tuned for NSFW), [0, 1], mean-pooled', outRelu, pixels],
  ['out_relu (fine-tuned for NSFW), [-1, 1], mean-pooled', outRelu, signed],
] as const) {
  const { data, t, d } = await tokens(model, input);
  rows.push([`${label} (${d})`, meanPool(data, n, t, d), d]);
  if (model === block10) rows.push([`${label.replace('mean-pooled', 'all tokens')} (${t}x${d})`, data, t * d]);
}

const chance = (perClass - 1) / (n - 1);
console.log(
  `${n} emoji, ${CLASSES.length} subcategories x ${perClass} (${CLASSES.join(', ')}); leave-one-out 1-NN accuracy, chance ${(100 * chance).toFixed(1)}%`,
);
console.log(`${'embedding'.padEnd(64)} ${'cosine'.padStart(7)} ${'L2'.padStart(7)}`);
for (const [label, embeddings, dim] of rows) {
  const pct = (m: Metric) => `${(100 * oneNnAccuracy(embeddings, dim, m)).toFixed(1)}%`.padStart(7);
  console.log(`${label.padEnd(64)} ${pct('cosine')} ${pct('l2')}`);
}
