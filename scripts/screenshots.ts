/**
 * npm run screenshots — the views to look at after touching the UI, at 1440×900, 1920×1080 and
 * 800 px wide, from the production build (run `npm run build` first), into test-artifacts/shots/:
 * - first-look: a first visit within its first seconds, KNOR from the build's precomputed vectors
 *   while the model embeds the set (the note beside KNOR says so);
 * - ready: the default pack opened, images embedded, KNOR shown (a first visit);
 * - hub-dialog: the "Open from Hugging Face…" dialog over it; help: the Help dialog;
 * - maps: the before/after maps scrolled into view, an image selected with its neighbour lines,
 *   the pointer on a point (its thumbnail);
 * - message: the inference worker crashed (the ?debug fault hook), its message with the runtime
 *   text under Details open;
 * - second-tab: a second tab of the same session, which reads and does not write;
 * - training: "Retrain reconstructor" running, its bar counting steps with the time left (then cancelled);
 * - block-store: a block store of 24 blocks (written here with the app's own safetensors writer)
 *   opened with no model, KNOR and neighbours on its vectors.
 * For people to look at; the browser tests (tests/e2e) assert the behaviour.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeSafetensors } from '../src/core/blockstore/safetensors.ts';
import { seededRandom } from '../src/core/random.ts';
import { chromium, type Browser, type Page } from 'playwright-core';
import { preview } from 'vite';
import { CHROMIUM, HEADLESS_ARGS, SCREENSHOT_SIZES } from '../tests/support/headlessChromium.ts';
import { waitForLiveKnor } from '../tests/e2e/harness.ts';

const SIZES = SCREENSHOT_SIZES;
const OUT = resolve('test-artifacts/shots');

async function ready(page: Page): Promise<void> {
  await waitForLiveKnor(page);
}

/** A small block store in the paper's layout: three clusters of 16-token blocks, labels by cluster. */
function writeBlockStore(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'lens-shots-')), 'example-store');
  mkdirSync(dir);
  const random = seededRandom(5);
  const labels = ['file,label'];
  for (let i = 0; i < 24; i++) {
    const cluster = i % 3;
    const block = (tokens: number, dim: number, spread: number) =>
      Float32Array.from({ length: tokens * dim }, (_, j) => ((j % dim) % 3 === cluster ? 1 : 0) + spread * (random() - 0.5));
    writeFileSync(join(dir, `pre-block-${i}.safetensors`), writeSafetensors([{ name: 'block', dtype: 'F32', shape: [16, 24], data: block(16, 24, 1.5) }]));
    writeFileSync(join(dir, `post-block-${i}.safetensors`), writeSafetensors([{ name: 'block', dtype: 'F32', shape: [16, 32], data: block(16, 32, 3) }]));
    labels.push(`${i},cluster-${cluster}`);
  }
  writeFileSync(join(dir, 'labels.csv'), `${labels.join('\n')}\n`);
  return dir;
}

async function shoot(browser: Browser, url: string, size: (typeof SIZES)[number], store: string): Promise<void> {
  const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
  const page = await context.newPage();
  await page.goto(`${url}?debug`);
  await page.waitForSelector('[data-testid="first-look"][data-status="provisional"]', { timeout: 60_000 });
  await page.screenshot({ path: resolve(OUT, `first-look-${size.name}.png`) });
  await ready(page);
  // The shipped reconstruction is installed once this browser's embeddings have been checked against it.
  await page.waitForSelector('[data-testid="train-facts"]', { timeout: 120_000 });
  await page.waitForSelector('[data-testid="knor-baseline-mean"]', { timeout: 60_000 });
  await page.screenshot({ path: resolve(OUT, `ready-${size.name}.png`) });
  await page.click('[data-testid="hub-open-button"]');
  await page.waitForSelector('[data-testid="hub-open"][open]');
  await page.screenshot({ path: resolve(OUT, `hub-dialog-${size.name}.png`) });
  await page.keyboard.press('Escape');
  await page.click('[data-testid="help-button"]');
  await page.waitForSelector('[data-testid="help-dialog"][open]');
  await page.screenshot({ path: resolve(OUT, `help-${size.name}.png`) });
  await page.keyboard.press('Escape');

  await page.waitForSelector('[data-testid="map-pre"] svg[data-view]', { timeout: 120_000 });
  await page.locator('[data-testid="thumb"] .thumb-button').nth(40).click();
  await page.locator('[data-testid="maps-panel"]').scrollIntoViewIfNeeded();
  const neighbour = (await page.locator('[data-testid="map-post"] .map-neighbour').first().boundingBox())!;
  await page.mouse.move(neighbour.x + neighbour.width / 2, neighbour.y + neighbour.height / 2);
  await page.waitForSelector('[data-testid="map-tooltip"] img');
  await page.screenshot({ path: resolve(OUT, `maps-${size.name}.png`) });
  await page.mouse.move(0, 0);

  const second = await context.newPage();
  await second.goto(`${url}?debug`);
  await second.waitForSelector('[data-testid="session-banner"]', { timeout: 60_000 });
  await second.waitForSelector('header[data-loading="false"][data-open-pack]:not([data-open-pack=""])', { timeout: 120_000 });
  await second.waitForSelector('[data-testid="knor-mean"]', { timeout: 180_000 });
  await second.screenshot({ path: resolve(OUT, `second-tab-${size.name}.png`) });
  await second.close();

  await page.click('[data-testid="train-button"]');
  await page.waitForSelector('[data-testid="train-job"] [data-testid="job-eta"]', { timeout: 120_000 });
  await page.screenshot({ path: resolve(OUT, `training-${size.name}.png`) });
  await page.click('[data-testid="train-job"] button');
  await page.waitForSelector('[data-testid="train-job"]', { state: 'detached', timeout: 60_000 });

  await page.evaluate(() => (window as unknown as { __lensDebug: { crashInferenceWorker(): void } }).__lensDebug.crashInferenceWorker());
  await page.waitForSelector('[data-testid="message-details"]', { timeout: 60_000 });
  await page.locator('[data-testid="message-details"] summary').first().click();
  await page.screenshot({ path: resolve(OUT, `message-${size.name}.png`) });

  const dismiss = page.locator('[data-testid="messages"] button[aria-label="Dismiss"]');
  while ((await dismiss.count()) > 0) await dismiss.first().click();
  await page.setInputFiles('[data-testid="block-store-input"]', store);
  await page.waitForFunction(() => /Opened block store/.test(document.querySelector('[data-testid="messages"]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.waitForSelector('[data-testid="knor-mean"]', { timeout: 60_000 });
  await page.screenshot({ path: resolve(OUT, `block-store-${size.name}.png`) });
  await context.close();
}

/** Every view at every size into test-artifacts/shots/, from the app served at `url`; the files written. */
export async function writeScreenshots(browser: Browser, url: string): Promise<string[]> {
  mkdirSync(OUT, { recursive: true });
  const store = writeBlockStore();
  try {
    for (const size of SIZES) {
      await shoot(browser, url, size, store);
      console.log(`screenshots: ${size.name} written to ${OUT}`);
    }
  } finally {
    rmSync(resolve(store, '..'), { recursive: true, force: true });
  }
  return SIZES.flatMap((size) => VIEWS.map((view) => resolve(OUT, `${view}-${size.name}.png`)));
}

/** The views shoot() writes, each at every size. */
export const VIEWS = ['first-look', 'ready', 'hub-dialog', 'help', 'maps', 'second-tab', 'training', 'message', 'block-store'] as const;
export { SIZES };

async function main(): Promise<void> {
  const server = await preview({ preview: { port: 4174, strictPort: false, host: '127.0.0.1' }, logLevel: 'warn' });
  const url = server.resolvedUrls?.local[0] ?? 'http://127.0.0.1:4174/';
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS] });
  try {
    await writeScreenshots(browser, url);
  } finally {
    await browser.close();
    await server.close();
  }
}

// Run as `npm run screenshots`; the browser test imports writeScreenshots instead.
if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) await main();
