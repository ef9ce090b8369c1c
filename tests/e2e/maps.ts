/**
 * The before/after maps on the bundled set (issue 14): both maps draw (pixels, not just nodes),
 * the layout holds every embedded image, selecting a point selects the image everywhere and draws
 * its neighbour lines (kept lines = KNOR × k, from the worker's own lists), hovering shows the
 * thumbnail, the lasso filters the gallery to exactly the points inside it (checked with this
 * test's own point-in-polygon over the drawn positions), colour modes switch, and 10,000 points
 * pan at a measured frame rate. Screenshot: test-artifacts/maps.png.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { check, textNow, waitForLiveKnor } from './harness.ts';
import { regionChecks } from './regions.ts';

const ARTIFACTS = resolve('test-artifacts');
type Stores = typeof import('../../src/store/debugStores.ts').debugStores;

/** Distinct colours and opaque pixels of a (WebGL) canvas, copied through a 2-D canvas. */
function mapPixels(page: Page, space: 'pre' | 'post'): Promise<{ distinct: number; painted: number }> {
  return page.evaluate((s) => {
    const source = document.querySelector<HTMLCanvasElement>(`[data-testid="map-${s}"] canvas`)!;
    const copy = document.createElement('canvas');
    copy.width = source.width;
    copy.height = source.height;
    const context = copy.getContext('2d')!;
    context.drawImage(source, 0, 0);
    const data = context.getImageData(0, 0, copy.width, copy.height).data;
    const colours = new Set<number>();
    let painted = 0;
    for (let i = 0; i < data.length; i += 4)
      if (data[i + 3]! > 0) {
        painted++;
        colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      }
    return { distinct: colours.size, painted };
  }, space);
}

/** Where each point of one map is drawn, in page pixels, from the layout and the view the map reports. */
function drawnPositions(page: Page, space: 'pre' | 'post'): Promise<{ ids: string[]; xy: [number, number][] }> {
  return page.evaluate((s) => {
    const stores = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
    const maps = stores.analysis.getState().maps!;
    const svg = document.querySelector(`[data-testid="map-${s}"] svg`)!;
    const [scale, offsetX, offsetY] = svg.getAttribute('data-view')!.split(',').map(Number) as [number, number, number];
    const rect = svg.getBoundingClientRect();
    // Unaligned here (the test switches alignment off): the stored layout is what is drawn.
    const coords = s === 'pre' ? maps.pre : maps.post;
    return {
      ids: [...maps.ids],
      xy: maps.ids.map((_, i) => [rect.left + coords[i * 2]! * scale + offsetX, rect.top - coords[i * 2 + 1]! * scale + offsetY] as [number, number]),
    };
  }, space);
}

/** Even–odd ray casting: this test's own point-in-polygon, independent of d3.polygonContains. */
function inside(point: readonly [number, number], polygon: readonly (readonly [number, number])[]): boolean {
  let result = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > point[1] !== yj > point[1] && point[0] < ((xj - xi) * (point[1] - yi)) / (yj - yi) + xi) result = !result;
  }
  return result;
}

export async function mapsScenario(launch: () => Promise<Browser>, pageUrl: string, watch: (page: Page) => void): Promise<void> {
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  // tsx keeps function names by wrapping functions in __name(); the page has no such helper.
  await context.addInitScript('globalThis.__name = (f) => f;');
  const page = await context.newPage();
  watch(page);
  try {
    await page.goto(`${pageUrl}?debug`);
    await waitForLiveKnor(page, 300_000);
    // The maps of this browser's vectors, not those of the first look shown before them.
    await page.waitForFunction(
      () => {
        const { maps, knor } = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores.analysis.getState();
        return knor?.source === 'live' && maps?.dataKey === knor.dataKey;
      },
      null,
      { timeout: 300_000 },
    );
    await page.waitForSelector('[data-testid="map-pre"] svg[data-view]', { timeout: 300_000 });
    await page.locator('[data-testid="maps-panel"]').scrollIntoViewIfNeeded();
    await page.uncheck('[data-testid="map-aligned"]');
    await page.waitForTimeout(300);

    const layout = await page.evaluate(() => {
      const stores = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
      const { maps, knor } = stores.analysis.getState();
      return { n: maps!.ids.length, sameIds: maps!.ids.join() === knor!.ids.join(), sizes: [maps!.pre.length, maps!.post.length] };
    });
    const embedded = await page.locator('[data-testid="thumb"][data-state="embedded"]').count();
    check(
      'maps: one point per embedded image in each map',
      layout.n === embedded && layout.sizes.every((s) => s === 2 * embedded) && layout.sameIds,
      `${layout.n} points, ${embedded} embedded`,
    );
    const renderer = await page.getAttribute('[data-testid="map-pre"]', 'data-renderer');
    const [pre, post] = [await mapPixels(page, 'pre'), await mapPixels(page, 'post')];
    check(
      'maps: both maps drawn with WebGL, in label colours',
      renderer === 'webgl' && pre.distinct >= 12 && post.distinct >= 12 && pre.painted > 1000,
      `${renderer}; ${pre.distinct} / ${post.distinct} colours`,
    );

    // Beside the measured KNOR: what random linear maps of the connector's shape keep (draws from fixed seeds).
    await page.waitForSelector('[data-testid="knor-baseline-mean"]', { timeout: 60_000 });
    const baseline = await page.evaluate(() => {
      const stores = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
      const { knorBaseline, knor } = stores.analysis.getState();
      return {
        shown: Number(document.querySelector('[data-testid="knor-baseline-mean"]')!.textContent),
        means: knorBaseline!.means!,
        k: knorBaseline!.k,
        knorK: knor!.k,
      };
    });
    const meanOfDraws = baseline.means.reduce((a, b) => a + b, 0) / baseline.means.length;
    check(
      'maps: the random-map KNOR baseline is shown beside the measured KNOR, for the same k',
      baseline.means.length === 3 &&
        baseline.means.every((m) => m > 0 && m <= 1) &&
        Math.abs(baseline.shown - meanOfDraws) < 6e-4 &&
        baseline.k === baseline.knorK,
      `${baseline.shown.toFixed(3)} (draws ${baseline.means.map((m) => m.toFixed(3)).join(', ')})`,
    );

    // Select an image in the gallery: it is ringed in both maps, with its neighbours linked.
    await page.locator('[data-testid="thumb"] .thumb-button').nth(5).click();
    await page.waitForSelector('[data-testid="map-post"] [data-testid="map-selected"]');
    const links = await page.evaluate(() => {
      const stores = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
      const { knor } = stores.analysis.getState();
      const selected = document.querySelector('.thumb.selected img')!.getAttribute('alt');
      const count = (space: string, kept?: boolean) =>
        document.querySelectorAll(`[data-testid="map-${space}"] [data-testid="map-link"]${kept === undefined ? '' : `[data-kept="${kept}"]`}`).length;
      const index = knor!.ids.findIndex((id) => stores.collection.getState().images.find((i) => i.id === id)?.name === selected);
      return { k: knor!.k, knor: knor!.perImage[index]!, pre: count('pre'), post: count('post'), keptPre: count('pre', true), keptPost: count('post', true) };
    });
    const expectedKept = Math.round(links.knor * links.k);
    check(
      'maps: the selected image links to its k neighbours in each space, kept ones = KNOR × k',
      links.pre === links.k && links.post === links.k && links.keptPre === expectedKept && links.keptPost === expectedKept,
      `${links.pre} / ${links.post} lines, ${links.keptPre} kept (KNOR ${links.knor.toFixed(2)} × ${links.k})`,
    );

    // Click a neighbour's point on the map: that image becomes the selection.
    const neighbour = page.locator('[data-testid="map-pre"] .map-neighbour').first();
    await page.locator('[data-testid="maps-panel"]').scrollIntoViewIfNeeded();
    const box = (await neighbour.boundingBox())!;
    const before = await page.evaluate(() => document.querySelector('.thumb.selected img')!.getAttribute('alt'));
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('[data-testid="map-tooltip"] img');
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction((old) => document.querySelector('.thumb.selected img')?.getAttribute('alt') !== old, before);
    const tooltip = await textNow(page, '[data-testid="map-tooltip"]');
    check('maps: hovering a point shows its thumbnail and clicking it selects it', tooltip.length > 0, tooltip);
    await page.screenshot({ path: resolve(ARTIFACTS, 'maps.png'), fullPage: false });

    // Lasso a region of the before map: the gallery shows exactly the points inside it.
    await page.click('[data-testid="map-lasso"]');
    // Where the points are drawn now, in viewport pixels: the filtered gallery will move the page after.
    const drawn = await drawnPositions(page, 'pre');
    const svgBox = (await page.locator('[data-testid="map-pre"] svg').boundingBox())!;
    const cx = svgBox.x + svgBox.width / 2;
    const cy = svgBox.y + svgBox.height / 2;
    const polygon: [number, number][] = [0, 1, 2, 3, 4, 5, 6, 7].map((s) => {
      const angle = (s / 8) * 2 * Math.PI;
      const radius = s % 2 === 0 ? 0.3 : 0.18;
      return [cx + Math.cos(angle) * svgBox.width * radius, cy + Math.sin(angle) * svgBox.height * radius];
    });
    await page.mouse.move(...polygon[0]!);
    await page.mouse.down();
    for (const p of [...polygon.slice(1), polygon[0]!]) await page.mouse.move(...p, { steps: 4 });
    await page.mouse.up();
    await page.waitForSelector('[data-testid="gallery-filter"]');
    const expected = new Set(drawn.ids.filter((_, i) => inside(drawn.xy[i]!, polygon)));
    const shown = await page.evaluate(() => {
      const stores = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
      const byName = new Map(stores.collection.getState().images.map((i) => [i.name, i.id]));
      return Array.from(document.querySelectorAll('[data-testid="thumb"] img')).map((img) => byName.get(img.getAttribute('alt')!)!);
    });
    // The pointer path is sampled in steps between vertices: points within a pixel of an edge may fall either way.
    const edgeSlack = drawn.ids.filter((_, i) => {
      const near = [-1, 1].some((dx) => [-1, 1].some((dy) => inside([drawn.xy[i]![0] + dx, drawn.xy[i]![1] + dy], polygon) !== inside(drawn.xy[i]!, polygon)));
      return near;
    }).length;
    const mismatched = shown.filter((id) => !expected.has(id)).length + [...expected].filter((id) => !shown.includes(id)).length;
    check(
      'maps: the lasso filters the gallery to the points drawn inside it',
      expected.size > 0 && expected.size < drawn.ids.length && mismatched <= edgeSlack,
      `${shown.length} shown, ${expected.size} inside by this test's own count (${mismatched} differ, ${edgeSlack} on the edge)`,
    );
    await page.click('[data-testid="map-clear-filter"]');
    const all = await page.locator('[data-testid="thumb"]').count();
    check(
      'maps: clearing the lasso shows every image again',
      all === drawn.ids.length && !(await page.isVisible('[data-testid="gallery-filter"]')),
      `${all} thumbnails`,
    );

    // The gallery: sorted by KNOR, filtered by label, and walked with the arrow keys as one tab stop.
    await page.selectOption('[data-testid="gallery-sort"]', 'knor');
    const sortedKnor = await page.evaluate(() => {
      const stores = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
      const { knor } = stores.analysis.getState();
      const byName = new Map(stores.collection.getState().images.map((i) => [i.name, i.id]));
      const knorOf = new Map(knor!.ids.map((id, i) => [id, knor!.perImage[i]!]));
      return Array.from(document.querySelectorAll('[data-testid="thumb"] img')).map((img) => knorOf.get(byName.get(img.getAttribute('alt')!)!)!);
    });
    check(
      'gallery: sorted by KNOR, fewest neighbours kept first',
      sortedKnor.length === drawn.ids.length && sortedKnor.every((v, i) => i === 0 || v >= sortedKnor[i - 1]!),
      `first ${sortedKnor
        .slice(0, 4)
        .map((v) => v.toFixed(1))
        .join(', ')} … last ${sortedKnor.at(-1)!.toFixed(1)}`,
    );
    await page.selectOption('[data-testid="gallery-label"]', 'heart');
    const heartLabels = await page.locator('[data-testid="thumb-label"]').allTextContents();
    check(
      'gallery: the label filter shows that label only',
      heartLabels.length === 24 && heartLabels.every((l) => l === 'heart'),
      `${heartLabels.length} thumbnails`,
    );
    await page.locator('[data-testid="thumb"] .thumb-button').nth(0).click();
    const tabStops = await page.locator('[data-testid="thumb"] .thumb-button[tabindex="0"]').count();
    const boxes = await page.locator('[data-testid="thumb"] .thumb-button').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
    const columns = boxes.filter((top) => top === boxes[0]).length;
    const names = await page.locator('[data-testid="thumb"] img').evaluateAll((els) => els.map((e) => e.getAttribute('alt')));
    const selectedName = () => page.evaluate(() => document.querySelector('.thumb.selected img')?.getAttribute('alt'));
    await page.keyboard.press('ArrowRight');
    const afterRight = await selectedName();
    await page.keyboard.press('ArrowDown');
    const afterDown = await selectedName();
    const focusedIsSelected = await page.evaluate(() => document.activeElement?.closest('.thumb')?.classList.contains('selected') ?? false);
    await page.keyboard.press('Tab');
    const leftGrid = await page.evaluate(() => !document.activeElement?.classList.contains('thumb-button'));
    check(
      'gallery: one tab stop; arrow keys move the selection right and down a row; Tab leaves the grid',
      tabStops === 1 && afterRight === names[1] && afterDown === names[1 + columns] && focusedIsSelected && leftGrid,
      `${columns} columns: ${afterRight}, then ${afterDown}`,
    );
    await page.selectOption('[data-testid="gallery-label"]', '*');
    await page.selectOption('[data-testid="gallery-sort"]', 'collection');

    // Colour by KNOR: a ramp legend, and the points change colour.
    const labelColours = await mapPixels(page, 'pre');
    await page.selectOption('[data-testid="map-colour"]', 'knor');
    await page.waitForSelector('[data-testid="map-legend"] .ramp');
    await page.waitForTimeout(200);
    const knorColours = await mapPixels(page, 'pre');
    check(
      'maps: colouring by KNOR draws a ramp',
      knorColours.distinct !== labelColours.distinct && knorColours.painted > 1000,
      `${labelColours.distinct} → ${knorColours.distinct} colours`,
    );

    // Dark mode follows the system; a chart exported from it is still a light figure on white.
    await page.emulateMedia({ colorScheme: 'dark' });
    const darkColours = await page.evaluate(() => ({
      body: getComputedStyle(document.documentElement).backgroundColor,
      panel: getComputedStyle(document.querySelector('.knor-panel')!).backgroundColor,
      text: getComputedStyle(document.querySelector('.knor-panel h2')!).color,
      axisText: getComputedStyle(document.querySelector('svg[data-testid="knor-histogram"] text')!).fill,
    }));
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('[data-testid="knor-histogram-svg"]')]);
    const exported = readFileSync(await download.path(), 'utf8');
    const exportedFills = [...exported.matchAll(/<text[^>]*style="[^"]*fill:\s*(rgb\([^)]*\))/g)].map((m) => m[1]!);
    const luminance = (css: string) => {
      const [r, g, b] = css.match(/\d+/g)!.map(Number) as [number, number, number];
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    check(
      'dark mode: dark page, light text; an exported chart keeps dark text on white',
      luminance(darkColours.body) < 0.15 &&
        luminance(darkColours.panel) < 0.2 &&
        luminance(darkColours.text) > 0.8 &&
        luminance(darkColours.axisText) > 0.8 &&
        exportedFills.length > 0 &&
        exportedFills.every((fill) => luminance(fill) < 0.2),
      `page ${darkColours.body}, text ${darkColours.text}; exported text ${[...new Set(exportedFills)].join(', ')}`,
    );
    await page.screenshot({ path: resolve(ARTIFACTS, 'dark-mode.png'), fullPage: false });
    await page.emulateMedia({ colorScheme: 'light' });

    // UMAP: Cancel returns to PCA; run to the end, it lays out the same images, labels kept together
    // at least as well as PCA does (share of points whose nearest point on the map has their label).
    await page.selectOption('[data-testid="map-colour"]', 'label');
    await page.selectOption('[data-testid="map-layout"]', 'umap');
    await page.waitForSelector('[data-testid="umap-job"]');
    await page.click('[data-testid="umap-job"] button');
    await page.waitForSelector('[data-testid="umap-job"]', { state: 'detached', timeout: 30_000 });
    const afterCancel = await page.inputValue('[data-testid="map-layout"]');
    check(
      'maps: Cancel on the UMAP layout stops it and goes back to PCA',
      afterCancel === 'pca' && (await page.getAttribute('.maps-pair', 'data-layout')) === 'pca',
      afterCancel,
    );
    const umapStarted = Date.now();
    await page.selectOption('[data-testid="map-layout"]', 'umap');
    await page.waitForSelector('.maps-pair[data-layout="umap"]', { timeout: 120_000 });
    const purity = await page.evaluate(() => {
      const stores = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
      const { maps, umap } = stores.analysis.getState();
      const labelOf = new Map(stores.collection.getState().images.map((i) => [i.id, i.label]));
      const labels = maps!.ids.map((id) => labelOf.get(id));
      const n = labels.length;
      const share = (xy: Float32Array) => {
        let same = 0;
        for (let i = 0; i < n; i++) {
          let best = -1;
          let bestD = Infinity;
          for (let j = 0; j < n; j++) {
            const d = j === i ? Infinity : (xy[i * 2]! - xy[j * 2]!) ** 2 + (xy[i * 2 + 1]! - xy[j * 2 + 1]!) ** 2;
            if (d < bestD) [best, bestD] = [j, d];
          }
          if (labels[best] === labels[i]) same++;
        }
        return same / n;
      };
      return { pca: share(maps!.pre), umap: share(umap!.pre), size: umap!.pre.length / 2 };
    });
    const umapPixels = await mapPixels(page, 'pre');
    check(
      'maps: the UMAP layout draws every image and keeps labels together at least as well as PCA',
      purity.size === layout.n && purity.umap >= purity.pca && umapPixels.painted > 1000,
      `nearest point shares the label: UMAP ${purity.umap.toFixed(3)}, PCA ${purity.pca.toFixed(3)}; ${((Date.now() - umapStarted) / 1000).toFixed(1)} s for both spaces`,
    );
    await page.screenshot({ path: resolve(ARTIFACTS, 'maps-umap.png'), fullPage: false });

    await regionChecks(page);

    // 10,000 points: pan for two seconds and count the frames drawn.
    const fps = await page.evaluate(async () => {
      const stores = (window as unknown as { __lensDebug: { stores: Stores } }).__lensDebug.stores;
      const state = stores.analysis.getState();
      const n = 10_000;
      let seed = 7;
      const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
      const ids = Array.from({ length: n }, (_, i) => `synthetic-${i}`);
      const pre = Float32Array.from({ length: 2 * n }, random);
      const post = Float32Array.from({ length: 2 * n }, random);
      stores.analysis.setState({ maps: { ...state.maps!, ids, pre, post, dataKey: 'synthetic' }, knor: null });
      await new Promise((r) => setTimeout(r, 500));
      const svg = document.querySelector('[data-testid="map-pre"] svg')!;
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="map-pre"] canvas')!;
      const rect = svg.getBoundingClientRect();
      const startDraws = Number(canvas.dataset.draws);
      const x0 = rect.left + rect.width / 2;
      const y0 = rect.top + rect.height / 2;
      svg.dispatchEvent(new MouseEvent('mousedown', { clientX: x0, clientY: y0, button: 0, bubbles: true, view: window }));
      const started = performance.now();
      let frames = 0;
      await new Promise<void>((done) => {
        const step = () => {
          frames++;
          const t = performance.now() - started;
          window.dispatchEvent(
            new MouseEvent('mousemove', { clientX: x0 + 100 * Math.sin(t / 300), clientY: y0 + 60 * Math.cos(t / 300), bubbles: true, view: window }),
          );
          if (t < 2000) requestAnimationFrame(step);
          else done();
        };
        requestAnimationFrame(step);
      });
      window.dispatchEvent(new MouseEvent('mouseup', { bubbles: true, view: window }));
      const seconds = (performance.now() - started) / 1000;
      return {
        frames: frames / seconds,
        draws: (Number(canvas.dataset.draws) - startDraws) / seconds,
        points: document.querySelector('[data-testid="map-pre"] svg')!.getAttribute('aria-label'),
      };
    });
    check(
      'maps: 10,000 points pan at 30 frames a second or more',
      fps.draws >= 30,
      `${fps.draws.toFixed(0)} redraws/s over ${fps.frames.toFixed(0)} frames/s (${fps.points})`,
    );
  } finally {
    await context.close();
    await browser.close();
  }
}
