/**
 * The files of a drop, folders walked: DataTransfer.files lists a dropped folder as one empty
 * entry, so folders are read through their entries (FileSystemDirectoryEntry). Each file keeps its
 * path inside the drop as webkitRelativePath (as a folder picked with <input webkitdirectory>
 * would), which the intake reads for folder labels.
 */

/** Files a drop may hold at most: a repo folder has tens, an image folder thousands. */
const MAX_FILES = 20_000;

function withPath(file: File, path: string): File {
  Object.defineProperty(file, 'webkitRelativePath', { value: path });
  return file;
}

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

async function readAll(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const out: FileSystemEntry[] = [];
  // readEntries hands entries over in batches until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

/** Files read, and how many more the drop held past MAX_FILES (counted from their entries, never read). */
export interface DroppedFiles {
  readonly files: File[];
  readonly skipped: number;
}

async function walk(entry: FileSystemEntry, prefix: string, out: { files: File[]; skipped: number }): Promise<void> {
  const path = `${prefix}${entry.name}`;
  if (entry.isFile) {
    if (out.files.length < MAX_FILES) out.files.push(withPath(await fileOf(entry as FileSystemFileEntry), path));
    else out.skipped++;
  } else if (entry.isDirectory) for (const child of await readAll(entry as FileSystemDirectoryEntry)) await walk(child, `${path}/`, out);
}

export async function filesFromDrop(data: DataTransfer): Promise<DroppedFiles> {
  const entries = Array.from(data.items, (item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null));
  if (!entries.some((e) => e?.isDirectory)) return { files: Array.from(data.files), skipped: 0 };
  const out = { files: [] as File[], skipped: 0 };
  for (const entry of entries) if (entry) await walk(entry, '', out);
  return out;
}

export { MAX_FILES as MAX_DROPPED_FILES };
