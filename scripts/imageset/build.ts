/**
 * Writes the bundled labelled image set to public/imageset/ (npm run imageset): PNGs in one
 * folder per label, index.json (file, label, split, source, licence of every image) and
 * LICENSES.md. Deterministic: rerunning changes no byte (with the same Node zlib).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { APACHE_TEXT, buildImageSet, IMAGESET_DIR } from './imageset.ts';

if (!existsSync(APACHE_TEXT))
  throw new Error(`${APACHE_TEXT} is missing: it is Debian's copy of the Apache License 2.0 text (package base-files), quoted in LICENSES.md`);
const files = buildImageSet(readFileSync(APACHE_TEXT, 'utf8'));
rmSync(IMAGESET_DIR, { recursive: true, force: true });
let total = 0;
for (const [path, bytes] of files) {
  const target = resolve(IMAGESET_DIR, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, bytes);
  total += bytes.length;
}
const index = JSON.parse(new TextDecoder().decode(files.get('index.json'))) as { labels: { label: string; train: number; heldout: number }[] };
for (const l of index.labels) console.log(`${l.label.padEnd(18)} train ${l.train}  heldout ${l.heldout}`);
console.log(`${IMAGESET_DIR}: ${files.size} files, ${(total / 1024 / 1024).toFixed(2)} MiB`);
