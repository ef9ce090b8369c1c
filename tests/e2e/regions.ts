/**
 * Region analysis in the browser (issue 14 item 5), on the bundled set's shipped reconstruction: a
 * box dragged over the heatmap becomes the selected image's region, and the statistics shown are
 * the ones this test computes itself from the app's own per-patch losses and the recorded box
 * (patch centres in the box, its own means and top-decile count); regions imported as COCO JSON
 * land on the images they name and join the pooled line; the session export carries regions.csv
 * with the same numbers. The statistics themselves are checked against numpy in
 * tests/core/patches/regionAnalysis.test.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { check, waitForMessage } from './harness.ts';

type Stores = typeof import('../../src/store/debugStores.ts').debugStores;
const ARTIFACTS = resolve('test-artifacts');

export async function regionChecks(page: Page): Promise<void> {
  await page.locator('[data-testid="thumb"] .thumb-button').nth(30).click();
  await page.locator('[data-testid="heatmap-panel"]').scrollIntoViewIfNeeded();
  await page.click('[data-testid="region-draw"]');
  const overlay = (await page.locator('[data-testid="region-overlay"]').boundingBox())!;
  const from = { x: 0.25, y: 0.3 };
  const to = { x: 0.6, y: 0.75 };
  await page.mouse.move(overlay.x + from.x * overlay.width, overlay.y + from.y * overlay.height);
  await page.mouse.down();
  await page.mouse.move(overlay.x + 0.4 * overlay.width, overlay.y + 0.5 * overlay.height, { steps: 4 });
  await page.mouse.move(overlay.x + to.x * overlay.width, overlay.y + to.y * overlay.height, { steps: 4 });
  await page.mouse.up();
  await page.click('[data-testid="region-draw"]');
  await page.waitForSelector('[data-testid="region-stats"][data-mean-inside]', { timeout: 60_000 });

  const recomputed = await page.evaluate(() => {
    const stores = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
    const { reconstruction } = stores.analysis.getState();
    const { boxes } = stores.regions.getState();
    const [selected] = Object.keys(boxes);
    const box = boxes[selected!]![0]!;
    const row = reconstruction!.ids.indexOf(selected!);
    const t = reconstruction!.tokens;
    const losses = Array.from(reconstruction!.perPatch.subarray(row * t, (row + 1) * t));
    const [rows, cols] = stores.model.getState().manifest!.image.grid;
    const inside = losses.map((_, p) => {
      const cy = (Math.floor(p / cols) + 0.5) / rows;
      const cx = ((p % cols) + 0.5) / cols;
      return cx >= box.x && cx <= box.x + box.width && cy >= box.y && cy <= box.y + box.height;
    });
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const top = losses
      .map((v, p) => [v, p] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, Math.ceil(t / 10));
    return {
      box,
      m: inside.filter(Boolean).length,
      meanInside: mean(losses.filter((_, p) => inside[p])),
      meanOutside: mean(losses.filter((_, p) => !inside[p])),
      topInside: top.filter(([, p]) => inside[p]).length,
    };
  });
  const shown = await page.locator('[data-testid="region-stats"]').evaluate((el) => ({
    inside: Number(el.getAttribute('data-inside')),
    meanInside: Number(el.getAttribute('data-mean-inside')),
    meanOutside: Number(el.getAttribute('data-mean-outside')),
    topInside: Number(el.getAttribute('data-top-inside')),
    p: Number(el.getAttribute('data-p')),
    text: el.textContent ?? '',
  }));
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * (1 + Math.abs(b));
  const { box } = recomputed;
  check(
    'regions: a box dragged over the heatmap is recorded where it was drawn',
    Math.abs(box.x - from.x) < 0.01 &&
      Math.abs(box.y - from.y) < 0.01 &&
      Math.abs(box.x + box.width - to.x) < 0.01 &&
      Math.abs(box.y + box.height - to.y) < 0.01,
    `box ${[box.x, box.y, box.width, box.height].map((v) => v.toFixed(3)).join(', ')}`,
  );
  check(
    "regions: the statistics shown are this test's own from the app's patch losses and the box",
    shown.inside === recomputed.m &&
      close(shown.meanInside, recomputed.meanInside) &&
      close(shown.meanOutside, recomputed.meanOutside) &&
      shown.topInside === recomputed.topInside &&
      shown.p > 0 &&
      shown.p <= 1,
    `${shown.inside} patches inside; inside ${shown.meanInside.toFixed(4)} vs ${recomputed.meanInside.toFixed(4)}, outside ${shown.meanOutside.toFixed(4)}; top ${shown.topInside}; p ${shown.p}`,
  );

  // Bundled images by name, their boxes in original pixels (the bundled images are 96 x 96): one
  // declared at that size, one at twice it (the same picture at another resolution: scaled), one
  // at another shape (refused), and a name the collection does not have.
  const index = JSON.parse(readFileSync(resolve('public/imageset/index.json'), 'utf8')) as { images: { file: string }[] };
  const [first, second, third] = [index.images[0]!.file, index.images[100]!.file, index.images[200]!.file];
  const coco = {
    images: [
      { id: 1, file_name: first, width: 96, height: 96 },
      { id: 2, file_name: second, width: 192, height: 192 },
      { id: 3, file_name: 'not-in-the-collection.png', width: 50, height: 50 },
      { id: 4, file_name: third, width: 96, height: 64 },
    ],
    annotations: [
      { image_id: 1, bbox: [20, 20, 40, 40] },
      { image_id: 2, bbox: [0, 0, 96, 192] },
      { image_id: 3, bbox: [1, 1, 10, 10] },
      { image_id: 4, bbox: [1, 1, 10, 10] },
    ],
  };
  await page.setInputFiles('[data-testid="region-file"]', { name: 'regions.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(coco)) });
  const said = await waitForMessage(page, /Regions from regions\.json/);
  await page.waitForSelector('[data-testid="region-pooled"][data-images="3"]', { timeout: 60_000 });
  check(
    'regions: COCO boxes land on the images they name (one declared at twice the size is scaled, one of another shape refused, each said); the one naming no image is reported; the pooled line counts all three images',
    /2 images got regions/.test(said) &&
      /1 named no image here \(not-in-the-collection\.png\)/.test(said) &&
      /1 region was scaled/.test(said) &&
      /1 was left out .*declared 96 × 64, is 96 × 96/.test(said),
    said.slice(0, 160),
  );
  const scaledBox = await page.evaluate((name) => {
    const stores = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
    const image = stores.collection.getState().images.find((i) => i.name === name);
    return image ? (stores.regions.getState().boxes[image.id] ?? null) : null;
  }, second);
  // [0, 0, 96, 192] of a 192 x 192 declaration is the left half; a square image's crop is all of it.
  const halfBox = scaledBox?.length === 1 ? scaledBox[0]! : null;
  check(
    'regions: the box declared at twice the size lands on the left half of the image here',
    halfBox !== null && [halfBox.x, halfBox.y, halfBox.width, halfBox.height].every((v, i) => Math.abs(v - [0, 0, 0.5, 1][i]!) < 1e-6),
    JSON.stringify(scaledBox),
  );
  const pooled = await page.textContent('[data-testid="region-pooled"]');
  await page.screenshot({ path: resolve(ARTIFACTS, 'regions.png'), fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('[data-testid="export-session"]')]);
  const zipped = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  const csvName = Object.keys(zipped).find((path) => path.endsWith('/regions.csv'));
  const csv = csvName ? new TextDecoder().decode(zipped[csvName]) : '';
  const records = csv.split('\r\n').filter((line) => line !== '' && !line.startsWith('#'));
  check(
    'regions: the session export carries regions.csv, one row per image with a region, with the shown means',
    records.length === 4 && csv.includes(String(shown.meanInside)) && csv.includes('pooled over 3 images'),
    `${records.length - 1} rows; pooled: ${pooled?.slice(0, 100)}`,
  );
}
