/**
 * The live check of the first look (store/firstLook.ts): once this browser has embedded the
 * images the build's precomputed vectors stood for, its pooled vectors are compared with them
 * and the verdict is shown beside KNOR; a difference beyond the tolerance is also said aloud,
 * since the numbers seen first were then not this browser's.
 */
import { compareFirstLook, FIRST_LOOK_TOLERANCE } from '../core/imageset/firstLook.ts';
import { analysisStore, firstLookRow } from './analysisStore.ts';
import { collectionStore } from './collectionStore.ts';
import { say } from './uiStore.ts';

/** Compare when every first-look image is embedded here or failed here; a no-op otherwise and once checked. */
export function checkFirstLook(): void {
  const { firstLook, embeddings, failures } = analysisStore.getState();
  if (!firstLook || firstLook.check.status !== 'provisional') return;
  if (firstLook.ids.some((id) => !embeddings[id] && !failures[id])) return;
  const rows = firstLook.ids.flatMap((id, row) => (embeddings[id] ? [row] : []));
  // Nothing embedded here (every image failed): nothing to compare, and the live KNOR shows that.
  if (rows.length === 0) {
    analysisStore.setState({ firstLook: null });
    return;
  }
  const { dPre, dPost } = firstLook;
  // Same model key, so the same widths: the compared rows of the record and the live vectors, stacked alike.
  const precomputed = { pooledPre: new Float32Array(rows.length * dPre), pooledPost: new Float32Array(rows.length * dPost) };
  const live = { pooledPre: new Float32Array(rows.length * dPre), pooledPost: new Float32Array(rows.length * dPost) };
  rows.forEach((row, i) => {
    const { pre, post } = firstLookRow(firstLook, row);
    precomputed.pooledPre.set(pre, i * dPre);
    precomputed.pooledPost.set(post, i * dPost);
    const embedding = embeddings[firstLook.ids[row]!]!;
    live.pooledPre.set(embedding.pooledPre, i * dPre);
    live.pooledPost.set(embedding.pooledPost, i * dPost);
  });
  const { maxDifference, worstRow } = compareFirstLook(precomputed, live, rows.length);
  const worstId = firstLook.ids[rows[worstRow]!]!;
  const status = maxDifference <= FIRST_LOOK_TOLERANCE ? 'verified' : 'differs';
  analysisStore.setState({ firstLook: { ...firstLook, check: { status, maxDifference, worstId, compared: rows.length } } });
  if (status === 'differs') {
    const name = collectionStore.getState().images.find((i) => i.id === worstId)?.name ?? 'one image';
    say(
      'warning',
      `The results shown first came from embeddings precomputed when the app was built, and this browser's embeddings differ from them (most for ${name}: ${maxDifference.toPrecision(2)}, relative). The numbers now shown are this browser's own.`,
    );
  }
}
