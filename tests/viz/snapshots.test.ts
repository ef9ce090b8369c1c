/**
 * The painters' output compared with snapshots under review, in the manner of Observable Plot's
 * tests: each chart is drawn from fixed inputs and its markup (SVG) or pixels (PNG) must equal the
 * committed file in tests/viz/snapshots/. On a mismatch the new drawing is written beside it as
 * `<name>-changed.svg|png` for a person to look at; once it is right, rename it over the old one
 * (or run with UPDATE_SNAPSHOTS=1). A missing snapshot fails rather than passing silently.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { describe, it } from 'vitest';
import { renderColorBar } from '../../src/viz/colorBar.ts';
import { buildLut, lossColorScale } from '../../src/viz/colorScale.ts';
import { heatmapRgba } from '../../src/viz/heatmapPainter.ts';
import { renderKnorHistogram } from '../../src/viz/histogram.ts';
import { renderLossCurve } from '../../src/viz/lossCurve.ts';
import { seededRandom } from '../../src/core/random.ts';
import { fakeSvg } from './fakeDom.ts';

const DIR = resolve(import.meta.dirname, 'snapshots');
const UPDATE = process.env.UPDATE_SNAPSHOTS === '1';

/** Compares `actual` with the snapshot `name`; writes `-changed` (or the snapshot itself when updating) on a difference. */
function matchSnapshot(name: string, ext: 'svg' | 'png', actual: Buffer, same: (expected: Buffer) => boolean): void {
  mkdirSync(DIR, { recursive: true });
  const path = join(DIR, `${name}.${ext}`);
  const changed = join(DIR, `${name}-changed.${ext}`);
  if (UPDATE) {
    writeFileSync(path, actual);
    rmSync(changed, { force: true });
    return;
  }
  if (!existsSync(path)) {
    writeFileSync(changed, actual);
    throw new Error(`no snapshot ${name}.${ext}: the drawing is in ${changed}; look at it, then rename it to ${name}.${ext} (or run with UPDATE_SNAPSHOTS=1)`);
  }
  if (same(readFileSync(path))) {
    rmSync(changed, { force: true });
    return;
  }
  writeFileSync(changed, actual);
  throw new Error(`${name}.${ext} differs from its snapshot: the new drawing is in ${changed}; look at both`);
}

function svgSnapshot(name: string, draw: (svg: SVGSVGElement) => void, width: number, height: number): void {
  const { svg, el } = fakeSvg();
  el.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  el.setAttribute('width', width);
  el.setAttribute('height', height);
  draw(svg);
  const markup = Buffer.from(`${el.serialize()}\n`);
  matchSnapshot(name, 'svg', markup, (expected) => expected.equals(markup));
}

function pngSnapshot(name: string, rgba: Uint8ClampedArray, width: number, height: number, scale: number): void {
  // Each cell drawn as scale x scale pixels, so the file can be looked at.
  const png = new PNG({ width: width * scale, height: height * scale });
  for (let y = 0; y < height * scale; y++) {
    for (let x = 0; x < width * scale; x++) {
      const from = (Math.floor(y / scale) * width + Math.floor(x / scale)) * 4;
      png.data.set(rgba.subarray(from, from + 4), (y * width * scale + x) * 4);
    }
  }
  const bytes = PNG.sync.write(png);
  matchSnapshot(name, 'png', bytes, (expected) => {
    const decoded = PNG.sync.read(expected);
    return decoded.width === png.width && decoded.height === png.height && Buffer.from(decoded.data).equals(Buffer.from(png.data));
  });
}

describe('painter snapshots', () => {
  it('the KNOR histogram: k = 10, a skewed collection, the selected image highlighted', () => {
    const random = seededRandom(3);
    const values = Float32Array.from({ length: 120 }, () => Math.round(Math.min(1, Math.max(0, 0.55 + (random() - 0.5) * 0.9)) * 10) / 10);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    svgSnapshot('knor-histogram', (svg) => renderKnorHistogram(svg, { values, k: 10, mean, width: 360, height: 180, highlight: 0.7 }), 360, 180);
  });

  it('the loss curve: training and validation over 12 epochs, the best epoch marked', () => {
    const train = Array.from({ length: 12 }, (_, i) => 1.2 * Math.exp(-i / 3) + 0.2);
    const validation = Array.from({ length: 12 }, (_, i) => 1.0 * Math.exp(-i / 4) + 0.25 + (i > 8 ? 0.02 * (i - 8) : 0));
    svgSnapshot(
      'loss-curve',
      (svg) => renderLossCurve(svg, { train, validation, bestEpoch: 9, width: 336, height: 160, yLabel: 'MSE (standardised)' }),
      336,
      160,
    );
  });

  it('the colour bar with a clipped top', () => {
    svgSnapshot(
      'color-bar',
      (svg) => renderColorBar(svg, { domain: [0, 1.5], label: 'patch MSE, standardised units', width: 336, height: 46, ticks: 5, clippedTop: true }),
      336,
      46,
    );
  });

  it('heatmap cells: a 14 x 14 grid of losses on the loss scale, one missing patch transparent', () => {
    const losses = Float32Array.from({ length: 196 }, (_, i) => Math.hypot((i % 14) - 6.5, Math.floor(i / 14) - 4) / 8);
    losses[100] = Number.NaN;
    const domain = [0, 1] as const;
    pngSnapshot('heatmap-cells', heatmapRgba(losses, [14, 14], buildLut(lossColorScale(domain), 256), domain, 0.8), 14, 14, 12);
  });
});
