/**
 * Files handed to the user: a download through an object URL (every browser), or a folder the
 * user picks through the File System Access API where the browser has it (Chromium), so a session
 * export lands as loose files next to a paper's sources instead of a zip.
 */

export function downloadBytes(name: string, bytes: Uint8Array | string, type: string): void {
  // A Blob takes the bytes as they are (no copy) unless they sit in shared memory.
  const part = typeof bytes === 'string' || bytes.buffer instanceof ArrayBuffer ? (bytes as string | Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const blob = new Blob([part], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has its own reference to the blob by now; revoking later frees it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export interface DirectoryHandle {
  getDirectoryHandle(name: string, options: { create: boolean }): Promise<DirectoryHandle>;
  getFileHandle(
    name: string,
    options: { create: boolean },
  ): Promise<{ createWritable(): Promise<{ write(data: Blob): Promise<void>; close(): Promise<void> }> }>;
}
type DirectoryPicker = (options?: { mode?: 'readwrite'; id?: string }) => Promise<DirectoryHandle>;

const directoryPicker = (): DirectoryPicker | null => {
  const picker = (window as unknown as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;
  return typeof picker === 'function' ? picker.bind(window) : null;
};

export const canWriteFolders = (): boolean => typeof window !== 'undefined' && directoryPicker() !== null;

/**
 * Asks for a folder: call it straight from the click (the browser lets a page open a picker only
 * for a few seconds after the user's gesture). Resolves null when the user closed the picker.
 */
export async function pickFolder(): Promise<DirectoryHandle | null> {
  const pick = directoryPicker();
  if (!pick) throw new Error('this browser has no folder picker (showDirectoryPicker)');
  try {
    return await pick({ mode: 'readwrite', id: 'connector-lens-export' });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') return null;
    throw error;
  }
}

/** Writes the files under `folder` in the picked folder (paths with `/` become sub-folders); throws when the browser refused a write. */
export async function writeFolder(root: DirectoryHandle, folder: string, files: Readonly<Record<string, Uint8Array>>): Promise<void> {
  const top = await root.getDirectoryHandle(folder, { create: true });
  for (const [path, bytes] of Object.entries(files)) {
    const parts = path.split('/');
    let dir = top;
    for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create: true });
    const writable = await (await dir.getFileHandle(parts.at(-1)!, { create: true })).createWritable();
    await writable.write(new Blob([new Uint8Array(bytes)]));
    await writable.close();
  }
}
