/**
 * What a model's content key costs: reading a large model file with and without hashing it in
 * the same pass (readWithRoom with a BLAKE3 hasher, as the inference worker reads), against the
 * plain read and against reading first and hashing after (the second pass the app avoids).
 * Best of three each, in this process, on a file written to the temp folder.
 */
import { closeSync, mkdtempSync, openAsBlob, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentHasher } from '../../src/core/identity/contentHash.ts';
import { readWithRoom } from '../../src/core/onnx/readWithRoom.ts';
import type { BenchRow } from './report.ts';

const MiB = 2 ** 20;

function writeFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const chunk = new Uint8Array(16 * MiB);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  for (let written = 0; written < bytes; written += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
  closeSync(fd);
}

async function best(runs: number, task: () => Promise<void>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await task();
    fastest = Math.min(fastest, performance.now() - t);
  }
  return fastest;
}

export async function identityBench(sizeMiB = 1024): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lens-bench-'));
  const path = join(dir, 'model.bin');
  try {
    writeFile(path, sizeMiB * MiB);
    const plain = await best(3, async () => {
      await readWithRoom(await openAsBlob(path), 0);
    });
    const hashed = await best(3, async () => {
      const h = await contentHasher();
      await readWithRoom(await openAsBlob(path), 0, h);
      h.digest();
    });
    const twoPass = await best(3, async () => {
      const { buffer, length } = await readWithRoom(await openAsBlob(path), 0);
      const h = await contentHasher();
      for (let at = 0; at < length; at += 16 * MiB) h.update(buffer.subarray(at, Math.min(length, at + 16 * MiB)));
      h.digest();
    });
    const rate = (ms: number) => `${((sizeMiB / ms) * 1000).toFixed(0)} MiB/s`;
    return [
      {
        what: `reading a ${sizeMiB} MiB model with its content key (BLAKE3 in the same pass)`,
        app: `${(hashed / 1000).toFixed(2)} s (${rate(hashed)})`,
        reference: `${(plain / 1000).toFixed(2)} s plain read, no key (${rate(plain)})`,
        ratio: hashed / plain,
        better: 'lower',
        target: '',
        met: null,
        note: `read then hash in a second pass: ${(twoPass / 1000).toFixed(2)} s; the key costs ${((hashed - plain) / 1000).toFixed(2)} s, no second read`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
