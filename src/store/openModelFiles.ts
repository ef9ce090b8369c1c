/** Model files chosen from disk: a Connector Lens pack (manifest.json) or a stock export (config JSONs). */
import { looksLikeStockExport } from '../core/stock/stockFiles.ts';
import { openStockFiles } from './stockModel.ts';
import { openPackFromFiles } from './userPack.ts';

export function openModelFiles(files: readonly File[]): Promise<void> {
  return looksLikeStockExport(files) ? openStockFiles(files) : openPackFromFiles(files);
}
