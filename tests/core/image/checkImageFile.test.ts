/** The admission check: the user's message for each refusal, the notice for animated GIFs. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkImageFile, MAX_FILE_BYTES } from '../../../src/core/image/checkImageFile.ts';
import { encodePng } from '../../e2e/png.ts';

/** A PNG header claiming a size, with valid chunk CRCs (the pixels are never decoded). */
function pngClaiming(width: number, height: number): Uint8Array {
  const copy = new Uint8Array(encodePng(new Uint8Array(4), 1, 1));
  // Patch IHDR's size into a real 1x1 PNG, then its CRC (over type + data, bytes 12..28).
  const view = new DataView(copy.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  let c = 0xffffffff;
  for (let i = 12; i < 29; i++) {
    c ^= copy[i]!;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  view.setUint32(29, (c ^ 0xffffffff) >>> 0);
  return copy;
}

describe('checkImageFile', () => {
  it('admits a normal PNG with its size', () => {
    expect(checkImageFile(new Uint8Array(encodePng(new Uint8Array(3 * 2 * 4), 3, 2)), 'ok.png')).toEqual({
      ok: true,
      format: 'png',
      width: 3,
      height: 2,
      notice: null,
    });
  });

  it('refuses a 20000 x 20000 image by its header, before decoding', () => {
    const r = checkImageFile(pngClaiming(20000, 20000), 'huge.png');
    expect(r).toEqual({ ok: false, message: 'huge.png is 20000 x 20000 pixels, over the 64 MP limit. Downscale it and add it again.' });
  });

  it('refuses extreme aspect ratios that would explode on resize', () => {
    const r = checkImageFile(pngClaiming(10000, 10), 'strip.png');
    expect(r.ok ? '' : r.message).toMatch(/strip\.png is 10000 x 10 pixels, more than 50:1/);
  });

  it('refuses zero-byte, text-named-jpg and oversized input with its message', () => {
    expect(checkImageFile(new Uint8Array(0), 'zero.png')).toMatchObject({ ok: false, message: expect.stringMatching(/^zero\.png is empty \(0 bytes\)/) });
    expect(checkImageFile(new TextEncoder().encode('just words'), 'photo.jpg')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^photo\.jpg is not an image \(it contains text\)/),
    });
    expect(checkImageFile(new Uint8Array(MAX_FILE_BYTES + 1), 'big.png')).toMatchObject({ ok: false, message: expect.stringMatching(/over the 100 MB limit/) });
  });

  it('admits a CMYK JPEG with a notice about its colour conversion (the file PIL made)', () => {
    const bytes = new Uint8Array(readFileSync(resolve(import.meta.dirname, '../../e2e/fixtures/cmyk.jpg')));
    expect(checkImageFile(bytes, 'cmyk.jpg')).toEqual({
      ok: true,
      format: 'jpeg',
      width: 48,
      height: 40,
      notice: "cmyk.jpg is a CMYK JPEG; the browser converted it to RGB, so its colours may differ slightly from what Python's PIL would give.",
    });
  });

  it('admits an animated GIF with a first-frame notice', () => {
    const frame = [0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4c, 0x01, 0];
    const bytes = Uint8Array.from([...new TextEncoder().encode('GIF89a'), 1, 0, 1, 0, 0, 0, 0, ...frame, ...frame, 0x3b]);
    expect(checkImageFile(bytes, 'anim.gif')).toMatchObject({ ok: true, notice: 'anim.gif is animated (2 frames); only its first frame is analysed.' });
  });
});
