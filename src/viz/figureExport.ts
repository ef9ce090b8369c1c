/**
 * Figures as files for a paper: the charts as standalone SVG (their CSS styles written into the
 * elements, since a file has no stylesheet) and as PNG, and each image's heatmap as a PNG with its
 * colour bar and units under it. Framework-free: the document is passed in, like the painters.
 */
import { renderColorBar } from './colorBar.ts';
import { paintHeatmap } from './heatmapPainter.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The presentation properties the app's stylesheet sets on chart elements. */
const STYLE_PROPERTIES = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'shape-rendering',
  'visibility',
] as const;

/**
 * The SVG as a standalone file: every element's computed presentation written inline (a file
 * opened in Illustrator or a browser has none of the app's CSS), a white background, and the
 * namespace declared. The element must be in the document so its styles are computed.
 */
export function standaloneSvg(svg: SVGSVGElement): string {
  const view = svg.ownerDocument.defaultView;
  if (!view) throw new Error('standaloneSvg: the SVG is not in a document with a window');
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const copies = [copy, ...Array.from(copy.querySelectorAll('*'))];
  // The file is a light figure on white whatever the page's colour scheme: .light-figure resets
  // the colour variables (styles.css) while the styles are read.
  svg.classList.add('light-figure');
  try {
    inlineStyles(view, originals, copies);
  } finally {
    svg.classList.remove('light-figure');
  }
  copies.forEach((c) => c.removeAttribute('class'));
  const width = svg.width.baseVal.value || svg.getBoundingClientRect().width;
  const height = svg.height.baseVal.value || svg.getBoundingClientRect().height;
  copy.setAttribute('xmlns', SVG_NS);
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  if (!copy.getAttribute('viewBox')) copy.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const background = svg.ownerDocument.createElementNS(SVG_NS, 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', '#ffffff');
  copy.insertBefore(background, copy.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
}

function inlineStyles(view: Window, originals: readonly Element[], copies: readonly Element[]): void {
  originals.forEach((original, i) => {
    const target = copies[i];
    if (!target) return;
    const computed = view.getComputedStyle(original);
    const inline = STYLE_PROPERTIES.map((p) => [p, computed.getPropertyValue(p)] as const)
      .filter(([, v]) => v !== '')
      .map(([p, v]) => `${p}:${v}`)
      .join(';');
    if (inline) target.setAttribute('style', inline);
  });
}

/** An SVG file decoded as an image, ready to draw on a canvas. */
async function svgImage(svgText: string): Promise<HTMLImageElement> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    return image;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** An SVG file rasterised at `scale` times its size (2: crisp in a paper), as PNG bytes. */
export async function svgToPng(doc: Document, svgText: string, scale = 2): Promise<Uint8Array> {
  const image = await svgImage(svgText);
  const canvas = doc.createElement('canvas');
  canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
  canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('svgToPng: no 2D canvas context');
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvasPng(canvas);
}

export async function canvasPng(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('canvasPng: the browser could not encode the canvas as PNG');
  return new Uint8Array(await blob.arrayBuffer());
}

export interface HeatmapFigureOptions {
  /** The crop the encoder saw, or null (a block store without images): cells only. */
  readonly image: ImageData | null;
  readonly losses: Float32Array;
  readonly grid: readonly [number, number];
  readonly domain: readonly [number, number];
  readonly lut: Uint8ClampedArray;
  readonly opacity: number;
}

/** Side of a heatmap figure's picture, in pixels. */
export const FIGURE_SIZE = 448;
const BAR_HEIGHT = 46;
export const BAR_LABEL = 'patch MSE, standardised units (scale tops at the 99th percentile)';

/**
 * Paints heatmap figures that share one colour bar: the bar is drawn once (from the same SVG as
 * on screen) and put under every image.
 */
export async function heatmapFigurePainter(doc: Document, domain: readonly [number, number]): Promise<(o: HeatmapFigureOptions) => Promise<Uint8Array>> {
  const holder = doc.createElementNS(SVG_NS, 'svg');
  holder.setAttribute('width', String(FIGURE_SIZE));
  holder.setAttribute('height', String(BAR_HEIGHT));
  holder.style.position = 'absolute';
  holder.style.left = '-10000px';
  doc.body.appendChild(holder);
  let bar: HTMLImageElement;
  try {
    renderColorBar(holder, { domain, label: BAR_LABEL, width: FIGURE_SIZE, height: BAR_HEIGHT, ticks: 5, clippedTop: true });
    bar = await svgImage(standaloneSvg(holder));
  } finally {
    holder.remove();
  }
  const canvas = doc.createElement('canvas');
  canvas.width = FIGURE_SIZE;
  canvas.height = FIGURE_SIZE + BAR_HEIGHT;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('heatmapFigurePainter: no 2D canvas context');
  return async (o) => {
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    paintHeatmap(ctx, {
      image: o.image,
      losses: o.losses,
      grid: o.grid,
      domain: o.domain,
      opacity: o.opacity,
      width: FIGURE_SIZE,
      height: FIGURE_SIZE,
      lut: o.lut,
    });
    ctx.drawImage(bar, 0, FIGURE_SIZE, FIGURE_SIZE, BAR_HEIGHT);
    return canvasPng(canvas);
  };
}
