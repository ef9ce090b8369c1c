/**
 * The connector-boundary tap in the browser, under WebGPU: every fixture VLM graph (four connector
 * families x three exporter naming styles, tests/support/vlmFixtures.ts) is made here in Node,
 * handed to the page as bytes (no request at all), inspected and opened tapped by the real tap
 * worker (store/tappedModel.ts through the ?debug hook), and one image goes through one run. Checked
 * per fixture: the automatic boundary is the connector's input by construction, the run returns
 * pre and post with the reference dims, WebGPU ran it, and the values equal the encoder part and
 * connector part run apart in Node under ORT WASM (an independent reference). Then each hub preset
 * fills the "Open from Hugging Face" form (not submitted: nothing is downloaded).
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
/** WebGPU kernels (swiftshader) round differently from WASM's; relative to the reference's largest value. */
const TOLERANCE = 1e-3;

interface Reference {
  readonly pre: { readonly data: Float32Array; readonly dims: readonly number[] };
  readonly post: { readonly data: Float32Array; readonly dims: readonly number[] };
}

/** What the page reports for one fixture; numbers as plain arrays (they cross page.evaluate as JSON). */
interface PageResult {
  readonly boundary: string | null;
  readonly boundaryPost: string | null;
  readonly choice: { readonly pre: string; readonly post: string; readonly source: string } | null;
  readonly ep: string;
  readonly fallbackReason: string | null;
  readonly items: readonly { readonly ok: boolean; readonly message?: string; readonly pre?: number[]; readonly preDims?: number[]; readonly post?: number[]; readonly postDims?: number[] }[];
  readonly error: string | null;
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

/** Inspect, open tapped (WebGPU first) and embed one PNG, all in the page through the real tap worker. */
async function tapInPage(page: Page, name: string, model: Buffer, png: Buffer): Promise<PageResult> {
  // No helper functions inside evaluate: tsx would wrap them in a __name() the page lacks.
  return page.evaluate(
    async ({ name, model, png, spec, size }) => {
      const tap = (window as unknown as { __lensDebug: { tap: typeof import('../../src/store/tappedModel.ts') } }).__lensDebug.tap;
      const file = new File([Uint8Array.from(atob(model), (c) => c.charCodeAt(0))], name);
      const image = new Blob([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], { type: 'image/png' });
      const result: { -readonly [K in keyof PageResult]: PageResult[K] } = { boundary: null, boundaryPost: null, choice: null, ep: 'none', fallbackReason: null, items: [], error: null };
      try {
        const inspected = await tap.inspectModelFile(file);
        if (inspected.inspection.boundary.found) {
          result.boundary = inspected.inspection.boundary.tensor;
          result.boundaryPost = inspected.inspection.boundary.post;
        }
        result.choice = inspected.choice;
        if (!inspected.choice) return result;
        const opened = await tap.openTappedModel(file, [], inspected.key, { pre: inspected.choice.pre, post: inspected.choice.post, automatic: inspected.choice.source === 'automatic' }, ['webgpu', 'wasm']);
        result.ep = opened.ep;
        result.fallbackReason = opened.fallbackReason;
        const items: PageResult['items'][number][] = [];
        await tap.embedTappedImages([{ imageId: name, blob: image }], spec, size, (item) =>
          items.push(item.ok ? { ok: true, pre: Array.from(item.pre), preDims: [...item.preDims], post: Array.from(item.post), postDims: [...item.postDims] } : { ok: false, message: item.message }),
        );
        result.items = items;
      } catch (error) {
        result.error = error instanceof Error ? error.message : String(error);
      }
      return result;
    },
    { name, model: model.toString('base64'), png: png.toString('base64'), spec: SPEC, size: SIZE },
  );
}

export async function tapScenario(browser: Browser, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  watch(page);
  try {
    await page.goto(`${pageUrl}?empty&debug`);
    await page.waitForFunction(() => !!(window as unknown as { __lensDebug?: { tap?: unknown } }).__lensDebug?.tap, undefined, { timeout: 60_000 });
    const rgba = randomImage(31);
    const png = encodePng(rgba, SIZE, SIZE);
    const { pixels } = preprocess(rgba, SIZE, SIZE, SPEC, SIZE);
    for (const preset of PRESETS) {
      const ref = await reference(preset, pixels);
      for (const style of STYLES) {
        const f = vlmFixture(preset, style);
        const label = `tap: ${preset} (${style})`;
        const got = await tapInPage(page, `${preset}-${style}.onnx`, Buffer.from(f.bytes), png);
        if (got.error) {
          check(`${label}: tapped and run in the page`, false, got.error);
          continue;
        }
        check(`${label}: automatic boundary is the connector's input`, got.boundary === f.pre && got.boundaryPost === f.post && got.choice?.pre === f.pre && got.choice.source === 'automatic', `found ${got.boundary} -> ${got.boundaryPost}, expected ${f.pre} -> ${f.post}`);
        check(`${label}: runs on WebGPU`, got.ep === 'webgpu', got.ep === 'webgpu' ? 'webgpu' : `ran on ${got.ep}: ${got.fallbackReason ?? 'no reason given'}`);
        const item = got.items[0];
        if (got.items.length !== 1 || !item?.ok || !item.pre || !item.post) {
          check(`${label}: one run returns pre and post`, false, item?.message ?? `${got.items.length} items`);
          continue;
        }
        const dimsOk = JSON.stringify(item.preDims) === JSON.stringify(ref.pre.dims) && JSON.stringify(item.postDims) === JSON.stringify(ref.post.dims);
        check(`${label}: one run returns pre and post with the reference dims`, dimsOk, `pre [${item.preDims}] post [${item.postDims}] (reference [${ref.pre.dims}] and [${ref.post.dims}])`);
        const dPre = relativeDiff(item.pre, ref.pre.data);
        const dPost = relativeDiff(item.post, ref.post.data);
        check(`${label}: pre and post equal the Node WASM reference`, dPre <= TOLERANCE && dPost <= TOLERANCE, `relative max diff pre ${dPre.toExponential(1)}, post ${dPost.toExponential(1)} (tolerance ${TOLERANCE})`);
      }
    }

    // A preset fills the Hugging Face form (nothing is downloaded: the form is not submitted).
    await page.click('[data-testid="hub-open"] summary');
    for (const preset of HUB_PRESETS) {
      await page.selectOption('[data-testid="hub-preset"]', preset.id);
      const repo = await page.inputValue('[data-testid="hub-repo"]');
      const variant = await page.inputValue('[data-testid="hub-variant"]');
      const note = (await page.textContent('[data-testid="hub-preset-note"]')) ?? '';
      check(`tap: preset ${preset.id} fills repo and variant and warns about memory`, repo === preset.repo && variant === preset.defaultVariant && note.includes(preset.memoryWarning), `${repo} ${variant}; ${note.slice(0, 90)}`);
    }
  } finally {
    await context.close();
  }
}
