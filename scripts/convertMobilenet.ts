/**
 * Convert nsfwjs's MobileNetV2 (ImageNet weights up to block 10) to ONNX with our own converter:
 * writes models/mobilenet-v2-imagenet/encoder.onnx. Deterministic: rerunning changes no byte.
 *   npm run convert:mobilenet   (npx tsx scripts/convertMobilenet.ts)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { convertMobilenet, MOBILENET_PACK_DIR } from './mobilenet/convert.ts';

const converted = convertMobilenet();
const target = resolve(MOBILENET_PACK_DIR, 'encoder.onnx');
mkdirSync(MOBILENET_PACK_DIR, { recursive: true });
writeFileSync(target, converted.bytes);
const [rows, cols] = converted.grid;
console.log(`${target}`);
console.log(
  `  ${converted.bytes.length} bytes (${(converted.bytes.length / 1024 / 1024).toFixed(2)} MiB), sha256 ${createHash('sha256').update(converted.bytes).digest('hex')}`,
);
console.log(
  `  cut at "${converted.layers.at(-1)}" after ${converted.layers.length} Keras layers (${converted.foldedBatchNorms} BatchNorms folded, ${converted.onnxNodes} ONNX nodes)`,
);
console.log(`  input ${converted.inputName} [batch, ${converted.inputShape.join(', ')}] in [0, 1]`);
console.log(`  output ${converted.outputName} [batch, ${rows * cols}, ${converted.channels}]: grid ${rows} x ${cols}, ${converted.channels} channels`);
