/**
 * A dropped folder (components/dropFiles.ts) is walked through its entries, batch by batch as
 * Chromium hands them over, and each file keeps its path inside the drop as webkitRelativePath,
 * as <input webkitdirectory> gives it: that is how a dropped block-store folder and its
 * sub-folder labels are read. The entries here imitate the File and Directory Entries API.
 */
import { describe, expect, it } from 'vitest';
import { filesFromDrop } from '../../src/components/dropFiles.ts';

type Entry = FileSystemEntry;
const fileEntry = (name: string, text = name): Entry =>
  ({ isFile: true, isDirectory: false, name, file: (resolve: (f: File) => void) => resolve(new File([text], name)) }) as unknown as Entry;
/** A folder whose reader hands its entries over two at a time, then an empty batch. */
const folderEntry = (name: string, children: Entry[]): Entry =>
  ({
    isFile: false,
    isDirectory: true,
    name,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (resolve: (batch: Entry[]) => void) => {
          const batch = children.slice(at, at + 2);
          at += batch.length;
          setTimeout(() => resolve(batch), 0);
        },
      };
    },
  }) as unknown as Entry;
const transfer = (entries: Entry[], files: File[] = []) =>
  ({ items: entries.map((entry) => ({ kind: 'file', webkitGetAsEntry: () => entry })), files }) as unknown as DataTransfer;

describe('filesFromDrop', () => {
  it('walks a dropped folder and its sub-folders, every batch, keeping each path inside the drop', async () => {
    const store = folderEntry('paper-store', [
      fileEntry('pre-block-0.safetensors'),
      fileEntry('post-block-0.safetensors'),
      fileEntry('labels.csv'),
      folderEntry('images', [fileEntry('0.png'), fileEntry('1.png'), fileEntry('2.png')]),
      fileEntry('store.json'),
    ]);
    const { files, skipped } = await filesFromDrop(transfer([store]));
    expect(skipped).toBe(0);
    expect(files.map((f) => f.webkitRelativePath)).toEqual([
      'paper-store/pre-block-0.safetensors',
      'paper-store/post-block-0.safetensors',
      'paper-store/labels.csv',
      'paper-store/images/0.png',
      'paper-store/images/1.png',
      'paper-store/images/2.png',
      'paper-store/store.json',
    ]);
    expect(await files[2]!.text()).toBe('labels.csv');
  });

  it('takes the drop’s files as they are when it holds no folder', async () => {
    const loose = [new File(['a'], 'a.png'), new File(['b'], 'b.png')];
    const { files } = await filesFromDrop(transfer([fileEntry('a.png'), fileEntry('b.png')], loose));
    expect(files).toEqual(loose);
  });
});
