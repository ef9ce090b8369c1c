/**
 * First visit: the bundled set's results at once. The build ships the set's pooled vectors under
 * the default pack (public/first-look/<packId>.json, core/imageset/firstLook.ts); when the
 * collection is exactly that set, KNOR, the neighbour grids and the maps are computed from them
 * within a second or two, marked as precomputed, while the model opens and embeds the set here
 * (store/neighbours.ts uses them until that is done). Then this browser's own vectors replace them
 * and are compared with them (store/firstLookCheck.ts).
 */
import { errorText, userMessage } from '../core/errors.ts';
import { matchFirstLook, parseFirstLook, type FirstLookRecord } from '../core/imageset/firstLook.ts';
import { analysisStore, emptyAnalysis } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
import { computeKnor } from './neighbours.ts';
import { appSession, type PipelineSession } from './session.ts';
import { fetchShippedJson } from './shippedJson.ts';
import { say } from './uiStore.ts';

/** Relative to the page, so the production build works from any folder. */
const BASE = './first-look/';

async function fetchRecord(packId: string): Promise<FirstLookRecord | null> {
  const response = await fetchShippedJson(`${BASE}${encodeURIComponent(packId)}.json`);
  // None shipped for this pack (or no network): the results come from this browser's embeddings instead, a little later.
  if (!response) return null;
  try {
    const record = parseFirstLook(await response.json());
    if (record.packId !== packId) throw new Error(`it was made for pack ${record.packId}, not ${packId}`);
    return record;
  } catch (error) {
    say('warning', userMessage(error, 'The precomputed first-look data could not be used; the results appear once this browser has embedded the images.'), {
      details: errorText(error),
    });
    return null;
  }
}

/**
 * Show the first look for `packId` once `collectionLoaded` settles, when the record fits the
 * collection and nothing else is shown; true when it is shown. The record is fetched, and the
 * analysis worker started, while the collection loads.
 */
export async function showFirstLook(packId: string, collectionLoaded: Promise<unknown>, session: PipelineSession = appSession()): Promise<boolean> {
  session.analysis.start();
  const [record] = await Promise.all([fetchRecord(packId), collectionLoaded]);
  if (!record) return false;
  const now = analysisStore.getState();
  // Another model opened meanwhile, or this browser's own results are already there.
  if ((now.modelKey !== null && now.modelKey !== record.modelKey) || now.knor || now.firstLook) return false;
  const match = matchFirstLook(record, collectionStore.getState().images);
  if ('mismatch' in match) return false; // the collection changed while the page loaded: results come live
  const firstLook = {
    packId,
    ids: match.ids,
    dPre: record.dPre,
    dPost: record.dPost,
    pooledPre: match.pooledPre,
    pooledPost: match.pooledPost,
    check: { status: 'provisional' },
  } as const;
  // Before the model opens the results are filed under the key it will have; the model keeps them when its key is that one (store/modelSession.ts).
  analysisStore.setState(now.modelKey === null ? { ...emptyAnalysis(record.modelKey), firstLook } : { firstLook });
  await computeKnor(session);
  return analysisStore.getState().knor?.source === 'first-look';
}
