/**
 * Trains one connector of each family on the frozen MobileNetV2 and writes the packs
 * models/mnv2-<family>/ (npm run train:connectors). Deterministic: rerunning changes no byte
 * (tests/packs/trained.test.ts retrains one family and compares).
 *
 *   npm run train:connectors [-- family ...]     (default: all four)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ENCODER_FILE, FAMILIES, MODELS_DIR, MNV2_SHAPE } from './connectors/config.ts';
import { connect, session } from './connectors/embed.ts';
import { embedImageSet, splitOf } from './connectors/imageSetTokens.ts';
import { connectorForward } from './connectors/tfConnector.ts';
import { ENCODER_LICENSE_FILE, trainedPackFiles, trainFamily } from './connectors/trainedPack.ts';
import { initialWeights } from './connectors/train.ts';
import type { PackFamily } from './packs/architectures.ts';

const requested = process.argv.slice(2);
for (const f of requested) if (!FAMILIES.includes(f as PackFamily)) throw new Error(`unknown family ${f}: expected one of ${FAMILIES.join(', ')}`);
const families = requested.length > 0 ? (requested as PackFamily[]) : FAMILIES;

await tf.setBackend('cpu');
const seconds = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const start = performance.now();
const encoderBytes = new Uint8Array(readFileSync(ENCODER_FILE));
const encoderLicense = readFileSync(ENCODER_LICENSE_FILE, 'utf8');
const all = await embedImageSet(encoderBytes);
console.log(`embedded ${all.n} images with the frozen encoder: ${seconds(start)}`);

/** ORT must compute what tfjs trained: the largest |difference| on the heldout split's post tokens, relative to their largest |value|. */
async function ortAgreement(family: PackFamily, connectorBytes: Uint8Array, weights: ReadonlyMap<string, Float32Array>): Promise<number> {
  const heldout = splitOf(all, 'heldout');
  const s = await session(connectorBytes);
  const ort = (await connect(s, heldout.pre, heldout.n)).data;
  await s.release();
  const dims = initialWeights(family, 0, MNV2_SHAPE);
  const reference = tf.tidy(() => {
    const params = new Map([...dims].map(([name, { dims: d }]) => [name, tf.tensor(weights.get(name)!, d)] as const));
    return connectorForward(family, MNV2_SHAPE, params, tf.tensor3d(heldout.pre, [heldout.n, MNV2_SHAPE.grid ** 2, MNV2_SHAPE.dPre])).dataSync();
  });
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < ort.length; i++) {
    worst = Math.max(worst, Math.abs(ort[i]! - reference[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return worst / scale;
}

for (const family of families) {
  const t0 = performance.now();
  const trained = trainFamily(family, all, encoderBytes, (epoch, loss) =>
    console.log(`  ${family} epoch ${epoch + 1}: loss ${loss.toFixed(4)} (${seconds(t0)})`),
  );
  const files = trainedPackFiles(family, trained, encoderBytes, encoderLicense);
  const { train, heldout } = trained.record.results;
  const connector = [...files].find(([path]) => path.endsWith('/connector.onnx'))![1];
  const diff = await ortAgreement(family, connector, trained.weights);
  if (!(diff < 1e-4)) throw new Error(`${family}: ONNX Runtime and TensorFlow.js disagree on the trained connector by ${diff}`);
  for (const [path, bytes] of files) {
    const target = resolve(MODELS_DIR, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
  console.log(
    `${family}: train loss ${train.loss} acc ${train.accuracy}, heldout loss ${heldout.loss} acc ${heldout.accuracy}; ORT vs tfjs max |diff| ${diff.toExponential(1)} (relative); ${seconds(t0)}`,
  );
}
console.log(`done in ${seconds(start)}`);
