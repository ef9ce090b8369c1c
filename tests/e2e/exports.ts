/**
 * What goes out and what comes in, in the browser (production build, WASM):
 * 1. "Export session" on a labelled collection with a trained reconstructor: the zip is read back
 *    by independent readers (an RFC 4180 parser, the .npy header and values, PNG decoding, the
 *    safetensors header) and its KNOR, neighbours and patch losses equal what the page shows and
 *    holds; a label that starts like a formula comes back escaped.
 * 2. The view in the URL: a link with pack, k, metric, self mode and an image (by content) opens
 *    on exactly that view.
 * 3. The paper's block store, written by PyTorch with the `safetensors` package: opened from its
 *    folder, KNOR and every neighbour list equal numpy's on the same vectors; bad stores (a
 *    truncated file, a missing partner, shapes that disagree) are refused with a message naming
 *    the file and nothing replaced; choosing a pack again brings the collection back.
 * 4. The CLI on the same images and pack gives the app's KNOR and neighbour lists, and the app
 *    opens the CLI's output folder as a block store with the same lists.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { parseSafetensorsHeader } from '../../src/core/blockstore/safetensors.ts';
import { EXACT_BELOW } from '../../src/core/knn/neighbourTables.ts';
import type { Metric } from '../../src/core/types.ts';
import { sampleImage } from '../../src/core/image/sampleImages.ts';
import { splitComments } from '../core/export/rfc4180.ts';
import { TOOLS_PYTHON, whyNoToolsPython } from '../support/toolsPython.ts';
import { conceptChecks } from './concepts.ts';
import { check, dismissMessages, messagesText, waitForMessage } from './harness.ts';
import { encodePng } from './png.ts';

type Stores = typeof import('../../src/store/debugStores.ts').debugStores;

const IMAGE_COUNT = 12;
const REPO = resolve(import.meta.dirname, '../..');

/** Twelve labelled PNGs (four classes); one label starts like a spreadsheet formula. */
function labelledImages(): { files: { name: string; mimeType: string; buffer: Buffer }[]; labels: Map<string, string> } {
  const labels = new Map<string, string>();
  const files = Array.from({ length: IMAGE_COUNT }, (_, i) => {
    const s = sampleImage(i, 96, 77);
    const name = `exp-${String(i).padStart(2, '0')}.png`;
    labels.set(name, i % 4 === 3 ? '=HYPERLINK("x")' : s.label);
    return { name, mimeType: 'image/png', buffer: encodePng(s.rgba, s.width, s.height) };
  });
  const csv = ['file,label', ...[...labels].map(([name, label]) => `${name},"${label.replace(/"/g, '""')}"`)].join('\n');
  files.push({ name: 'labels.csv', mimeType: 'text/csv', buffer: Buffer.from(`${csv}\n`) });
  return { files, labels };
}

/** What the page holds: KNOR in row order with names, and the reconstruction by name. */
const pageState = (page: Page) =>
  page.evaluate(() => {
    const { model, analysis, collection } = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
    const a = analysis.getState();
    const images = collection.getState().images;
    const nameOf = new Map(images.map((i) => [i.id, i.name]));
    const knor = a.knor;
    const r = a.reconstruction;
    return {
      modelKey: model.getState().modelKey,
      packId: model.getState().packId,
      names: knor ? knor.ids.map((id) => nameOf.get(id) ?? id) : [],
      k: knor?.k ?? 0,
      mean: knor?.mean ?? Number.NaN,
      perImage: knor ? Array.from(knor.perImage) : [],
      nnPre: knor ? Array.from(knor.nnPre) : [],
      nnPost: knor ? Array.from(knor.nnPost) : [],
      tokens: r?.tokens ?? 0,
      lossByName: r ? Object.fromEntries(r.ids.map((id, i) => [nameOf.get(id) ?? id, Array.from(r.perPatch.subarray(i * r.tokens, (i + 1) * r.tokens))])) : {},
      hashes: Object.fromEntries(images.map((i) => [i.name, i.contentHash])),
      count: images.length,
      pooledByName: Object.fromEntries(
        images
          .filter((i) => a.embeddings[i.id])
          .map((i) => [i.name, { pre: Array.from(a.embeddings[i.id]!.pooledPre), post: Array.from(a.embeddings[i.id]!.pooledPost) }]),
      ),
      metric: knor?.metric ?? 'cosine',
      search: knor?.search ?? null,
      weights: r ? r.model.weights.map((w) => ({ count: w.values.length, sum: w.values.reduce((t, v) => t + v, 0) })) : [],
    };
  });

function readNpy(bytes: Uint8Array): { shape: number[]; data: Float32Array } {
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== '\x93NUMPY') throw new Error('not an .npy file');
  const headerLength = bytes[8]! | (bytes[9]! << 8);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  if (!/'descr': '<f4'/.test(header) || !/'fortran_order': False/.test(header)) throw new Error(`unexpected npy header ${header}`);
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)![1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const start = 10 + headerLength;
  return { shape, data: new Float32Array(bytes.slice(start).buffer) };
}

/** The PNG's size, decoded by pngjs (not by the browser that wrote it). */
function pngSize(bytes: Uint8Array): { width: number; height: number; distinct: number } {
  const png = PNG.sync.read(Buffer.from(bytes));
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4 * 7) colours.add((png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!);
  return { width: png.width, height: png.height, distinct: colours.size };
}

/**
 * numpy and the safetensors package read the browser's files, and Node recomputes the neighbour
 * distances from the page's own pooled vectors: the Projector vectors equal the page's, float32
 * for float32; the reconstructor's tensors hold the page's weights (count and sum, which neither
 * the names nor the transposition for PyTorch change); neighbours.csv's distances are the metric's.
 */
function independentReadback(exported: Record<string, Uint8Array>, state: Awaited<ReturnType<typeof pageState>>): void {
  const why = whyNoToolsPython('numpy', 'safetensors');
  // .ci/run makes the tools venv before the tests: without it this check fails rather than passes unread.
  if (why) {
    check('export: read back by numpy and safetensors', false, why);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lens-export-'));
  for (const name of ['vectors_pre.tsv', 'vectors_post.tsv', 'metadata.tsv', 'reconstructor.safetensors']) writeFileSync(join(dir, name), exported[name]!);
  const read = JSON.parse(
    execFileSync(
      TOOLS_PYTHON,
      [
        '-c',
        [
          'import json, sys, numpy',
          'from safetensors.numpy import load_file',
          'd = sys.argv[1]',
          'pre = numpy.loadtxt(d + "/vectors_pre.tsv", delimiter="\\t", dtype=numpy.float32, ndmin=2)',
          'post = numpy.loadtxt(d + "/vectors_post.tsv", delimiter="\\t", dtype=numpy.float32, ndmin=2)',
          'names = [line.split("\\t")[0] for line in open(d + "/metadata.tsv", encoding="utf-8").read().splitlines()[1:]]',
          't = load_file(d + "/reconstructor.safetensors")',
          'print(json.dumps({"names": names, "pre": pre.astype(float).tolist(), "post": post.astype(float).tolist(), "tensors": [[v.size, float(v.astype(numpy.float64).sum()), str(v.dtype)] for v in t.values()]}))',
        ].join('\n'),
        dir,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    ),
  ) as { names: string[]; pre: number[][]; post: number[][]; tensors: [number, number, string][] };
  let vectorMismatches = 0;
  read.names.forEach((name, i) => {
    const page = state.pooledByName[name];
    if (!page || !sameList(read.pre[i]!, page.pre.map(Math.fround)) || !sameList(read.post[i]!, page.post.map(Math.fround))) vectorMismatches += 1;
  });
  check(
    'export: numpy reads vectors_pre.tsv and vectors_post.tsv as the page’s pooled vectors, float32 for float32',
    read.names.length === IMAGE_COUNT && vectorMismatches === 0,
    `${read.names.length} rows, ${vectorMismatches} differ`,
  );
  const sum = (xs: readonly { count: number; sum: number }[]) => xs.reduce((t, x) => ({ count: t.count + x.count, sum: t.sum + x.sum }), { count: 0, sum: 0 });
  const pageWeights = sum(state.weights);
  const fileWeights = sum(read.tensors.map(([count, total]) => ({ count, sum: total })));
  check(
    'export: the safetensors package reads reconstructor.safetensors as the page’s weights (float32; same count and sum)',
    read.tensors.length === state.weights.length &&
      read.tensors.every(([, , dtype]) => dtype === 'float32') &&
      fileWeights.count === pageWeights.count &&
      Math.abs(fileWeights.sum - pageWeights.sum) <= 1e-9 * (1 + Math.abs(pageWeights.sum)),
    `${read.tensors.length} tensors, ${fileWeights.count} values, sum ${fileWeights.sum} vs page ${pageWeights.sum}`,
  );
  // neighbours.csv's distances, recomputed in float64 from the page's vectors (cosine distance or squared L2).
  const nb = splitComments(text(exported['neighbours.csv'])).records;
  const h = nb[0]!;
  const distance = (a: readonly number[], b: readonly number[]) => {
    if (state.metric === 'l2') return a.reduce((t, v, c) => t + (v - b[c]!) ** 2, 0);
    const dot = a.reduce((t, v, c) => t + v * b[c]!, 0);
    return 1 - dot / Math.sqrt(a.reduce((t, v) => t + v * v, 0) * b.reduce((t, v) => t + v * v, 0));
  };
  let worst = 0;
  for (const r of nb.slice(1)) {
    const query = state.pooledByName[r[h.indexOf('image')]!]!;
    const before = state.pooledByName[r[h.indexOf('neighbour_before')]!]!;
    const after = state.pooledByName[r[h.indexOf('neighbour_after')]!]!;
    worst = Math.max(
      worst,
      Math.abs(Number(r[h.indexOf('distance_before')]) - distance(query.pre, before.pre)),
      Math.abs(Number(r[h.indexOf('distance_after')]) - distance(query.post, after.post)),
    );
  }
  check('export: neighbours.csv distances equal the metric recomputed from the page’s vectors', nb.length > 1 && worst < 1e-9, `largest difference ${worst}`);
}

async function exportAndRead(page: Page): Promise<Record<string, Uint8Array>> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('[data-testid="export-session"]')]);
  const path = await download.path();
  const zipped = unzipSync(new Uint8Array(readFileSync(path)));
  // One top folder named after the pack and the time; the files below it.
  const out: Record<string, Uint8Array> = {};
  for (const [path, bytes] of Object.entries(zipped)) if (!path.endsWith('/')) out[path.slice(path.indexOf('/') + 1)] = bytes;
  return out;
}

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());
const sameList = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((v, i) => v === b[i]);

async function sessionExportChecks(
  page: Page,
  pageUrl: string,
  artifacts: string,
): Promise<{ names: string[]; nnPre: number[]; nnPost: number[]; k: number; pngDir: string }> {
  // Which tfjs binary the training worker fetches: the threaded one only where the page is isolated.
  const tfjsBinaries: string[] = [];
  page.on('request', (request) => {
    const name = request.url().split('/').pop() ?? '';
    if (name.startsWith('tfjs-backend-wasm')) tfjsBinaries.push(name.replace(/-[\w-]{8}\.wasm$/, '.wasm'));
  });
  await page.goto(`${pageUrl}?empty&pack=vit-mlp&debug`);
  await page.waitForSelector('[data-testid="ep-badge"]:has-text("runs on")', { timeout: 120_000 });
  // This browser's WebGPU is SwiftShader: a software adapter, slower than WASM, so WASM runs and the badge says why.
  const badge = (await page.textContent('[data-testid="ep-badge"]')) ?? '';
  const why = (await page.getAttribute('[data-testid="ep-badge"]', 'title')) ?? '';
  // Vite's preview server sends the cross-origin isolation headers (vite.config.ts), so WASM runs
  // on as many threads as the app's rule gives this machine's cores, not on one.
  const isolation = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
  const threads = Math.min(isolation.cores, 8);
  const threadLabel = `${threads} thread${threads === 1 ? '' : 's'}`;
  check(
    'a software WebGPU adapter is skipped for WASM, and the badge says why',
    badge.startsWith('runs on WASM') && /software adapter/.test(why),
    `${badge}: ${why}`,
  );
  check(
    'the preview server isolates the page, and ONNX Runtime computes on a thread per core',
    isolation.isolated && badge === `runs on WASM · ${threadLabel}`,
    `crossOriginIsolated ${isolation.isolated}, ${isolation.cores} cores, badge "${badge}"`,
  );
  const { files, labels } = labelledImages();
  await page.setInputFiles('[data-testid="file-input"]', files);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="thumb"][data-state="embedded"]').length === n, IMAGE_COUNT, { timeout: 180_000 });
  await page.waitForSelector('[data-testid="knor-mean"]', { timeout: 60_000 });
  await page.fill('[data-testid="epochs-input"]', '4');
  await page.click('[data-testid="train-button"]');
  await page.waitForSelector('[data-testid="train-facts"]', { timeout: 300_000 });
  const trainFacts = (await page.textContent('[data-testid="train-facts"]')) ?? '';
  // tfjs's own cap: half the logical cores (it assumes two hardware threads a core), at least one;
  // where that is one, the app loads tfjs's single-threaded build rather than start its thread pool.
  const tfjsThreads = Math.max(1, Math.min(Math.floor(isolation.cores / 2), threads));
  const tfjsBinary = tfjsThreads > 1 ? 'tfjs-backend-wasm-threaded-simd.wasm' : 'tfjs-backend-wasm-simd.wasm';
  check(
    `tfjs trains on ${tfjsThreads > 1 ? 'its threaded' : 'its single-threaded SIMD'} WASM build, on as many threads as tfjs's own cap allows (${isolation.cores} cores)`,
    tfjsBinaries.join() === tfjsBinary && trainFacts.includes(`tfjs/wasm, ${tfjsThreads} thread${tfjsThreads === 1 ? '' : 's'}`),
    `fetched ${tfjsBinaries.join(', ') || 'none'}; ${trainFacts.match(/tfjs\/[^;]*/)?.[0] ?? trainFacts}`,
  );
  await page.click('[data-testid="thumb"] img[alt="exp-05.png"]');
  await dismissMessages(page);

  const state = await pageState(page);
  const shownMean = (await page.textContent('[data-testid="knor-mean"]'))?.trim() ?? '';
  const exported = await exportAndRead(page);
  const expected = [
    'images.csv',
    'neighbours.csv',
    'patch_loss.npy',
    'patch_loss.json',
    'vectors_pre.tsv',
    'vectors_post.tsv',
    'metadata.tsv',
    'report.json',
    'reconstructor.safetensors',
    'reconstructor.json',
    'figures/knor_histogram.svg',
    'figures/knor_histogram.png',
    'figures/loss_curve.svg',
    'figures/loss_curve.png',
  ];
  check(
    'export: every file is in the zip',
    expected.every((f) => exported[f]),
    `missing: ${expected.filter((f) => !exported[f]).join(', ') || 'none'}`,
  );

  // images.csv, by an RFC 4180 parser: KNOR per image equals the page's; the mean rounds to what is shown.
  const { comments, records } = splitComments(text(exported['images.csv']));
  const [header, ...rows] = records;
  const col = (name: string) => header!.indexOf(name);
  const csvKnor = new Map(rows.map((r) => [r[col('name')]!, Number(r[col('knor')])]));
  const knorEqual = state.names.every((name, i) => Math.abs(csvKnor.get(name)! - state.perImage[i]!) < 1e-6);
  const csvMean = [...csvKnor.values()].reduce((a, b) => a + b, 0) / csvKnor.size;
  check(
    'export: images.csv KNOR equals the page, image for image, and its mean is the one shown',
    rows.length === IMAGE_COUNT && knorEqual && csvMean.toFixed(3) === shownMean,
    `${rows.length} rows, mean ${csvMean.toFixed(4)} vs shown ${shownMean}`,
  );
  check(
    'export: images.csv says how it was measured',
    comments.some((c) => /k\W+10/.test(c)) && comments.some((c) => /cosine/i.test(c)) && comments.some((c) => c.includes(state.modelKey ?? '?')),
    comments.join(' | ').slice(0, 200),
  );
  const formulaRows = rows.filter((r) => labels.get(r[col('name')]!)?.startsWith('='));
  check(
    'export: a label that starts like a formula is escaped',
    formulaRows.length === 3 && formulaRows.every((r) => r[col('label')] === `'=HYPERLINK("x")`),
    formulaRows.map((r) => r[col('label')]).join(' '),
  );

  // neighbours.csv: the page's lists, by name, rank by rank.
  const nb = splitComments(text(exported['neighbours.csv'])).records;
  const nbHeader = nb[0]!;
  const byImage = new Map<string, string[][]>();
  for (const r of nb.slice(1)) byImage.set(r[nbHeader.indexOf('image')]!, [...(byImage.get(r[nbHeader.indexOf('image')]!) ?? []), r]);
  const listsEqual = state.names.every((name, i) => {
    const listed = byImage.get(name) ?? [];
    const pre = listed.map((r) => r[nbHeader.indexOf('neighbour_before')]);
    const post = listed.map((r) => r[nbHeader.indexOf('neighbour_after')]);
    return (
      sameList(
        pre,
        state.nnPre.slice(i * state.k, (i + 1) * state.k).map((j) => state.names[j]),
      ) &&
      sameList(
        post,
        state.nnPost.slice(i * state.k, (i + 1) * state.k).map((j) => state.names[j]),
      )
    );
  });
  check('export: neighbours.csv lists the page neighbours in order', nb.length - 1 === IMAGE_COUNT * state.k && listsEqual, `${nb.length - 1} rows`);

  // patch_loss.npy: [images, T] float32 equal to the page's reconstruction, row by name.
  const npy = readNpy(exported['patch_loss.npy']!);
  const npyRows = (JSON.parse(text(exported['patch_loss.json'])) as { rows: { name: string }[] }).rows.map((r) => r.name);
  let worst = 0;
  npyRows.forEach((name, i) => {
    const want = state.lossByName[name] ?? [];
    want.forEach((v, t) => (worst = Math.max(worst, Math.abs(v - npy.data[i * state.tokens + t]!))));
  });
  check(
    'export: patch_loss.npy equals the page losses',
    sameList(npy.shape, [IMAGE_COUNT, state.tokens]) && worst === 0,
    `shape [${npy.shape}], largest difference ${worst}`,
  );

  const heatmaps = Object.keys(exported).filter((f) => f.startsWith('heatmaps/') && f.endsWith('.png'));
  const firstHeatmap = heatmaps[0] ? pngSize(exported[heatmaps[0]]!) : null;
  check(
    'export: a heatmap PNG per image, with its colour bar, decodes',
    heatmaps.length === IMAGE_COUNT && firstHeatmap !== null && firstHeatmap.height > firstHeatmap.width && firstHeatmap.distinct > 20,
    `${heatmaps.length} PNGs, first ${firstHeatmap?.width} x ${firstHeatmap?.height}, ${firstHeatmap?.distinct} colours`,
  );
  const histogramSvg = text(exported['figures/knor_histogram.svg']);
  const histogramPng = pngSize(exported['figures/knor_histogram.png']!);
  check(
    'export: the histogram as standalone SVG (styles inline) and as PNG',
    /<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/.test(histogramSvg) &&
      /<rect[^>]+style="[^"]*fill:/.test(histogramSvg) &&
      !/class=/.test(histogramSvg) &&
      histogramPng.width >= 700,
    `PNG ${histogramPng.width} x ${histogramPng.height}`,
  );

  const vectors = text(exported['vectors_pre.tsv']).trimEnd().split('\n');
  const metadata = text(exported['metadata.tsv']).trimEnd().split('\n');
  check(
    'export: Embedding Projector files line up (vectors, metadata with a header)',
    vectors.length === IMAGE_COUNT && metadata.length === IMAGE_COUNT + 1 && metadata[0] === 'name\tlabel\tknor',
    `${vectors.length} vectors, ${metadata.length} metadata lines`,
  );
  const report = JSON.parse(text(exported['report.json'])) as { summary?: { meanKnor?: number }; pack?: { key?: string } };
  check(
    'export: report.json carries the mean and the pack key',
    Math.abs((report.summary?.meanKnor ?? -1) - state.mean) < 1e-9 && report.pack?.key === state.modelKey,
    JSON.stringify(report.summary ?? {}).slice(0, 160),
  );
  independentReadback(exported, state);
  const safetensors = exported['reconstructor.safetensors']!;
  const weights = parseSafetensorsHeader(safetensors, safetensors.length, 'reconstructor.safetensors');
  check(
    'export: reconstructor.safetensors parses and holds the layers',
    ['fc1.weight', 'fc3.bias'].every((n) => weights.tensors.some((t) => t.name === n)),
    weights.tensors.map((t) => t.name).join(', '),
  );

  // Each figure's own buttons: the histogram as SVG, the loss curve as PNG, the selected heatmap as PNG.
  const saved = async (testId: string) => {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click(`[data-testid="${testId}"]`)]);
    return { name: download.suggestedFilename(), bytes: new Uint8Array(readFileSync(await download.path())) };
  };
  const histogramFile = await saved('knor-histogram-svg');
  const curveFile = await saved('loss-curve-png');
  const heatmapFile = await saved('heatmap-png');
  const heatmapPng = pngSize(heatmapFile.bytes);
  check(
    "export: each figure's own SVG/PNG buttons save it",
    /^knor_histogram_k10_cosine\.svg$/.test(histogramFile.name) &&
      text(histogramFile.bytes).includes('<svg') &&
      pngSize(curveFile.bytes).width > 0 &&
      heatmapFile.name === 'heatmap_exp-05.png' &&
      heatmapPng.width === 448 &&
      heatmapPng.height > 448,
    `${histogramFile.name}, ${curveFile.name}, ${heatmapFile.name} ${heatmapPng.width} x ${heatmapPng.height}`,
  );

  // "to folder…": the same files written through the File System Access API (the picker answered
  // with a folder of the origin's private file system, which the test can read back).
  await page.evaluate(() => {
    (window as unknown as { showDirectoryPicker: () => Promise<FileSystemDirectoryHandle> }).showDirectoryPicker = async () =>
      (await navigator.storage.getDirectory()).getDirectoryHandle('picked', { create: true });
  });
  await dismissMessages(page);
  await page.click('[data-testid="export-session-folder"]');
  await waitForMessage(page, /into the folder you chose/);
  // No helper functions inside evaluate: tsx would wrap them in a __name() the page lacks.
  const written = await page.evaluate(async () => {
    const picked = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked');
    // One sub-folder, named like the zip.
    const folders: string[] = [];
    for await (const entry of (picked as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) folders.push(entry.name);
    const root = await picked.getDirectoryHandle(folders[0]!);
    const csv = await (await root.getFileHandle('images.csv')).getFile();
    const png = await (await (await root.getDirectoryHandle('heatmaps')).getFileHandle('exp-05.png')).getFile();
    return { folders, images: Array.from(new Uint8Array(await csv.arrayBuffer())), heatmap: png.size };
  });
  const folderCsv = splitComments(new TextDecoder().decode(new Uint8Array(written.images))).records;
  check(
    'export to a folder: the same tables and figures, in one folder named like the zip',
    written.folders.length === 1 &&
      /^connector-lens-/.test(written.folders[0]!) &&
      folderCsv.length === IMAGE_COUNT + 1 &&
      sameList(
        folderCsv.map((r) => r[0]),
        records.map((r) => r[0]),
      ) &&
      written.heatmap > 1000,
    `${written.folders.join(', ')}: ${folderCsv.length - 1} rows, heatmap ${written.heatmap} bytes`,
  );

  // The k field explains a refusal instead of snapping back, and the KNOR shown stays.
  await page.fill('[data-testid="k-input"]', '0');
  const kSaid = await page.textContent('[data-testid="k-problem"]', { timeout: 10_000 });
  const kState = await pageState(page);
  check(
    'k field: 0 is refused with a reason, KNOR stays at k = 10',
    kSaid === 'k is at least 1: each image needs one neighbour or more to compare.' && kState.k === 10,
    kSaid ?? 'no reason shown',
  );
  await page.fill('[data-testid="k-input"]', '10');
  await page.waitForSelector('[data-testid="k-problem"]', { state: 'detached', timeout: 10_000 });

  // The view in the URL: what is on screen, and a link that reopens it.
  const search = await page.evaluate(() => location.search);
  const prefix = state.hashes['exp-05.png']!.slice(0, 12);
  check(
    'URL: carries the pack, k, metric, self mode and the selected image',
    /pack=vit-mlp/.test(search) && /k=10/.test(search) && /metric=cosine/.test(search) && /self=0/.test(search) && search.includes(`image=${prefix}`),
    search,
  );
  await page.goto(`${pageUrl}?pack=vit-mlp&ep=wasm&debug&k=7&metric=l2&self=1&image=${state.hashes['exp-09.png']!.slice(0, 12)}`);
  await page.waitForFunction(
    () =>
      document.querySelector('[data-testid="knor-mean"]') !== null &&
      (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState().knor?.k === 7,
    null,
    { timeout: 120_000 },
  );
  const linked = await page.evaluate(() => ({
    k: (document.querySelector('[data-testid="k-input"]') as HTMLInputElement).value,
    metric: (document.querySelector('.knor-panel select') as HTMLSelectElement).value,
    self: (document.querySelector('.knor-panel input[type="checkbox"]') as HTMLInputElement).checked,
    selected: document.querySelector('[data-testid="thumb"].selected img')?.getAttribute('alt') ?? null,
  }));
  check(
    'URL: a link opens its view (k 7, squared L2, self counted, the image it names)',
    linked.k === '7' && linked.metric === 'l2' && linked.self && linked.selected === 'exp-09.png',
    JSON.stringify(linked),
  );
  await page.screenshot({ path: join(artifacts, 'e2e-exports-linked.png'), fullPage: true });
  // Back to the settings the CLI comparison uses.
  await page.goto(`${pageUrl}?pack=vit-mlp&ep=wasm&debug&k=10&metric=cosine&self=0`);
  await page.waitForFunction(() => (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState().knor?.k === 10, null, {
    timeout: 120_000,
  });

  const pngDir = mkdtempSync(join(tmpdir(), 'lens-cli-images-'));
  for (const f of files) if (f.name.endsWith('.png')) writeFileSync(join(pngDir, f.name), f.buffer);
  const s = await pageState(page);
  return { names: s.names, nnPre: s.nnPre, nnPost: s.nnPost, k: s.k, pngDir };
}

/** Writes a block store as the paper's code does, and numpy's KNOR on it. */
const WRITE_STORE = String.raw`
import json, sys, os
import numpy as np, torch
from safetensors.torch import save_file
from PIL import Image
out, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
g = torch.Generator().manual_seed(11)
T, dv, dl = 16, 24, 40
pooled_pre, pooled_post = [], []
labels = []
for i in range(n):
    centre = torch.randn(1, dv, generator=g) * 2.0 + (i % 3)
    pre = (centre + torch.randn(T, dv, generator=g)).to(torch.float16)
    post = (torch.tanh(pre.float() @ torch.randn(dv, dl, generator=g) * 0.3) + 0.1 * torch.randn(T, dl, generator=g)).to(torch.bfloat16)
    save_file({'block': pre}, os.path.join(out, f'pre-block-{i}.safetensors'))
    save_file({'block': post}, os.path.join(out, f'post-block-{i}.safetensors'))
    # The app reads the stored dtype and pools in float64, rounding the mean to float32.
    pooled_pre.append(pre.float().numpy().astype(np.float64).mean(0).astype(np.float32))
    pooled_post.append(post.float().numpy().astype(np.float64).mean(0).astype(np.float32))
    if i < 4:
        Image.fromarray(np.full((32, 48, 3), 40 * i + 30, dtype=np.uint8)).save(os.path.join(out, f'{i}.png'))
    labels.append(f'{i},class{i % 3}')
with open(os.path.join(out, 'labels.csv'), 'w') as f:
    f.write('file,label\n' + '\n'.join(labels) + '\n')
def knn(x):
    x = np.asarray(x, dtype=np.float64)
    norms = np.sqrt((x * x).sum(1))
    d = 1 - (x @ x.T) / np.outer(norms, norms)
    np.fill_diagonal(d, np.inf)
    return [list(np.lexsort((np.arange(len(x)), row))[:k]) for row in d]
a, b = knn(pooled_pre), knn(pooled_post)
per = [len(set(p) & set(q)) / k for p, q in zip(a, b)]
print(json.dumps({'nnPre': [[int(j) for j in r] for r in a], 'nnPost': [[int(j) for j in r] for r in b], 'perImage': per, 'mean': float(np.mean(per))}))
`;

async function blockStoreChecks(page: Page): Promise<void> {
  const why = whyNoToolsPython('torch', 'safetensors', 'numpy', 'PIL');
  if (why) {
    check('block store: written by PyTorch + safetensors (skipped)', false, why);
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'lens-store-'));
  try {
    const store = join(root, 'paper-store');
    const n = 20;
    const k = 5;
    const numpy = JSON.parse(execFileSync(TOOLS_PYTHON, ['-c', WRITE_STORE, store, String(n), String(k)], { encoding: 'utf8' })) as {
      nnPre: number[][];
      nnPost: number[][];
      perImage: number[];
      mean: number;
    };
    const before = await pageState(page);
    await page.fill('[data-testid="k-input"]', String(k));
    await dismissMessages(page);
    await page.setInputFiles('[data-testid="block-store-input"]', store);
    await waitForMessage(page, /Opened block store "paper-store": 20 images/);
    await page.waitForFunction(
      (count) => {
        const a = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState();
        return a.knor?.ids.length === count && a.knor.k === 5;
      },
      n,
      { timeout: 120_000 },
    );
    const s = await pageState(page);
    // Rows are the store's blocks in id order: block i is row i.
    const order = s.names.map((name) => Number(name.replace(/\.png$/, '')));
    const rowsInOrder = sameList(
      order,
      Array.from({ length: n }, (_, i) => i),
    );
    const listsEqual =
      numpy.nnPre.every((r, i) => sameList(r, s.nnPre.slice(i * k, (i + 1) * k))) &&
      numpy.nnPost.every((r, i) => sameList(r, s.nnPost.slice(i * k, (i + 1) * k)));
    check(
      'block store: KNOR and every neighbour list equal numpy on the same vectors',
      rowsInOrder && listsEqual && Math.abs(s.mean - numpy.mean) < 1e-6,
      `app ${s.mean.toFixed(4)}, numpy ${numpy.mean.toFixed(4)}`,
    );
    const thumbs = await page.locator('[data-testid="thumb"]').count();
    const labelled = await page.locator('[data-testid="thumb-label"]').count();
    const badge = (await page.textContent('[data-testid="ep-badge"]')) ?? '';
    check(
      'block store: blocks shown with their images or a placeholder, labelled from labels.csv, no model',
      thumbs === n && labelled === n && /embeddings from files/.test(badge),
      `${thumbs} thumbs, ${labelled} labels, badge "${badge}"`,
    );
    await page.screenshot({ path: join(REPO, 'test-artifacts', 'e2e-block-store.png'), fullPage: true });
    // Several messages: one click clears them all.
    const before2 = await page.locator('[data-testid="message"]').count();
    await page.click('[data-testid="dismiss-all"]');
    await page.waitForSelector('[data-testid="messages"]', { state: 'detached', timeout: 10_000 });
    check('messages: "Dismiss all" clears every message at once', before2 >= 2, `${before2} messages cleared`);
    // Images dropped while a store is open have no model to embed them: refused, said, the store stays whole.
    await dismissMessages(page);
    await page.setInputFiles('[data-testid="file-input"]', [
      { name: 'late.png', mimeType: 'image/png', buffer: encodePng(sampleImage(99, 64, 3).rgba, 64, 64) },
    ]);
    const lateSaid = await waitForMessage(page, /A block store is open/);
    const withLate = await pageState(page);
    check(
      'block store: an image added meanwhile is refused, saying why, and the store stays whole',
      /late\.png was not added\. Choose a model pack first/.test(lateSaid) && withLate.count === n && withLate.mean === s.mean,
      lateSaid.slice(0, 200),
    );

    // The store's token blocks train the reconstructor as a model's would: no model needed.
    await dismissMessages(page);
    await page.fill('[data-testid="epochs-input"]', '3');
    await page.click('[data-testid="train-button"]');
    await page.waitForSelector('[data-testid="train-facts"]', { timeout: 300_000 });
    const trained = await page.evaluate(() => {
      const r = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState().reconstruction;
      return r
        ? {
            images: r.ids.length,
            tokens: r.tokens,
            finite: Array.from(r.perPatch).every(Number.isFinite),
            positive: Array.from(r.perImage).every((v) => v > 0),
          }
        : null;
    });
    check(
      'block store: its token blocks train the reconstructor, a loss for every patch of every block',
      trained !== null && trained.images === n && trained.tokens === 16 && trained.finite && trained.positive,
      JSON.stringify(trained),
    );

    // Bad stores: each refused with a message naming the file; what is open stays.
    const bad = (name: string, change: (dir: string) => void) => {
      const dir = join(root, name);
      cpSync(store, dir, { recursive: true });
      change(dir);
      return dir;
    };
    const cases: [string, string, RegExp][] = [
      ['truncated', bad('truncated', (d) => truncateSync(join(d, 'post-block-7.safetensors'), 200)), /post-block-7\.safetensors/],
      ['missing partner', bad('orphan', (d) => rmSync(join(d, 'post-block-3.safetensors'))), /pre-block-3\.safetensors/],
      [
        'shapes disagree',
        bad('mixed', (d) =>
          execFileSync(TOOLS_PYTHON, [
            '-c',
            "import sys, torch; from safetensors.torch import save_file; save_file({'block': torch.zeros(9, 24)}, sys.argv[1])",
            join(d, 'pre-block-12.safetensors'),
          ]),
        ),
        /pre-block-12\.safetensors/,
      ],
    ];
    for (const [what, dir, names] of cases) {
      await dismissMessages(page);
      await page.setInputFiles('[data-testid="block-store-input"]', dir);
      const said = await waitForMessage(page, /Nothing was replaced/);
      const after = await pageState(page);
      check(
        `block store refused (${what}): the file is named, nothing replaced`,
        names.test(said) && after.count === withLate.count && after.mean === s.mean,
        said.slice(0, 220),
      );
    }

    // A model chosen again: the collection set aside comes back, with its results.
    await dismissMessages(page);
    await page.selectOption('[data-testid="pack-picker"]', 'vit-mlp');
    await page.waitForFunction((count) => document.querySelectorAll('[data-testid="thumb"][data-state="embedded"]').length === count, before.count, {
      timeout: 120_000,
    });
    const back = await pageState(page);
    check(
      'block store closed: the collection that was set aside comes back, with its results',
      back.count === before.count && back.modelKey === before.modelKey && Number.isFinite(back.mean),
      `${back.count} images, KNOR ${back.mean}`,
    );

    // The store's files dropped on the page (as a drag from a file manager hands them over) open it too.
    await dismissMessages(page);
    const files = readdirSync(store).map((name) => ({ name, bytes: Array.from(readFileSync(join(store, name))) }));
    await page.evaluate((dropped) => {
      const data = new DataTransfer();
      for (const f of dropped) data.items.add(new File([new Uint8Array(f.bytes)], f.name));
      const zone = document.querySelector('[data-testid="drop-zone"]')!;
      for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    }, files);
    await waitForMessage(page, /Opened block store ".*": 20 images/);
    await page.waitForFunction(
      (count) => {
        const a = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState();
        return a.knor?.ids.length === count;
      },
      n,
      { timeout: 120_000 },
    );
    const droppedState = await pageState(page);
    check(
      'block store: its files dropped on the page open it, with the same KNOR as numpy',
      droppedState.count === n && Math.abs(droppedState.mean - numpy.mean) < 1e-6 && droppedState.k === k,
      `KNOR ${droppedState.mean.toFixed(4)} vs numpy ${numpy.mean.toFixed(4)} at k ${droppedState.k}`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A pooled store large enough for the neighbour search's threads, written by PyTorch; numpy's lists for both metrics. */
const WRITE_POOLED_STORE = String.raw`
import json, sys, os
import numpy as np, torch
from safetensors.torch import save_file
out, n, k, dpre, dpost = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
os.makedirs(out, exist_ok=True)
g = torch.Generator().manual_seed(5)
centres = torch.randn(40, dpre, generator=g)
mix = torch.randn(dpre, dpost, generator=g) / dpre ** 0.5
pre_all, post_all = [], []
for i in range(n):
    pre = (centres[i % 40] + 0.7 * torch.randn(dpre, generator=g)).to(torch.float16)
    post = (torch.tanh(pre.float() @ mix) + 0.2 * torch.randn(dpost, generator=g)).to(torch.float16)
    save_file({'block': pre}, os.path.join(out, f'pre-block-{i}.safetensors'))
    save_file({'block': post}, os.path.join(out, f'post-block-{i}.safetensors'))
    pre_all.append(pre.float().numpy().astype(np.float64))
    post_all.append(post.float().numpy().astype(np.float64))
def knn(x, metric):
    x = np.stack(x)
    sq = (x * x).sum(1)
    d = 1 - (x @ x.T) / np.sqrt(np.outer(sq, sq)) if metric == 'cosine' else sq[:, None] + sq[None, :] - 2 * (x @ x.T)
    np.fill_diagonal(d, np.inf)
    return [[int(j) for j in np.lexsort((np.arange(len(x)), row))[:k]] for row in d]
print(json.dumps({m: {'nnPre': knn(pre_all, m), 'nnPost': knn(post_all, m)} for m in ('cosine', 'l2')}))
`;

/**
 * The neighbour search at a size where it runs on the dot-product kernel and its products
 * workers (n^2 d over EXACT_BELOW in both spaces, a cross-origin isolated page): every list, for
 * cosine and then for squared L2 (a selection from the same tables, no new search), equals numpy's.
 */
async function threadedSearchChecks(page: Page): Promise<void> {
  const why = whyNoToolsPython('torch', 'safetensors', 'numpy');
  if (why) {
    check('neighbour search on its threads: a pooled store written by PyTorch (skipped)', false, why);
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'lens-pooled-'));
  try {
    const store = join(root, 'pooled-store');
    const [n, k, dPre, dPost] = [1200, 10, 160, 256];
    if (n * n * dPre < EXACT_BELOW) throw new Error('the pooled store is too small to reach the kernel');
    const numpy = JSON.parse(
      execFileSync(TOOLS_PYTHON, ['-c', WRITE_POOLED_STORE, store, String(n), String(k), String(dPre), String(dPost)], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      }),
    ) as Record<Metric, { nnPre: number[][]; nnPost: number[][] }>;
    // The threads the page allows its compute workers (core/threads/computeThreads.ts).
    const threads = await page.evaluate(() => (crossOriginIsolated ? Math.min(8, navigator.hardwareConcurrency) : 1));
    await dismissMessages(page);
    await page.fill('[data-testid="k-input"]', String(k));
    await page.setInputFiles('[data-testid="block-store-input"]', store);
    await waitForMessage(page, new RegExp(`Opened block store "pooled-store": ${n} images`));
    for (const metric of ['cosine', 'l2'] as const) {
      if (metric === 'l2') await page.selectOption('select:has(option[value="l2"])', 'l2');
      await page.waitForFunction(
        ([count, wanted]) => {
          const a = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState();
          return a.knor?.ids.length === count && a.knor.k === 10 && a.knor.metric === wanted;
        },
        [n, metric] as const,
        { timeout: 300_000 },
      );
      const s = await pageState(page);
      const order = s.names.map(Number);
      const rowOf = (i: number) => order.indexOf(i);
      let differing = 0;
      for (let i = 0; i < n; i++) {
        const row = rowOf(i);
        const mine = (list: number[]) => list.slice(row * k, (row + 1) * k).map((r) => order[r]!);
        if (!sameList(numpy[metric].nnPre[i]!, mine(s.nnPre)) || !sameList(numpy[metric].nnPost[i]!, mine(s.nnPost))) differing++;
      }
      // The answer would be right even if the kernel's products were wrong (certification falls
      // back to scanning rows exactly), so the rows it had to scan say whether the products were right.
      const search = s.search;
      check(
        `neighbour search on its threads (${metric === 'l2' ? 'squared L2' : 'cosine'}): every list of ${n} images equals numpy's, the products certified`,
        differing === 0 &&
          order.every((v) => Number.isInteger(v)) &&
          search !== null &&
          search.productThreads === threads &&
          threads > 1 &&
          search.uncertifiedRows < (4 * n) / 50,
        `${differing} rows differ; products on ${search?.productThreads ?? 'no'} threads (the page allows ${threads}); ${search?.uncertifiedRows ?? '?'} of ${4 * n} rows scanned exactly`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function cliChecks(page: Page, app: { names: string[]; nnPre: number[]; nnPost: number[]; k: number; pngDir: string }): Promise<void> {
  const out = join(mkdtempSync(join(tmpdir(), 'lens-cli-out-')), 'cli-store');
  try {
    execFileSync(
      process.execPath,
      [join(REPO, 'bin/connector-lens.mjs'), 'analyze', app.pngDir, '--pack', 'vit-mlp', '--out', out, '--k', String(app.k), '--metric', 'cosine'],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 },
    );
    const { records } = splitComments(readFileSync(join(out, 'neighbours.csv'), 'utf8'));
    const header = records[0]!;
    const byImage = new Map<string, { pre: string[]; post: string[] }>();
    for (const r of records.slice(1)) {
      const name = r[header.indexOf('image')]!.replace(/^.*\//, '');
      const entry = byImage.get(name) ?? { pre: [], post: [] };
      entry.pre.push(r[header.indexOf('neighbour_before')]!.replace(/^.*\//, ''));
      entry.post.push(r[header.indexOf('neighbour_after')]!.replace(/^.*\//, ''));
      byImage.set(name, entry);
    }
    const equal = app.names.every((name, i) => {
      const cli = byImage.get(name);
      const want = (lists: number[]) => lists.slice(i * app.k, (i + 1) * app.k).map((j) => app.names[j]!);
      return cli !== undefined && sameList(cli.pre, want(app.nnPre)) && sameList(cli.post, want(app.nnPost));
    });
    check(
      'CLI: the same images and pack give the app neighbour lists, image for image',
      equal && byImage.size === app.names.length,
      `${byImage.size} images from the CLI`,
    );

    // The CLI's output folder is a block store the app opens: the same lists again, now from files.
    const cliKnor = JSON.parse(readFileSync(join(out, 'knor.json'), 'utf8')) as { mean: number; nnPre: number[][]; nnPost: number[][] };
    await dismissMessages(page);
    await page.fill('[data-testid="k-input"]', String(app.k));
    await page.setInputFiles('[data-testid="block-store-input"]', out);
    await waitForMessage(page, /Opened block store "cli-store": 12 images/);
    await page.waitForFunction(
      (count) => (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState().knor?.ids.length === count,
      app.names.length,
      { timeout: 120_000 },
    );
    const opened = await pageState(page);
    const sameAsCli =
      cliKnor.nnPre.every((r, i) => sameList(r, opened.nnPre.slice(i * app.k, (i + 1) * app.k))) &&
      cliKnor.nnPost.every((r, i) => sameList(r, opened.nnPost.slice(i * app.k, (i + 1) * app.k)));
    check(
      'CLI: the app opens its output folder as a block store, with the same neighbour lists',
      sameAsCli && opened.k === app.k && Math.abs(opened.mean - cliKnor.mean) < 1e-12,
      `KNOR ${opened.mean.toFixed(4)} in the app, ${cliKnor.mean.toFixed(4)} from the CLI`,
    );
  } finally {
    rmSync(resolve(out, '..'), { recursive: true, force: true });
    rmSync(app.pngDir, { recursive: true, force: true });
  }
}

export async function exportsScenario(browser: Browser, pageUrl: string, artifacts: string, watch: (page: Page) => void): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  try {
    const page = await context.newPage();
    watch(page);
    const app = await sessionExportChecks(page, pageUrl, artifacts);
    await conceptChecks(page);
    await blockStoreChecks(page);
    await cliChecks(page, app);
    await threadedSearchChecks(page);

    // Removing an image says so and offers Undo, which puts it back in its place with its results.
    const whole = await pageState(page);
    await dismissMessages(page);
    await page.locator('.thumb-remove').nth(2).click();
    await page.waitForFunction(
      (n) => (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState().knor?.ids.length === n,
      whole.count - 1,
      { timeout: 60_000 },
    );
    const removedSaid = await waitForMessage(page, /Removed /);
    await page.click('[data-testid="message-action"]:has-text("Undo")');
    await page.waitForFunction(
      (n) => (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState().knor?.ids.length === n,
      whole.count,
      { timeout: 60_000 },
    );
    const undone = await pageState(page);
    check(
      'remove, then Undo: the image is back in its place, KNOR as before',
      sameList(undone.names, whole.names) && undone.mean === whole.mean && /Removed \S+\./.test(removedSaid),
      `${removedSaid.slice(0, 60)}; ${undone.count} images, KNOR ${undone.mean}`,
    );
    check('exports: no error left unexplained', !/undefined|NaN/.test(await messagesText(page)));
  } finally {
    await context.close();
  }
}
