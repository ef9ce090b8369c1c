/**
 * npm run fixtures:stock -- <outDir> [--style torchscript|builder|dynamo]: writes the small
 * stand-ins for stock transformers.js exports (tests/support/stockFixtures.ts) as repo folders
 * <outDir>/<kind>/ holding onnx/vision_encoder.onnx, onnx/vision_encoder_fp16.onnx, config.json
 * and preprocessor_config.json, to drop into the app. Deterministic: rerunning changes no byte.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ExportStyle } from '../src/core/onnx/scope.ts';
import { STOCK_KINDS, stockFixture } from '../tests/support/stockFixtures.ts';
import { STYLES } from '../tests/support/vlmBlocks.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { style: { type: 'string', default: 'torchscript' } } });
const style = values.style as ExportStyle;
if (positionals.length !== 1 || !STYLES.includes(style)) {
  console.error(`usage: tsx scripts/writeStockFixtures.ts <outDir> [--style ${STYLES.join('|')}]`);
  process.exit(2);
}
const outDir = resolve(positionals[0]!);

for (const kind of STOCK_KINDS) {
  const files = new Map<string, Uint8Array>();
  // One repo with both weight types, as transformers.js repos ship them (the configs are shared).
  for (const fp16 of [false, true]) for (const [path, bytes] of stockFixture(kind, { style, fp16 }).files) files.set(path, bytes);
  for (const [path, bytes] of files) {
    const target = resolve(outDir, kind, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    console.log(`${`${kind}/${path}`.padEnd(48)} ${(bytes.length / 1024).toFixed(1).padStart(8)} KiB`);
  }
}
console.log(`${STOCK_KINDS.length} repos (${style} names) in ${outDir}`);
