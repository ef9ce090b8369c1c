/**
 * The concepts panel in the browser (issue 15), on the export scenario's 12 labelled images: the
 * SAEs (before, after, and before again with another seed) train in the worker with a bar, the
 * quality table and the summary agree with the rows listed, the stability plot draws every concept,
 * and variance explained is recomputed here from the page's own SAE and tokens (the
 * reference: core/sae/topkSae.ts's definition, computed in Node over the same numbers). The
 * export is read by Python and imported back (same analysis), a lone concepts.csv is refused. The
 * panel is photographed at the three sizes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { saeQuality, type TopKSae } from '../../src/core/sae/topkSae.ts';
import { TOOLS_PYTHON } from '../support/toolsPython.ts';
import { SCREENSHOT_SIZES } from '../support/headlessChromium.ts';
import { canvasStats, check, dismissMessages, waitForMessage } from './harness.ts';

type Stores = typeof import('../../src/store/debugStores.ts').debugStores;
type Tokens = typeof import('../../src/store/debugStores.ts').debugTokens;
const ARTIFACTS = resolve('test-artifacts');

export async function conceptChecks(page: Page): Promise<void> {
  await page.locator('[data-testid="concepts-panel"]').scrollIntoViewIfNeeded();
  await page.selectOption('[data-testid="concepts-latents"]', '64');
  await page.selectOption('[data-testid="concepts-k"]', '4');
  await page.check('[data-testid="concepts-stability"]');
  await page.click('[data-testid="concepts-run"]');
  await page.waitForSelector('[data-testid="concepts-job"]', { timeout: 10_000 });
  const eta = await page.waitForSelector('[data-testid="concepts-job"] [data-testid="job-eta"]', { timeout: 60_000 });
  check('concepts: the two SAEs train with a bar and a time estimate', (await eta.textContent())?.includes('left') ?? false, (await eta.textContent()) ?? '');
  await page.waitForSelector('[data-testid="concept-results"]', { timeout: 300_000 });
  const shown = await page.evaluate(() => {
    const results = document.querySelector('[data-testid="concept-results"]')!;
    const rows = Array.from(document.querySelectorAll('[data-testid="concept-row"]'));
    return {
      lost: Number(results.getAttribute('data-lost')),
      firing: Number(results.getAttribute('data-firing')),
      summary: document.querySelector('[data-testid="concepts-summary"]')?.textContent ?? '',
      lostRows: rows.filter((r) => r.getAttribute('data-lost') === 'true').length,
      rows: rows.length,
      fvePre: Number(document.querySelector('[data-testid="concepts-quality-pre"]')?.getAttribute('data-fve')),
    };
  });
  check(
    'concepts: the summary counts the concepts listed, and the lost ones among them',
    shown.summary.startsWith(`${shown.firing - shown.lost} of the ${shown.firing} concepts`) &&
      shown.rows === Math.min(shown.firing, 24) &&
      shown.lostRows <= shown.lost,
    `${shown.summary.slice(0, 120)}; ${shown.rows} rows, ${shown.lostRows} lost shown`,
  );
  const curve = await page.evaluate(() =>
    ['before', 'after'].map((s) => document.querySelector(`[data-testid="concepts-loss-curve"] path.${s}-line`)?.getAttribute('d') ?? ''),
  );
  check(
    'concepts: both autoencoders’ training loss is drawn against the step',
    curve.every((d) => (d.match(/L/g) ?? []).length >= 50 && !d.includes('NaN')),
    curve.map((d) => `${(d.match(/L/g) ?? []).length} segments`).join(', '),
  );
  // Each example is drawn as where its concept fires: a canvas per example, image and overlay in it.
  const examples = await page.locator('.concept-example').count();
  const maps = await page.locator('[data-testid="concept-heatmap"]').count();
  const firstMap = await canvasStats(page, '[data-testid="concept-heatmap"]');
  check(
    'concepts: every example shown is a concept heatmap over its image, drawn',
    examples >= shown.rows && maps === examples && firstMap.distinct > 20 && firstMap.std > 5,
    `${maps} heatmaps for ${examples} examples; first: ${firstMap.distinct} colours, std ${firstMap.std.toFixed(1)}`,
  );
  const recurrence = await page.locator('[data-testid="concept-recurrence"]').allTextContents();
  const dots = await page.locator('[data-testid="stability-plot"] circle').count();
  check(
    'concepts: trained again with another seed, each concept says how well it recurs, and the plot draws every firing concept',
    recurrence.length === shown.rows && recurrence.every((t) => /cos -?\d\.\d\d/.test(t)) && dots === shown.firing,
    `${recurrence.length} rows with recurrence (${recurrence[0]}), ${dots} dots for ${shown.firing} concepts`,
  );
  // The page's SAE and tokens, and variance explained recomputed from them here.
  const data = await page.evaluate(async () => {
    const debug = (window as unknown as { __lensDebug: { stores: Stores; tokens: Tokens } }).__lensDebug;
    const { analysis, collection, concepts: conceptsStore } = debug.stores;
    const { embeddings } = analysis.getState();
    const ids = collection
      .getState()
      .images.filter((i) => embeddings[i.id])
      .map((i) => i.id);
    const concepts = conceptsStore.getState().result!;
    const sae = concepts.analysis.pre.sae;
    const plain = Object.fromEntries(Object.entries(sae).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v]));
    const tokens: number[] = [];
    for (const id of concepts.ids) tokens.push(...(await debug.tokens(id))!.pre);
    return { sae: plain, tokens, sameIds: concepts.ids.join() === ids.join() };
  });
  const raw = data.sae as Record<string, number | number[]>;
  const sae: TopKSae = {
    d: raw.d as number,
    latents: raw.latents as number,
    k: raw.k as number,
    scale: raw.scale as number,
    wEnc: Float32Array.from(raw.wEnc as number[]),
    bEnc: Float32Array.from(raw.bEnc as number[]),
    wDec: Float32Array.from(raw.wDec as number[]),
    bDec: Float32Array.from(raw.bDec as number[]),
  };
  const x = Float32Array.from(data.tokens);
  const recomputed = saeQuality(sae, x, x.length / sae.d).varianceExplained;
  check(
    'concepts: variance explained before the connector, recomputed from the page’s SAE and tokens, is the one shown',
    data.sameIds && Math.abs(recomputed - shown.fvePre) < 1e-9 && recomputed > 0.3,
    `shown ${shown.fvePre}, recomputed ${recomputed}`,
  );
  // Named in the page, exported, and read back by Python's safetensors and csv.
  await page.locator('.concept-name').first().fill('striped things');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('[data-testid="concepts-export"]')]);
  const zipped = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  const dir = mkdtempSync(join(tmpdir(), 'lens-concepts-'));
  for (const [path, bytes] of Object.entries(zipped)) if (!path.endsWith('/')) writeFileSync(join(dir, path.slice(path.indexOf('/') + 1)), bytes);
  const read = JSON.parse(
    execFileSync(
      TOOLS_PYTHON,
      [
        '-c',
        [
          'import csv, json, sys',
          'from safetensors.numpy import load_file',
          'd = sys.argv[1]',
          'pre, post = load_file(d + "/sae_pre.safetensors"), load_file(d + "/sae_post.safetensors")',
          'text = open(d + "/concepts.csv", encoding="utf-8", newline="").read()',
          'rows = [r for r in csv.reader(text.splitlines()) if r and not r[0].startswith("#")]',
          'print(json.dumps({"pre": list(pre["W_dec"].shape), "post": list(post["W_dec"].shape), "rows": rows, "dec_sum": float(pre["W_dec"].astype("float64").sum())}))',
        ].join('\n'),
        dir,
      ],
      { encoding: 'utf8' },
    ),
  ) as { pre: number[]; post: number[]; rows: string[][]; dec_sum: number };
  const decSum = sae.wDec.reduce((t, v) => t + v, 0);
  check(
    'concepts: the export holds both SAEs (safetensors reads the page’s decoder) and the concept table with the name given in the page',
    read.pre[0] === 64 &&
      read.pre[1] === sae.d &&
      read.post[0] === 64 &&
      Math.abs(read.dec_sum - decSum) < 1e-6 * (1 + Math.abs(decSum)) &&
      read.rows.length === shown.firing + 1 &&
      read.rows.some((r) => r[1] === 'striped things'),
    `W_dec ${read.pre} / ${read.post}, ${read.rows.length - 1} rows, decoder sum ${read.dec_sum} vs page ${decSum}`,
  );
  // Not an export: refused with a message naming what is missing; the concepts shown stay.
  await dismissMessages(page);
  await page.setInputFiles('[data-testid="concepts-import-input"]', [
    { name: 'concepts.csv', mimeType: 'text/csv', buffer: Buffer.from(zipped[Object.keys(zipped).find((p) => p.endsWith('concepts.csv'))!]!) },
  ]);
  const refused = await waitForMessage(page, /needs sae_pre\.safetensors, sae_post\.safetensors and sae\.json together/);
  const kept = await page.evaluate(
    () => !!document.querySelector('[data-testid="concept-results"]') && !document.querySelector('[data-testid="concepts-origin"]'),
  );
  check('concepts: a lone concepts.csv is refused by name, and the concepts shown are kept', kept, refused.slice(0, 160));
  // The zip imported back: its autoencoders applied to the same images give the same analysis.
  await dismissMessages(page);
  await page.setInputFiles('[data-testid="concepts-import-input"]', [
    { name: download.suggestedFilename(), mimeType: 'application/zip', buffer: readFileSync((await download.path())!) },
  ]);
  await page.waitForSelector('[data-testid="concepts-origin"]', { timeout: 120_000 });
  const reimported = await page.evaluate(() => {
    const results = document.querySelector('[data-testid="concept-results"]')!;
    return {
      lost: Number(results.getAttribute('data-lost')),
      firing: Number(results.getAttribute('data-firing')),
      fvePre: Number(document.querySelector('[data-testid="concepts-quality-pre"]')?.getAttribute('data-fve')),
      names: Array.from(document.querySelectorAll<HTMLInputElement>('.concept-name')).map((i) => i.value),
      origin: document.querySelector('[data-testid="concepts-origin"]')?.textContent ?? '',
      curve: !!document.querySelector('[data-testid="concepts-loss-curve"]'),
    };
  });
  check(
    'concepts: the exported zip imported back gives the same quality, the same matches and the name given',
    reimported.fvePre === shown.fvePre &&
      reimported.lost === shown.lost &&
      reimported.firing === shown.firing &&
      reimported.names.includes('striped things') &&
      reimported.origin.includes(download.suggestedFilename()) &&
      !reimported.curve,
    JSON.stringify({ ...reimported, names: reimported.names.length, before: { lost: shown.lost, firing: shown.firing, fvePre: shown.fvePre } }),
  );
  const panel = page.locator('[data-testid="concepts-panel"]');
  for (const { width, height } of SCREENSHOT_SIZES) {
    await page.setViewportSize({ width, height });
    await panel.screenshot({ path: resolve(ARTIFACTS, `concepts-${width}x${height}.png`) });
  }
  await page.setViewportSize({ width: 1400, height: 1000 });
}
