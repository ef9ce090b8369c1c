/**
 * Qwen2-VL's patchify (Qwen2VLImageProcessor): a normalised [C, H, W] image becomes
 * [gridH * gridW, C * T * P * P] rows. Rows run over merge blocks first, so the mergeSize^2 patches
 * the connector merges into one token are consecutive: row ((bh * blocksW + bw) * m + mh) * m + mw
 * is the patch at grid (bh * m + mh, bw * m + mw). Within a row the order is channel, time, y, x;
 * a still image fills all T time steps with the same frame (transformers repeats it), grid_t = 1.
 */
export interface Patchified {
  /** [gridH * gridW, channels * temporalPatchSize * patchSize^2], row-major. */
  readonly patches: Float32Array;
  readonly gridH: number;
  readonly gridW: number;
  readonly rowLength: number;
}

export function patchify(
  chw: Float32Array,
  channels: number,
  height: number,
  width: number,
  patchSize: number,
  mergeSize: number,
  temporalPatchSize: number,
): Patchified {
  if (chw.length !== channels * height * width)
    throw new RangeError(`invalid image: expected ${channels * height * width} values for ${channels} x ${height} x ${width}, got ${chw.length}`);
  const block = patchSize * mergeSize;
  if (height % block !== 0 || width % block !== 0)
    throw new RangeError(`invalid size ${height} x ${width}: expected multiples of patch_size * merge_size = ${block}`);
  const gridH = height / patchSize;
  const gridW = width / patchSize;
  const blocksW = gridW / mergeSize;
  const frame = patchSize * patchSize;
  const rowLength = channels * temporalPatchSize * frame;
  const patches = new Float32Array(gridH * gridW * rowLength);
  let o = 0;
  for (let bh = 0; bh < gridH / mergeSize; bh++) {
    for (let bw = 0; bw < blocksW; bw++) {
      for (let mh = 0; mh < mergeSize; mh++) {
        for (let mw = 0; mw < mergeSize; mw++) {
          const y0 = (bh * mergeSize + mh) * patchSize;
          const x0 = (bw * mergeSize + mw) * patchSize;
          for (let c = 0; c < channels; c++) {
            const plane = c * height * width;
            for (let t = 0; t < temporalPatchSize; t++) {
              for (let py = 0; py < patchSize; py++) {
                const src = plane + (y0 + py) * width + x0;
                patches.set(chw.subarray(src, src + patchSize), o);
                o += patchSize;
              }
            }
          }
        }
      }
    }
  }
  return { patches, gridH, gridW, rowLength };
}
