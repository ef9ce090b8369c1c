/** The repos the fixture hub serves: a transformers.js-style export, a project pack, and refusals. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { bytesOf, type FixtureRepo } from './fixtureHub.ts';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 2));

export const TINY = 'fixture-org/tiny-vlm';
export const TINY_SHA = '0123456789abcdef0123456789abcdef01234567';
/** Big enough to arrive in many chunks: progress, stalls, cuts and cancels happen inside it. */
export const BIG = 3 * 1024 * 1024;

export const config = { model_type: 'idefics3', vision_config: { hidden_size: 768, patch_size: 16 }, scale_factor: 4 };
export const preprocessorConfig = { image_processor_type: 'Idefics3ImageProcessor', do_resize: true, size: { longest_edge: 512 } };

export const tinyFiles = new Map<string, Uint8Array>([
  ['README.md', new TextEncoder().encode('# tiny\n')],
  ['config.json', enc(config)],
  ['preprocessor_config.json', enc(preprocessorConfig)],
  ['onnx/vision_encoder.onnx', bytesOf(BIG, 1)],
  ['onnx/vision_encoder_fp16.onnx', bytesOf(20_000, 2)],
  ['onnx/vision_encoder_fp16.onnx_data', bytesOf(300_000, 3)],
  ['onnx/vision_encoder_fp16.onnx_data_1', bytesOf(200_000, 4)],
  ['onnx/vision_encoder_q4f16.onnx', bytesOf(10_000, 5)],
  ['onnx/decoder_model_merged.onnx', bytesOf(50_000, 6)],
  ['onnx/embed_tokens.onnx', bytesOf(40_000, 7)],
]);

const packDir = resolve(import.meta.dirname, '../../../models/vit-mlp');
export const packFiles = new Map<string, Uint8Array>(
  ['manifest.json', 'encoder.onnx', 'connector.onnx'].map((f) => [f, new Uint8Array(readFileSync(resolve(packDir, f)))]),
);

const small = new Map([...tinyFiles].filter(([p]) => !p.startsWith('onnx/') || p === 'onnx/vision_encoder_q4f16.onnx'));

export const REPOS: readonly FixtureRepo[] = [
  { id: TINY, sha: TINY_SHA, files: tinyFiles },
  { id: 'fixture-org/lens-pack', sha: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', files: packFiles },
  { id: 'fixture-org/gated-vlm', sha: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', files: small, gated: 'manual' },
  { id: 'fixture-org/private-vlm', sha: 'cccccccccccccccccccccccccccccccccccccccc', files: small, private: true },
  {
    id: 'fixture-org/text-only',
    sha: 'dddddddddddddddddddddddddddddddddddddddd',
    files: new Map([
      ['config.json', enc({ model_type: 'gpt2' })],
      ['onnx/model.onnx', bytesOf(1000, 8)],
    ]),
  },
  {
    id: 'fixture-org/no-preprocessor',
    sha: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
    files: new Map([...small].filter(([p]) => p !== 'preprocessor_config.json')),
  },
  { id: 'fixture-org/unsized', sha: 'ffffffffffffffffffffffffffffffffffffffff', files: tinyFiles, unsized: true },
];
