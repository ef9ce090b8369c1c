/**
 * The concept export read back (core/export/conceptImport.ts): what conceptExport writes comes
 * back bit for bit (from a zip's folder too), and each way a file can be wrong is refused with a
 * message that names the file and the problem.
 */
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../src/core/blockstore/safetensors.ts';
import { conceptFiles, saeSafetensors, type ConceptExport } from '../../../src/core/export/conceptExport.ts';
import { readConceptFiles, saeFromSafetensors } from '../../../src/core/export/conceptImport.ts';
import { fillGaussian, seededRandom } from '../../../src/core/random.ts';
import { randomSae } from '../../support/randomSae.ts';
import { saeQuality } from '../../../src/core/sae/topkSae.ts';

const pre = randomSae(10, 24, 3, 1);
const post = randomSae(14, 24, 3, 2);
const x = (d: number) => fillGaussian(new Float32Array(20 * d), seededRandom(d));

function exported(): ConceptExport {
  return {
    appVersion: '0.0.0-test',
    pack: { name: 'Test pack', key: 'm1-abc' },
    images: 5,
    settings: { latents: 24, k: 3, steps: 10, seed: 11, level: 'pooled' },
    pre: { sae: pre, quality: saeQuality(pre, x(10), 20), pcaVarianceExplained: 0.5, tokens: 20 },
    post: { sae: post, quality: saeQuality(post, x(14), 20), pcaVarianceExplained: 0.4, tokens: 20 },
    matches: [{ pre: 2, post: 5, coActivation: 0.8, alignment: 0.6, bridge: 0.48, lost: false }],
    aligned: true,
    matchedOn: 'images',
    recurrence: null,
    names: { 2: 'sky, blue', 30: 'out of range' },
  };
}

const asMap = (files: Record<string, Uint8Array>) => new Map(Object.entries(files));

describe('importing a concept export', () => {
  it('reads back both autoencoders bit for bit, with the settings, pack and names, from a zip’s folder', () => {
    const zipped = zipSync(Object.fromEntries(Object.entries(conceptFiles(exported())).map(([name, bytes]) => [`concepts-abc/${name}`, bytes])));
    const read = readConceptFiles(asMap(unzipSync(zipped)));
    for (const [got, want] of [
      [read.pre, pre],
      [read.post, post],
    ] as const) {
      expect([got.d, got.latents, got.k, got.scale]).toEqual([want.d, want.latents, want.k, want.scale]);
      for (const key of ['wEnc', 'bEnc', 'wDec', 'bDec'] as const) expect(Array.from(got[key])).toEqual(Array.from(want[key]));
    }
    expect(read.settings).toEqual({ latents: 24, k: 3, steps: 10, seed: 11, level: 'pooled' });
    expect(read.pack).toEqual({ name: 'Test pack', key: 'm1-abc' });
    // A name for a concept the dictionary does not have is dropped.
    expect(read.names).toEqual({ 2: 'sky, blue' });
  });

  it('refuses what is not a whole concept export, naming the file and the problem', () => {
    const files = conceptFiles(exported());
    const without = (name: string) => asMap(Object.fromEntries(Object.entries(files).filter(([n]) => n !== name)));
    expect(() => readConceptFiles(without('sae_post.safetensors'))).toThrow(/sae_post\.safetensors is missing\. Choose the zip/);
    expect(() => readConceptFiles(asMap({ 'concepts.csv': files['concepts.csv']! }))).toThrow(/together; none of them is there\. Choose the zip/);
    expect(() => readConceptFiles(asMap({ ...files, 'sae.json': new TextEncoder().encode('{"format": "other"}') }))).toThrow(
      /sae\.json is not a Connector Lens concept export/,
    );
    expect(() => readConceptFiles(asMap({ ...files, 'sae.json': new TextEncoder().encode('{not json') }))).toThrow(/sae\.json is not valid JSON/);
    // Two autoencoders that were not trained together.
    expect(() => readConceptFiles(asMap({ ...files, 'sae_post.safetensors': saeSafetensors(randomSae(14, 32, 3, 5)) }))).toThrow(
      /do not belong together: 24 concepts with k = 3 before the connector, 32 with k = 3 after/,
    );
  });

  it('refuses a safetensors file that is not such an autoencoder', () => {
    const tensors = (wDecShape: number[], meta: Record<string, string>) =>
      writeSafetensors(
        [
          { name: 'W_enc', dtype: 'F32', shape: [4, 6], data: new Float32Array(24) },
          { name: 'b_enc', dtype: 'F32', shape: [6], data: new Float32Array(6) },
          { name: 'W_dec', dtype: 'F32', shape: wDecShape, data: new Float32Array(wDecShape[0]! * wDecShape[1]!) },
          { name: 'b_dec', dtype: 'F32', shape: [4], data: new Float32Array(4) },
        ],
        meta,
      );
    expect(() => saeFromSafetensors(tensors([4, 6], { k: '2', scale: '1' }), 'a.safetensors')).toThrow(
      /a\.safetensors: W_dec has shape \[4, 6\]; expected \[6, 4\]/,
    );
    expect(() => saeFromSafetensors(tensors([6, 4], { scale: '1' }), 'b.safetensors')).toThrow(
      /b\.safetensors does not say how many concepts are active per token \(metadata k = missing/,
    );
    expect(() => saeFromSafetensors(tensors([6, 4], { k: '2', scale: '-1' }), 'c.safetensors')).toThrow(/c\.safetensors does not give its input scale/);
    expect(saeFromSafetensors(tensors([6, 4], { k: '2', scale: '1' }), 'd.safetensors').latents).toBe(6);
    expect(() => saeFromSafetensors(new TextEncoder().encode('hello, world'), 'e.safetensors')).toThrow(/e\.safetensors/);
  });
});
