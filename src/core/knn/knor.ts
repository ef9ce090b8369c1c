/** k-NN overlap ratio (METHOD.md, KNOR step 3): |NN_pre(i) ∩ NN_post(i)| / k, and its mean. */
export interface Knor {
  readonly perImage: Float32Array;
  readonly mean: number;
}

export function knor(nnPre: Int32Array, nnPost: Int32Array, n: number, k: number): Knor {
  if (nnPre.length !== n * k || nnPost.length !== n * k) {
    throw new RangeError(`invalid neighbour lists: expected ${n * k} entries ([${n}, ${k}]), got ${nnPre.length} and ${nnPost.length}`);
  }
  const perImage = new Float32Array(n);
  const seen = new Set<number>();
  let total = 0;
  for (let i = 0; i < n; i++) {
    seen.clear();
    for (let a = 0; a < k; a++) seen.add(nnPre[i * k + a]!);
    let shared = 0;
    for (let b = 0; b < k; b++) if (seen.has(nnPost[i * k + b]!)) shared++;
    perImage[i] = shared / k;
    total += shared / k;
  }
  return { perImage, mean: n > 0 ? total / n : Number.NaN };
}
