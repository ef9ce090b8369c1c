/**
 * The default experience: a first visit with no URL switches and nothing stored opens the default
 * pack on the bundled labelled image set, and KNOR, precision@k, neighbour grids and a heatmap
 * appear without a single click (the heatmap from the reconstruction precomputed at build time,
 * verified against this browser's embeddings), in a browser without WebGPU. Screenshot:
 * test-artifacts/default-experience.png.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { canvasStats, check, messagesText, textNow } from './harness.ts';

const ARTIFACTS = resolve('test-artifacts');

export async function defaultExperienceScenario(launch: () => Promise<Browser>, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const defaultPack = (JSON.parse(readFileSync(resolve('models/index.json'), 'utf8')) as { default: string }).default;
  const bundled = JSON.parse(readFileSync(resolve('public/imageset/index.json'), 'utf8')) as { images: unknown[]; labels: unknown[] };
  const images = bundled.images.length;
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  watch(page);
  try {
    await page.goto(pageUrl);
    await page.waitForFunction(
      ({ id, n }) =>
        document.querySelector('header[data-open-pack]')?.getAttribute('data-open-pack') === id &&
        document.querySelectorAll('[data-testid="thumb"][data-state="embedded"]').length === n,
      { id: defaultPack, n: images },
      { timeout: 300_000 },
    );
    const ep = await page.textContent('[data-testid="ep-badge"]');
    check('default: the default pack opens on the bundled image set without a click', true, `${defaultPack}, ${images} images embedded, ${ep}`);
    check('default: the pack states real (not synthetic) weights', !(await page.isVisible('[data-testid="synthetic-notice"]')));

    await page.waitForSelector('[data-testid="knor-mean"]', { timeout: 120_000 });
    const knor = Number(await page.textContent('[data-testid="knor-mean"]'));
    check('default: KNOR computed', knor > 0 && knor < 1, `mean KNOR ${knor.toFixed(3)}`);
    const precisionText = await textNow(page, '[data-testid="precision"]');
    const [pre, post] = [...precisionText.matchAll(/(\d\.\d{3})/g)].map((m) => Number(m[1]));
    const chance = 1 / bundled.labels.length;
    check(
      'default: precision@k by label shown, pre-projection above chance',
      pre !== undefined && post !== undefined && pre > 2 * chance,
      `${precisionText.trim()} (chance ${chance.toFixed(3)})`,
    );
    const nPre = await page.locator('[data-testid="neighbours-pre"] li').count();
    const nPost = await page.locator('[data-testid="neighbours-post"] li').count();
    check('default: neighbour grids', nPre === 10 && nPost === 10, `${nPre} pre and ${nPost} post neighbours`);

    await page.waitForSelector('[data-testid="train-facts"]', { timeout: 120_000 });
    const trainedHere = await page.locator('[data-testid="train-job"]').count();
    const said = await messagesText(page);
    check(
      'default: the heatmap comes from the build-time reconstruction, not a run here',
      trainedHere === 0 && /trained on this image set when the app was built/.test(said),
      said.match(/Heatmaps come from[^.]*\./)?.[0] ?? said.slice(0, 160),
    );
    await page.locator('[data-testid="opacity-slider"]').fill('1');
    await page.waitForTimeout(300);
    const stats = await canvasStats(page, '[data-testid="heatmap-canvas"]');
    check('default: heatmap rendered and non-uniform', stats.distinct >= 8 && stats.std > 5, `${stats.distinct} colours, std ${stats.std.toFixed(1)}`);
    await page.locator('[data-testid="opacity-slider"]').fill('0.6');
    await page.screenshot({ path: resolve(ARTIFACTS, 'default-experience.png'), fullPage: true });
  } finally {
    await browser.close();
  }
}
