/**
 * A browser test that cannot fail is a defect: no wait in tests/e2e may swallow its own timeout.
 * Any catch whose handler ignores the error (`.catch(() => …)`, `catch {}`, an empty catch block)
 * is refused here, so a wait that times out fails the run instead of falling through to checks
 * that then read a half-finished page.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flaggedLines, sourceFiles } from './support/sourceLines.ts';

const DIR = resolve(import.meta.dirname, 'e2e');

/** Handlers that drop the error: no parameter, an optional catch binding, or an empty block. */
const SWALLOWS = [
  /\.catch\(\s*\(\s*\)\s*=>/,
  /\.catch\(\s*(?:noop|\(\)\s*\{\s*\})\s*\)/,
  /\bcatch\s*\{/,
  /\bcatch\s*\([^)]*\)\s*\{\s*\}/,
  /\.then\([^,]+,\s*\(\s*\)\s*=>/,
];

export function swallowingLines(source: string): string[] {
  return source.split('\n').filter((line) => SWALLOWS.some((re) => re.test(line)));
}

describe('browser tests', () => {
  it('have no catch that swallows an error (a timed-out wait fails the run)', () => {
    const files = sourceFiles(DIR, false);
    expect(files.length).toBeGreaterThan(5);
    expect(flaggedLines(DIR, files, swallowingLines)).toEqual([]);
  });

  it('would catch each way of swallowing a wait', () => {
    expect(swallowingLines("await page.waitForSelector('#x').catch(() => undefined);")).toHaveLength(1);
    expect(swallowingLines("await page.waitForSelector('#x').catch(() => {});")).toHaveLength(1);
    expect(swallowingLines('try { await wait(); } catch {')).toHaveLength(1);
    expect(swallowingLines('} catch (e) {}')).toHaveLength(1);
    expect(swallowingLines('await wait().then(ok, () => null);')).toHaveLength(1);
    expect(swallowingLines(".catch((error: unknown) => check('e2e run completed', false, String(error)))")).toEqual([]);
  });
});
