/**
 * Stock exports in the app, as a user opens them (browser without WebGPU, so on WASM): each
 * stand-in for a transformers.js export (SmolVLM with its pixel mask, Qwen2-VL patchified with
 * grid_thw, LLaVA-Interleave; tests/support/stockFixtures.ts) is chosen with its config.json and
 * preprocessor_config.json in "Open model files…" over 16 bundled images. Checked: the tap panel
 * shows the automatic boundary with its shape, the header the geometry the probe found, KNOR is
 * computed, and each image's post tokens equal the untapped model run in Node on the same image
 * (decoded and prepared in Node). Then the picker: another tensor picked from the search list
 * reopens the model with it, the pick is stored (opening the same files again uses it), and
 * "Back to automatic" returns. A reconstructor trains on the Qwen2-VL stand-in and its heatmap
 * draws. A config that does not belong to the model is refused and the open model stays.
 * Screenshot: test-artifacts/stock-export.png.
 */
import { beyondHalfRounding } from './halfPrecision.ts';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import type { Browser, Page } from 'playwright-core';
import { decodePng } from '../../scripts/mobilenet/decodePng.ts';
import { encoderInputs } from '../../src/core/image/processors/encoderInputs.ts';
import { describeStock } from '../../src/core/stock/stockModel.ts';
import { stockFixture, STOCK_KINDS, type StockFixture } from '../support/stockFixtures.ts';
import { canvasStats, check, messagesText, textNow } from './harness.ts';
import { openDebugPage, openModelInApp, PREPROCESSOR_CONFIG, stockAttempts, waitForStockModel } from './tap.ts';
import { encoderPart } from '../support/vlmFixtures.ts';

const ARTIFACTS = resolve('test-artifacts');
const IMAGES = 16;

type Stores = typeof import('../../src/store/debugStores.ts').debugStores;
type Tokens = typeof import('../../src/store/debugStores.ts').debugTokens;

const text = (f: StockFixture, path: string) => new TextDecoder().decode(f.files.get(path)!);
const filesOf = (f: StockFixture, preprocessor = text(f, 'preprocessor_config.json')) => [
  { name: f.encoderPath.slice(f.encoderPath.lastIndexOf('/') + 1), buffer: Buffer.from(f.files.get(f.encoderPath)!) },
  { name: 'config.json', buffer: Buffer.from(text(f, 'config.json')) },
  { name: 'preprocessor_config.json', buffer: Buffer.from(preprocessor) },
];

/** The untapped model's image_features for a PNG, decoded and prepared in Node, fed by transformers.js's input names. */
async function referencePost(f: StockFixture, png: Uint8Array): Promise<Float32Array> {
  const decoded = decodePng(png);
  const description = describeStock(JSON.parse(text(f, 'config.json')), JSON.parse(text(f, 'preprocessor_config.json')));
  const made = encoderInputs(description.processor, { width: decoded.width, height: decoded.height, rgba: decoded.rgba });
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of made.tensors) feeds[t.name === 'image_grid_thw' ? 'grid_thw' : t.name] = new ort.Tensor(t.type, t.data, t.dims);
  const session = await ort.InferenceSession.create(f.files.get(f.encoderPath)!, { executionProviders: ['wasm'] });
  const out = (await session.run(feeds)).image_features!.data as Float32Array;
  await session.release();
  return out;
}

/** Post tokens of every embedded image by file name, from the page's stores. */
function postByName(page: Page): Promise<Record<string, number[]>> {
  return page.evaluate(async () => {
    const debug = (window as unknown as { __lensDebug: { stores: Stores; tokens: Tokens } }).__lensDebug;
    const { analysis, collection } = debug.stores;
    const { embeddings } = analysis.getState();
    const out: Record<string, number[]> = {};
    for (const image of collection.getState().images) {
      const tokens = embeddings[image.id] ? await debug.tokens(image.id) : null;
      if (tokens) out[image.name] = tokens.post;
    }
    return out;
  });
}

const stockState = (page: Page) =>
  page.evaluate(() => {
    const { stock, model, analysis } = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
    const s = stock.getState();
    return {
      tap: s.tap,
      status: s.status,
      settled: s.settled,
      packId: model.getState().packId,
      embedded: Object.keys(analysis.getState().embeddings).length,
      knor: analysis.getState().knor?.mean ?? null,
    };
  });

export async function stockScenario(launch: () => Promise<Browser>, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const index = JSON.parse(readFileSync(resolve('public/imageset/index.json'), 'utf8')) as { images: { file: string }[] };
  // Every 18th bundled image: all twelve labels, a few twice.
  const pngs = index.images
    .filter((_, i) => i % 18 === 0)
    .slice(0, IMAGES)
    .map((im) => ({ name: im.file.replace(/\//g, '_'), buffer: readFileSync(resolve('public/imageset', im.file)) }));
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  watch(page);
  try {
    await openDebugPage(page, pageUrl, pngs);

    for (const kind of STOCK_KINDS) {
      const f = stockFixture(kind);
      const label = `stock: ${kind}`;
      const got = await openModelInApp(page, filesOf(f));
      const state = await stockState(page);
      check(
        `${label}: opens from its files at the automatic boundary`,
        got.tap?.pre === f.pre && got.tap.source === 'automatic' && state.embedded === pngs.length,
        `tap ${JSON.stringify(got.tap)}, ${state.embedded} embedded; ${got.messages.slice(-200)}`,
      );
      const panel = await textNow(page, '[data-testid="tap-pre"]');
      const facts = await textNow(page, '.pack-facts');
      const expectFacts = `${f.connector.family} · T ${f.tokens.pre} → T′ ${f.tokens.post} · d ${f.tokens.dPre} → ${f.tokens.dPost}`;
      check(
        `${label}: the tap panel shows the boundary with its shape; the header the probed geometry`,
        panel.includes(f.pre) && /\[.*16\]/.test(panel) && facts.includes(expectFacts),
        `panel "${panel}"; header "${facts}" (expected "${expectFacts}")`,
      );
      check(`${label}: KNOR computed over the collection`, state.knor !== null && state.knor >= 0 && state.knor <= 1, `mean KNOR ${state.knor}`);
      const posts = await postByName(page);
      let worst = 0;
      for (const p of pngs.slice(0, 4)) {
        const ref = await referencePost(f, p.buffer);
        worst = Math.max(worst, beyondHalfRounding(posts[p.name], ref));
      }
      check(
        `${label}: post tokens equal the untapped model's in Node (4 images; as stored, in float16)`,
        worst <= 1e-4,
        `max abs diff beyond float16 rounding ${worst.toExponential(1)}`,
      );
    }

    // The picker, on the last one opened (LLaVA-Interleave): pick post_layernorm's output as pre.
    const llava = stockFixture('llava-interleave');
    await page.click('[data-testid="tap-change"]');
    await page.fill('[data-testid="tap-search"]', 'post_layernorm');
    const first = page.locator('[data-testid="tap-candidates"] li').first();
    const picked = ((await first.locator('.tap-name').textContent()) ?? '').trim();
    await first.locator('[data-testid="tap-as-pre"]').click();
    const beforeRetap = await stockAttempts(page);
    await page.click('[data-testid="tap-open"]');
    await waitForStockModel(page, beforeRetap);
    let state = await stockState(page);
    check(
      'stock: a tensor picked from the searchable list reopens the model tapped there',
      picked !== llava.pre && /post_layernorm/.test(picked) && state.tap?.source === 'picked' && state.embedded === pngs.length,
      `picked ${picked}; ${JSON.stringify(state)}`,
    );
    const reopened = await openModelInApp(page, filesOf(llava));
    const sourceText = (await page.textContent('[data-testid="tap-source"]')) ?? '';
    check(
      'stock: opening the same files again uses the stored pick',
      reopened.tap?.pre === picked && reopened.tap.source === 'stored' && /your stored choice/.test(sourceText),
      `${JSON.stringify(reopened.tap)}; "${sourceText.slice(0, 80)}"`,
    );
    await page.click('[data-testid="tap-change"]');
    await page.click('[data-testid="tap-automatic"]');
    const beforeBack = await stockAttempts(page);
    await page.click('[data-testid="tap-open"]');
    await waitForStockModel(page, beforeBack);
    state = await stockState(page);
    check(
      'stock: "Back to automatic" reopens at the connector boundary',
      state.tap?.source === 'automatic' && state.tap.pre === llava.pre,
      JSON.stringify(state.tap),
    );

    // A reconstructor on the Qwen2-VL stand-in (merger: pre tokens back in grid order) and its heatmap.
    const qwen = stockFixture('qwen2vl');
    await openModelInApp(page, filesOf(qwen));
    await page.fill('[data-testid="epochs-input"]', '6');
    await page.click('[data-testid="train-button"]');
    await page.waitForSelector('[data-testid="train-facts"]', { timeout: 300_000 });
    await page.locator('[data-testid="opacity-slider"]').fill('1');
    await page.waitForTimeout(200);
    const stats = await canvasStats(page, '[data-testid="heatmap-canvas"]');
    check(
      'stock: a reconstructor trains on a stock export and its heatmap draws over the 24 x 24 grid',
      stats.distinct >= 8 && stats.std > 5,
      `${stats.distinct} colours, std ${stats.std.toFixed(1)}`,
    );
    await page.locator('[data-testid="opacity-slider"]').fill('0.6');
    await page.screenshot({ path: resolve(ARTIFACTS, 'stock-export.png'), fullPage: true });

    // A preprocessor config from another model: refused, the open model and its results stay.
    const before = await stockState(page);
    const smol = stockFixture('smolvlm');
    const wrong = JSON.stringify({ ...JSON.parse(text(smol, 'preprocessor_config.json')), size: { longest_edge: 128 }, max_image_size: { longest_edge: 128 } });
    await openModelInApp(page, filesOf(smol, wrong));
    const after = await stockState(page);
    const said = await messagesText(page);
    check(
      'stock: a preprocessor_config.json from another model is refused, naming the input and both shapes; the open model stays',
      /input "pixel_values" has shape \[1, num_images, 3, 64, 64\], but the Idefics3 \(SmolVLM\) processor makes \[1, 1, 3, 128, 128\]/.test(said) &&
        after.packId === before.packId &&
        after.embedded === before.embedded,
      said.match(/Could not open[^]*?stays open\./)?.[0] ?? said.slice(-200),
    );

    // A graph with no connector (SigLIP alone): nothing opens until the user picks both tensors.
    const bare = encoderPart('smolvlm');
    const beforePick = await stockState(page);
    await openModelInApp(page, [
      { name: 'vision_encoder.onnx', buffer: Buffer.from(bare.bytes) },
      { name: 'preprocessor_config.json', buffer: Buffer.from(PREPROCESSOR_CONFIG) },
    ]);
    const waiting = await stockState(page);
    const askedToPick = /no connector boundary was found automatically .*Pick the pre- and post-projection tensors in the connector tap panel/.test(
      await messagesText(page),
    );
    check(
      'stock: with no boundary found the tap panel asks for a pick and the open model stays',
      waiting.status === 'needs-pick' && askedToPick && waiting.packId === beforePick.packId,
      `${waiting.status}, ${waiting.packId === beforePick.packId ? 'same model open' : 'model changed'}`,
    );
    await page.fill('[data-testid="tap-search"]', 'layers.1 Add_1');
    await page.locator('[data-testid="tap-candidates"] li').first().locator('[data-testid="tap-as-pre"]').click();
    await page.fill('[data-testid="tap-search"]', bare.output);
    await page.locator('[data-testid="tap-candidates"] li').first().locator('[data-testid="tap-as-post"]').click();
    const beforeOpen = await stockAttempts(page);
    await page.click('[data-testid="tap-open"]');
    await waitForStockModel(page, beforeOpen);
    const pickedBoth = await stockState(page);
    check(
      'stock: both tensors picked from the list open the model',
      pickedBoth.tap?.source === 'picked' &&
        pickedBoth.tap.post === bare.output &&
        /layers\.1\/Add_1/.test(pickedBoth.tap.pre) &&
        pickedBoth.packId !== beforePick.packId &&
        pickedBoth.embedded === pngs.length,
      JSON.stringify(pickedBoth.tap),
    );

    // A repo folder dropped on the drop zone: several weight types, other JSON files; fp16 is taken.
    const half = stockFixture('smolvlm', { fp16: true });
    const folder = [...filesOf(smol), ...filesOf(half).slice(0, 1), { name: 'tokenizer.json', buffer: Buffer.from('{"version":"1.0"}') }];
    const beforeDrop = await stockState(page);
    await page.evaluate(
      async (files) => {
        const dt = new DataTransfer();
        for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], f.name));
        document.querySelector('[data-testid="drop-zone"]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      folder.map((x) => ({ name: x.name, data: x.buffer.toString('base64') })),
    );
    await waitForStockModel(page, beforeDrop.settled);
    const dropState = await stockState(page);
    const dropSaid = await messagesText(page);
    check(
      'stock: a dropped repo folder opens as a model (fp16 of two weight types; its JSON files are not taken as labels), images untouched',
      dropState.packId !== beforeDrop.packId &&
        dropState.embedded === pngs.length &&
        /The files hold 2 vision encoders \(one per weight type\); opening vision_encoder_fp16\.onnx/.test(dropSaid) &&
        !/tokenizer\.json/.test(dropSaid),
      `${JSON.stringify(dropState.tap)}, ${dropState.embedded} embedded; ${dropSaid.slice(-240)}`,
    );
  } finally {
    await context.close();
  }
  try {
    await hubCheck(browser, pageUrl, pngs);
  } finally {
    await browser.close();
  }
}

/**
 * "Open from Hugging Face…" with the SmolVLM preset, the hub answered by Playwright from the
 * stand-in (the page talks to https://huggingface.co as in use; nothing leaves this machine):
 * the export downloads, opens tapped and embeds; opening it again takes it from this browser's
 * cache without a request.
 */
async function hubCheck(browser: Browser, pageUrl: string, pngs: readonly { name: string; buffer: Buffer }[]): Promise<void> {
  const preset = 'smolvlm-256m';
  const repo = 'HuggingFaceTB/SmolVLM-256M-Instruct';
  const sha = 'a'.repeat(40);
  const f = stockFixture('smolvlm');
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const hubRequests: string[] = [];
  await context.route(/^https:\/\/huggingface\.co\//, async (route) => {
    const url = new URL(route.request().url());
    hubRequests.push(url.pathname);
    const cors = { 'access-control-allow-origin': '*' };
    if (url.pathname === `/api/models/${repo}/revision/main` || url.pathname === `/api/models/${repo}/revision/${sha}`) {
      const siblings = [...f.files].map(([rfilename, b]) => ({ rfilename, size: b.length }));
      return route.fulfill({
        status: 200,
        headers: { ...cors, 'content-type': 'application/json' },
        body: JSON.stringify({ id: repo, sha, gated: false, siblings }),
      });
    }
    const prefix = `/${repo}/resolve/${sha}/`;
    const body = url.pathname.startsWith(prefix) ? f.files.get(decodeURIComponent(url.pathname.slice(prefix.length))) : undefined;
    if (!body) return route.fulfill({ status: 404, headers: { ...cors, 'x-error-code': 'EntryNotFound' }, body: '{}' });
    return route.fulfill({
      status: 200,
      headers: { ...cors, 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
      body: Buffer.from(body),
    });
  });
  const page = await context.newPage();
  try {
    await openDebugPage(page, pageUrl, pngs);
    const openFromHub = async () => {
      const before = await stockState(page);
      await page.click('[data-testid="hub-open-button"]');
      await page.selectOption('[data-testid="hub-preset"]', preset);
      await page.selectOption('[data-testid="hub-variant"]', 'fp32');
      await page.click('[data-testid="hub-submit"]');
      // Submitting closes the dialog; the download has its own bar.
      await page.waitForSelector('[data-testid="hub-open"]', { state: 'hidden' });
      await waitForStockModel(page, before.settled);
      return stockState(page);
    };
    const first = await openFromHub();
    const fetched = hubRequests.length;
    const label = await textNow(page, '[data-testid="tap-panel"] h2');
    check(
      'stock: a preset downloads from the hub (stand-in), opens tapped at the boundary and embeds',
      first.tap?.pre === f.pre && first.tap.source === 'automatic' && first.embedded === pngs.length && label.includes(repo) && fetched >= 4,
      `${fetched} hub requests; "${label}"; ${JSON.stringify(first.tap)}; ${(await messagesText(page)).slice(-160)}`,
    );
    // Open something else in between, so the second open really opens again.
    await page.selectOption('[data-testid="pack-picker"]', { index: 1 });
    await page.waitForFunction(
      () => !(window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.model.getState().packId?.startsWith('stock:'),
      undefined,
      { timeout: 60_000 },
    );
    const second = await openFromHub();
    check(
      'stock: opening it again takes it from this browser’s cache, without a request',
      second.tap?.pre === f.pre && second.embedded === pngs.length && hubRequests.length === fetched,
      `${hubRequests.length - fetched} more hub requests: ${hubRequests.slice(fetched).join(', ')}`,
    );

    // A shared link to the model at its revision opens it in a new tab, and keeps saying which.
    const linked = await context.newPage();
    await linked.goto(`${pageUrl}?debug&empty&model=${repo}@${sha}&k=3`);
    await linked.waitForFunction(
      () => {
        const { status, origin } = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.model.getState();
        return status === 'ready' && origin?.kind === 'hub';
      },
      undefined,
      { timeout: 120_000 },
    );
    const opened = await linked.evaluate(() => {
      const { origin } = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.model.getState();
      return origin?.kind === 'hub' ? { repo: origin.repo, revision: origin.revision } : null;
    });
    const address = new URL(linked.url());
    check(
      'URL: a ?model=owner/repo@revision link opens that hub model at that revision, and the address keeps it with the link’s k',
      opened?.repo === repo && opened.revision === sha && address.searchParams.get('model') === `${repo}@${sha}` && address.searchParams.get('k') === '3',
      `${JSON.stringify(opened)}; ${address.search}`,
    );
    await linked.close();
  } finally {
    await context.close();
  }
}
