/**
 * Bad inputs in the browser, each checked for its message and for what it must not lose:
 * too few images to train, a CMYK JPEG, a PNG that fails only at decode, a WebGPU device lost
 * mid-session, and users' own packs (no manifest, wrong types, contradicting shapes, corrupt ONNX,
 * missing external data), then a valid pack with external weights whose encoder yields NaN for
 * dark images. Runs in its own browser context: fresh storage, same origin rules.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { sampleImage } from '../../src/core/image/sampleImages.ts';
import { tinyPackVariants } from './fixturePack.ts';
import { check, dismissMessages, textNow, waitForMessage } from './harness.ts';
import { encodePng, flatPng, undecodablePng } from './png.ts';

const embedded = (page: Page) => page.locator('[data-testid="thumb"][data-state="embedded"]').count();
const thumbs = (page: Page) => page.locator('[data-testid="thumb"]').count();

async function waitForEmbedded(page: Page, n: number): Promise<void> {
  await page.waitForFunction((count) => document.querySelectorAll('[data-testid="thumb"][data-state="embedded"]').length === count, n, { timeout: 180_000 });
}

export async function badInputScenarios(browser: Browser, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  watch(page);
  try {
    // WebGPU pinned: the device-loss case below needs a device (SwiftShader here, skipped unless asked for).
    await page.goto(`${pageUrl}?debug&empty&pack=vit-mlp&ep=webgpu`);
    await page.waitForSelector('[data-testid="ep-badge"]:has-text("runs on")', { timeout: 120_000 });
    const startedOn = (await page.textContent('[data-testid="ep-badge"]')) ?? '';

    // Three images: training needs four, and the panel says so instead of failing.
    const three = [0, 1, 2].map((i) => ({ name: `few-${i}.png`, mimeType: 'image/png', buffer: encodePng(sampleImage(i, 96, 5).rgba, 96, 96) }));
    await page.setInputFiles('[data-testid="file-input"]', three);
    await waitForEmbedded(page, 3);
    const trainDisabled = await page.isDisabled('[data-testid="train-button"]');
    const trainReason = await textNow(page, '[data-testid="train-blocked"]');
    check('fewer than 4 images: training is disabled and says why', trainDisabled && trainReason === 'Needs at least 4 embedded images.', trainReason);

    // A label file names two of the three images and one that is not there; a broken one (two
    // labels for one file) changes nothing.
    const labels = { name: 'labels.csv', mimeType: 'text/csv', buffer: Buffer.from('file,label\nfew-0.png,cross\nfew-1.png,disc\nghost.png,cross\n') };
    await page.setInputFiles('[data-testid="label-input"]', [labels]);
    const labelSaid = await waitForMessage(page, /labels\.csv: Labelled/);
    const shown = await page.locator('[data-testid="thumb-label"]').allTextContents();
    check(
      'label file applied: matching images labelled, the unmatched row reported',
      /labels\.csv: Labelled 2 of 3 images; 1 row named a file not in the collection \(ghost\.png\)\./.test(labelSaid) && shown.join(',') === 'cross,disc',
      `${labelSaid.match(/labels\.csv: [^.]*\./)?.[0] ?? labelSaid.slice(0, 120)}; labels shown: ${shown.join(', ')}`,
    );
    const conflicting = { name: 'conflict.csv', mimeType: 'text/csv', buffer: Buffer.from('few-0.png,cross\nfew-0.png,disc\n') };
    await page.setInputFiles('[data-testid="label-input"]', [conflicting]);
    const conflictSaid = await waitForMessage(page, /conflict\.csv gives/);
    const shownAfter = await page.locator('[data-testid="thumb-label"]').allTextContents();
    check(
      'conflicting label file refused with its line numbers; labels kept',
      /conflict\.csv gives few-0\.png two labels: "cross" \(line 1\) and "disc" \(line 2\)\. Keep one and load the file again\./.test(conflictSaid) &&
        shownAfter.join(',') === 'cross,disc',
      conflictSaid.match(/conflict\.csv gives[^]*?again\./)?.[0] ?? conflictSaid.slice(0, 160),
    );
    await dismissMessages(page);

    // A CMYK JPEG is admitted with a notice and embedded; a PNG that fails only at decode is
    // marked failed with a message; neither disturbs the three already there.
    const cmyk = { name: 'cmyk.jpg', mimeType: 'image/jpeg', buffer: readFileSync(resolve(import.meta.dirname, 'fixtures/cmyk.jpg')) };
    const broken = { name: 'broken-data.png', mimeType: 'image/png', buffer: undecodablePng(40, 30) };
    await page.setInputFiles('[data-testid="file-input"]', [cmyk, broken]);
    await waitForEmbedded(page, 4);
    await page.waitForSelector('[data-testid="thumb"][data-state="failed"]', { timeout: 60_000 });
    const afterOdd = await waitForMessage(page, /broken-data\.png/);
    check(
      'CMYK JPEG admitted with a notice and embedded',
      /cmyk\.jpg is a CMYK JPEG/.test(afterOdd),
      afterOdd.match(/cmyk\.jpg[^.]*\./)?.[0] ?? afterOdd.slice(0, 120),
    );
    check(
      'PNG that fails at decode is marked failed with a message, the rest kept',
      /broken-data\.png could not be decoded: the file is damaged or not an image format this browser reads\. Re-export it as PNG or JPEG\./.test(afterOdd) &&
        (await embedded(page)) === 4 &&
        (await thumbs(page)) === 5,
      afterOdd.match(/broken-data\.png could not[^.]*\./)?.[0] ?? afterOdd.slice(0, 160),
    );
    await dismissMessages(page);

    // A file name that is markup is shown as text, never parsed (React escapes; nothing uses innerHTML).
    const markupName = '<img src=x onerror=window.__injected=1>.png';
    await page.setInputFiles('[data-testid="file-input"]', [
      { name: markupName, mimeType: 'image/png', buffer: encodePng(sampleImage(9, 64, 5).rgba, 64, 64) },
    ]);
    await waitForEmbedded(page, 5);
    const names = await page.locator('.thumb-name').allTextContents();
    const injected = await page.evaluate(
      () => (window as unknown as { __injected?: number }).__injected === 1 || document.querySelector('img[src="x"]') !== null,
    );
    check(
      'a file name made of markup is shown as text, not run',
      names.includes(markupName) && !injected,
      names.find((n) => n.startsWith('<')) ?? 'name not shown',
    );

    // The WebGPU device is lost (destroyed, as a driver reset would): the next images still
    // embed, on WASM, and the app says what happened.
    if (!/WebGPU/.test(startedOn)) {
      check('WebGPU device lost: falls back to WASM and carries on', false, `the page started on ${startedOn}, so there was no device to lose`);
    } else {
      const lost = await page.evaluate(() => (window as unknown as { __lensDebug: { loseWebGpuDevice(): Promise<boolean> } }).__lensDebug.loseWebGpuDevice());
      const more = [3, 4].map((i) => ({ name: `after-loss-${i}.png`, mimeType: 'image/png', buffer: encodePng(sampleImage(i, 96, 5).rgba, 96, 96) }));
      await page.setInputFiles('[data-testid="file-input"]', more);
      await waitForEmbedded(page, 7);
      const badge = (await page.textContent('[data-testid="ep-badge"]')) ?? '';
      const said = await waitForMessage(page, /WebGPU stopped working/);
      check(
        'WebGPU device lost: the pack reopens on WASM and embedding carries on',
        lost &&
          /WASM/.test(badge) &&
          /WebGPU stopped working \(the graphics device was lost\)\. The model was reopened on WASM and embedding carries on; nothing was lost\./.test(said),
        `${badge}; ${said.match(/WebGPU stopped[^]*?lost\./)?.[0] ?? said.slice(0, 160)}`,
      );
    }
    await dismissMessages(page);

    // The inference worker crashes: it is restarted with the pack reopened, nothing is lost,
    // and the next image embeds.
    await page.evaluate(() => (window as unknown as { __lensDebug: { crashInferenceWorker(): void } }).__lensDebug.crashInferenceWorker());
    const crashSaid = await waitForMessage(page, /The inference worker crashed/);
    const crashDetails = await textNow(page, '[data-testid="message-details"] pre');
    await page.setInputFiles('[data-testid="file-input"]', [
      { name: 'after-crash.png', mimeType: 'image/png', buffer: encodePng(sampleImage(6, 96, 5).rgba, 96, 96) },
    ]);
    await waitForEmbedded(page, 8);
    check(
      'crashed inference worker: restarted with the pack, collection intact, next image embeds',
      /The inference worker crashed and was restarted with .+ reopened\. Everything embedded so far is kept\./.test(crashSaid) &&
        /crash requested by the browser test/.test(crashDetails) &&
        (await thumbs(page)) === 9,
      `${crashSaid.match(/The inference worker crashed[^]*?kept\./)?.[0] ?? crashSaid.slice(0, 160)} (details: ${crashDetails.slice(0, 80)})`,
    );
    await dismissMessages(page);

    // Users' own packs, broken in the usual ways: each is refused with its reason, and the open
    // pack, the collection and its embeddings stay as they were.
    const packs = tinyPackVariants();
    const before = { pack: await page.inputValue('[data-testid="pack-picker"]'), embedded: await embedded(page), thumbs: await thumbs(page) };
    const refusals: [keyof typeof packs, RegExp][] = [
      ['noManifest', /No manifest\.json among the 2 files you chose \(2 \.onnx\)\./],
      ['wrongType', /manifest\.json is not a valid pack manifest: manifest\.tokens\.dPre: expected a positive integer, got "eight"/],
      [
        'shapeMismatch',
        /Could not open pack "Tiny test pack \(Sqrt encoder\)": connector\.onnx output "post_tokens": the model produced shape \[1, 16, 16\], the manifest says \[1, 16, 17\]/,
      ],
      [
        'corruptOnnx',
        /Could not open pack "Tiny test pack \(Sqrt encoder\)": (encoder\.onnx is not a readable ONNX model \(the file is damaged or is not ONNX\)|ONNX Runtime could not open this model: it may use an operation or a data type this browser's runtime lacks, or the file is damaged)/,
      ],
      ['externalMissing', /encoder\.onnx keeps its weights in "encoder\.onnx_data".*which is missing/],
    ];
    for (const [variant, pattern] of refusals) {
      await page.setInputFiles('[data-testid="pack-input"]', packs[variant]);
      const said = await waitForMessage(page, pattern);
      await page.waitForSelector('[data-testid="ep-badge"]:has-text("runs on")', { timeout: 60_000 });
      const after = { pack: await page.inputValue('[data-testid="pack-picker"]'), embedded: await embedded(page), thumbs: await thumbs(page) };
      check(
        `user pack refused (${variant}) with its reason; pack and collection kept`,
        pattern.test(said) && after.pack === before.pack && after.embedded === before.embedded && after.thumbs === before.thumbs,
        said.match(pattern)?.[0] ?? said.slice(0, 200),
      );
      await dismissMessages(page);
    }

    // A valid pack whose weights sit in an external-data file opens from the user's files; its
    // Sqrt encoder yields NaN for a dark image, which is flagged and left out of KNOR.
    await page.setInputFiles('[data-testid="pack-input"]', packs.external);
    await page.waitForFunction(
      () => document.querySelector('header[data-open-pack]')?.getAttribute('data-open-pack')?.startsWith('user:tiny-sqrt') === true,
      undefined,
      { timeout: 120_000 },
    );
    const flat: [string, [number, number, number]][] = [
      ['light-a.png', [230, 200, 160]],
      ['light-b.png', [160, 220, 240]],
      ['dark.png', [10, 10, 10]],
    ];
    await page.setInputFiles(
      '[data-testid="file-input"]',
      flat.map(([name, rgb]) => ({ name, mimeType: 'image/png', buffer: flatPng(24, 24, rgb) })),
    );
    const nanSaid = await waitForMessage(page, /dark\.png: the encoder produced NaN or Inf/);
    await page.waitForSelector('[data-testid="embed-job"]', { state: 'detached', timeout: 120_000 });
    await page.fill('[data-testid="k-input"]', '3');
    await page.waitForSelector('[data-testid="knor-mean"]', { timeout: 60_000 });
    const states = await page.evaluate(() =>
      Object.fromEntries(
        Array.from(document.querySelectorAll('[data-testid="thumb"]')).map((t) => [
          t.querySelector('.thumb-name')?.textContent ?? '',
          t.getAttribute('data-state'),
        ]),
      ),
    );
    const knorText = (await page.textContent('[data-testid="knor-panel"]')) ?? '';
    check(
      'user pack with external weights opens; NaN image flagged and left out of KNOR',
      /dark\.png: the encoder produced NaN or Inf for this image; it is left out of the analysis/.test(nanSaid) &&
        states['dark.png'] === 'failed' &&
        states['light-a.png'] === 'embedded' &&
        states['light-b.png'] === 'embedded' &&
        /\d\.\d{3}/.test(knorText),
      `${Object.values(states).filter((s) => s === 'embedded').length} embedded by the user pack; ${nanSaid.match(/dark\.png: [^;]*/)?.[0] ?? ''}`,
    );
  } finally {
    await context.close();
  }
}
