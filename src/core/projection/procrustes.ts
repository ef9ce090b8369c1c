/**
 * Orthogonal Procrustes for two 2-D layouts of the same points: the rotation or reflection, uniform
 * scale and shift that bring `moving` closest to `reference` (least squares over the points). The
 * before and after maps come from separate projections, whose axes and signs are arbitrary; aligned,
 * the same region of the page means the same thing in both.
 *
 * In two dimensions the best orthogonal map has a closed form: among rotations, the angle
 * atan2(M₁₀ − M₀₁, M₀₀ + M₁₁) with M = movingᵀ · reference (both centred) reaches
 * trace hypot(M₀₀ + M₁₁, M₁₀ − M₀₁); among reflections, hypot(M₀₀ − M₁₁, M₀₁ + M₁₀). The larger wins.
 */

export interface ProcrustesFit {
  /** `moving` after the fit, [n, 2]. */
  readonly aligned: Float32Array;
  /** The 2 × 2 orthogonal matrix R (row-major) in aligned = scale · (moving − centre) R + reference centre. */
  readonly rotation: readonly [number, number, number, number];
  readonly scale: number;
  readonly reflected: boolean;
  /** Residual sum of squares after the fit, over that of the centred reference (0 = identical shapes). */
  readonly disparity: number;
}

export function procrustes2d(reference: Float32Array, moving: Float32Array): ProcrustesFit {
  if (reference.length !== moving.length || reference.length % 2 !== 0) throw new Error('procrustes2d: layouts of different sizes');
  const n = reference.length / 2;
  const [rx, ry] = centre(reference, n);
  const [mx, my] = centre(moving, n);
  let m00 = 0;
  let m01 = 0;
  let m10 = 0;
  let m11 = 0;
  let movingSquares = 0;
  let referenceSquares = 0;
  for (let i = 0; i < n; i++) {
    const ax = moving[2 * i]! - mx;
    const ay = moving[2 * i + 1]! - my;
    const bx = reference[2 * i]! - rx;
    const by = reference[2 * i + 1]! - ry;
    m00 += ax * bx;
    m01 += ax * by;
    m10 += ay * bx;
    m11 += ay * by;
    movingSquares += ax * ax + ay * ay;
    referenceSquares += bx * bx + by * by;
  }
  const rotationTrace = Math.hypot(m00 + m11, m10 - m01);
  const reflectionTrace = Math.hypot(m00 - m11, m01 + m10);
  const reflected = reflectionTrace > rotationTrace;
  let rotation: [number, number, number, number];
  if (reflected) {
    const angle = Math.atan2(m01 + m10, m00 - m11);
    rotation = [Math.cos(angle), Math.sin(angle), Math.sin(angle), -Math.cos(angle)];
  } else {
    const angle = Math.atan2(m10 - m01, m00 + m11);
    rotation = [Math.cos(angle), -Math.sin(angle), Math.sin(angle), Math.cos(angle)];
  }
  const trace = Math.max(rotationTrace, reflectionTrace);
  const scale = movingSquares > 0 ? trace / movingSquares : 0;
  const aligned = new Float32Array(2 * n);
  let residual = 0;
  for (let i = 0; i < n; i++) {
    const ax = moving[2 * i]! - mx;
    const ay = moving[2 * i + 1]! - my;
    const x = scale * (ax * rotation[0] + ay * rotation[2]) + rx;
    const y = scale * (ax * rotation[1] + ay * rotation[3]) + ry;
    aligned[2 * i] = x;
    aligned[2 * i + 1] = y;
    residual += (x - reference[2 * i]!) ** 2 + (y - reference[2 * i + 1]!) ** 2;
  }
  return { aligned, rotation, scale, reflected, disparity: referenceSquares > 0 ? residual / referenceSquares : 0 };
}

function centre(xy: Float32Array, n: number): [number, number] {
  let x = 0;
  let y = 0;
  for (let i = 0; i < n; i++) {
    x += xy[2 * i]!;
    y += xy[2 * i + 1]!;
  }
  return n > 0 ? [x / n, y / n] : [0, 0];
}
