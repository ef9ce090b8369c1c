/**
 * The concept export (core/export/conceptExport.ts), read by independent code: the safetensors
 * package and numpy load each SAE and run the forward pass as sae.json writes it out; their codes
 * and reconstructions equal the app's (core/sae/topkSae.ts) on the same tokens. Python's csv module
 * reads concepts.csv, with a formula-like name escaped.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conceptFiles, CONCEPTS_CSV_HEADER, type ConceptExport } from '../../../src/core/export/conceptExport.ts';
import { fillGaussian, seededRandom } from '../../../src/core/random.ts';
import { randomSae } from '../../support/randomSae.ts';
import { decodeSae, encodeSae, saeQuality } from '../../../src/core/sae/topkSae.ts';
import { whyNoToolsPython } from '../../support/toolsPython.ts';
import { pythonCsv, runPython, tempDir } from './python.ts';

const n = 30;
const pre = randomSae(10, 24, 3, 1);
const post = randomSae(14, 24, 3, 2);
const xPre = fillGaussian(new Float32Array(n * 10), seededRandom(3));
const xPost = fillGaussian(new Float32Array(n * 14), seededRandom(4));

function exported(): ConceptExport {
  return {
    appVersion: '0.0.0-test',
    pack: { name: 'Test pack', key: 'm1-abc' },
    images: 6,
    settings: { latents: 24, k: 3, steps: 10, seed: 11, level: 'patches' },
    pre: { sae: pre, quality: saeQuality(pre, xPre, n), pcaVarianceExplained: 0.5, tokens: n },
    post: { sae: post, quality: saeQuality(post, xPost, n), pcaVarianceExplained: 0.4, tokens: n },
    matches: [
      { pre: 2, post: 5, coActivation: 0.8, alignment: 0.6, bridge: 0.48, lost: false },
      { pre: 7, post: 1, coActivation: 0.1, alignment: Number.NaN, bridge: 0.05, lost: true },
    ],
    aligned: true,
    matchedOn: 'patches',
    recurrence: Float64Array.from({ length: 24 }, (_, j) => j / 24),
    names: { 2: '=SUM(A1)', 7: 'sky, blue' },
  };
}

const FORWARD = `import json, sys, numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file
path, tokens, d = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = load_file(path)
with safe_open(path, framework='numpy') as f:
    meta = f.metadata()
k, scale = int(meta['k']), float(meta['scale'])
x = np.fromfile(tokens, dtype='<f4').reshape(-1, d)
a = (scale * x - t['b_dec']).astype(np.float64) @ t['W_enc'].astype(np.float64) + t['b_enc']
z = np.zeros_like(a)
for i, row in enumerate(a):
    top = np.argsort(-row, kind='stable')[:k]
    keep = top[row[top] > 0]
    z[i, keep] = row[keep]
x_hat = (z @ t['W_dec'].astype(np.float64) + t['b_dec']) / scale
print(json.dumps({'shapes': {n: list(v.shape) for n, v in t.items()}, 'dtypes': sorted({str(v.dtype) for v in t.values()}), 'meta': meta, 'z': z.tolist(), 'x_hat': x_hat.tolist()}))`;

describe('the concept export', () => {
  it('holds both SAEs as numpy and safetensors read them, giving the app’s codes and reconstructions', (ctx) => {
    const why = whyNoToolsPython('numpy', 'safetensors');
    if (why) ctx.skip(why);
    const files = conceptFiles(exported());
    const dir = tempDir('concepts');
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    for (const [file, sae, x] of [
      ['sae_pre.safetensors', pre, xPre],
      ['sae_post.safetensors', post, xPost],
    ] as const) {
      const tokens = join(dir, `${file}.tokens`);
      writeFileSync(tokens, new Uint8Array(x.buffer));
      const read = JSON.parse(runPython(FORWARD, [join(dir, file), tokens, String(sae.d)])) as {
        shapes: Record<string, number[]>;
        dtypes: string[];
        meta: Record<string, string>;
        z: number[][];
        x_hat: number[][];
      };
      expect(read.shapes).toEqual({ W_enc: [sae.d, 24], b_enc: [24], W_dec: [24, sae.d], b_dec: [sae.d] });
      expect(read.dtypes).toEqual(['float32']);
      expect(read.meta).toMatchObject({ format: 'connector-lens/topk-sae', d: String(sae.d), latents: '24', k: '3' });
      const codes = encodeSae(sae, x, n);
      const xHat = decodeSae(sae, codes);
      for (let i = 0; i < n; i++) {
        const dense = new Array<number>(24).fill(0);
        for (let p = 0; p < codes.k; p++) if (codes.values[i * codes.k + p]! > 0) dense[codes.indices[i * codes.k + p]!] = codes.values[i * codes.k + p]!;
        dense.forEach((v, j) => expect(read.z[i]![j], `token ${i}, latent ${j}`).toBeCloseTo(v, 4));
        for (let c = 0; c < sae.d; c++) expect(read.x_hat[i]![c]).toBeCloseTo(xHat[i * sae.d + c]!, 4);
      }
    }
  });

  it('writes the concept table as Python’s csv reads it, a formula-like name escaped, and sae.json with the quality figures', (ctx) => {
    const why = whyNoToolsPython();
    if (why) ctx.skip(why);
    const files = conceptFiles(exported());
    const records = pythonCsv(new TextDecoder().decode(files['concepts.csv']));
    expect(records[0]).toEqual([...CONCEPTS_CSV_HEADER]);
    expect(records.slice(1).map((r) => [r[0], r[1], r[3], r[7]])).toEqual([
      ['2', "'=SUM(A1)", '5', 'no'],
      ['7', 'sky, blue', '1', 'yes'],
    ]);
    expect(Number(records[2]![8])).toBeCloseTo(7 / 24, 12);
    expect(records[2]![5]).toBe('');
    const config = JSON.parse(new TextDecoder().decode(files['sae.json'])) as {
      quality: { before: { varianceExplained: number } };
      names: Record<string, string>;
    };
    expect(config.quality.before.varianceExplained).toBe(saeQuality(pre, xPre, n).varianceExplained);
    expect(config.names['7']).toBe('sky, blue');
  });
});
