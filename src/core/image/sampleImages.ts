/**
 * Procedural sample images with class labels, for a first look without any files and for tests.
 * Seeded: the same seed gives the same pixels everywhere. Classes differ in shape and layout,
 * colours vary within a class, so neighbours by shape and by colour disagree in instructive ways.
 */
import { seededRandom, type Random } from '../random.ts';

export const SAMPLE_CLASSES = ['disc', 'stripes', 'checker', 'ring', 'cross', 'gradient'] as const;
export type SampleClass = (typeof SAMPLE_CLASSES)[number];

export interface SampleImage {
  readonly label: SampleClass;
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major. */
  readonly rgba: Uint8ClampedArray<ArrayBuffer>;
}

type Rgb = readonly [number, number, number];

function colour(random: Random): Rgb {
  return [Math.floor(random() * 256), Math.floor(random() * 256), Math.floor(random() * 256)];
}

/** Inside-test of each class at (x, y) in [0,1)^2 with per-image parameters a, b, c in [0,1). */
function shapeValue(label: SampleClass, x: number, y: number, a: number, b: number, c: number): number {
  const cx = 0.3 + 0.4 * a;
  const cy = 0.3 + 0.4 * b;
  const r = Math.hypot(x - cx, y - cy);
  switch (label) {
    case 'disc':
      return r < 0.15 + 0.15 * c ? 1 : 0;
    case 'ring':
      return Math.abs(r - (0.2 + 0.1 * c)) < 0.05 ? 1 : 0;
    case 'stripes':
      return Math.floor((x * Math.cos(a * 3) + y * Math.sin(a * 3)) * (4 + 6 * c)) % 2 === 0 ? 1 : 0;
    case 'checker':
      return (Math.floor(x * (3 + 4 * c)) + Math.floor(y * (3 + 4 * c))) % 2 === 0 ? 1 : 0;
    case 'cross':
      return Math.abs(x - cx) < 0.06 + 0.05 * c || Math.abs(y - cy) < 0.06 + 0.05 * c ? 1 : 0;
    case 'gradient':
      return Math.min(1, Math.max(0, x * Math.cos(a * 6) + y * Math.sin(a * 6) + 0.3 * (b - 0.5)));
  }
}

export function sampleImage(index: number, size = 160, seed = 1): SampleImage {
  const label = SAMPLE_CLASSES[index % SAMPLE_CLASSES.length]!;
  const random = seededRandom(seed * 7919 + index);
  const fg = colour(random);
  const bg = colour(random);
  const [a, b, c] = [random(), random(), random()];
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const v = shapeValue(label, (px + 0.5) / size, (py + 0.5) / size, a, b, c);
      const noise = (random() - 0.5) * 16;
      const o = (py * size + px) * 4;
      rgba[o] = bg[0] + (fg[0] - bg[0]) * v + noise;
      rgba[o + 1] = bg[1] + (fg[1] - bg[1]) * v + noise;
      rgba[o + 2] = bg[2] + (fg[2] - bg[2]) * v + noise;
      rgba[o + 3] = 255;
    }
  }
  return { label, width: size, height: size, rgba };
}
