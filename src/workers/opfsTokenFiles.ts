/**
 * Token files in the origin private file system (OPFS), for the tokens worker: a folder `tokens`,
 * written through a sync access handle (dedicated workers have them in every browser with OPFS;
 * the async writable is missing in some). Null where the browser has no OPFS (the store then
 * keeps tokens in memory only and a reload embeds again).
 */
import type { TokenFiles } from '../core/tokens/tokenStore.ts';

/** What the OPFS handles offer that this uses (the DOM lib's types lag behind for workers). */
interface SyncAccessHandle {
  truncate(size: number): void;
  write(buffer: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}
interface FileHandle {
  getFile(): Promise<File>;
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
}
interface DirectoryHandle {
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandle>;
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirectoryHandle>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterable<string>;
}

/** Kept free for everything else the app stores (images and results in IndexedDB). */
const SPARE_BYTES = 64 * 1024 * 1024;

export async function opfsTokenFiles(): Promise<TokenFiles | null> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage as (StorageManager & { getDirectory?: () => Promise<unknown> }) | undefined;
  if (!storage?.getDirectory) return null;
  let dir: DirectoryHandle;
  try {
    const root = (await storage.getDirectory()) as unknown as DirectoryHandle;
    dir = await root.getDirectoryHandle('tokens', { create: true });
  } catch {
    // Private windows in some browsers refuse OPFS: memory only.
    return null;
  }
  return {
    async write(name, bytes) {
      const handle = await (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle();
      try {
        handle.truncate(0);
        handle.write(bytes, { at: 0 });
        handle.flush();
      } finally {
        handle.close();
      }
    },
    async read(name) {
      try {
        const file = await (await dir.getFileHandle(name)).getFile();
        return new Uint8Array(await file.arrayBuffer());
      } catch (error) {
        if (error instanceof DOMException && error.name === 'NotFoundError') return null;
        throw error;
      }
    },
    async remove(name) {
      try {
        await dir.removeEntry(name);
      } catch (error) {
        if (!(error instanceof DOMException && error.name === 'NotFoundError')) throw error;
      }
    },
    async list() {
      const names: string[] = [];
      for await (const name of dir.keys()) names.push(name);
      return names;
    },
    async room() {
      if (!storage.estimate) return null;
      const { usage, quota } = await storage.estimate();
      return usage === undefined || quota === undefined ? null : quota - usage - SPARE_BYTES;
    },
  };
}
