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
  const bundled = JSON.parse(readFileSync(resolve('public/imageset/index.json'), 'utf8')) as { images: { label: string }[]; labels: unknown[] };
  const images = bundled.images.length;
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  // When the first KNOR figure appears, in the page's clock from navigation start, and what it said then.
  await context.addInitScript(() => {
    const seen: { at?: number; mean?: string; status?: string | null } = {};
    (window as unknown as { __firstKnor: typeof seen }).__firstKnor = seen;
    const observer = new MutationObserver(() => {
      const mean = document.querySelector('[data-testid="knor-mean"]');
      if (!mean) return;
      seen.at = performance.now();
      seen.mean = mean.textContent ?? '';
      seen.status = document.querySelector('[data-testid="first-look"]')?.getAttribute('data-status') ?? null;
      observer.disconnect();
    });
    observer.observe(document, { subtree: true, childList: true, characterData: true });
  });
  const page = await context.newPage();
  watch(page);
  try {
    await page.goto(pageUrl);
    await page.waitForFunction(() => (window as unknown as { __firstKnor: { at?: number } }).__firstKnor.at !== undefined, null, { timeout: 120_000 });
    const first = await page.evaluate(() => (window as unknown as { __firstKnor: { at: number; mean: string; status: string | null } }).__firstKnor);
    check(
      'default: the first KNOR figure of a first visit appears within 3 s, from the precomputed first look',
      first.at <= 3000 && first.status === 'provisional',
      `${(first.at / 1000).toFixed(2)} s from navigation start, mean ${first.mean}, first look ${first.status}`,
    );
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

    await page.waitForSelector('[data-testid="first-look"][data-status="verified"]', { timeout: 120_000 });
    const knor = Number(await page.textContent('[data-testid="knor-mean"]'));
    const verdict = await textNow(page, '[data-testid="first-look"]');
    check(
      "default: the live check ran: this browser's embeddings reproduce the first look's, and KNOR is the one shown first",
      knor > 0 && knor < 1 && knor === Number(first.mean) && verdict.includes(`Checked: this browser's embeddings of the ${images} images reproduce`),
      `mean KNOR ${knor.toFixed(3)} live, ${first.mean} first; "${verdict.slice(0, 140)}"`,
    );
    const precisionText = await textNow(page, '[data-testid="precision"]');
    const [pre, post] = [...precisionText.matchAll(/(\d\.\d{3})/g)].map((m) => Number(m[1]));
    const chance = 1 / bundled.labels.length;
    check(
      'default: precision@k by label shown, pre-projection above chance',
      pre !== undefined && post !== undefined && pre > 2 * chance,
      `${precisionText.trim()} (chance ${chance.toFixed(3)})`,
    );
    // The precision ceiling, from the bundled set's class sizes (self excluded: a class of s images gives each query s - 1 same-label candidates).
    const classSizes = [...bundled.images.reduce((m, i) => m.set(i.label, (m.get(i.label) ?? 0) + 1), new Map<string, number>()).values()];
    const expectedCeiling = (k: number) => classSizes.reduce((sum, s) => sum + s * (Math.min(k, s - 1) / k), 0) / images;
    const ceiling10 = Number(await textNow(page, '[data-testid="precision-ceiling"]'));
    check(
      'default: precision@10 shown with its ceiling for these class sizes, no warning',
      Math.abs(ceiling10 - expectedCeiling(10)) < 5e-4 && (await page.locator('[data-testid="precision-limited"]').count()) === 0,
      `ceiling ${ceiling10} (expected ${expectedCeiling(10).toFixed(3)})`,
    );
    await page.fill('[data-testid="k-input"]', '30');
    await page.waitForSelector('[data-testid="precision-limited"]', { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="precision"]')?.textContent?.includes('precision@30'), null, { timeout: 30_000 });
    const ceiling30 = Number(await textNow(page, '[data-testid="precision-ceiling"]'));
    const limitedText = await textNow(page, '[data-testid="precision-limited"]');
    check(
      'default: at k = 30, beyond every class (24 images), the ceiling drops and the panel says why',
      Math.abs(ceiling30 - expectedCeiling(30)) < 5e-4 && ceiling30 < 1 && /smallest has 24 images/.test(limitedText),
      `ceiling ${ceiling30} (expected ${expectedCeiling(30).toFixed(3)}); "${limitedText.trim().slice(0, 120)}"`,
    );
    await page.screenshot({ path: resolve(ARTIFACTS, 'default-precision-ceiling.png'), fullPage: true });
    await page.fill('[data-testid="k-input"]', '10');
    await page.waitForFunction(() => document.querySelector('[data-testid="precision"]')?.textContent?.includes('precision@10'), null, { timeout: 30_000 });

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
