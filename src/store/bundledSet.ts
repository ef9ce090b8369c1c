/**
 * The bundled labelled image set (public/imageset/, shipped with the app): loaded on a first
 * visit so the default pack has something meaningful to analyse without any action or network
 * beyond the page's own origin. Labels come with it, for precision@k.
 */
import { parseImageSetIndex, type ImageSetEntry } from '../core/imageset/imageSetIndex.ts';
import { errorText, userMessage } from '../core/errors.ts';
import { hashBytes } from '../core/identity/contentHash.ts';
import { IMAGE_SET_ARCHIVE, readImageSetArchive } from '../core/imageset/imageSetArchive.ts';
import { addImages, collectionStore, nextImageId, type ImageEntry } from './collectionStore.ts';
import { dismissMessage, say } from './uiStore.ts';

/** Relative to the page, so the production build works from any folder. */
const BASE = './imageset/';
/** Images added to the collection at a time (one render each); all are requested at once, the browser queues them. */
const CHUNK = 32;

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

/**
 * The set's files from its archive (one request; core/imageset/imageSetArchive.ts), or null when
 * there is none (a server that only has public/imageset/): then each image is fetched on its own.
 */
async function archivedFiles(): Promise<Map<string, Uint8Array> | null> {
  try {
    const response = await fetch(`${BASE}${IMAGE_SET_ARCHIVE}`);
    if (!response.ok) return null;
    return readImageSetArchive(new Uint8Array(await response.arrayBuffer()));
  } catch {
    // A damaged or unreadable archive costs only speed: the images are fetched one by one.
    return null;
  }
}

const MIME: Readonly<Record<string, string>> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp' };
const mimeOf = (file: string) => MIME[file.slice(file.lastIndexOf('.') + 1).toLowerCase()] ?? 'image/png';

async function toEntry(item: ImageSetEntry, archive: ReadonlyMap<string, Uint8Array> | null): Promise<ImageEntry> {
  const archived = archive?.get(item.file);
  const blob = archived ? new Blob([archived as BlobPart], { type: mimeOf(item.file) }) : await (await fetchOk(`${BASE}${item.file}`)).blob();
  const file = new File([blob], item.file, { type: blob.type || mimeOf(item.file) });
  const contentHash = await hashBytes(new Uint8Array(await file.arrayBuffer()));
  return {
    id: nextImageId(),
    name: item.file,
    blob: file,
    url: URL.createObjectURL(file),
    bytes: file.size,
    width: null,
    height: null,
    label: item.label,
    labelSource: 'the bundled set',
    contentHash,
  };
}

/** Add the bundled set to the collection; returns how many images it added (0 if it is absent or broken). */
export async function loadBundledSet(): Promise<number> {
  let items: ImageSetEntry[];
  try {
    const index = await fetch(`${BASE}index.json`);
    // A build without a bundled set is not an error: the app starts empty.
    if (index.status === 404) return 0;
    if (!index.ok) throw new Error(`${BASE}index.json: HTTP ${index.status}`);
    items = parseImageSetIndex(await index.json());
  } catch (error) {
    say('warning', userMessage(error, 'The bundled image set could not be loaded; add your own images instead.'), { details: errorText(error) });
    return 0;
  }
  collectionStore.setState({ intake: { done: 0, total: items.length } });
  const addedIds = new Set<string>();
  // Images that could not be fetched or read: the rest still load, and these are named.
  const failed: { file: string; reason: unknown }[] = [];
  const labels = new Set<string | null>();
  try {
    const archive = await archivedFiles();
    // Every image at once (without the archive, the browser keeps its connections busy), added in
    // the set's order. Each outcome is taken as it settles, so a failure further on is never an
    // unhandled rejection while earlier chunks are still awaited.
    const outcomes = items.map((item) =>
      toEntry(item, archive).then(
        (entry) => ({ entry }) as const,
        (reason: unknown) => ({ reason }) as const,
      ),
    );
    for (let i = 0; i < items.length; i += CHUNK) {
      const settled = await Promise.all(outcomes.slice(i, i + CHUNK));
      const chunk = settled.flatMap((outcome, j) => {
        if ('entry' in outcome) return [outcome.entry];
        failed.push({ file: items[i + j]!.file, reason: outcome.reason });
        return [];
      });
      addImages(chunk);
      for (const entry of chunk) {
        addedIds.add(entry.id);
        labels.add(entry.label);
      }
      collectionStore.setState({ intake: { done: i + settled.length, total: items.length } });
    }
  } finally {
    collectionStore.setState({ intake: null });
  }
  if (failed.length > 0) {
    const names = failed
      .slice(0, 3)
      .map((f) => f.file)
      .join(', ');
    say(
      'warning',
      `${failed.length} of the bundled set's ${items.length} images could not be loaded (${names}${failed.length > 3 ? ', …' : ''}); the other ${addedIds.size} are here. Reload the page to try again, or add your own images.`,
      { details: failed.map((f) => `${f.file}: ${errorText(f.reason)}`).join('\n') },
    );
  }
  if (addedIds.size === 0) return 0;
  const loaded = say(
    'info',
    `Loaded the bundled image set: ${addedIds.size} labelled images in ${labels.size} classes (sources and licences in imageset/LICENSES.md). Remove them or add your own at any time.`,
  );
  withdrawWhenGone(loaded, addedIds);
  return addedIds.size;
}

/**
 * The message that the bundled set was loaded describes images on screen: it goes once none of
 * them is in the collection any more (all removed, or a block store took their place), rather than
 * stay above a collection it is not about.
 */
function withdrawWhenGone(message: number, ids: ReadonlySet<string>): void {
  const unsubscribe = collectionStore.subscribe(({ images }, before) => {
    // Intake progress changes the state too; only a new list of images can drop the set's.
    if (images === before.images || images.some((image) => ids.has(image.id))) return;
    unsubscribe();
    dismissMessage(message);
  });
}
