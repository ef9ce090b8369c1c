/**
 * Image resizing that reproduces Pillow's Image.resize for 8-bit images (libImaging/Resample.c):
 * separable filters whose support widens by the scale when downsampling (antialias), fixed-point
 * coefficients with 22 fractional bits, a horizontal pass into an 8-bit intermediate, then a
 * vertical pass; NEAREST as Pillow's ImagingScaleAffine. HF image processors resize with PIL, so
 * matching it matters for parity; canvas drawImage filters differently.
 * Checked byte for byte against Pillow 12.3 (tests/core/fixtures/pil-resize.json and
 * hf-processors.json, made by scripts/pilFixtures.py): every output byte equal, all six filters,
 * RGB and RGBA.
 */
export type Resample = 'bicubic' | 'bilinear' | 'nearest' | 'lanczos' | 'box' | 'hamming';
export const RESAMPLES: readonly Resample[] = ['nearest', 'lanczos', 'bilinear', 'bicubic', 'box', 'hamming'];

/** PIL.Image.Resampling's integer codes, as preprocessor_config.json's "resample" stores them. */
export const PIL_RESAMPLE_CODES: Readonly<Record<number, Resample>> = { 0: 'nearest', 1: 'lanczos', 2: 'bilinear', 3: 'bicubic', 4: 'box', 5: 'hamming' };

interface Filter {
  readonly support: number;
  readonly weight: (x: number) => number;
}

const BICUBIC_A = -0.5;
const sinc = (x: number) => (x === 0 ? 1 : Math.sin(x * Math.PI) / (x * Math.PI));
// Pillow writes Hamming's constants as C floats (0.54f, 0.46f): float32 values promoted to double.
const HAMMING_A = Math.fround(0.54);
const HAMMING_B = Math.fround(0.46);
const FILTERS: Record<Exclude<Resample, 'nearest'>, Filter> = {
  box: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: { support: 1, weight: (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) },
  hamming: {
    support: 1,
    weight: (v) => {
      const x = Math.abs(v);
      if (x === 0) return 1;
      if (x >= 1) return 0;
      const t = x * Math.PI;
      return (Math.sin(t) / t) * (HAMMING_A + HAMMING_B * Math.cos(t));
    },
  },
  // Truncated sinc; the half-open interval is Pillow's.
  lanczos: { support: 3, weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
  bicubic: {
    support: 2,
    weight: (v) => {
      const x = Math.abs(v);
      if (x < 1) return ((BICUBIC_A + 2) * x - (BICUBIC_A + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * BICUBIC_A;
      return 0;
    },
  },
};

const PRECISION_BITS = 32 - 8 - 2;

interface Coefficients {
  readonly ksize: number;
  /** Per output index: first input index and tap count. */
  readonly bounds: Int32Array;
  /** [outSize, ksize] fixed-point weights. */
  readonly weights: Int32Array;
}

function precomputeCoefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const taps = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const inverse = 1 / filterScale;
    // C's (int) truncates toward zero; both values here are >= -0.5 + ... so trunc is right.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * inverse);
      taps[x] = w;
      total += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? taps[x]! / total : taps[x]!;
      // normalize_coeffs_8bpc: round half away from zero.
      weights[xx * ksize + x] = Math.trunc(w * (1 << PRECISION_BITS) + (w < 0 ? -0.5 : 0.5));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

const clip8 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : v);

/**
 * Fixed-point accumulation as Pillow does it, in 32-bit ints: Math.imul and Int32Array stores keep
 * int32 wrap-around semantics. The horizontal pass walks each output pixel's taps along its row.
 */
function horizontalPass(src: Uint8Array, width: number, height: number, channels: number, c: Coefficients): Uint8Array {
  if (channels === 3) return horizontalPassRgb(src, width, height, c);
  const outW = c.bounds.length / 2;
  const out = new Uint8Array(outW * height * channels);
  const acc = new Int32Array(channels);
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    for (let x = 0; x < outW; x++) {
      const start = row + c.bounds[x * 2]! * channels;
      const count = c.bounds[x * 2 + 1]!;
      const kBase = x * c.ksize;
      acc.fill(half);
      for (let t = 0; t < count; t++) {
        const k = c.weights[kBase + t]!;
        const s = start + t * channels;
        for (let ch = 0; ch < channels; ch++) acc[ch] = (acc[ch]! + Math.imul(src[s + ch]!, k)) | 0;
      }
      const o = (y * outW + x) * channels;
      for (let ch = 0; ch < channels; ch++) out[o + ch] = clip8(acc[ch]! >> PRECISION_BITS);
    }
  }
  return out;
}

/** The same for RGB, with the three sums in locals: the common case, about twice as fast. */
function horizontalPassRgb(src: Uint8Array, width: number, height: number, c: Coefficients): Uint8Array {
  const outW = c.bounds.length / 2;
  const out = new Uint8Array(outW * height * 3);
  const { bounds, weights, ksize } = c;
  const half = 1 << (PRECISION_BITS - 1);
  let o = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < outW; x++) {
      let s = row + bounds[x * 2]! * 3;
      const end = x * ksize + bounds[x * 2 + 1]!;
      let r = half;
      let g = half;
      let b = half;
      for (let t = x * ksize; t < end; t++, s += 3) {
        const k = weights[t]!;
        r = (r + Math.imul(src[s]!, k)) | 0;
        g = (g + Math.imul(src[s + 1]!, k)) | 0;
        b = (b + Math.imul(src[s + 2]!, k)) | 0;
      }
      out[o++] = clip8(r >> PRECISION_BITS);
      out[o++] = clip8(g >> PRECISION_BITS);
      out[o++] = clip8(b >> PRECISION_BITS);
    }
  }
  return out;
}

/** The vertical pass adds whole weighted source rows into a row accumulator (cache-friendly). */
function verticalPass(src: Uint8Array, width: number, channels: number, c: Coefficients): Uint8Array {
  const outH = c.bounds.length / 2;
  const rowLength = width * channels;
  const out = new Uint8Array(rowLength * outH);
  const acc = new Int32Array(rowLength);
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < outH; y++) {
    const start = c.bounds[y * 2]!;
    const count = c.bounds[y * 2 + 1]!;
    acc.fill(half);
    for (let t = 0; t < count; t++) {
      const k = c.weights[y * c.ksize + t]!;
      const s = (start + t) * rowLength;
      for (let i = 0; i < rowLength; i++) acc[i] = (acc[i]! + Math.imul(src[s + i]!, k)) | 0;
    }
    const o = y * rowLength;
    for (let i = 0; i < rowLength; i++) out[o + i] = clip8(acc[i]! >> PRECISION_BITS);
  }
  return out;
}

/**
 * Pillow resizes with NEAREST through ImagingScaleAffine (Geometry.c): source positions start at
 * scale / 2 and grow by repeated addition of scale = in / out in double precision, then truncate.
 * The accumulated rounding error decides exact half-way cases, so it is reproduced step by step
 * rather than computed as floor((x + 0.5) * scale).
 */
function nearestTable(inSize: number, outSize: number): Int32Array {
  const table = new Int32Array(outSize);
  const scale = inSize / outSize;
  let pos = scale * 0.5;
  for (let x = 0; x < outSize; x++) {
    table[x] = Math.min(inSize - 1, Math.max(0, Math.trunc(pos)));
    pos += scale;
  }
  return table;
}

function resizeNearest(src: Uint8Array, width: number, height: number, channels: number, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outW * outH * channels);
  const xs = nearestTable(width, outW);
  const ys = nearestTable(height, outH);
  for (let y = 0; y < outH; y++) {
    const row = ys[y]! * width;
    for (let x = 0; x < outW; x++) {
      const s = (row + xs[x]!) * channels;
      const d = (y * outW + x) * channels;
      for (let ch = 0; ch < channels; ch++) out[d + ch] = src[s + ch]!;
    }
  }
  return out;
}

/**
 * Resize an interleaved 8-bit image ([height, width, channels]) to outW x outH, each channel on
 * its own: Pillow's result for modes 'L' and 'RGB'. (For RGBA with a filter Pillow premultiplies
 * alpha first: use resizeRgba.) Returns a new array, also when the size is unchanged.
 */
export function resizeImage(src: Uint8Array, width: number, height: number, channels: number, outW: number, outH: number, resample: Resample): Uint8Array {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1)) throw new RangeError(`invalid image size: ${width} x ${height}`);
  if (!(Number.isInteger(channels) && channels >= 1)) throw new RangeError(`invalid channels: ${channels} (expected a positive integer)`);
  if (src.length !== width * height * channels) throw new RangeError(`invalid image: expected ${width * height * channels} bytes, got ${src.length}`);
  if (!(outW >= 1 && outH >= 1 && Number.isInteger(outW) && Number.isInteger(outH))) throw new RangeError(`invalid output size: ${outW} x ${outH}`);
  if (resample === 'nearest') return resizeNearest(src, width, height, channels, outW, outH);
  const filter = FILTERS[resample];
  // Pillow's Image.resize (12.x) shrinks a very tall image (height > 100 x width) vertically first,
  // as its own call, then resizes horizontally: the 8-bit intermediate differs from horizontal-first.
  if (height > width * 100 && outH < height) {
    const tall = resizeFiltered(src, width, height, channels, width, outH, filter);
    return resizeFiltered(tall, width, outH, channels, outW, outH, filter);
  }
  return resizeFiltered(src, width, height, channels, outW, outH, filter);
}

/** Pillow's ImagingResample: a horizontal pass, then a vertical one, each skipped at equal size. */
function resizeFiltered(src: Uint8Array, width: number, height: number, channels: number, outW: number, outH: number, filter: Filter): Uint8Array {
  let img = src;
  let w = width;
  if (outW !== width) {
    img = horizontalPass(img, w, height, channels, precomputeCoefficients(width, outW, filter));
    w = outW;
  }
  if (outH !== height) img = verticalPass(img, w, channels, precomputeCoefficients(height, outH, filter));
  return img === src ? src.slice() : img;
}

/** Pillow's MULDIV255: round(a * b / 255) in integers. */
const mulDiv255 = (a: number, b: number) => {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
};

/**
 * Resize RGBA the way Pillow's Image.resize does for mode 'RGBA': with NEAREST per channel; with
 * a filter, via premultiplied alpha (convert to 'RGBa', resize, convert back), so transparent
 * pixels' colours do not bleed into their neighbours. Un-premultiplying uses Pillow's integer
 * (255 * c) / alpha, and leaves colour as is where alpha is 0 or 255.
 */
export function resizeRgba(src: Uint8Array | Uint8ClampedArray, width: number, height: number, outW: number, outH: number, resample: Resample): Uint8Array {
  if (src.length !== width * height * 4)
    throw new RangeError(`invalid image: expected ${width * height * 4} RGBA bytes for ${width} x ${height}, got ${src.length}`);
  const bytes = src instanceof Uint8Array ? src : new Uint8Array(src.buffer, src.byteOffset, src.length);
  if (resample === 'nearest') return resizeImage(bytes, width, height, 4, outW, outH, resample);
  const pre = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    const a = bytes[i + 3]!;
    pre[i] = mulDiv255(bytes[i]!, a);
    pre[i + 1] = mulDiv255(bytes[i + 1]!, a);
    pre[i + 2] = mulDiv255(bytes[i + 2]!, a);
    pre[i + 3] = a;
  }
  const out = resizeImage(pre, width, height, 4, outW, outH, resample);
  for (let i = 0; i < out.length; i += 4) {
    const a = out[i + 3]!;
    if (a === 0 || a === 255) continue;
    for (let c = 0; c < 3; c++) out[i + c] = Math.min(255, Math.floor((255 * out[i + c]!) / a));
  }
  return out;
}
