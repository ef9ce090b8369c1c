/**
 * Read the MobileNetV2 LayersModel that the npm package nsfwjs (4.4.0, MIT) ships in
 * `dist/models/mobilenet_v2/`. The package wraps its files as browserify (UMD) modules:
 * `model.min.js` exports the model.json object (modelTopology + weightsManifest) and
 * `group1-shard1of1.min.js` exports the weight shard as a base64 string; nsfwjs itself loads them
 * with require(), and so does this (Node only: scripts and tests, never the app bundle).
 *
 * The model is Keras's MobileNetV2 (alpha 1.0, 224 px) with ImageNet weights
 * (`keras.applications.MobileNetV2(weights='imagenet')`) under a 5-class head, trained by
 * GantMan/nsfw_model: first with the whole base frozen, then fine-tuned from `block_11_expand` on
 * (the layers' `trainable` flags in model.json say the same). Its input is RGB scaled to [0, 1]
 * (nsfwjs divides by 255; the training generators rescale by 1/255), NHWC [1, 224, 224, 3].
 * Weights are uint8-quantised (per tensor: min and scale in the manifest).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { TfjsLayersModelJson } from '../onnx/tfjsLayersToOnnx.ts';

export const NSFWJS_VERSION = '4.4.0';
export const NSFWJS_DIR = resolve(import.meta.dirname, '../../node_modules/nsfwjs');
export const MOBILENET_DIR = resolve(NSFWJS_DIR, 'dist/models/mobilenet_v2');
/** The last layer whose weights are ImageNet's (frozen in both of nsfw_model's training runs). */
export const FROZEN_CUT_LAYER = 'block_10_project_BN';

export interface NsfwjsMobilenet {
  readonly model: TfjsLayersModelJson;
  /** Every shard's bytes, concatenated in manifest order. */
  readonly weightData: Uint8Array;
  readonly version: string;
}

const require = createRequire(import.meta.url);

export function loadNsfwjsMobilenet(): NsfwjsMobilenet {
  const version = (JSON.parse(readFileSync(resolve(NSFWJS_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  if (version !== NSFWJS_VERSION) throw new Error(`nsfwjs ${version} is installed; the converted model is pinned to nsfwjs ${NSFWJS_VERSION} (npm ci)`);
  const model = require(resolve(MOBILENET_DIR, 'model.min.js')) as TfjsLayersModelJson;
  const shards = model.weightsManifest.flatMap((group) =>
    group.paths.map((path) => {
      const base64 = require(resolve(MOBILENET_DIR, `${path}.min.js`)) as unknown;
      if (typeof base64 !== 'string') throw new Error(`nsfwjs ${path}.min.js: expected a base64 string`);
      return new Uint8Array(Buffer.from(base64, 'base64'));
    }),
  );
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
  let offset = 0;
  for (const s of shards) {
    weightData.set(s, offset);
    offset += s.length;
  }
  return { model, weightData, version };
}
