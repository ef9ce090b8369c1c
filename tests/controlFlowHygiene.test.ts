/**
 * Recovery and every other decision read failure codes (core/errors.ts FailureCode), never the
 * wording of a message: rewording a message must not change what the app does. This test refuses
 * any regular expression or substring test over message-like text in src/, outside the one
 * boundary that turns foreign runtime text (ONNX Runtime, the JS engine, JSON.parse) into codes.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flaggedLines, sourceFiles } from './support/sourceLines.ts';

const SRC = resolve(import.meta.dirname, '../src');

/** Where text from outside the project is read on purpose, and why. */
const BOUNDARY: Readonly<Record<string, string>> = {
  'core/errors.ts': 'classifies ONNX Runtime / JS engine text into FailureCode once, at the worker boundary',
  'core/labels/parseLabels.ts': "reads JSON.parse's error text for the position to show the user",
};

/** A test over text (regex .test/.match/.search, or includes/startsWith/endsWith) whose subject names a message, reason, error or details. */
const OVER_MESSAGE_TEXT = [
  /\.(?:test|match|search|exec)\(\s*[^)]*\b(?:message|reason|details|why|said|raw|err|error|e)\b[^)]*\)/,
  /\b(?:message|reason|details|said|error|err|e)(?:\.message)?(?:\?)?\.(?:match|search|includes|startsWith|endsWith)\(/,
];

/**
 * A line ending in `// wording only: <why>` shapes how a message reads (no decision hangs on it)
 * and is let through; the reason stays next to the code.
 */
export function messageTests(source: string): string[] {
  return source
    .split('\n')
    .filter((line) => !/^\s*(\*|\/\/)/.test(line) && !/\/\/ wording only: \S/.test(line) && OVER_MESSAGE_TEXT.some((re) => re.test(line)));
}

describe('control flow', () => {
  it('never depends on the wording of a message (only core/errors.ts and parseLabels read foreign text)', () => {
    const files = sourceFiles(SRC, true);
    expect(files.length).toBeGreaterThan(50);
    const outsideBoundary = files.filter((path) => !(relative(SRC, path) in BOUNDARY));
    expect(flaggedLines(SRC, outsideBoundary, messageTests)).toEqual([]);
  });

  it('would catch each way of deciding on message text', () => {
    expect(messageTests('if (/WebGPU/.test(e.message)) reopen();')).toHaveLength(1);
    expect(messageTests('const lost = /device was lost/i.test(reason);')).toHaveLength(1);
    expect(messageTests("if (error.message.includes('crashed')) restart();")).toHaveLength(1);
    expect(messageTests("if (message.startsWith('The inference worker')) restart();")).toHaveLength(1);
    expect(messageTests("switch (failure.code) { case 'device-lost': reopen(); }")).toEqual([]);
    expect(messageTests('if (/\\.onnx$/i.test(file.name)) models.push(file);')).toEqual([]);
    expect(messageTests('say(m.startsWith(name) ? m : name); // wording only: no name twice')).toEqual([]);
    expect(messageTests("if (error.message.includes('lost')) reopen(); // wording only:")).toHaveLength(1);
  });

  it('keeps the boundary list honest: each file named there exists and does read message text', () => {
    for (const path of Object.keys(BOUNDARY)) expect(messageTests(readFileSync(join(SRC, path), 'utf8')).length, path).toBeGreaterThan(0);
  });
});

/** `x instanceof Error ? x.message : String(x)`: the raw text of a thrown value, written out again instead of errorText(). */
const RAW_TEXT_COPY = /(\w+) instanceof Error \? \1\.message : String\(\1\)/;

describe('one definition of raw error text', () => {
  it('src/ and cli/ take it from errorText (core/errors.ts), never a copy of its expression', () => {
    for (const root of [SRC, resolve(import.meta.dirname, '../cli')]) {
      const copies = flaggedLines(root, sourceFiles(root, true), (source) => source.split('\n').filter((line) => RAW_TEXT_COPY.test(line)));
      expect(copies).toEqual([]);
    }
  });

  it('would catch a copy', () => {
    expect(RAW_TEXT_COPY.test('`${error instanceof Error ? error.message : String(error)}`')).toBe(true);
    expect(RAW_TEXT_COPY.test('`${errorText(error)}`')).toBe(false);
  });
});
