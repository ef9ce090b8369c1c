/** --out: new or empty, never an input folder or inside one. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/exitCodes.ts';
import { checkOutputFolder } from '../../cli/outputFolder.ts';
import { tempDir } from './imageFolderFixture.ts';

const root = tempDir('out');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('checkOutputFolder', () => {
  it('accepts a new or an empty folder', () => {
    expect(() => checkOutputFolder(join(root, 'new'), [join(root, 'images')])).not.toThrow();
    mkdirSync(join(root, 'empty'));
    expect(() => checkOutputFolder(join(root, 'empty'))).not.toThrow();
  });

  it('refuses a file, a folder with entries, an input folder and a folder inside one', () => {
    writeFileSync(join(root, 'file'), 'x');
    mkdirSync(join(root, 'full'));
    writeFileSync(join(root, 'full', 'a'), 'x');
    writeFileSync(join(root, 'full', 'b'), 'x');
    const refusal = (out: string, inputs: string[] = []) => {
      try {
        checkOutputFolder(out, inputs);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      return null;
    };
    expect(refusal(join(root, 'file'))).toBe(`--out ${join(root, 'file')} is a file; give a new or empty folder for the results.`);
    expect(refusal(join(root, 'full'))).toBe(
      `--out ${join(root, 'full')} already holds 2 entries; give a new or empty folder, so results of two runs never mix.`,
    );
    expect(refusal(join(root, 'images'), [join(root, 'images')])).toBe(
      `--out ${join(root, 'images')} is also an input folder; write the results to a new folder.`,
    );
    expect(refusal(join(root, 'images', 'out'), [join(root, 'images')])).toBe(
      `--out ${join(root, 'images', 'out')} is inside the input folder ${join(root, 'images')}, where the next run would list its files as images; write the results outside it.`,
    );
  });
});
