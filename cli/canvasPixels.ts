/**
 * The RGBA bytes a Chromium canvas gives for a decoded PNG (workers/decodeImage.ts: createImageBitmap,
 * drawImage, getImageData), so the CLI's pixels are the app's. Measured in Chromium 156 and
 * checked byte for byte (tests/cli/fixtures/chromium-decode.json):
 *
 * - 16-bit samples keep their high byte (libpng's strip_16: 0x80ff -> 0x80), they are not rounded;
 *   1-, 2- and 4-bit grey are scaled exactly (x 255, 85, 17);
 * - a canvas stores premultiplied colour, so a pixel with 0 < alpha < 255 comes back from
 *   premultiplied 8-bit values: c' = round(round(c a / 255) / a) in Skia's float32 steps (this
 *   table, equal to Chromium on all 256 x 256 colour/alpha pairs); alpha 0 gives 0, 0, 0, 0.
 *
 * Opaque pixels (every JPEG, most PNGs) pass unchanged.
 */

const f32 = Math.fround;
const ONE_255 = f32(1 / 255);

/** Round half to even, as the SSE conversion Skia stores with. */
function roundEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

let table: Uint8Array | null = null;

/** [alpha * 256 + colour] -> the colour getImageData returns. */
function unpremultiplyTable(): Uint8Array {
  if (table) return table;
  const t = new Uint8Array(256 * 256);
  for (let a = 1; a < 255; a++) {
    const alpha = f32(a * ONE_255);
    const inverse = f32(1 / alpha);
    for (let c = 0; c < 256; c++) {
      const premultiplied = Math.round((c * a) / 255);
      const v = Math.min(1, f32(f32(premultiplied * ONE_255) * inverse));
      t[a * 256 + c] = roundEven(f32(v * 255));
    }
  }
  for (let c = 0; c < 256; c++) t[255 * 256 + c] = c;
  table = t;
  return t;
}

/** In place: what a canvas round trip makes of 8-bit RGBA. */
export function canvasRoundTrip(rgba: Uint8Array): Uint8Array {
  let t: Uint8Array | null = null;
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3]!;
    if (a === 255) continue;
    if (a === 0) {
      rgba[i] = rgba[i + 1] = rgba[i + 2] = 0;
      continue;
    }
    t ??= unpremultiplyTable();
    const row = a * 256;
    rgba[i] = t[row + rgba[i]!]!;
    rgba[i + 1] = t[row + rgba[i + 1]!]!;
    rgba[i + 2] = t[row + rgba[i + 2]!]!;
  }
  return rgba;
}

/**
 * pngjs's RGBA (decoded with skipRescale: the file's own sample values, 16-bit in a Uint16Array)
 * to the 8-bit samples Chromium's decoder hands the canvas.
 */
export function pngSamplesTo8Bit(samples: ArrayLike<number>, depth: number, paletted: boolean): Uint8Array {
  const out = new Uint8Array(samples.length);
  if (paletted || depth === 8) {
    for (let i = 0; i < samples.length; i++) out[i] = samples[i]!;
  } else if (depth === 16) {
    for (let i = 0; i < samples.length; i++) out[i] = samples[i]! >>> 8;
  } else {
    const scale = 255 / (2 ** depth - 1);
    // Alpha is already 0 or 255 here (a tRNS colour key); only colour is scaled.
    for (let i = 0; i < samples.length; i++) out[i] = (i & 3) === 3 ? (samples[i] ? 255 : 0) : samples[i]! * scale;
  }
  return out;
}
