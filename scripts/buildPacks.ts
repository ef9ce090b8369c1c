/** Writes the built-in packs to models/ (npm run packs). Deterministic: rerunning changes no byte. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildAllPacks } from './packs/buildAllPacks.ts';

const root = resolve(import.meta.dirname, '..', 'models');
let total = 0;
for (const [path, bytes] of buildAllPacks()) {
  const target = resolve(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, bytes);
  total += bytes.length;
  console.log(`${path.padEnd(34)} ${(bytes.length / 1024).toFixed(1).padStart(8)} KiB`);
}
console.log(`models/: ${(total / 1024 / 1024).toFixed(2)} MiB in all`);
