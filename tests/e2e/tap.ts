/**
 * The connector-boundary tap in the browser, under WebGPU, through the app's own path: every
 * fixture VLM graph (four connector families x three exporter naming styles,
 * tests/support/vlmFixtures.ts) is made here in Node and chosen with a preprocessor_config.json in
 * "Open model files…", as a user opens a stock export. The app inspects it in the tap worker,
 * opens it tapped in the inference worker and embeds the one image of the collection. Checked per
 * fixture: the automatic boundary is the connector's input by construction, WebGPU ran it, and
 * the tokens equal the encoder part and connector part run apart in Node under ORT WASM (an
 * independent reference). Then each hub preset fills the "Open from Hugging Face" form (not
 * submitted: nothing is downloaded).
 */
import * as ort from 'onnxruntime-web';
import type { Browser, Page } from 'playwright-core';
import { HUB_PRESETS } from '../../src/core/hub/presets.ts';
import { preprocess } from '../../src/core/image/preprocess.ts';
import { seededRandom } from '../../src/core/random.ts';
import type { PreprocessSpec } from '../../src/core/types.ts';
import { connectorPart, encoderPart, PIXELS, PRESETS, STYLES, vlmFixture, type Preset } from '../support/vlmFixtures.ts';
import { check } from './harness.ts';
import { encodePng } from './png.ts';

const SIZE = PIXELS.dims[2];
/** CLIP-like normalisation, no resize (the image is already SIZE x SIZE): the pixels are exact on both sides. */
const SPEC: PreprocessSpec = { resize: 'stretch', crop: 'none', resample: 'bilinear', rescale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
/** WebGPU kernels (swiftshader) round differently from WASM's, and the app keeps tokens as float16 (half a step is 4.9e-4 of a value); relative to the reference's largest value. */
const TOLERANCE = 1e-3;

interface Reference {
  readonly pre: { readonly data: Float32Array; readonly dims: readonly number[] };
  readonly post: { readonly data: Float32Array; readonly dims: readonly number[] };
}

/** What the page reports for one fixture; numbers as plain arrays (they cross page.evaluate as JSON). */
interface PageResult {
  readonly boundary: string | null;
  readonly boundaryPost: string | null;
  readonly tap: { readonly pre: string; readonly post: string; readonly source: string } | null;
  readonly ep: string | null;
  readonly fallbackReason: string | null;
  readonly pre: number[] | null;
  readonly post: number[] | null;
  readonly tokens: { readonly pre: number; readonly dPre: number; readonly post: number; readonly dPost: number } | null;
  readonly messages: string;
}

/** SigLIP-style: a stretch to the fixtures' 32 x 32 (a copy for a 32 x 32 image), then SPEC's rescale and normalisation. */
export const PREPROCESSOR_CONFIG = JSON.stringify({
  image_processor_type: 'SiglipImageProcessor',
  do_resize: true,
  size: { height: SIZE, width: SIZE },
  resample: 2,
  do_rescale: true,
  rescale_factor: 1 / 255,
  do_normalize: true,
  image_mean: [0.5, 0.5, 0.5],
  image_std: [0.5, 0.5, 0.5],
});

type Stores = typeof import('../../src/store/debugStores.ts').debugStores;
type Tokens = typeof import('../../src/store/debugStores.ts').debugTokens;

/** The page with the debug stores and `images` added, once the built-in pack has embedded them (stock models open after it). */
export async function openDebugPage(
  page: Page,
  pageUrl: string,
  images: readonly { readonly name: string; readonly buffer: Buffer }[],
  search = '',
): Promise<void> {
  await page.goto(`${pageUrl}?empty&debug${search}`);
  await page.waitForFunction(() => !!(window as unknown as { __lensDebug?: { stores?: unknown } }).__lensDebug?.stores, undefined, { timeout: 60_000 });
  await page.setInputFiles(
    '[data-testid="file-input"]',
    images.map((p) => ({ name: p.name, mimeType: 'image/png', buffer: p.buffer })),
  );
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="thumb"][data-state="embedded"]').length === n, images.length, {
    timeout: 120_000,
  });
}

/** The open model's id. */
export const openPackId = (page: Page): Promise<string | null> =>
  page.evaluate(() => (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.model.getState().packId);

/** How many stock-model attempts have ended (store/stockModel.ts `settled`): read before starting one, to wait for it. */
export const stockAttempts = (page: Page): Promise<number> =>
  page.evaluate(() => (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.stock.getState().settled);

/**
 * Wait until the stock-model attempt started after `attempts` ended (opened and embedded the
 * collection, refused, or waiting for a pick) and no model is loading. A timeout fails the run:
 * the checks after it would otherwise read a half-open state.
 */
export async function waitForStockModel(page: Page, attempts: number): Promise<void> {
  await page.waitForFunction(
    (before) => {
      const { model, analysis, stock } = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
      return stock.getState().settled > before && model.getState().status !== 'loading' && !analysis.getState().embedJob;
    },
    attempts,
    { timeout: 180_000 },
  );
}

/** Choose the files in "Open model files…" and wait until the app has opened them and embedded the collection, or given up. */
export async function openModelInApp(page: Page, files: readonly { readonly name: string; readonly buffer: Buffer }[]): Promise<PageResult> {
  const before = await stockAttempts(page);
  await page.setInputFiles(
    '[data-testid="pack-input"]',
    files.map((f) => ({ name: f.name, mimeType: 'application/octet-stream', buffer: f.buffer })),
  );
  await waitForStockModel(page, before);
  return page.evaluate(async () => {
    const debug = (window as unknown as { __lensDebug: { stores: Stores; tokens: Tokens } }).__lensDebug;
    const { model, analysis, stock } = debug.stores;
    const s = stock.getState();
    const m = model.getState();
    const a = analysis.getState();
    const b = s.inspection?.boundary;
    const firstId = Object.keys(a.embeddings)[0];
    // As the tokens worker holds them: float16 values.
    const first = firstId ? await debug.tokens(firstId) : null;
    return {
      boundary: b?.found ? b.tensor : null,
      boundaryPost: b?.found ? b.post : null,
      tap: s.tap,
      ep: m.ep,
      fallbackReason: m.fallbackReason,
      pre: first ? first.pre : null,
      post: first ? first.post : null,
      tokens: m.manifest ? { ...m.manifest.tokens } : null,
      messages: document.querySelector('[data-testid="messages"]')?.textContent ?? '',
    };
  });
}

/** A seeded random RGBA image (opaque: alpha would be dropped anyway, and premultiplying must not change colours). */
function randomImage(seed: number): Uint8ClampedArray {
  const random = seededRandom(seed);
  const rgba = new Uint8ClampedArray(SIZE * SIZE * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = i % 4 === 3 ? 255 : Math.floor(random() * 256);
  return rgba;
}

async function runPart(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, output: string): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const out = (await session.run(feeds))[output]!;
  await session.release();
  return out;
}

/** The encoder alone then the connector alone, same weights as every style's whole model. */
async function reference(preset: Preset, pixels: Float32Array): Promise<Reference> {
  const enc = encoderPart(preset);
  const pre = await runPart(enc.bytes, { [PIXELS.name]: new ort.Tensor('float32', pixels, [1, 3, SIZE, SIZE]) }, enc.output);
  const con = connectorPart(preset);
  const post = await runPart(con.bytes, { [con.input]: pre }, con.output);
  return { pre: { data: pre.data as Float32Array, dims: [...pre.dims] }, post: { data: post.data as Float32Array, dims: [...post.dims] } };
}

/** Largest absolute difference over the reference's largest magnitude (at least 1). */
function relativeDiff(got: readonly number[], want: Float32Array): number {
  if (got.length !== want.length) return Infinity;
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / scale;
}

export async function tapScenario(browser: Browser, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  watch(page);
  try {
    const rgba = randomImage(31);
    const png = encodePng(rgba, SIZE, SIZE);
    const { pixels } = preprocess(rgba, SIZE, SIZE, SPEC, SIZE);
    // WebGPU asked for by name: here it is SwiftShader, which the app skips for WASM unless pinned.
    await openDebugPage(page, pageUrl, [{ name: 'random.png', buffer: png }], '&ep=webgpu');
    for (const preset of PRESETS) {
      const ref = await reference(preset, pixels);
      for (const style of STYLES) {
        const f = vlmFixture(preset, style);
        const label = `tap: ${preset} (${style})`;
        const got = await openModelInApp(page, [
          { name: 'vision_encoder.onnx', buffer: Buffer.from(f.bytes) },
          { name: 'preprocessor_config.json', buffer: Buffer.from(PREPROCESSOR_CONFIG) },
        ]);
        check(
          `${label}: automatic boundary is the connector's input`,
          got.boundary === f.pre && got.boundaryPost === f.post && got.tap?.pre === f.pre && got.tap.source !== 'picked',
          `found ${got.boundary} -> ${got.boundaryPost}, tap ${JSON.stringify(got.tap)}, expected ${f.pre} -> ${f.post}`,
        );
        if (!got.pre || !got.post) {
          check(`${label}: opened from "Open model files…" and the image embedded`, false, got.messages.slice(-300));
          continue;
        }
        check(`${label}: runs on WebGPU`, got.ep === 'webgpu', got.ep === 'webgpu' ? 'webgpu' : `ran on ${got.ep}: ${got.fallbackReason ?? 'no reason given'}`);
        const sizesOk = got.pre.length === ref.pre.data.length && got.post.length === ref.post.data.length;
        check(
          `${label}: pre and post have the reference's sizes`,
          sizesOk,
          `pre ${got.pre.length} post ${got.post.length} values (reference [${ref.pre.dims}] and [${ref.post.dims}]); manifest ${JSON.stringify(got.tokens)}`,
        );
        const dPre = relativeDiff(got.pre, ref.pre.data);
        const dPost = relativeDiff(got.post, ref.post.data);
        check(
          `${label}: pre and post equal the Node WASM reference`,
          dPre <= TOLERANCE && dPost <= TOLERANCE,
          `relative max diff pre ${dPre.toExponential(1)}, post ${dPost.toExponential(1)} (tolerance ${TOLERANCE})`,
        );
      }
    }

    // The Hugging Face dialog: modal, focus inside, half precision by default, Esc closes it and
    // gives focus back to its button.
    await page.click('[data-testid="hub-open-button"]');
    await page.waitForSelector('[data-testid="hub-open"][open]');
    const dialogState = await page.evaluate(() => {
      const dialog = document.querySelector<HTMLDialogElement>('[data-testid="hub-open"]')!;
      return {
        modal: dialog.matches(':modal'),
        focusInside: dialog.contains(document.activeElement),
        variant: (document.querySelector('[data-testid="hub-variant"]') as HTMLSelectElement).value,
      };
    });
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="hub-open"]', { state: 'hidden' });
    const focusBack = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    check(
      'tap: the Hugging Face form is a modal dialog: focus inside, fp16 by default, Esc closes it and focus returns to its button',
      dialogState.modal && dialogState.focusInside && dialogState.variant === 'fp16' && focusBack === 'hub-open-button',
      `${JSON.stringify(dialogState)}, focus after Esc on ${focusBack}`,
    );
    // A preset fills the Hugging Face form (nothing is downloaded: the form is not submitted).
    await page.click('[data-testid="hub-open-button"]');
    for (const preset of HUB_PRESETS) {
      await page.selectOption('[data-testid="hub-preset"]', preset.id);
      const repo = await page.inputValue('[data-testid="hub-repo"]');
      const variant = await page.inputValue('[data-testid="hub-variant"]');
      const note = (await page.textContent('[data-testid="hub-preset-note"]')) ?? '';
      check(
        `tap: preset ${preset.id} fills repo and variant and warns about memory`,
        repo === preset.repo && variant === preset.defaultVariant && note.includes(preset.memoryWarning),
        `${repo} ${variant}; ${note.slice(0, 90)}`,
      );
    }
  } finally {
    await context.close();
  }
}
