/**
 * The --out folder: new or empty, so one folder always holds one run (a shard's blocks can never
 * mix with another run's, and merge can trust what it finds). Checked before any work starts and
 * created only when the first file is about to be written.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { UsageError } from './exitCodes.ts';

/** Refuses an --out that exists and is not an empty folder, or that is (or is inside) an input folder. */
export function checkOutputFolder(out: string, inputs: readonly string[] = []): void {
  const target = resolve(out);
  for (const input of inputs) {
    const folder = resolve(input);
    if (folder === target) throw new UsageError(`--out ${out} is also an input folder; write the results to a new folder.`);
    if (target.startsWith(`${folder}${sep}`))
      throw new UsageError(
        `--out ${out} is inside the input folder ${input}, where the next run would list its files as images; write the results outside it.`,
      );
  }
  let stat;
  try {
    stat = statSync(out);
  } catch {
    return; // does not exist yet: created when writing starts
  }
  if (!stat.isDirectory()) throw new UsageError(`--out ${out} is a file; give a new or empty folder for the results.`);
  const entries = readdirSync(out);
  if (entries.length > 0)
    throw new UsageError(
      `--out ${out} already holds ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}; give a new or empty folder, so results of two runs never mix.`,
    );
}

export function createOutputFolder(out: string): void {
  mkdirSync(out, { recursive: true });
}
