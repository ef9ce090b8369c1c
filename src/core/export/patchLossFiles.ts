/**
 * patch_loss.npy and patch_loss.json: every image's per-patch reconstruction loss as one
 * [images, T] float32 array (numpy.load reads it; row i is image i, column t the patch at grid
 * row t / cols, column t % cols), and the JSON that says what the rows and columns are: each row's
 * image name and content hash, the patch grid and the units. A row of NaN is an image the
 * reconstruction did not cover.
 */
import { npyFloat32 } from './npy.ts';
import type { ExportImage, ExportReconstruction } from './sessionExport.ts';

export const PATCH_LOSS_UNITS = 'patch MSE in standardised units';

export function patchLossNpy(images: readonly ExportImage[], r: ExportReconstruction): Uint8Array {
  const [rows, cols] = r.grid;
  return npyFloat32(r.perPatch, [images.length, rows * cols]);
}

export function patchLossJson(images: readonly ExportImage[], r: ExportReconstruction): string {
  const [rows, cols] = r.grid;
  const description = {
    file: 'patch_loss.npy',
    dtype: 'float32',
    shape: [images.length, rows * cols],
    grid: [rows, cols],
    patchOrder: 'row-major on the grid: column t is grid row floor(t / cols), grid column t % cols',
    units: PATCH_LOSS_UNITS,
    missing: 'NaN: not measured (the image was added after the reconstructor was trained)',
    reconstructor: r.description,
    rows: images.map((image, i) => ({ row: i, name: image.name, contentHash: image.contentHash })),
  };
  return `${JSON.stringify(description, null, 2)}\n`;
}
