/**
 * Lecture mode, walked by keyboard only, on the production build served from a sub-folder by a
 * plain file server (tests/e2e/folderServer.ts). First with too few images (each step says what
 * is missing), then on twelve: every step's heading, indicator and live content are checked and
 * screenshotted (test-artifacts/lecture/lecture-step-N.png); the reconstructor is trained (and a
 * run cancelled) from inside the lecture; the hash deep link survives a reload; ?lecture opens it.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { sampleImage } from '../../src/core/image/sampleImages.ts';
import { LECTURE_STEPS } from '../../src/core/lecture/steps.ts';
import { serveFolder } from './folderServer.ts';
import { canvasStats, check, textNow } from './harness.ts';
import { encodePng } from './png.ts';

const SHOTS = resolve('test-artifacts/lecture');
const SUB_PATH = 'some/dir';
/** k = 10 (the default) needs 11 images; twelve is the smallest collection with neighbours to show. */
const IMAGES = 12;
const FIRST = 4;

const lectureSel = '[data-testid="lecture"]';
const inLecture = (sel: string) => `${lectureSel} ${sel}`;

async function waitForEmbedded(page: Page, n: number): Promise<void> {
  await page.waitForFunction((count) => document.querySelectorAll('[data-testid="thumb"][data-state="embedded"]').length === count, n, { timeout: 180_000 });
}

/** Title, "n / N" and the hash of the step on screen. */
async function where(page: Page): Promise<{ title: string; counter: string; hash: string }> {
  return page.evaluate(() => ({
    title: document.querySelector('[data-testid="lecture-title"]')?.textContent ?? '',
    counter: document.querySelector('[data-testid="lecture-counter"]')?.textContent ?? '',
    hash: location.hash,
  }));
}

/** Press a key and check the lecture shows step `n` (1-based), heading, indicator and hash. */
async function pressTo(page: Page, key: string, n: number): Promise<void> {
  await page.keyboard.press(key);
  const expected = LECTURE_STEPS[n - 1]!.title;
  await page.waitForFunction((t) => document.querySelector('[data-testid="lecture-title"]')?.textContent === t, expected, { timeout: 10_000 });
  const at = await where(page);
  check(
    `lecture: ${key} shows step ${n}, "${expected}"`,
    at.title === expected && at.counter === `${n} / ${LECTURE_STEPS.length}` && at.hash === `#lecture/${n}`,
    `${at.counter} "${at.title}" ${at.hash}`,
  );
}

/** Tab through the lecture until `selector` has focus (keyboard only); false if it never does. */
async function tabTo(page: Page, selector: string): Promise<boolean> {
  for (let i = 0; i < 25; i++) {
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) === true, selector)) return true;
    await page.keyboard.press('Tab');
  }
  return false;
}

const STEPS = LECTURE_STEPS.length;
const missingText = (page: Page) => textNow(page, inLecture('[data-testid="lecture-missing"]'));

export async function lectureScenario(browser: Browser, watch: (page: Page, origin: string) => void): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const server = await serveFolder('dist', SUB_PATH);
  // 16:9, a projector's shape.
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  const page = await context.newPage();
  watch(page, new URL(server.url).origin);
  await page.addInitScript(() => {
    const violations: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = violations;
    document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const shot = (n: number) => page.screenshot({ path: resolve(SHOTS, `lecture-step-${n}.png`) });
  try {
    await page.goto(`${server.url}?empty&pack=vit-mlp`);
    await page.waitForSelector('[data-testid="ep-badge"]:has-text("runs on")', { timeout: 120_000 });
    const served = await page.evaluate(() => ({
      path: location.pathname,
      isolated: crossOriginIsolated,
      badge: document.querySelector('[data-testid="ep-badge"]')?.textContent ?? '',
      why: document.querySelector('[data-testid="ep-badge"]')?.getAttribute('title') ?? '',
    }));
    check(
      `production build served from /${SUB_PATH}/ by a plain file server opens its pack`,
      served.path === `/${SUB_PATH}/` && /^runs on (WebGPU|WASM)/.test(served.badge),
      `${server.url}: ${served.badge}`,
    );
    // A server without the isolation headers: no shared memory, so one thread, and the badge says why.
    check(
      'a plain file server (no COOP/COEP): WASM on one thread, and the badge says why',
      !served.isolated && served.badge === 'runs on WASM · 1 thread' && /not cross-origin isolated/.test(served.why),
      `crossOriginIsolated ${served.isolated}, "${served.badge}": ${served.why}`,
    );
    check('lecture button has access key L', (await page.getAttribute('[data-testid="lecture-button"]', 'accesskey')) === 'l');

    // L opens the lecture with focus inside it; with no images every step says what to do.
    await page.keyboard.press('l');
    await page.waitForSelector(lectureSel, { timeout: 10_000 });
    const opened = await page.evaluate(() => ({
      focusInside: !!document.activeElement?.closest('[data-testid="lecture"]'),
      dialog: document.querySelector('[data-testid="lecture"]')?.getAttribute('role') === 'dialog',
      appHidden: document.querySelector<HTMLElement>('.app')?.hidden === true,
    }));
    const region = await page.getByRole('region', { name: 'The image' }).count();
    check(
      'L opens the lecture: a dialog with focus inside, a region named by the step, the app behind hidden',
      opened.focusInside && opened.dialog && opened.appHidden && region === 1,
      JSON.stringify({ ...opened, region }),
    );
    const live = (await page.textContent('[data-testid="lecture-live"]')) ?? '';
    check(
      'the step is announced in a live region',
      new RegExp(`^Step 1 of ${STEPS}: The image\\. `).test(live) && (await page.getAttribute('[data-testid="lecture-live"]', 'aria-live')) === 'polite',
      live,
    );
    check('no images: the lecture says how to add them', /^No images yet\. Press Esc, then drop images/.test(await missingText(page)), await missingText(page));
    await page.keyboard.press('Escape');
    await page.waitForSelector(lectureSel, { state: 'detached', timeout: 10_000 });
    const closed = await page.evaluate(() => ({
      hash: location.hash,
      focus: document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName,
    }));
    check('Esc exits: hash cleared, focus back on the lecture button', closed.hash === '' && closed.focus === 'lecture-button', JSON.stringify(closed));

    // Four images: KNOR with k = 10 cannot run yet, and there is no reconstruction.
    const files = Array.from({ length: IMAGES }, (_, i) => {
      const s = sampleImage(i, 96, 11);
      return { name: `lecture-${String(i).padStart(2, '0')}-${s.label}.png`, mimeType: 'image/png', buffer: encodePng(s.rgba, s.width, s.height) };
    });
    await page.setInputFiles('[data-testid="file-input"]', files.slice(0, FIRST));
    await waitForEmbedded(page, FIRST);
    await page.keyboard.press('l');
    await page.waitForSelector(lectureSel, { timeout: 10_000 });
    await pressTo(page, '5', 5);
    const knorMissing = await missingText(page);
    check(
      'too few images: the KNOR step says how many more (k + 1)',
      /KNOR with k = 10 needs at least 11 images; 4 are embedded\. Add 7 more or lower k\./.test(knorMissing),
      knorMissing,
    );
    await pressTo(page, '7', 7);
    check(
      'no reconstruction: the heatmap step says where to get one',
      /No reconstruction yet: go back to step 6/.test(await missingText(page)),
      await missingText(page),
    );
    await pressTo(page, '8', 8);
    check(
      'too few images: the concept step says how many it needs',
      /^Finding concepts needs at least 8 embedded images; 4 are\./.test(await missingText(page)),
      await missingText(page),
    );
    await pressTo(page, '7', 7);
    await page.keyboard.press('Escape');

    // Twelve images; a long training budget first, so there is a run to cancel.
    await page.setInputFiles('[data-testid="file-input"]', files.slice(FIRST));
    await waitForEmbedded(page, IMAGES);
    await page.waitForSelector('[data-testid="knor-mean"]', { timeout: 60_000 });
    const mainKnor = (await page.textContent('[data-testid="knor-panel"] [data-testid="knor-mean"]')) ?? 'none';
    await page.fill('[data-testid="epochs-input"]', '300');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

    // The walk: L reopens where the lecture was left (step 7), Home goes to step 1.
    await page.keyboard.press('l');
    await page.waitForSelector(lectureSel, { timeout: 10_000 });
    const reopened = await where(page);
    check('L reopens the lecture on the step it was left on', reopened.counter === `7 / ${STEPS}`, reopened.counter);
    await pressTo(page, 'Home', 1);
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('[data-testid="lecture-image"]')?.naturalWidth ?? 0) > 0, undefined, {
      timeout: 10_000,
    });
    const picks = await page.locator(inLecture('.lecture-picks button')).count();
    check(
      'step 1 shows the selected image and offers the others',
      (await page.locator(inLecture('[data-testid="lecture-image"]')).count()) === 1 && picks === IMAGES,
      `${picks} images to pick from`,
    );
    await shot(1);

    await pressTo(page, 'ArrowRight', 2);
    const encoder = await canvasStats(page, inLecture('[data-testid="lecture-encoder-canvas"]'));
    const encoderShape = (await page.textContent(inLecture('[data-testid="lecture-encoder-shape"]'))) ?? '';
    check(
      'step 2: the patch grid over the image and the pre-token shape T × d_v',
      encoder.distinct >= 8 && encoder.std > 5 && /= 196 × 64$/.test(encoderShape),
      `${encoderShape}; canvas ${encoder.distinct} colours`,
    );
    await shot(2);

    await pressTo(page, 'ArrowRight', 3);
    const family = (await page.textContent(inLecture('[data-testid="lecture-connector-family"]'))) ?? '';
    const connectorShape = (await page.textContent(inLecture('[data-testid="lecture-connector-shape"]'))) ?? '';
    const postToken = await canvasStats(page, inLecture('[data-testid="lecture-post-token"]'));
    check(
      'step 3: the connector family, T -> T′ and d_l, one output token drawn',
      family === 'MLP projector' && /^196 × 64 → 196 × \d+$/.test(connectorShape) && postToken.distinct >= 8,
      `${family}: ${connectorShape}`,
    );
    await shot(3);

    await pressTo(page, 'ArrowRight', 4);
    const pre = await page.locator(inLecture('[data-testid="neighbours-pre"] li')).count();
    const post = await page.locator(inLecture('[data-testid="neighbours-post"] li')).count();
    check('step 4: the selected image’s neighbours before and after', pre === 10 && post === 10, `${pre} before, ${post} after`);
    await shot(4);

    await pressTo(page, 'PageDown', 5);
    const lectureKnor = (await page.textContent(inLecture('[data-testid="lecture-knor-mean"]'))) ?? '';
    const counted = await page
      .locator(inLecture('[data-testid="lecture-knor-histogram"] .bar'))
      .evaluateAll((els) => els.reduce((s, e) => s + Number(e.getAttribute('data-count') ?? 0), 0));
    check(
      'step 5: the KNOR shown equals the main panel’s, histogram over every image',
      lectureKnor === mainKnor && counted === IMAGES,
      `lecture ${lectureKnor}, panel ${mainKnor}; ${counted} images in the histogram`,
    );
    await shot(5);

    // Step 6 offers training; start it, cancel it, all by keyboard.
    await pressTo(page, 'Space', 6);
    check('step 6 without a reconstruction offers to train', (await page.locator(inLecture('[data-testid="lecture-no-reconstruction"]')).count()) === 1);
    const trainFocused = await tabTo(page, '[data-testid="lecture-train"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector(inLecture('[data-testid="lecture-train-job"]'), { timeout: 60_000 });
    // The bar counts optimiser steps within the epoch and estimates the time left.
    await page.waitForFunction(
      () => {
        const bar = document.querySelector('[data-testid="lecture"] [data-testid="lecture-train-job"]');
        return /epoch \d+ of \d+, step: [1-9]\d* \/ \d+/.test(bar?.textContent ?? '') && bar?.querySelector('[data-testid="job-eta"]') != null;
      },
      undefined,
      { timeout: 60_000 },
    );
    const stepText = (await textNow(page, inLecture('[data-testid="lecture-train-job"]'))).trim();
    check('step 6: training progress counts steps within an epoch, with an estimate', /epoch \d+ of \d+, step: \d+ \/ \d+ · /.test(stepText), stepText);
    const cancelFocused = await tabTo(page, '[data-testid="lecture-train-job"] [data-testid="job-cancel"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector(inLecture('[data-testid="lecture-train-cancelled"]'), { timeout: 120_000 });
    const cancelled = await page.locator(inLecture('[data-testid="lecture-train-cancelled"]')).count();
    check(
      'step 6: training starts and is cancelled from the lecture, with progress shown',
      trainFocused && cancelFocused && cancelled === 1,
      `Train focused ${trainFocused}, Cancel focused ${cancelFocused}`,
    );

    // The smallest useful run: two epochs, set in the panel behind; L returns to step 6.
    await page.keyboard.press('Escape');
    await page.fill('[data-testid="epochs-input"]', '2');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('l');
    await page.waitForSelector(lectureSel, { timeout: 10_000 });
    check('back on step 6 after setting epochs', (await where(page)).counter === `6 / ${STEPS}`);
    await tabTo(page, '[data-testid="lecture-train"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector(inLecture('[data-testid="lecture-train-facts"]'), { timeout: 300_000 });
    const curve = await page.locator(inLecture('[data-testid="lecture-loss-curve"] .train-line')).count();
    const trainFacts = (await page.textContent(inLecture('[data-testid="lecture-train-facts"]'))) ?? '';
    check('step 6: a trained reconstruction with its loss curve', curve === 1, trainFacts);
    // No hardware GPU here (SwiftShader is skipped on purpose): training must run on tfjs's WASM
    // backend, its binaries served by the app itself, not fall through to WebGL or CPU.
    check(
      'step 6: trained on tfjs WASM with the bundled binaries (one thread: this server does not isolate the page)',
      /tfjs\/wasm, 1 thread\b/.test(trainFacts),
      trainFacts.match(/tfjs\/[^;]*/)?.[0] ?? trainFacts,
    );
    await shot(6);

    await pressTo(page, 'ArrowRight', 7);
    await page.waitForTimeout(300);
    const heat = await canvasStats(page, inLecture('[data-testid="lecture-heatmap-canvas"]'));
    check(
      'step 7: the loss heatmap over the image is drawn and not flat',
      heat.distinct >= 8 && heat.std > 5,
      `${heat.distinct} colours, std ${heat.std.toFixed(1)}`,
    );
    await shot(7);

    // Step 8 offers to find concepts; found from the lecture, the image's kept and dropped
    // concepts are drawn where they fire, and lost concepts are set against the patch loss.
    await pressTo(page, 'ArrowRight', 8);
    check('step 8 without concepts offers to find them', (await page.locator(inLecture('[data-testid="lecture-no-concepts"]')).count()) === 1);
    const findFocused = await tabTo(page, '[data-testid="lecture-find-concepts"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector(inLecture('[data-testid="lecture-concepts-job"]'), { timeout: 30_000 });
    await page.waitForSelector(inLecture('[data-testid="lecture-concepts-tally"]'), { timeout: 300_000 });
    const tally = await textNow(page, inLecture('[data-testid="lecture-concepts-tally"]'));
    const panelTally = await page.evaluate(() => {
      const results = document.querySelector('[data-testid="concept-results"]');
      return results ? { firing: Number(results.getAttribute('data-firing')), lost: Number(results.getAttribute('data-lost')) } : null;
    });
    const tallied = /^(\d+) of (\d+) concepts kept, (\d+) dropped$/.exec(tally);
    check(
      'step 8: concepts found from the lecture (by keyboard); the tally adds up',
      findFocused && !!tallied && Number(tallied[1]) + Number(tallied[3]) === Number(tallied[2]) && Number(tallied[2]) > 0,
      `${tally}${panelTally ? ` (panel ${JSON.stringify(panelTally)})` : ''}`,
    );
    const cards = await page.locator(inLecture('[data-testid="lecture-concept"]')).count();
    const map = await canvasStats(page, inLecture('[data-testid="lecture-concept"] canvas'));
    check(
      'step 8: the image’s concepts are drawn as concept heatmaps over it',
      cards >= 1 && cards <= 4 && map.distinct >= 8 && map.std > 5,
      `${cards} concepts, first map ${map.distinct} colours, std ${map.std.toFixed(1)}`,
    );
    const auc = Number(await page.getAttribute(inLecture('[data-testid="concepts-loss-link"]'), 'data-auc'));
    const linkText = await textNow(page, inLecture('[data-testid="concepts-loss-link"]'));
    check(
      'step 8: patches of dropped concepts set against the reconstruction’s patch loss',
      (Number.isFinite(auc) && auc >= 0 && auc <= 1 && /higher loss in \d+% of pairs/.test(linkText)) ||
        /No patch of the 12 images has a lost concept/.test(linkText),
      linkText,
    );
    await shot(8);

    // The ends do not wrap; back once; Home/End and digits jump.
    await pressTo(page, 'ArrowRight', 8);
    await pressTo(page, 'ArrowLeft', 7);
    await pressTo(page, 'End', 8);
    await pressTo(page, '3', 3);

    // A reload stays on the step (the hash), on data restored from storage.
    await page.reload();
    await page.waitForSelector(inLecture('[data-testid="lecture-connector-canvas"]'), { timeout: 120_000 });
    const afterReload = await where(page);
    check(
      'reload stays on the lecture step',
      afterReload.counter === `3 / ${STEPS}` && afterReload.title === LECTURE_STEPS[2]!.title,
      `${afterReload.counter} ${afterReload.hash}`,
    );

    await page.keyboard.press('Escape');
    await page.waitForSelector(lectureSel, { state: 'detached', timeout: 10_000 });
    const exited = await page.evaluate(() => ({
      hash: location.hash,
      panel: !!document.querySelector('[data-testid="knor-panel"]')?.checkVisibility(),
      focus: document.activeElement?.getAttribute('data-testid'),
    }));
    check(
      'Esc after a reload: app back, hash cleared, focus on the lecture button',
      exited.hash === '' && exited.panel && exited.focus === 'lecture-button',
      JSON.stringify(exited),
    );

    // ?lecture opens step 1 and hands over to the hash; editing the hash moves the lecture.
    await page.goto(`${server.url}?lecture&pack=vit-mlp`);
    await page.waitForSelector(lectureSel, { timeout: 30_000 });
    const switched = await page.evaluate(() => ({
      search: location.search,
      hash: location.hash,
      counter: document.querySelector('[data-testid="lecture-counter"]')?.textContent,
    }));
    check(
      '?lecture opens step 1; the switch becomes the hash',
      switched.search === '?pack=vit-mlp' && switched.hash === '#lecture/1' && switched.counter === `1 / ${STEPS}`,
      JSON.stringify(switched),
    );
    await page.evaluate(() => void (location.hash = '#lecture/5'));
    await page.waitForSelector(inLecture('[data-testid="lecture-knor-mean"]'), { timeout: 60_000 });
    const linked = await textNow(page, inLecture('[data-testid="lecture-knor-mean"]'));
    check(
      '#lecture/5 goes to the KNOR step, live on the restored session',
      (await where(page)).counter === `5 / ${STEPS}` && linked === mainKnor,
      `KNOR ${linked}`,
    );

    // Another connector family: the connector step follows the open pack (T′ = 49, 2 x 2 blocks).
    await page.keyboard.press('Escape');
    await page.selectOption('[data-testid="pack-picker"]', 'vit-merger');
    await page.waitForFunction(
      () =>
        document.querySelector('header[data-open-pack]')?.getAttribute('data-open-pack') === 'vit-merger' &&
        !!document.querySelector('[data-testid="knor-mean"]'),
      undefined,
      { timeout: 180_000 },
    );
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('l');
    await pressTo(page, '3', 3);
    await page.waitForSelector(inLecture('[data-testid="lecture-connector-family"]'), { timeout: 60_000 });
    const merger = `${await textNow(page, inLecture('[data-testid="lecture-connector-family"]'))}: ${await textNow(page, inLecture('[data-testid="lecture-connector-shape"]'))}`;
    check('step 3 follows the open pack: the merger takes 196 tokens to 49', /^Patch merger: 196 × 64 → 49 × \d+$/.test(merger), merger);
    await page.screenshot({ path: resolve(SHOTS, 'lecture-step-3-merger.png') });

    const violations = await page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
    check('lecture: no Content-Security-Policy violations from a sub-folder', violations.length === 0, violations.slice(0, 3).join(' | '));
  } finally {
    await context.close();
    await server.close();
  }
}
