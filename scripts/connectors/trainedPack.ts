/**
 * One trained pack, in memory: train the family's connector on the image set's train split, then
 * write manifest.json, connector.onnx (buildConnector's graph with the trained numbers),
 * encoder.onnx (the frozen MobileNetV2, copied), training.json (the record) and LICENSE.md.
 * scripts/trainConnectors.ts writes the files; tests/packs/trained.test.ts rebuilds one pack and
 * compares byte for byte.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { PackManifest } from '../../src/core/types.ts';
import { IMAGESET_DIR } from '../imageset/imageset.ts';
import { buildConnector, postTokens, type PackFamily } from '../packs/architectures.ts';
import { CONNECTOR_IO, ENCODER_FILE, ENCODER_IO, MNV2, MNV2_PREPROCESS, MNV2_SHAPE, packId, trainedConnector, TRAINING } from './config.ts';
import { splitOf, type ImageSetTokens } from './imageSetTokens.ts';
import { evaluateConnector, trainConnector, type TrainingSettings } from './train.ts';

export const ENCODER_LICENSE_FILE = resolve(ENCODER_FILE, '../LICENSE.md');
const INDEX_FILE = resolve(IMAGESET_DIR, 'index.json');

export interface TrainingRecord {
  readonly script: string;
  readonly pack: string;
  readonly family: PackFamily;
  readonly encoder: { readonly file: string; readonly copyOf: string; readonly sha256: string; readonly frozen: true };
  readonly data: {
    readonly imageSet: string;
    readonly indexSha256: string;
    readonly split: ImageSetTokens['index']['split'];
    readonly trainedOn: 'train';
    readonly train: number;
    readonly heldout: number;
    readonly labels: readonly string[];
  };
  readonly objective: {
    readonly summary: string;
    readonly head: { readonly dims: readonly [number, number]; readonly init: string; readonly seed: number; readonly frozen: true };
    readonly loss: string;
  };
  readonly settings: TrainingSettings;
  readonly backend: string;
  readonly results: {
    readonly epochLoss: readonly number[];
    readonly train: { readonly loss: number; readonly accuracy: number };
    readonly heldout: { readonly loss: number; readonly accuracy: number };
  };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** Six significant digits: readable, and still the same on every rerun. */
const round = (x: number) => Number(x.toPrecision(6));

export function settingsOf(family: PackFamily): TrainingSettings {
  const { connectorSeeds, headSeed, orderSeed, epochs, batchSize, optimizer } = TRAINING;
  return { connectorSeed: connectorSeeds[family], headSeed, orderSeed, epochs, batchSize, optimizer };
}

export interface TrainedFamily {
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly record: TrainingRecord;
}

export function trainFamily(family: PackFamily, all: ImageSetTokens, encoderBytes: Uint8Array, onEpoch?: (epoch: number, loss: number) => void): TrainedFamily {
  const classes = all.index.labels.length;
  const train = splitOf(all, 'train');
  const heldout = splitOf(all, 'heldout');
  const settings = settingsOf(family);
  const { weights, epochLoss } = trainConnector(family, MNV2_SHAPE, classes, train, settings, onEpoch);
  const score = (data: typeof train) => {
    const { loss, accuracy } = evaluateConnector(family, MNV2_SHAPE, classes, weights, data, settings.headSeed);
    return { loss: round(loss), accuracy: round(accuracy) };
  };
  const record: TrainingRecord = {
    script: 'scripts/trainConnectors.ts (npm run train:connectors)',
    pack: packId(family),
    family,
    encoder: { file: 'encoder.onnx', copyOf: 'models/mobilenet-v2-imagenet/encoder.onnx', sha256: sha256(encoderBytes), frozen: true },
    data: {
      imageSet: 'public/imageset/index.json (images[].split)',
      indexSha256: sha256(new Uint8Array(readFileSync(INDEX_FILE))),
      split: all.index.split,
      trainedOn: 'train',
      train: train.n,
      heldout: heldout.n,
      labels: all.index.labels.map((l) => l.label),
    },
    objective: {
      summary: 'predict the image label from the mean-pooled post-projection tokens through a frozen linear head; only the connector learns',
      head: { dims: [MNV2_SHAPE.dPost, classes], init: 'Glorot-uniform from mulberry32, no bias', seed: settings.headSeed, frozen: true },
      loss: 'softmax cross-entropy, mean over the batch',
    },
    settings,
    backend: `@tensorflow/tfjs ${tf.version.tfjs}, cpu backend`,
    results: { epochLoss: epochLoss.map(round), train: score(train), heldout: score(heldout) },
  };
  return { weights, record };
}

export function trainedManifest(family: PackFamily, record: TrainingRecord): PackManifest {
  const { spec, title, style } = trainedConnector(family);
  const { train, heldout } = record.results;
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  return {
    formatVersion: 1,
    id: packId(family),
    name: `MobileNetV2 (ImageNet) + ${title}, trained (${style})`,
    description: `MobileNetV2's ImageNet layers up to block 10 (frozen; a 14 x 14 x ${MNV2.dim} map), then a connector (${title}, ${style}) to d_l ${MNV2_SHAPE.dPost} trained on the bundled Noto emoji set's train split (${record.data.train} images) to predict its ${record.data.labels.length} labels through a frozen random head that stands in for the language model: it keeps what tells the labels apart. Head accuracy ${pct(train.accuracy)} on the train split, ${pct(heldout.accuracy)} held out; training.json has the record.`,
    image: { size: MNV2.image, patchSize: MNV2.patch, grid: [MNV2.grid, MNV2.grid] },
    tokens: { pre: MNV2.grid * MNV2.grid, post: postTokens(family, MNV2_SHAPE), dPre: MNV2.dim, dPost: MNV2_SHAPE.dPost },
    connector: spec,
    preprocess: MNV2_PREPROCESS,
    files: { encoder: 'encoder.onnx', connector: 'connector.onnx' },
    io: { encoderInput: ENCODER_IO.input, encoderOutput: ENCODER_IO.output, connectorInput: CONNECTOR_IO.input, connectorOutput: CONNECTOR_IO.output },
    weights: {
      source: 'trained',
      synthetic: false,
      seed: record.settings.connectorSeed,
      license: 'encoder: Apache-2.0 (MobileNetV2 ImageNet weights) and MIT (nsfw_model, nsfwjs); connector: CC0-1.0; see LICENSE.md',
      origin: `encoder converted from nsfwjs 4.4.0's MobileNetV2 (ImageNet layers, blocks 0-10); connector trained by scripts/trainConnectors.ts from seed ${record.settings.connectorSeed} (training.json)`,
    },
  };
}

function licenseMarkdown(family: PackFamily, encoderLicense: string): string {
  const { title, style } = trainedConnector(family);
  return `# ${packId(family)}: origin and licences

\`connector.onnx\`, a ${title} (${style}), was trained by this project: \`npm run train:connectors\`
(\`scripts/trainConnectors.ts\`) with the encoder frozen, on the train split of the bundled image set
(\`public/imageset/\`: Noto Emoji images, Apache-2.0, see \`public/imageset/LICENSES.md\`).
\`training.json\` records the split, seeds, settings, losses and accuracies. The connector weights are
released under **CC0-1.0**.

\`encoder.onnx\` is a byte-for-byte copy of \`models/mobilenet-v2-imagenet/encoder.onnx\`. Its origin
and licences follow, verbatim from that folder's LICENSE.md.

---

${encoderLicense.trimEnd()}
`;
}

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** The pack's files by path under models/. */
export function trainedPackFiles(family: PackFamily, trained: TrainedFamily, encoderBytes: Uint8Array, encoderLicense: string): Map<string, Uint8Array> {
  const id = packId(family);
  return new Map([
    [`${id}/manifest.json`, json(trainedManifest(family, trained.record))],
    [`${id}/encoder.onnx`, encoderBytes],
    [`${id}/connector.onnx`, buildConnector(family, trained.record.settings.connectorSeed, MNV2_SHAPE, trained.weights)],
    [`${id}/training.json`, json(trained.record)],
    [`${id}/LICENSE.md`, new TextEncoder().encode(licenseMarkdown(family, encoderLicense))],
  ]);
}
