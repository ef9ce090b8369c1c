import type { RgbaImage } from '../../src/core/image/processors/encoderInputs.ts';
import { seededRandom } from '../../src/core/random.ts';

/** An opaque seeded noise image of any (odd) size: every processor has to resize it. */
export function randomImage(width: number, height: number, seed: number): RgbaImage {
  const random = seededRandom(seed);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = i % 4 === 3 ? 255 : Math.floor(random() * 256);
  return { width, height, rgba };
}
