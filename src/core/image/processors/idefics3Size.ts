/**
 * Idefics3 / SmolVLM's first resize (transformers idefics3 image processor,
 * get_resize_output_image_size): the longest edge to `longestEdge`, the other side
 * int(longest / aspect) rounded up to even, then both kept under MAX_IMAGE_SIZE.
 * Python's int() truncates, as Math.trunc does; the divisions are the same float64 operations.
 */
export const IDEFICS3_MAX_IMAGE_SIZE = 4096;

function rescaleToMaxLen(height: number, width: number, maxLen: number): [number, number] {
  const aspect = width / height;
  let h = height;
  let w = width;
  if (w >= h) {
    w = maxLen;
    h = Math.trunc(w / aspect);
    if (h % 2 !== 0) h += 1;
  } else {
    h = maxLen;
    w = Math.trunc(h * aspect);
    if (w % 2 !== 0) w += 1;
  }
  return [Math.max(h, 1), Math.max(w, 1)];
}

function scaleBelowUpperBound(height: number, width: number, maxLen: number): [number, number] {
  const aspect = width / height;
  let h = height;
  let w = width;
  if (w >= h && w > maxLen) {
    w = maxLen;
    h = Math.trunc(w / aspect);
  } else if (h > w && h > maxLen) {
    h = maxLen;
    w = Math.trunc(h * aspect);
  }
  return [Math.max(h, 1), Math.max(w, 1)];
}

/** [height, width] of the first (aspect-keeping) resize. */
export function idefics3ResizeSize(height: number, width: number, longestEdge: number): [number, number] {
  const [h, w] = rescaleToMaxLen(height, width, longestEdge);
  return scaleBelowUpperBound(h, w, IDEFICS3_MAX_IMAGE_SIZE);
}
