/**
 * The synthetic test image of scripts/hfProcessorFixtures.py (synthetic()), byte for byte, so large
 * and odd-sized inputs need not be stored: 16-pixel blocks of smooth ramps, hashed noise and 0/255
 * extremes, alpha 255 or noise. Integer arithmetic only (uint32 hashing via Math.imul), so Python
 * and JavaScript agree exactly.
 */
function hash(x: number, y: number, c: number, seed: number): number {
  let h = (Math.imul(x, 0x9e3779b1) + Math.imul(y, 0x85ebca77) + Math.imul(c, 0xc2b2ae3d) + seed) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function syntheticRgba(width: number, height: number, seed: number, alpha: boolean): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  const dx = Math.max(width - 1, 1);
  const dy = Math.max(height - 1, 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const block = ((x >> 4) ^ (y >> 4)) & 3;
      for (let c = 0; c < 4; c++) {
        const h = hash(x, y, c, seed);
        const noise = h & 255;
        let v: number;
        if (c === 3) v = alpha ? noise : 255;
        else if (block === 1) v = noise;
        else if (block === 2) v = (h & 1) * 255;
        else v = (Math.floor((x * 251) / dx) + Math.floor((y * 127) / dy) + 85 * c) % 256;
        out[(y * width + x) * 4 + c] = v;
      }
    }
  }
  return out;
}
