/**
 * The main views at 1440×900, 1920×1080 and 800 px wide (issue 14's acceptance), written by the
 * browser test itself into test-artifacts/shots/ with the same code as `npm run screenshots`
 * (scripts/screenshots.ts): each file is checked to be a PNG of its viewport's width, so a view
 * that stopped rendering, or a size that was skipped, fails here rather than going unnoticed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Browser } from 'playwright-core';
import { SIZES, VIEWS, writeScreenshots } from '../../scripts/screenshots.ts';
import { check } from './harness.ts';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(path: string): { width: number; height: number } | null {
  const bytes = readFileSync(path);
  if (bytes.length < 24 || bytes.readUInt32BE(12) !== 0x49484452) return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

export async function screenshotViewsScenario(launch: () => Promise<Browser>, pageUrl: string): Promise<void> {
  const browser = await launch();
  try {
    const written = await writeScreenshots(browser, pageUrl);
    const wrong = written.flatMap((path) => {
      const size = SIZES.find((s) => path.endsWith(`-${s.name}.png`))!;
      const png = existsSync(path) ? pngSize(path) : null;
      return png && png.width === size.width ? [] : [`${basename(path)}: ${png ? `${png.width} px wide` : 'missing or not a PNG'}`];
    });
    check(
      `screenshots: ${VIEWS.length} views at ${SIZES.length} sizes written to test-artifacts/shots`,
      written.length === VIEWS.length * SIZES.length && wrong.length === 0,
      wrong.length > 0 ? wrong.join('; ') : `${written.length} PNGs (${VIEWS.join(', ')})`,
    );
  } finally {
    await browser.close();
  }
}
