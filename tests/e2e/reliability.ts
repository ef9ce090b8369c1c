/**
 * Reliability in the browser (WASM, production build), each part on a fresh context:
 * 1. results belong to the model whose bytes produced them: a pack with the same id and file
 *    sizes but other weights, or other preprocessing, is embedded again (its post tokens equal
 *    the same pack run in Node), and the first pack reopened is restored from storage, not embedded;
 * 2. two tabs: the second reads and says so, leaves the first's training alone, saves none of
 *    its own changes, cannot clear; the first's changes are announced; when the first closes the
 *    second is told, and a reload makes it the one that saves;
 * 3. stoppable jobs: a model whose load never ends is cancelled (its worker ended after the grace
 *    period) with the previous model kept and usable, KNOR still follows k meanwhile, choosing
 *    another pack replaces a hung load, and an image past its time budget is stopped and named;
 * 10. a refused stock export under a built-in pack leaves no stale tap panel and no stuck status;
 * and the smaller fixes: JPEGs with bytes after their end (motion photos), a dropped labels .txt,
 *    a second label file that replaces the first with an explicit "keep" choice, duplicates told.
 */
import { beyondHalfRounding } from './halfPrecision.ts';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { decodePng } from '../../scripts/mobilenet/decodePng.ts';
import { preprocess } from '../../src/core/image/preprocess.ts';
import { seededRandom } from '../../src/core/random.ts';
import { stockFixture } from '../support/stockFixtures.ts';
import { reliabilityPacks, type PackFile } from './fixturePack.ts';
import { check, dismissMessages, messagesText, textNow, waitForMessage } from './harness.ts';
import { encodePng } from './png.ts';
import { stockAttempts, waitForStockModel } from './tap.ts';

type Stores = typeof import('../../src/store/debugStores.ts').debugStores;
type Tokens = typeof import('../../src/store/debugStores.ts').debugTokens;
type Pack = ReturnType<typeof reliabilityPacks>['valid'];

/** Light random PNGs (the tiny pack's Sqrt encoder gives NaN on dark patches). */
function lightPngs(count: number, seed: number, prefix = 'light'): { name: string; mimeType: string; buffer: Buffer }[] {
  return Array.from({ length: count }, (_, k) => {
    const random = seededRandom(seed + k);
    const rgba = new Uint8Array(40 * 40 * 4).map((_, i) => (i % 4 === 3 ? 255 : 140 + Math.floor(random() * 115)));
    return { name: `${prefix}-${k}.png`, mimeType: 'image/png', buffer: encodePng(rgba, 40, 40) };
  });
}

const embeddedCount = (page: Page) => page.locator('[data-testid="thumb"][data-state="embedded"]').count();

async function waitForEmbedded(page: Page, n: number): Promise<void> {
  await page.waitForFunction((count) => document.querySelectorAll('[data-testid="thumb"][data-state="embedded"]').length === count, n, { timeout: 180_000 });
}

/** The page's stores, read in the page. */
const state = (page: Page) =>
  page.evaluate(async () => {
    const debug = (window as unknown as { __lensDebug: { stores: Stores; tokens: Tokens } }).__lensDebug;
    const { model, analysis, collection, stock } = debug.stores;
    const a = analysis.getState();
    const names = new Map(collection.getState().images.map((i) => [i.id, i.name]));
    const posts: Record<string, number[]> = {};
    // The stored (float16) post tokens of the open model, from the tokens worker.
    for (const id of Object.keys(a.embeddings)) {
      const tokens = await debug.tokens(id);
      if (tokens) posts[names.get(id) ?? id] = tokens.post;
    }
    return {
      packId: model.getState().packId,
      modelKey: model.getState().modelKey,
      status: model.getState().status,
      loading: model.getState().loading !== null,
      embedJob: a.embedJob !== null,
      lastEmbedMs: a.lastEmbedMs,
      knorK: a.knor?.k ?? null,
      posts,
      stock: stock.getState().status,
    };
  });

/** The post tokens of a PNG through the pack's files, in Node: the app's preprocessing, ONNX Runtime on WASM. */
async function nodePost(pack: Pack, png: Buffer): Promise<Float32Array> {
  const { io, image, preprocess: spec } = pack.manifest;
  const decoded = decodePng(new Uint8Array(png), 'png');
  const { pixels } = preprocess(decoded.rgba, decoded.width, decoded.height, spec, image.size);
  const encoder = await ort.InferenceSession.create(pack.encoder, { executionProviders: ['wasm'] });
  const connector = await ort.InferenceSession.create(pack.connector, { executionProviders: ['wasm'] });
  const pre = (await encoder.run({ [io.encoderInput]: new ort.Tensor('float32', pixels, [1, 3, image.size, image.size]) }))[io.encoderOutput]!;
  const post = (await connector.run({ [io.connectorInput]: pre }))[io.connectorOutput]!;
  await encoder.release();
  await connector.release();
  return post.data as Float32Array;
}

const maxDiff = (a: readonly number[] | undefined, b: ArrayLike<number>) => {
  if (!a || a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

async function openDebug(context: BrowserContext, pageUrl: string, extra = ''): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${pageUrl}?debug&empty&pack=vit-mlp${extra}`);
  await page.waitForSelector('[data-testid="ep-badge"]:has-text("runs on")', { timeout: 120_000 });
  return page;
}

/** Choose a user pack's files and wait for "Opened …" (said once its images are embedded). */
async function openUserPack(page: Page, files: readonly PackFile[], name: string): Promise<void> {
  await dismissMessages(page);
  await page.setInputFiles('[data-testid="pack-input"]', [...files]);
  await waitForMessage(page, new RegExp(`Opened "${name.replace(/[()]/g, '\\$&')}" from your files`), 180_000);
  await page.waitForFunction(() => !(window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState().embedJob, undefined, {
    timeout: 180_000,
  });
}

async function staleResults(browser: Browser, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    const page = await openDebug(context, pageUrl);
    watch(page);
    const images = lightPngs(4, 11);
    await page.setInputFiles('[data-testid="file-input"]', images);
    await waitForEmbedded(page, 4);
    const packs = reliabilityPacks();
    const name = packs.valid.manifest.name;
    const expectPosts = async (pack: Pack) => {
      const s = await state(page);
      let worst = 0;
      for (const img of images) worst = Math.max(worst, beyondHalfRounding(s.posts[img.name], await nodePost(pack, img.buffer)));
      return { s, worst };
    };

    await openUserPack(page, packs.valid.files, name);
    const first = await expectPosts(packs.valid);
    check(
      'stale results: a user pack embeds its images (post tokens equal the pack in Node)',
      first.worst <= 1e-5 && first.s.packId === 'user:tiny-sqrt',
      `max abs diff ${first.worst.toExponential(1)}`,
    );

    const sameSizes = packs.sameSize.files.every((f, i) => f.buffer.length === packs.valid.files[i]!.buffer.length);
    await openUserPack(page, packs.sameSize.files, name);
    const second = await expectPosts(packs.sameSize);
    const movedFromFirst = Math.max(...images.map((img) => maxDiff(second.s.posts[img.name], Float32Array.from(first.s.posts[img.name]!))));
    check(
      'stale results: same id and file sizes, other weights: embedded again, not restored from the first pack',
      sameSizes && second.worst <= 1e-5 && movedFromFirst > 1e-3 && second.s.modelKey !== first.s.modelKey,
      `same sizes ${sameSizes}; max abs diff to this pack in Node ${second.worst.toExponential(1)}, to the first pack's tokens ${movedFromFirst.toExponential(1)}`,
    );

    await openUserPack(page, packs.otherPreprocessing.files, name);
    const third = await expectPosts(packs.otherPreprocessing);
    check(
      'stale results: same bytes, other mean/std in the manifest: embedded again with the new preprocessing',
      third.worst <= 1e-5 && third.s.modelKey !== first.s.modelKey,
      `max abs diff to Node ${third.worst.toExponential(1)}`,
    );

    await openUserPack(page, packs.valid.files, name);
    const back = await expectPosts(packs.valid);
    check(
      'stale results: the first pack reopened gets its own results back from storage, without embedding again',
      back.worst <= 1e-5 && back.s.modelKey === first.s.modelKey && back.s.lastEmbedMs === null,
      `max abs diff ${back.worst.toExponential(1)}; embedded again: ${back.s.lastEmbedMs !== null}`,
    );
  } finally {
    await context.close();
  }
}

async function twoTabs(browser: Browser, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    const a = await openDebug(context, pageUrl);
    watch(a);
    const images = lightPngs(6, 21, 'tab');
    await a.setInputFiles('[data-testid="file-input"]', images);
    await waitForEmbedded(a, 6);
    await a.fill('[data-testid="epochs-input"]', '400');
    await a.click('[data-testid="train-button"]');
    await a.waitForSelector('[data-testid="train-job"]', { timeout: 30_000 });

    const b = await openDebug(context, pageUrl);
    watch(b);
    await waitForEmbedded(b, 6);
    const banner = await textNow(b, '[data-testid="session-banner"]');
    const bSaid = await messagesText(b);
    check(
      "two tabs: the second tab says another tab saves the session, and does not call the first tab's training lost",
      /open in another tab, which saves the session/.test(banner) &&
        !/run was lost/.test(bSaid) &&
        (await a.locator('[data-testid="train-job"]').count()) === 1,
      `banner "${banner.slice(0, 90)}"; first tab still training: ${(await a.locator('[data-testid="train-job"]').count()) === 1}`,
    );
    await b.click('[data-testid="storage-panel"] summary');
    check('two tabs: the second tab cannot clear the stored session', await b.isDisabled('[data-testid="clear-sessions"]'));

    // The second tab changes its collection: nothing of it may reach the stored session.
    await b.locator('.thumb-remove').first().click();
    await b.setInputFiles('[data-testid="file-input"]', lightPngs(1, 99, 'only-in-b'));
    await waitForEmbedded(b, 6);
    await a.click('[data-testid="train-job"] [data-testid="job-cancel"]');
    await a.waitForSelector('[data-testid="train-job"]', { state: 'detached', timeout: 60_000 });
    const fromA = lightPngs(1, 77, 'added-in-a');
    await a.setInputFiles('[data-testid="file-input"]', fromA);
    await waitForEmbedded(a, 7);
    await b.waitForFunction(() => /added or removed images/.test(document.querySelector('[data-testid="session-changes"]')?.textContent ?? ''), undefined, {
      timeout: 30_000,
    });
    const changes = await textNow(b, '[data-testid="session-changes"]');
    check(
      'two tabs: the second tab hears what the first changes (training stopped, images added)',
      /finished or stopped training/.test(changes) && /added or removed images/.test(changes),
      changes,
    );

    await a.reload();
    await waitForEmbedded(a, 7);
    const names = await a.locator('.thumb-name').allTextContents();
    check(
      "two tabs: the first tab reloaded has exactly its own images (the second tab's removal and addition were not saved)",
      names.length === 7 && [...images, ...fromA].every((img) => names.includes(img.name)) && !names.some((n) => n.startsWith('only-in-b')),
      names.join(', '),
    );
    check('two tabs: the first tab reloaded still saves the session', (await a.locator('[data-testid="session-banner"]').count()) === 0);

    await a.click('[data-testid="storage-panel"] summary');
    await a.click('[data-testid="clear-sessions"]');
    await b.waitForFunction(() => /cleared the stored session/.test(document.querySelector('[data-testid="session-changes"]')?.textContent ?? ''), undefined, {
      timeout: 30_000,
    });
    check('two tabs: clearing in the first tab is announced in the second', true);

    await a.close();
    await b.waitForFunction(() => /was closed/.test(document.querySelector('[data-testid="session-banner"]')?.textContent ?? ''), undefined, {
      timeout: 30_000,
    });
    await b.click('[data-testid="session-reload"]');
    await b.waitForSelector('[data-testid="ep-badge"]:has-text("runs on")', { timeout: 120_000 });
    check(
      'two tabs: once the first tab is closed, a reload makes the second the one that saves',
      (await b.locator('[data-testid="session-banner"]').count()) === 0,
    );
  } finally {
    await context.close();
  }
}

async function stoppableJobs(browser: Browser, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    const page = await openDebug(context, pageUrl, '&imageBudget=5');
    watch(page);
    await page.setInputFiles('[data-testid="file-input"]', lightPngs(3, 31, 'job'));
    await waitForEmbedded(page, 3);
    const packs = reliabilityPacks();

    // A model whose warm-up never returns: Cancel stops it, the pack that was open stays and works.
    await dismissMessages(page);
    await page.setInputFiles('[data-testid="pack-input"]', packs.hangsOnLoad.files);
    await page.waitForSelector('[data-testid="load-job"]', { timeout: 30_000 });
    await page.waitForTimeout(1500);
    const usable = !(await page.isDisabled('[data-testid="pack-picker"]')) && !(await page.isDisabled('[data-testid="open-pack"]'));
    await page.fill('[data-testid="k-input"]', '1');
    await page.waitForFunction(
      () => (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState().knor?.k === 1,
      undefined,
      { timeout: 30_000 },
    );
    check(
      'stoppable: while a model hangs in its first run, the picker and "Open model files…" stay usable and KNOR follows k',
      usable,
      `picker and open enabled: ${usable}; KNOR recomputed for k = 1`,
    );
    const cancelledAt = Date.now();
    await page.click('[data-testid="load-cancel"]');
    const said = await waitForMessage(page, /Stopped opening pack "Looping pack \(never opens\)"\. .+ stays open\./, 30_000);
    await page.waitForSelector('[data-testid="load-job"]', { state: 'detached', timeout: 30_000 });
    const stopMs = Date.now() - cancelledAt;
    await page.setInputFiles('[data-testid="file-input"]', lightPngs(1, 41, 'after-cancel'));
    await waitForEmbedded(page, 4);
    const after = await state(page);
    check(
      'stoppable: Cancel ends a load stuck in the runtime; the open pack stays and embeds the next image',
      after.packId === 'vit-mlp' && after.status === 'ready',
      `${said.match(/Stopped opening[^]*?stays open\./)?.[0]}; stopped ${(stopMs / 1000).toFixed(1)} s after Cancel`,
    );

    // Choosing another pack while a load hangs replaces it.
    await page.setInputFiles('[data-testid="pack-input"]', packs.hangsOnLoad.files);
    await page.waitForSelector('[data-testid="load-job"]', { timeout: 30_000 });
    await page.selectOption('[data-testid="pack-picker"]', 'vit-merger');
    await page.waitForFunction(
      () => {
        const { model, analysis } = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
        return (
          model.getState().packId === 'vit-merger' && model.getState().status === 'ready' && !analysis.getState().embedJob && analysis.getState().knor !== null
        );
      },
      undefined,
      { timeout: 180_000 },
    );
    // The stores settle before React paints: wait for the gallery to show every image settled.
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid="load-job"]').length === 0 &&
        document.querySelectorAll('[data-testid="thumb"]:not([data-state="pending"])').length === 4,
      undefined,
      { timeout: 30_000 },
    );
    const loadJobsLeft = await page.locator('[data-testid="load-job"]').count();
    const embeddedAfterSwitch = await embeddedCount(page);
    const switchFailures = await page.evaluate(() =>
      Object.values((window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState().failures),
    );
    check(
      'stoppable: choosing another pack while a load hangs opens that pack instead',
      loadJobsLeft === 0 && embeddedAfterSwitch === 4 && switchFailures.length === 0,
      `${loadJobsLeft} load job(s) left, ${embeddedAfterSwitch} of 4 embedded, failures: ${JSON.stringify(switchFailures)}`,
    );

    // A model that opens but never finishes an image: each image has a time budget (5 s here).
    await dismissMessages(page);
    await page.setInputFiles('[data-testid="pack-input"]', packs.hangsOnImages.files);
    const overran = await waitForMessage(page, /took longer than 5 s in Looping pack \(hangs on images\), so it was stopped and left out/, 120_000);
    await page.waitForFunction(() => !(window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState().embedJob, undefined, {
      timeout: 30_000,
    });
    const failed = await page.locator('[data-testid="thumb"][data-state="failed"]').count();
    const waiting = await page.locator('[data-testid="thumb"][data-state="pending"]').count();
    const offer = await textNow(page, '[data-testid="embed-pending"]');
    check(
      'stoppable: an image past its time budget is stopped, named and left out; the rest wait and can be tried again',
      failed === 1 && waiting === 3 && offer === 'Embed 3 waiting',
      `${overran.match(/\S+ took longer[^]*?left out\./)?.[0]}; ${failed} failed, ${waiting} waiting, button "${offer}"`,
    );
    await page.selectOption('[data-testid="pack-picker"]', 'vit-mlp');
    await page.waitForFunction(
      () =>
        (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.model.getState().packId === 'vit-mlp' &&
        document.querySelectorAll('[data-testid="thumb"][data-state="embedded"]').length === 4,
      undefined,
      { timeout: 120_000 },
    );
    check('stoppable: after a stopped image another pack opens with its stored results', true);
  } finally {
    await context.close();
  }
}

async function stockRefusalUnderBuiltin(browser: Browser, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    const page = await openDebug(context, pageUrl);
    watch(page);
    await page.setInputFiles('[data-testid="file-input"]', lightPngs(2, 51, 'stock'));
    await waitForEmbedded(page, 2);
    const smol = stockFixture('smolvlm');
    const text = (path: string) => new TextDecoder().decode(smol.files.get(path)!);
    const filesWith = (preprocessor: string) => [
      { name: 'vision_encoder.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(smol.files.get(smol.encoderPath)!) },
      { name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(text('config.json')) },
      { name: 'preprocessor_config.json', mimeType: 'application/json', buffer: Buffer.from(preprocessor) },
    ];
    let attempts = await stockAttempts(page);
    await page.setInputFiles('[data-testid="pack-input"]', filesWith(text('preprocessor_config.json')));
    await waitForStockModel(page, attempts);
    await page.selectOption('[data-testid="pack-picker"]', 'vit-mlp');
    await page.waitForFunction(
      () => (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.model.getState().packId === 'vit-mlp',
      undefined,
      { timeout: 120_000 },
    );
    const wrong = JSON.stringify({ ...JSON.parse(text('preprocessor_config.json')), size: { longest_edge: 128 }, max_image_size: { longest_edge: 128 } });
    attempts = await stockAttempts(page);
    await dismissMessages(page);
    await page.setInputFiles('[data-testid="pack-input"]', filesWith(wrong));
    await waitForStockModel(page, attempts);
    await page.waitForTimeout(500);
    const s = await state(page);
    const panel = await page.locator('[data-testid="tap-panel"]').count();
    const said = await messagesText(page);
    check(
      'stock refusal under a built-in pack: no stuck status, no stale tap panel, the built-in pack stays',
      /Could not open "vision_encoder\.onnx \(idefics3\)"/.test(said) &&
        s.stock !== 'inspecting' &&
        s.stock !== 'opening' &&
        panel === 0 &&
        s.packId === 'vit-mlp',
      `stock status ${s.stock}, ${panel} tap panel(s), open ${s.packId}`,
    );
  } finally {
    await context.close();
  }
}

async function smallerFixes(browser: Browser, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  // Every pack the picker shows, frame by frame from the first paint, until a model is open.
  // (tsx names functions with __name; the page has no such helper.)
  await context.addInitScript('globalThis.__name = (f) => f;');
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __pickerShown: string[] }).__pickerShown = seen;
    const look = () => {
      const picker = document.querySelector<HTMLSelectElement>('[data-testid="pack-picker"]');
      const value = picker ? (picker.selectedOptions[0]?.value ?? '(none)') : null;
      if (value !== null && seen[seen.length - 1] !== value) seen.push(value);
      if (!document.querySelector('header')?.getAttribute('data-open-pack')) requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });
  try {
    const page = await openDebug(context, pageUrl);
    watch(page);
    const shown = await page.evaluate(() => (window as unknown as { __pickerShown: string[] }).__pickerShown);
    check(
      'the pack picker never shows another pack while the asked-for one opens (a placeholder until then)',
      shown.length > 0 && shown.every((v) => v === '' || v === 'vit-mlp') && shown[shown.length - 1] === 'vit-mlp',
      `shown in turn: ${shown.map((v) => v || '(opening)').join(' → ')}`,
    );
    // JPEGs from the browser's own encoder, one with an MP4-like tail (a motion photo), one with a trailer.
    const [motion, trailer] = await page.evaluate(async () => {
      const c = new OffscreenCanvas(48, 48);
      const g = c.getContext('2d')!;
      g.fillStyle = '#c84';
      g.fillRect(0, 0, 48, 48);
      g.fillStyle = '#48c';
      g.fillRect(12, 12, 24, 24);
      const jpeg = Array.from(new Uint8Array(await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer()));
      const video = [0, 0, 0, 24, ...Array.from(new TextEncoder().encode('ftypmp42')), ...Array.from({ length: 5000 }, (_, i) => (i * 37) & 255)];
      return [
        [...jpeg, ...video],
        [...jpeg, ...Array.from(new TextEncoder().encode('vendor trailer'))],
      ];
    });
    const files = [
      { name: 'PXL_motion.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(motion!) },
      { name: 'trailer.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(trailer!) },
      ...lightPngs(4, 61, 'lab'),
    ];
    await page.setInputFiles('[data-testid="file-input"]', files);
    await waitForEmbedded(page, 6);
    const notices = await messagesText(page);
    check(
      'JPEGs with bytes after their end marker (a motion photo, a trailer) are admitted, said and embedded',
      /PXL_motion\.jpg carries 5\.0 kB after its image data/.test(notices) && /trailer\.jpg carries 14 bytes after its image data/.test(notices),
      notices.match(/PXL_motion[^.]*\./)?.[0] ?? notices.slice(0, 120),
    );

    // A labels .txt dropped with nothing else is read as labels (as "Add labels…" takes it).
    await dismissMessages(page);
    await page.setInputFiles('[data-testid="file-input"]', [
      { name: 'labels.txt', mimeType: 'text/plain', buffer: Buffer.from('lab-0.png,warm\nlab-1.png,warm\nlab-2.png,cool\nlab-3.png,cool\n') },
    ]);
    const txt = await waitForMessage(page, /labels\.txt: Labelled 4 of 6 images/);
    check(
      'a dropped labels .txt is applied as labels, not refused as "not an image"',
      !/not an image/.test(txt),
      txt.match(/labels\.txt: [^.]*\./)?.[0] ?? txt.slice(0, 100),
    );

    // A second label file replaces the first; keeping the first's labels is an explicit choice.
    await dismissMessages(page);
    await page.setInputFiles('[data-testid="label-input"]', [
      { name: 'second.csv', mimeType: 'text/csv', buffer: Buffer.from('lab-0.png,red\nlab-1.png,blue\n') },
    ]);
    const replaced = await waitForMessage(page, /second\.csv: Labelled 2 of 6 images/);
    const labelsAfterReplace = await page.locator('[data-testid="thumb-label"]').allTextContents();
    check(
      'a second label file replaces the first and says so, offering to keep the rest',
      /It replaced the labels from labels\.txt: 2 images that second\.csv does not name now have no label\./.test(replaced) &&
        labelsAfterReplace.sort().join(',') === 'blue,red',
      `${replaced.match(/second\.csv: [^]*?no label\./)?.[0]}; labels shown: ${labelsAfterReplace.join(', ')}`,
    );
    await page.click('[data-testid="message-action"]');
    const merged = await waitForMessage(page, /Kept the labels from labels\.txt for 2 images/);
    const labelsAfterMerge = await page.locator('[data-testid="thumb-label"]').allTextContents();
    check(
      '"Keep the labels" merges by choice: the images second.csv does not name keep their first labels',
      labelsAfterMerge.sort().join(',') === 'blue,cool,cool,red',
      `${merged.match(/Kept[^.]*\./)?.[0]}; labels ${labelsAfterMerge.join(', ')}`,
    );

    // The same bytes twice: admitted, and said.
    await dismissMessages(page);
    await page.setInputFiles('[data-testid="file-input"]', [{ ...lightPngs(1, 61, 'lab')[0]!, name: 'copy-of-lab-0.png' }]);
    const dup = await waitForMessage(page, /copy-of-lab-0\.png has the same bytes as lab-0\.png/);
    check(
      'a file with the same bytes as an image already here is added with a warning',
      /raises KNOR/.test(dup),
      dup.match(/copy-of[^]*?want\./)?.[0] ?? dup.slice(0, 100),
    );
  } finally {
    await context.close();
  }
}

/** The bundled set with its archive missing and one image failing: the other images load, and the failed one is named. */
async function bundledSetPartlyUnreachable(browser: Browser, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const index = JSON.parse(readFileSync(resolve('public/imageset/index.json'), 'utf8')) as { images: { file: string }[] };
  const broken = index.images[40]!.file;
  await context.route(/\/imageset\/images\.zip$/, (route) => route.fulfill({ status: 404, body: '' }));
  await context.route(
    (url) => url.pathname.endsWith(`/imageset/${broken}`),
    (route) => route.fulfill({ status: 500, body: '' }),
  );
  try {
    const page = await context.newPage();
    watch(page);
    await page.goto(`${pageUrl}?debug&pack=vit-mlp`);
    const said = await waitForMessage(page, /of the bundled set's \d+ images could not be loaded/);
    const loaded = () => page.evaluate(() => (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.collection.getState().images.length);
    const count = await loaded();
    check(
      "one bundled image that fails to load is named, and the set's other images are all loaded",
      said.includes(`1 of the bundled set's ${index.images.length} images could not be loaded (${broken})`) &&
        said.includes(`the other ${index.images.length - 1} are here`) &&
        count === index.images.length - 1,
      `${count} images in the collection; said: ${said.slice(0, 200)}`,
    );
  } finally {
    await context.close();
  }
}

export async function reliabilityScenario(launch: () => Promise<Browser>, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const browser = await launch();
  try {
    for (const part of [staleResults, twoTabs, stoppableJobs, stockRefusalUnderBuiltin, smallerFixes, bundledSetPartlyUnreachable]) {
      try {
        await part(browser, pageUrl, watch);
      } catch (error) {
        check(`reliability: ${part.name} ran to its end`, false, error instanceof Error ? (error.stack ?? error.message) : String(error));
      }
    }
  } finally {
    await browser.close();
  }
}
