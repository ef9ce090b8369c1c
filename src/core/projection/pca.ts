/**
 * The leading principal components of a set of vectors, for the before/after maps.
 *
 * Rows are first scaled to unit length when the neighbours are found by cosine (so the map shows
 * the geometry the neighbour lists come from), then centred; the components come from subspace
 * iteration with a Rayleigh–Ritz step, run until the leading Ritz values stop moving.
 *
 * Why not a library: ml-pca (and the SVD routines it rests on) form the d × d covariance and its
 * full decomposition. At LLaVA size (d = 4096) that is 134 MB of float64 and O(d³) work, for two
 * numbers per image; subspace iteration needs n × b and d × b (b = components + a few) and reads the
 * vectors without copying them (centring and scaling are folded into the products).
 */
import { fillGaussian, seededRandom } from '../random.ts';

export interface PrincipalComponents {
  /** [n, components] row-major: each vector's coordinates along the components. */
  readonly coords: Float32Array;
  readonly components: number;
  /** Share of the total variance each component explains (0..1), largest first. */
  readonly explained: readonly number[];
}

export interface PcaOptions {
  readonly components?: number;
  /** Scale each row to unit length before centring (the cosine metric's geometry). */
  readonly normalize?: boolean;
  /** Stop when the leading Ritz values change by less than this, relatively. */
  readonly tolerance?: number;
  readonly maxIterations?: number;
  readonly seed?: number;
  /** Called after each pass with the passes done and the most there will be. */
  readonly onProgress?: (done: number, atMost: number) => void;
}

/** Extra directions iterated beside the wanted ones: they make convergence depend on a wider eigengap. */
const OVERSAMPLE = 4;

export function principalComponents(x: Float32Array, n: number, d: number, options: PcaOptions = {}): PrincipalComponents {
  const components = options.components ?? 2;
  if (x.length !== n * d) throw new Error(`principalComponents: ${x.length} values are not ${n} rows of ${d}`);
  const coords = new Float32Array(n * components);
  const rank = Math.min(n - 1, d);
  const b = Math.min(components + OVERSAMPLE, Math.max(rank, 0));
  const scale = rowScales(x, n, d, options.normalize ?? false);
  const mean = columnMean(x, n, d, scale);
  const total = totalVariance(x, n, d, scale, mean);
  if (b === 0 || total === 0) return { coords, components, explained: new Array<number>(components).fill(0) };

  const random = seededRandom(options.seed ?? 1);
  let qT: Float64Array = orthonormalRows(fillGaussian(new Float64Array(b * d), random), b, d);
  const tolerance = options.tolerance ?? 1e-9;
  const maxIterations = options.maxIterations ?? 40;
  let previous: Float64Array | null = null;
  let y: Float64Array = new Float64Array(n * b);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    y = centredTimes(x, n, d, scale, mean, qT, b);
    const ritz = symmetricEigen(gram(y, n, b), b).values;
    const settled = previous !== null && ritzSettled(ritz, previous, Math.min(components, b), tolerance);
    previous = ritz;
    options.onProgress?.(iteration + 1, maxIterations);
    if (settled) break;
    qT = orthonormalRows(centredTransposeTimes(x, n, d, scale, mean, y, b), b, d);
  }
  // Rayleigh–Ritz: rotate the iterated basis onto the eigenvectors of its projected covariance.
  const { values, vectors } = symmetricEigen(gram(y, n, b), b);
  const explained: number[] = [];
  for (let c = 0; c < components; c++) {
    if (c >= b) {
      explained.push(0);
      continue;
    }
    // Coordinates along component c: y · v_c.
    const column = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < b; j++) s += y[i * b + j]! * vectors[j * b + c]!;
      column[i] = s;
    }
    // Sign fixed as scikit-learn's svd_flip does: the coordinate largest in magnitude is positive.
    let largest = 0;
    for (let i = 1; i < n; i++) if (Math.abs(column[i]!) > Math.abs(column[largest]!)) largest = i;
    const sign = column[largest]! < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) coords[i * components + c] = sign * column[i]!;
    explained.push(Math.max(values[c]!, 0) / n / total);
  }
  return { coords, components, explained };
}

function rowScales(x: Float32Array, n: number, d: number, normalize: boolean): Float64Array {
  const scale = new Float64Array(n).fill(1);
  if (!normalize) return scale;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j]! * x[i * d + j]!;
    // A zero vector stays zero (it has no direction), as the cosine search treats it.
    scale[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  return scale;
}

function columnMean(x: Float32Array, n: number, d: number, scale: Float64Array): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += scale[i]! * x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  return mean;
}

/** Mean squared distance to the mean (the trace of the covariance, with 1/n). */
function totalVariance(x: Float32Array, n: number, d: number, scale: Float64Array, mean: Float64Array): number {
  let s = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const v = scale[i]! * x[i * d + j]! - mean[j]!;
      s += v * v;
    }
  return s / n;
}

/**
 * (diag(scale) X − 1 meanᵀ) Q: [n, b]. Q is passed transposed ([b, d]) so every product is a
 * contiguous dot product with four partial sums, which V8 runs about twice as fast as a strided loop.
 */
function centredTimes(x: Float32Array, n: number, d: number, scale: Float64Array, mean: Float64Array, qT: Float64Array, b: number): Float64Array {
  const meanQ = new Float64Array(b);
  for (let c = 0; c < b; c++) meanQ[c] = dot(mean, 0, qT, c * d, d);
  const out = new Float64Array(n * b);
  for (let i = 0; i < n; i++) for (let c = 0; c < b; c++) out[i * b + c] = scale[i]! * dot(x, i * d, qT, c * d, d) - meanQ[c]!;
  return out;
}

function dot(a: Float32Array | Float64Array, aStart: number, q: Float64Array, qStart: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 4 <= length; j += 4) {
    s0 += a[aStart + j]! * q[qStart + j]!;
    s1 += a[aStart + j + 1]! * q[qStart + j + 1]!;
    s2 += a[aStart + j + 2]! * q[qStart + j + 2]!;
    s3 += a[aStart + j + 3]! * q[qStart + j + 3]!;
  }
  for (; j < length; j++) s0 += a[aStart + j]! * q[qStart + j]!;
  return s0 + s1 + s2 + s3;
}

/** (diag(scale) X − 1 meanᵀ)ᵀ Y, transposed: [b, d] (each row a contiguous axpy over one vector). */
function centredTransposeTimes(x: Float32Array, n: number, d: number, scale: Float64Array, mean: Float64Array, y: Float64Array, b: number): Float64Array {
  const outT = new Float64Array(b * d);
  const columnSums = new Float64Array(b);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    for (let c = 0; c < b; c++) {
      const weight = scale[i]! * y[i * b + c]!;
      columnSums[c]! += y[i * b + c]!;
      const o = c * d;
      for (let j = 0; j < d; j++) outT[o + j]! += weight * x[base + j]!;
    }
  }
  for (let c = 0; c < b; c++) for (let j = 0; j < d; j++) outT[c * d + j]! -= mean[j]! * columnSums[c]!;
  return outT;
}

/** Yᵀ Y: [b, b]. */
function gram(y: Float64Array, n: number, b: number): Float64Array {
  const out = new Float64Array(b * b);
  for (let i = 0; i < n; i++)
    for (let r = 0; r < b; r++) {
      const v = y[i * b + r]!;
      for (let c = r; c < b; c++) out[r * b + c]! += v * y[i * b + c]!;
    }
  for (let r = 0; r < b; r++) for (let c = 0; c < r; c++) out[r * b + c] = out[c * b + r]!;
  return out;
}

/**
 * Settled when the variance the wanted components capture (the sum of their Ritz values) stops
 * growing. Individual components may still rotate among themselves where their variances are
 * nearly equal; for a map that rotation is immaterial, and waiting for it costs hundreds of passes.
 */
function ritzSettled(now: Float64Array, before: Float64Array, count: number, tolerance: number): boolean {
  let captured = 0;
  let capturedBefore = 0;
  for (let c = 0; c < count; c++) {
    captured += now[c]!;
    capturedBefore += before[c]!;
  }
  return Math.abs(captured - capturedBefore) <= tolerance * Math.max(Math.abs(captured), Number.MIN_VALUE);
}

/** Modified Gram–Schmidt on the rows of [b, length]; a row that vanishes becomes a fresh unit vector orthogonal to the others. */
function orthonormalRows(m: Float64Array, b: number, length: number): Float64Array {
  // Replacement rows try unit vectors in turn: `length` of them span everything, so one survives.
  let replacements = 0;
  for (let c = 0; c < b; c++) {
    const rc = c * length;
    for (let pass = 0; pass < 2; pass++)
      for (let p = 0; p < c; p++) {
        const rp = p * length;
        const projection = dot(m, rc, m, rp, length);
        for (let j = 0; j < length; j++) m[rc + j]! -= projection * m[rp + j]!;
      }
    const norm = Math.sqrt(dot(m, rc, m, rc, length));
    if (norm < 1e-300) {
      const unit = (c + replacements++) % length;
      for (let j = 0; j < length; j++) m[rc + j] = j === unit ? 1 : 0;
      c -= 1; // orthogonalise the replacement against the earlier rows
      continue;
    }
    for (let j = 0; j < length; j++) m[rc + j]! /= norm;
  }
  return m;
}

/** Eigenvalues (descending) and eigenvectors (columns of [b, b]) of a small symmetric matrix, by cyclic Jacobi rotations. */
export function symmetricEigen(matrix: Float64Array, b: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(b * b);
  for (let i = 0; i < b; i++) v[i * b + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < b; p++) for (let q = p + 1; q < b; q++) off += a[p * b + q]! * a[p * b + q]!;
    if (off < 1e-30) break;
    for (let p = 0; p < b; p++)
      for (let q = p + 1; q < b; q++) {
        const apq = a[p * b + q]!;
        if (apq === 0) continue;
        const theta = (a[q * b + q]! - a[p * b + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < b; k++) {
          const akp = a[k * b + p]!;
          const akq = a[k * b + q]!;
          a[k * b + p] = c * akp - s * akq;
          a[k * b + q] = s * akp + c * akq;
        }
        for (let k = 0; k < b; k++) {
          const apk = a[p * b + k]!;
          const aqk = a[q * b + k]!;
          a[p * b + k] = c * apk - s * aqk;
          a[q * b + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < b; k++) {
          const vkp = v[k * b + p]!;
          const vkq = v[k * b + q]!;
          v[k * b + p] = c * vkp - s * vkq;
          v[k * b + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: b }, (_, i) => i).sort((i, j) => a[j * b + j]! - a[i * b + i]!);
  const values = Float64Array.from(order, (i) => a[i * b + i]!);
  const vectors = new Float64Array(b * b);
  order.forEach((from, to) => {
    for (let k = 0; k < b; k++) vectors[k * b + to] = v[k * b + from]!;
  });
  return { values, vectors };
}
