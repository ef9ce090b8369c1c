/**
 * The trained packs: MobileNetV2 (ImageNet, frozen, cut after block 10) + one connector of each
 * family, trained on the bundled image set's train split. Everything the script and the tests
 * must agree on lives here.
 */
import { resolve } from 'node:path';
import type { ConnectorSpec, PreprocessSpec } from '../../src/core/types.ts';
import { PACK_FAMILIES, packConnector, type ConnectorShape, type PackFamily } from '../packs/architectures.ts';

export const MODELS_DIR = resolve(import.meta.dirname, '../../models');
export const ENCODER_FILE = resolve(MODELS_DIR, 'mobilenet-v2-imagenet/encoder.onnx');
/** A trained pack for every family with a built-in graph (scripts/packs/architectures.ts). */
export const FAMILIES: readonly PackFamily[] = PACK_FAMILIES;
export const packId = (family: PackFamily) => `mnv2-${family}`;

/** MobileNetV2's block_10_project_BN map: 14 x 14 x 96 (an effective "patch" of 224 / 14 = 16 px). */
export const MNV2 = { image: 224, patch: 16, grid: 14, dim: 96 } as const;
export const MNV2_SHAPE: ConnectorShape = { grid: MNV2.grid, dPre: MNV2.dim, dPost: 128, perceiver: { queries: 16, layers: 2, heads: 4, mlp: 256 } };

/** What the encoder expects: [0, 1] RGB (nsfwjs's convention), no normalisation; HF-style shortest edge + centre crop. */
export const MNV2_PREPROCESS: PreprocessSpec = {
  resize: 'shortest-edge',
  crop: 'center',
  resample: 'bicubic',
  rescale: 1 / 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
};

export const ENCODER_IO = { input: 'pixel_values', output: 'pre_tokens' } as const;
export const CONNECTOR_IO = { input: 'pre_tokens', output: 'post_tokens' } as const;

/**
 * How every connector is trained (scripts/connectors/train.ts). Seeds: `connectorSeeds` draw the
 * initial weights exactly as buildConnector draws synthetic ones; `headSeed` the frozen head;
 * `orderSeed` the order of the training images, reshuffled every epoch. Three epochs of 17 batches:
 * the heldout accuracy has mostly levelled off by then, and the perceiver, the slowest family,
 * still trains in a few minutes on two shared CPU cores (tfjs's CPU backend, plain JavaScript).
 */
export const TRAINING = {
  connectorSeeds: { mlp: 5101, merger: 5202, 'pixel-shuffle': 5303, perceiver: 5404 } satisfies Record<PackFamily, number>,
  headSeed: 5000,
  orderSeed: 5001,
  epochs: 3,
  batchSize: 12,
  optimizer: { name: 'adam', learningRate: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
} as const;

/** How a family's trained pack is named, what its connector imitates, and its spec on MNV2_SHAPE (the family's entry in architectures.ts). */
export const trainedConnector = (family: PackFamily): { readonly spec: ConnectorSpec; readonly title: string; readonly style: string } =>
  packConnector(family, MNV2_SHAPE);
