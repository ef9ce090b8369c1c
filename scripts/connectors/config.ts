/**
 * The trained packs: MobileNetV2 (ImageNet, frozen, cut after block 10) + one connector of each
 * family, trained on the bundled image set's train split. Everything the script and the tests
 * must agree on lives here.
 */
import { resolve } from 'node:path';
import type { ConnectorFamily, PreprocessSpec } from '../../src/core/types.ts';
import type { ConnectorShape } from '../packs/architectures.ts';

export const MODELS_DIR = resolve(import.meta.dirname, '../../models');
export const ENCODER_FILE = resolve(MODELS_DIR, 'mobilenet-v2-imagenet/encoder.onnx');
export const FAMILIES: readonly ConnectorFamily[] = ['mlp', 'merger', 'pixel-shuffle', 'perceiver'];
export const packId = (family: ConnectorFamily) => `mnv2-${family}`;

/** MobileNetV2's block_10_project_BN map: 14 x 14 x 96 (an effective "patch" of 224 / 14 = 16 px). */
export const MNV2 = { image: 224, patch: 16, grid: 14, dim: 96 } as const;
export const MNV2_SHAPE: ConnectorShape = { grid: MNV2.grid, dPre: MNV2.dim, dPost: 128, perceiver: { queries: 16, layers: 2, heads: 4, mlp: 256 } };

/** What the encoder expects: [0, 1] RGB (nsfwjs's convention), no normalisation; HF-style shortest edge + centre crop. */
export const MNV2_PREPROCESS: PreprocessSpec = { resize: 'shortest-edge', crop: 'center', resample: 'bicubic', rescale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] };

export const ENCODER_IO = { input: 'pixel_values', output: 'pre_tokens' } as const;
export const CONNECTOR_IO = { input: 'pre_tokens', output: 'post_tokens' } as const;
