import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App.tsx';
import { builtinPacks, defaultPackId } from './packs/builtinPacks.ts';
import { restoreSession, startPersisting } from './store/persistence.ts';
import { loadBundledSet } from './store/bundledSet.ts';
import { showFirstLook } from './store/firstLook.ts';
import { installPrecomputedEarly, installPrecomputedReconstruction } from './store/precomputedReconstruction.ts';
import { syncLectureWithUrl } from './store/lectureUrl.ts';
import { collectionStore } from './store/collectionStore.ts';
import { debugHooks, openBuiltinPack } from './store/modelSession.ts';
import { wirePipeline } from './store/pipeline.ts';
import { claimSession } from './store/sessionTabs.ts';
import { trainIfNoReconstruction } from './store/training.ts';
import { debugStores, debugTokens } from './store/debugStores.ts';
import { openFromHub } from './store/hubStore.ts';
import { modelStore } from './store/modelStore.ts';
import { say } from './store/uiStore.ts';
import { applyViewUrl, syncViewUrl } from './store/viewUrl.ts';
import './styles.css';

// Before the first render, so ?lecture and #lecture/<n> open straight onto their step.
syncLectureWithUrl(window);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

/**
 * URL switches: the view (?pack=ID or ?model=owner/repo@rev, k, metric, self, image; store/viewUrl.ts);
 * ?empty starts without the bundled image set (the browser test uses it); ?ep=wasm|webgpu pins the runtime (store/modelStore.ts); ?lecture and
 * #lecture/<n> open lecture mode (store/lectureUrl.ts).
 */
async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  // Before restoring: whether this tab saves the session or only reads it (another tab holds it).
  await claimSession();
  wirePipeline();
  const session = await restoreSession();
  startPersisting();
  // A shared link's model and settings win over the stored session's.
  const requested = applyViewUrl(window);
  const isBuiltin = (id: string | null | undefined): id is string => !!id && builtinPacks.some((p) => p.id === id);
  if (requested?.kind === 'pack' && !isBuiltin(requested.id))
    say('warning', `This link asks for a pack "${requested.id}" that this version does not have; the default pack opens instead. Pick one from the list.`);
  const packId = requested?.kind === 'pack' && isBuiltin(requested.id) ? requested.id : isBuiltin(session?.packId) ? session.packId : defaultPackId;
  // A first visit (nothing stored) gets the bundled set, analysed without any action.
  const firstVisit = collectionStore.getState().images.length === 0 && !session && !params.has('empty');
  if (firstVisit) {
    const loaded = loadBundledSet();
    // Results from the build's precomputed vectors while the model opens and checks them (not awaited: the model opens meanwhile).
    if (requested?.kind !== 'hub') void showFirstLook(packId, loaded);
    await loaded;
  }
  if (requested?.kind === 'hub') await openFromHub({ repo: requested.repo, revision: requested.revision ?? undefined });
  // A hub model that did not open (offline, refused) leaves a built-in pack open rather than none.
  const hubOpened = requested?.kind === 'hub' && modelStore.getState().origin?.kind === 'hub';
  // The shipped heatmaps show as soon as the first images embedded here match them (checked in full below).
  if (firstVisit && !hubOpened) installPrecomputedEarly(packId);
  if (!hubOpened) await openBuiltinPack(packId);
  syncViewUrl(window);
  // Heatmaps without a click: the build's own reconstruction when it fits, else train one here.
  if (firstVisit && !hubOpened && !(await installPrecomputedReconstruction(packId))) await trainIfNoReconstruction();
}
void start();

// ?debug exposes fault injection and the stores to the browser test; nothing else reads it.
if (new URLSearchParams(location.search).has('debug')) {
  (window as unknown as { __lensDebug: unknown }).__lensDebug = { ...debugHooks, stores: debugStores, tokens: debugTokens };
}
