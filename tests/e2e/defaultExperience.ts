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
import { sampleImage } from '../../src/core/image/sampleImages.ts';
import { canvasStats, check, messagesText, textNow } from './harness.ts';
import { encodePng } from './png.ts';

const ARTIFACTS = resolve('test-artifacts');

export async function defaultExperienceScenario(launch: () => Promise<Browser>, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const defaultPack = (JSON.parse(readFileSync(resolve('models/index.json'), 'utf8')) as { default: string }).default;
  const bundled = JSON.parse(readFileSync(resolve('public/imageset/index.json'), 'utf8')) as { images: { label: string }[]; labels: unknown[] };
  const images = bundled.images.length;
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  // tsx names the functions it compiles with __name; the page has no such helper.
  await context.addInitScript('globalThis.__name = (f) => f;');
  // When the first KNOR figure appears, in the page's clock from navigation start, and what it said then.
  await context.addInitScript(() => {
    const seen: { at?: number; mean?: string; status?: string | null; heatmap?: string | null } = {};
    (window as unknown as { __firstKnor: typeof seen }).__firstKnor = seen;
    const observer = new MutationObserver(() => {
      const mean = document.querySelector('[data-testid="knor-mean"]');
      if (!mean) return;
      seen.at = performance.now();
      seen.mean = mean.textContent ?? '';
      seen.status = document.querySelector('[data-testid="first-look"]')?.getAttribute('data-status') ?? null;
      seen.heatmap = document.querySelector('[data-testid="heatmap-pending"]')?.textContent ?? null;
      observer.disconnect();
    });
    observer.observe(document, { subtree: true, childList: true, characterData: true });
  });
  const page = await context.newPage();
  watch(page);
  try {
    await page.goto(pageUrl);
    await page.waitForFunction(() => (window as unknown as { __firstKnor: { at?: number } }).__firstKnor.at !== undefined, null, { timeout: 120_000 });
    const first = await page.evaluate(
      () => (window as unknown as { __firstKnor: { at: number; mean: string; status: string | null; heatmap: string | null } }).__firstKnor,
    );
    check(
      'default: the first KNOR figure of a first visit appears within 3 s, from the precomputed first look',
      first.at <= 3000 && first.status === 'provisional',
      `${(first.at / 1000).toFixed(2)} s from navigation start, mean ${first.mean}, first look ${first.status}`,
    );
    check(
      'default: meanwhile the heatmap panel says what it waits for, with the count',
      /Heatmaps need this browser's embeddings of the images: (the model is opening|\d+ of \d+ embedded so far)/.test(first.heatmap ?? ''),
      first.heatmap ?? '(nothing)',
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

    // Each tile says its distance from the query (ascending: the search's own order) and its label.
    const tiles = await page.evaluate(() =>
      ['pre', 'post'].map((space) =>
        Array.from(document.querySelectorAll(`[data-testid="neighbours-${space}"] li`), (li) => ({
          distance: Number(li.getAttribute('data-distance')),
          label: li.querySelector('.neighbour-label')?.textContent ?? '',
        })),
      ),
    );
    check(
      'default: neighbour tiles show their distance (ascending) and label',
      tiles.every(
        (row) => row.length === 10 && row.every((t, i) => Number.isFinite(t.distance) && t.label !== '' && (i === 0 || t.distance >= row[i - 1]!.distance)),
      ),
      tiles.map((row) => row.map((t) => t.distance.toFixed(3)).join(' ')).join(' | '),
    );
    // One tab stop per row; arrow keys move along it and Enter makes that neighbour the query.
    await page.focus('[data-testid="neighbours-pre"] li:first-child button');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const third = await page.evaluate(() => {
      const active = document.activeElement as HTMLElement;
      const buttons = Array.from(document.querySelectorAll('[data-testid="neighbours-pre"] button'));
      return {
        index: buttons.indexOf(active),
        tabbable: buttons.filter((b) => b.getAttribute('tabindex') === '0').length,
        name: active.querySelector('img')?.getAttribute('alt') ?? '',
      };
    });
    await page.keyboard.press('Enter');
    await page.waitForFunction((name) => document.querySelector('[data-testid="neighbour-grid"] .query')?.textContent?.includes(name), third.name, {
      timeout: 10_000,
    });
    check(
      'default: arrow keys move along a neighbour row (one tab stop) and Enter makes the neighbour the query',
      third.index === 2 && third.tabbable === 1,
      `${third.name}`,
    );

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
    // The histogram says what its highlighted bar is; the heatmap says how far to trust it.
    const bar = await page.evaluate(() => ({
      count: Number(document.querySelector('[data-testid="knor-histogram"] .bar.highlighted')?.getAttribute('data-count')),
      overlap: Number(document.querySelector('[data-testid="knor-histogram"] .bar.highlighted')?.getAttribute('data-overlap')),
      kept: /\((\d+) of \d+ kept\)/.exec(document.querySelector('[data-testid="image-knor"]')?.textContent ?? '')?.[1],
      text: document.querySelector('[data-testid="histogram-highlight"]')?.textContent ?? '',
    }));
    check(
      'default: the highlighted histogram bar is explained: the selected image, its kept count and how many share the bar',
      Number(bar.kept) === bar.overlap &&
        bar.text.includes(`keeps ${bar.overlap} of its 10 neighbours`) &&
        bar.text.includes(`as do ${bar.count - 1} other image`),
      bar.text.slice(0, 160),
    );
    const confidence = await page.evaluate(() => ({
      heldOut: document.querySelector('[data-testid="heatmap-confidence"]')?.getAttribute('data-held-out'),
      text: document.querySelector('[data-testid="heatmap-confidence"]')?.textContent ?? '',
      header: document.querySelector('[data-testid="heatmap-panel"] .panel-head')?.textContent ?? '',
    }));
    check(
      'default: the heatmap says whether its image was held out, with the run’s validation loss',
      (confidence.heldOut === 'true') === confidence.header.includes('held out') && /validation loss of the run \d\.\d{3}/.test(confidence.text),
      confidence.text.slice(0, 160),
    );
    // One colour per space wherever the two meet: neighbour rows, maps, precision.
    const colours = await page.evaluate(() => {
      const colour = (selector: string) => {
        const el = document.querySelector(selector);
        return el ? getComputedStyle(el).color : null;
      };
      return {
        pre: [colour('[data-testid="neighbours-pre"] h3'), colour('[data-testid="map-pre"] figcaption strong'), colour('[data-testid="precision"] .space-pre')],
        post: [
          colour('[data-testid="neighbours-post"] h3'),
          colour('[data-testid="map-post"] figcaption strong'),
          colour('[data-testid="precision"] .space-post'),
        ],
      };
    });
    check(
      'default: before and after the connector have one colour each, the same in the neighbour rows, the maps and precision',
      colours.pre.every((c) => c !== null && c === colours.pre[0]) &&
        colours.post.every((c) => c !== null && c === colours.post[0]) &&
        colours.pre[0] !== colours.post[0],
      `pre ${colours.pre.join(', ')}; post ${colours.post.join(', ')}`,
    );
    // One image dropped after training: its heatmap comes from the kept reconstructor, no retrain.
    const late = { name: 'late-arrival.png', mimeType: 'image/png', buffer: encodePng(sampleImage(5, 160, 11).rgba, 160, 160) };
    const droppedAt = Date.now();
    await page.setInputFiles('[data-testid="file-input"]', [late]);
    await page.fill('[data-testid="gallery-search"]', 'late-arrival');
    await page.waitForSelector('[data-testid="thumb"][data-state="embedded"] [data-testid="thumb-loss"]', { timeout: 60_000 });
    const toLoss = Date.now() - droppedAt;
    await page.click('[data-testid="thumb"] .thumb-button');
    await page.waitForFunction(() => document.querySelector('[data-testid="heatmap-panel"] .panel-head')?.textContent?.includes('late-arrival'), undefined, {
      timeout: 10_000,
    });
    await page.waitForTimeout(300);
    const lateHeatmap = await canvasStats(page, '[data-testid="heatmap-canvas"]');
    const lateFacts = await page.evaluate(() => ({
      header: document.querySelector('[data-testid="heatmap-panel"] .panel-head')?.textContent ?? '',
      added: document.querySelector('[data-testid="heatmap-confidence"]')?.getAttribute('data-added'),
      retrained: document.querySelectorAll('[data-testid="train-job"]').length,
    }));
    check(
      'default: an image dropped after training gets its heatmap from the kept reconstructor, marked as added, without retraining',
      lateFacts.header.includes('added after training') &&
        lateFacts.added === 'true' &&
        lateFacts.retrained === 0 &&
        lateHeatmap.distinct >= 8 &&
        lateHeatmap.std > 5,
      `${(toLoss / 1000).toFixed(1)} s from drop to its loss; ${lateHeatmap.distinct} colours, std ${lateHeatmap.std.toFixed(1)}`,
    );
    await page.fill('[data-testid="gallery-search"]', '');
    await page.click('[data-testid="help-button"]');
    await page.waitForSelector('[data-testid="help-dialog"][open]');
    const help = await page.evaluate(() => {
      const dialog = document.querySelector<HTMLDialogElement>('[data-testid="help-dialog"]')!;
      return { modal: dialog.matches(':modal'), text: dialog.textContent ?? '' };
    });
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="help-dialog"]', { state: 'hidden' });
    check(
      'default: Help explains KNOR, precision, the heatmap with its upper-bound caveat, regions and maps, in a modal that Esc closes',
      help.modal && ['KNOR', 'Precision@k', 'upper bound', 'Held-out', 'Regions', 'Maps'].every((part) => help.text.includes(part)),
      `${help.text.length} characters`,
    );
    await page.locator('[data-testid="opacity-slider"]').fill('0.6');
    await page.screenshot({ path: resolve(ARTIFACTS, 'default-experience.png'), fullPage: true });
  } finally {
    await browser.close();
  }
}
