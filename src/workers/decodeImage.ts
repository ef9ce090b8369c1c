/**
 * Decode an image file to RGBA pixels inside a worker. The browser's decoder applies EXIF
 * orientation ('from-image'). Files were admitted by their headers (checkImageFile); the pixel
 * budget is checked again on the decoded size, which a header can understate.
 */
import { UserFacingError } from '../core/errors.ts';
import { MAX_DECODE_PIXELS, tooLargeMessage } from '../core/image/checkImageFile.ts';

export interface DecodedImage {
  readonly rgba: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

export async function decodeImage(blob: Blob, name: string): Promise<DecodedImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', colorSpaceConversion: 'default' });
  } catch {
    throw new UserFacingError(`${name} could not be decoded: the file is damaged or not an image format this browser reads. Re-export it as PNG or JPEG.`);
  }
  try {
    const { width, height } = bitmap;
    if (width * height > MAX_DECODE_PIXELS) throw new UserFacingError(tooLargeMessage(name, width, height));
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx)
      throw new UserFacingError('This browser offers no 2D canvas in workers, which decoding images needs. Use a current Chrome, Edge, Firefox or Safari.');
    ctx.drawImage(bitmap, 0, 0);
    return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
  } finally {
    bitmap.close();
  }
}
