/**
 * Independent readers for the export tests: Python's own csv, numpy and zipfile modules, run on
 * the tools Python (tests/support/toolsPython.ts). Each returns what Python read, as JSON.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOOLS_PYTHON } from '../../support/toolsPython.ts';

/** Runs a Python snippet and returns its stdout; throws with its stderr when it fails. */
export function runPython(script: string, args: readonly string[] = []): string {
  const result = spawnSync(TOOLS_PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`python exited with ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

/** A fresh temporary folder. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** Writes bytes or text to a new temporary file and returns its path. */
export function tempFile(name: string, contents: Uint8Array | string): string {
  const path = join(tempDir('export'), name);
  writeFileSync(path, contents);
  return path;
}

/** The records of a CSV file as Python's csv module reads them, after the leading `#` lines. */
export function pythonCsv(text: string): string[][] {
  const script = `import csv, io, json, sys
text = open(sys.argv[1], encoding='utf-8', newline='').read()
while text.startswith('#'):
    text = text[text.index('\\r\\n') + 2:]
print(json.dumps(list(csv.reader(io.StringIO(text, newline='')))))`;
  return JSON.parse(runPython(script, [tempFile('table.csv', text)])) as string[][];
}
