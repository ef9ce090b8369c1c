/**
 * PNG writer for the bundled image set: 8-bit RGB, non-interlaced, one filter per row chosen by
 * the usual heuristic (smallest sum of |signed residuals|, ties to the lower filter type), zlib
 * level 9 from Node. The bytes depend only on the pixels and on Node's zlib build; the image-set
 * test compares decoded pixels, so another zlib cannot make it fail.
 */
import { crc32, deflateSync } from 'node:zlib';
import { paeth } from '../mobilenet/decodePng.ts';

/** One PNG chunk: length, type, data, CRC-32 of type and data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** `rgb`: width * height * 3 bytes, row-major. */
export function encodePngRgb(rgb: Uint8Array, width: number, height: number): Buffer {
  if (rgb.length !== width * height * 3) throw new RangeError(`encodePngRgb: expected ${width * height * 3} bytes for ${width} x ${height}, got ${rgb.length}`);
  const stride = width * 3;
  const raw = Buffer.alloc(height * (stride + 1));
  const candidate = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    let bestCost = Infinity;
    let bestFilter = 0;
    let best = new Uint8Array(stride);
    for (let filter = 0; filter <= 4; filter++) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const x = rgb[y * stride + i]!;
        const a = i >= 3 ? rgb[y * stride + i - 3]! : 0;
        const b = y > 0 ? rgb[(y - 1) * stride + i]! : 0;
        const c = i >= 3 && y > 0 ? rgb[(y - 1) * stride + i - 3]! : 0;
        const predictor = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth(a, b, c);
        const v = (x - predictor) & 0xff;
        candidate[i] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < bestCost) {
        bestCost = cost;
        bestFilter = filter;
        best = candidate.slice();
      }
    }
    raw[y * (stride + 1)] = bestFilter;
    raw.set(best, y * (stride + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw, { level: 9 })), pngChunk('IEND', new Uint8Array(0))]);
}
