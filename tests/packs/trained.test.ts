/**
 * The trained packs (models/mnv2-*) on the bundled image set, run as the app runs them
 * (onnxruntime-web, WASM, in Node):
 *
 * - the frozen MobileNetV2's pre-projection neighbours mean something: precision@5 by label
 *   (leave-one-out, cosine, docs/method.md) beats both chance and raw pixels, by more than 1.645
 *   standard errors of the paired per-query gain (emoji subcategories share colours, so pixels
 *   are a strong baseline here: on all 288 images the gain is small);
 * - each trained connector's KNOR and post-projection precision@5, printed side by side;
 * - the committed files are what scripts/trainConnectors.ts writes: one family is retrained here
 *   and compared byte for byte (the cheapest; the others share every line of code but the graph),
 *   and every pack's training record carries the script's current settings.
 *
 * Raw pixels: each 96 px image averaged over 3 x 3 blocks to 32 x 32 RGB in [0, 1] (3,072 values).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { knorFromEmbeddings } from '../../src/core/knn/knor.ts';
import { kNearest } from '../../src/core/knn/nearest.ts';
import { meanPool } from '../../src/core/knn/pool.ts';
import { precisionAtK } from '../../src/core/knn/precision.ts';
import { readModel } from '../../scripts/onnx/readModel.ts';
import { validateManifest } from '../../src/core/pack/validateManifest.ts';
import type { ConnectorFamily, PackManifest } from '../../src/core/types.ts';
import { ENCODER_FILE, FAMILIES, MNV2, MNV2_PREPROCESS, MNV2_SHAPE, MODELS_DIR, packId } from '../../scripts/connectors/config.ts';
import { connect, session } from '../../scripts/connectors/embed.ts';
import { embedImageSet, PRE_TOKEN_SIZE, splitOf, type ImageSetTokens } from '../../scripts/connectors/imageSetTokens.ts';
import { connectorForward } from '../../scripts/connectors/tfConnector.ts';
import { headWeights, initialWeights } from '../../scripts/connectors/train.ts';
import { ENCODER_LICENSE_FILE, settingsOf, trainedPackFiles, trainFamily, type TrainingRecord } from '../../scripts/connectors/trainedPack.ts';
import { IMAGESET_DIR } from '../../scripts/imageset/imageset.ts';

const K = 5;
const PIXEL_SIDE = 32;
/**
 * "Beats by a margin": the mean per-query gain in precision@5 must exceed this many standard
 * errors of that mean (one-sided 5% level), so the margin scales with how noisy the set is.
 */
const Z = 1.645;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const read = (path: string) => new Uint8Array(readFileSync(resolve(MODELS_DIR, path)));
const encoderBytes = new Uint8Array(readFileSync(ENCODER_FILE));

interface Embeddings {
  readonly name: string;
  readonly dim: number;
  /** [n, dim] for all images, in index order. */
  readonly data: Float32Array;
}

/** 96 x 96 RGBA -> 32 x 32 RGB, 3 x 3 box average, in [0, 1]. */
function tinyPixels(all: ImageSetTokens): Float32Array {
  const dim = PIXEL_SIDE * PIXEL_SIDE * 3;
  const out = new Float32Array(all.n * dim);
  all.images.forEach((img, i) => {
    const f = img.width / PIXEL_SIDE;
    for (let y = 0; y < PIXEL_SIDE; y++) {
      for (let x = 0; x < PIXEL_SIDE; x++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += img.rgba[((y * f + dy) * img.width + x * f + dx) * 4 + c]!;
          out[i * dim + (y * PIXEL_SIDE + x) * 3 + c] = s / (f * f * 255);
        }
      }
    }
  });
  return out;
}

/** Rows `rows` of an [n, dim] matrix. */
function pick(data: Float32Array, dim: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(data.subarray(r * dim, (r + 1) * dim), i * dim));
  return out;
}

/**
 * Independent reference: every cosine distance in float64, a full sort (ties to the lower index),
 * the k first other images, the share that carries the query's label.
 */
function bruteForcePrecision(x: Float32Array, n: number, dim: number, k: number, labels: Int32Array): { mean: number; lists: Int32Array } {
  const norm = (i: number) => Math.sqrt(x.subarray(i * dim, (i + 1) * dim).reduce((s, v) => s + v * v, 0));
  const norms = Array.from({ length: n }, (_, i) => norm(i));
  const lists = new Int32Array(n * k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const others: { j: number; d: number }[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let a = 0; a < dim; a++) s += x[i * dim + a]! * x[j * dim + a]!;
      others.push({ j, d: 1 - s / (norms[i]! * norms[j]!) });
    }
    others.sort((p, q) => p.d - q.d || p.j - q.j);
    let hits = 0;
    for (let a = 0; a < k; a++) {
      lists[i * k + a] = others[a]!.j;
      if (labels[others[a]!.j] === labels[i]) hits++;
    }
    total += hits / k;
  }
  return { mean: total / n, lists };
}

/** Precision@k of a random neighbour list, leaving the query out: (same-label others) / (others), averaged. */
function chance(labels: Int32Array): number {
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return labels.reduce((s, l) => s + (counts.get(l)! - 1) / (labels.length - 1), 0) / labels.length;
}

const precision = (e: Embeddings, rows: readonly number[], labels: Int32Array) =>
  precisionAtK(kNearest(pick(e.data, e.dim, rows), rows.length, e.dim, K, 'cosine'), rows.length, K, labels);

/** Mean of a - b over queries (b a number: a constant) and the standard error of that mean. */
function gain(a: Float32Array, b: Float32Array | number): { mean: number; se: number } {
  const d = Array.from(a, (v, i) => v - (typeof b === 'number' ? b : b[i]!));
  const mean = d.reduce((s, v) => s + v, 0) / d.length;
  const variance = d.reduce((s, v) => s + (v - mean) ** 2, 0) / (d.length - 1);
  return { mean, se: Math.sqrt(variance / d.length) };
}

describe('trained packs on the bundled image set', () => {
  let all: ImageSetTokens;
  let pre: Embeddings;
  let pixels: Embeddings;
  const post = new Map<ConnectorFamily, Embeddings & { tokens: Float32Array; count: number }>();
  const rows: { all: number[]; heldout: number[] } = { all: [], heldout: [] };

  beforeAll(async () => {
    await tf.setBackend('cpu');
    all = await embedImageSet(encoderBytes);
    rows.all = all.images.map((_, i) => i);
    rows.heldout = all.images.flatMap((e, i) => (e.split === 'heldout' ? [i] : []));
    pre = { name: 'pre-projection (MobileNetV2 block 10, mean-pooled)', dim: MNV2.dim, data: meanPool(all.pre, all.n, MNV2.grid * MNV2.grid, MNV2.dim) };
    pixels = { name: `raw pixels ${PIXEL_SIDE}x${PIXEL_SIDE} RGB`, dim: PIXEL_SIDE * PIXEL_SIDE * 3, data: tinyPixels(all) };
    for (const family of FAMILIES) {
      const s: ort.InferenceSession = await session(read(`${packId(family)}/connector.onnx`));
      const out = await connect(s, all.pre, all.n);
      await s.release();
      post.set(family, {
        name: `post ${packId(family)}`,
        dim: out.dim,
        data: meanPool(out.data, all.n, out.tokens, out.dim),
        tokens: out.data,
        count: out.tokens,
      });
    }
  }, 240_000);

  it('measures precision@5 and KNOR@5 (cosine, leave-one-out) and prints them side by side', () => {
    const labelsOf = (r: readonly number[]) => Int32Array.from(r, (i) => all.labels[i]!);
    const table: Record<string, Record<string, string>> = {};
    const fmt = (x: number) => x.toFixed(3);
    const measured = new Map<string, { all: Float32Array; heldout: Float32Array }>();
    for (const e of [pixels, pre, ...post.values()]) {
      const p = { all: precision(e, rows.all, labelsOf(rows.all)), heldout: precision(e, rows.heldout, labelsOf(rows.heldout)) };
      measured.set(e.name, { all: p.all.perImage, heldout: p.heldout.perImage });
      const row: Record<string, string> = { dim: String(e.dim), 'P@5 all 288': fmt(p.all.mean), 'P@5 heldout 84': fmt(p.heldout.mean) };
      if (e !== pixels && e !== pre) {
        for (const [split, r] of Object.entries(rows)) {
          row[`KNOR@5 ${split}`] = fmt(knorFromEmbeddings(pick(pre.data, pre.dim, r), pick(e.data, e.dim, r), r.length, pre.dim, e.dim, K).mean);
        }
      }
      table[e.name] = row;
    }
    const chanceOf = { all: chance(labelsOf(rows.all)), heldout: chance(labelsOf(rows.heldout)) };
    table['chance (random neighbours)'] = { dim: '', 'P@5 all 288': fmt(chanceOf.all), 'P@5 heldout 84': fmt(chanceOf.heldout) };
    console.table(table);

    const prePrecision = measured.get(pre.name)!;
    const pixelPrecision = measured.get(pixels.name)!;
    for (const split of ['all', 'heldout'] as const) {
      const overPixels = gain(prePrecision[split], pixelPrecision[split]);
      const overChance = gain(prePrecision[split], chanceOf[split]);
      console.log(`${split}: pre - pixels ${fmt(overPixels.mean)} (SE ${fmt(overPixels.se)}), pre - chance ${fmt(overChance.mean)} (SE ${fmt(overChance.se)})`);
      expect(overPixels.mean, `${split}: pre over pixels`).toBeGreaterThan(Z * overPixels.se);
      expect(overChance.mean, `${split}: pre over chance`).toBeGreaterThan(Z * overChance.se);
    }
    for (const family of FAMILIES) {
      const knor = knorFromEmbeddings(pre.data, post.get(family)!.data, all.n, pre.dim, post.get(family)!.dim, K).mean;
      expect(knor, family).toBeGreaterThan(0);
      expect(knor, family).toBeLessThan(1);
    }
  });

  it('agrees with a brute-force float64 reference on the pre-projection and pixel neighbours', () => {
    for (const e of [pre, pixels]) {
      const reference = bruteForcePrecision(e.data, all.n, e.dim, K, all.labels);
      const lists = kNearest(e.data, all.n, e.dim, K, 'cosine');
      expect(Array.from(lists)).toEqual(Array.from(reference.lists));
      expect(precisionAtK(lists, all.n, K, all.labels).mean).toBeCloseTo(reference.mean, 12);
    }
  });

  it.each(FAMILIES)('mnv2-%s: manifest, graph and training record agree with the script', (family) => {
    const id = packId(family);
    const json: unknown = JSON.parse(readFileSync(resolve(MODELS_DIR, id, 'manifest.json'), 'utf8'));
    const check = validateManifest(json);
    expect(check.ok ? [] : check.errors).toEqual([]);
    const manifest = json as PackManifest;
    expect([manifest.connector.family, manifest.weights.source, manifest.weights.synthetic]).toEqual([family, 'trained', false]);
    expect(manifest.preprocess).toEqual(MNV2_PREPROCESS);
    expect(sha(read(`${id}/encoder.onnx`))).toBe(sha(encoderBytes));
    const graph = readModel(read(`${id}/connector.onnx`));
    expect(graph.outputs).toEqual([{ name: manifest.io.connectorOutput, dims: ['batch', manifest.tokens.post, manifest.tokens.dPost] }]);
    expect(post.get(family)!.count).toBe(manifest.tokens.post);

    const record = JSON.parse(readFileSync(resolve(MODELS_DIR, id, 'training.json'), 'utf8')) as TrainingRecord;
    expect(record.settings).toEqual(settingsOf(family));
    expect(record.encoder.sha256).toBe(sha(encoderBytes));
    expect(record.data.indexSha256).toBe(sha(new Uint8Array(readFileSync(resolve(IMAGESET_DIR, 'index.json')))));
    expect([record.data.train, record.data.heldout]).toEqual([splitOf(all, 'train').n, splitOf(all, 'heldout').n]);
    expect(manifest.weights.seed).toBe(record.settings.connectorSeed);
  });

  it.each(FAMILIES)('mnv2-%s: ONNX Runtime computes what TensorFlow.js trained, and the recorded accuracy', (family) => {
    const id = packId(family);
    const record = JSON.parse(readFileSync(resolve(MODELS_DIR, id, 'training.json'), 'utf8')) as TrainingRecord;
    const { tokens, count } = post.get(family)!;
    const graph = readModel(read(`${id}/connector.onnx`));
    const dims = initialWeights(family, 0, MNV2_SHAPE);
    const sample = rows.heldout.slice(0, 8);
    const reference = tf.tidy(() => {
      const params = new Map([...dims].map(([name, { dims: d }]) => [name, tf.tensor(graph.initializers.get(name)!.data as Float32Array, d)] as const));
      return connectorForward(
        family,
        MNV2_SHAPE,
        params,
        tf.tensor3d(pick(all.pre, PRE_TOKEN_SIZE, sample), [sample.length, MNV2.grid * MNV2.grid, MNV2.dim]),
      ).dataSync();
    });
    const fromOrt = pick(tokens, count * MNV2_SHAPE.dPost, sample);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < reference.length; i++) {
      worst = Math.max(worst, Math.abs(fromOrt[i]! - reference[i]!));
      scale = Math.max(scale, Math.abs(reference[i]!));
    }
    expect(worst / scale).toBeLessThan(1e-4);

    // The frozen head over ORT's pooled post tokens: accuracy as recorded (one image may flip on a near tie).
    const head = headWeights(MNV2_SHAPE.dPost, all.index.labels.length, record.settings.headSeed);
    const pooled = post.get(family)!.data;
    for (const split of ['train', 'heldout'] as const) {
      const r = all.images.flatMap((e, i) => (e.split === split ? [i] : []));
      let hits = 0;
      for (const i of r) {
        let best = -1;
        let bestLogit = -Infinity;
        for (let c = 0; c < all.index.labels.length; c++) {
          let logit = 0;
          for (let d = 0; d < MNV2_SHAPE.dPost; d++) logit += pooled[i * MNV2_SHAPE.dPost + d]! * head[d * all.index.labels.length + c]!;
          if (logit > bestLogit) [best, bestLogit] = [c, logit];
        }
        if (best === all.labels[i]) hits++;
      }
      expect(Math.abs(hits / r.length - record.results[split].accuracy), `${family} ${split}`).toBeLessThanOrEqual(1 / r.length + 1e-6);
    }
  });

  it('retraining mnv2-pixel-shuffle gives the committed files byte for byte', () => {
    const family: ConnectorFamily = 'pixel-shuffle';
    const files = trainedPackFiles(family, trainFamily(family, all, encoderBytes), encoderBytes, readFileSync(ENCODER_LICENSE_FILE, 'utf8'));
    for (const [path, bytes] of files) expect(sha(bytes), path).toBe(sha(read(path)));
  }, 240_000);
});
