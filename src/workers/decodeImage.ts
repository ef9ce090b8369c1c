/**
 * Decode an image file to RGBA pixels inside a worker. The browser's decoder applies EXIF
 * orientation ('from-image'); the pixel budget is checked on the header before decoding so a
 * 20000 x 20000 file is refused instead of exhausting memory.
 */
import { MAX_DECODE_PIXELS, tooLargeMessage } from '../core/image/checkImageFile.ts';

export interface DecodedImage {
  readonly rgba: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

export async function decodeImage(blob: Blob, name: string, headerSize?: { width: number; height: number }): Promise<DecodedImage> {
  if (headerSize && headerSize.width * headerSize.height > MAX_DECODE_PIXELS) throw new Error(tooLargeMessage(name, headerSize.width, headerSize.height));
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', colorSpaceConversion: 'default' });
  } catch {
    throw new Error(`${name} could not be decoded: the file is damaged or not an image format this browser reads. Re-export it as PNG or JPEG.`);
  }
  try {
    const { width, height } = bitmap;
    if (width * height > MAX_DECODE_PIXELS) throw new Error(tooLargeMessage(name, width, height));
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('this browser offers no 2D canvas in workers');
    ctx.drawImage(bitmap, 0, 0);
    return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
  } finally {
    bitmap.close();
  }
}
