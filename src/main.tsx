import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App.tsx';
import { builtinPacks, defaultPackId } from './packs/builtinPacks.ts';
import { restoreSession, startPersisting } from './store/persistence.ts';
import { loadBundledSet } from './store/bundledSet.ts';
import { installPrecomputedReconstruction } from './store/precomputedReconstruction.ts';
import { syncLectureWithUrl } from './store/lectureUrl.ts';
import { collectionStore } from './store/collectionStore.ts';
import { debugHooks, openBuiltinPack } from './store/modelSession.ts';
import { wirePipeline } from './store/pipeline.ts';
import { claimSession } from './store/sessionTabs.ts';
import { trainIfNoReconstruction } from './store/training.ts';
import { debugStores } from './store/debugStores.ts';
import './styles.css';

// Before the first render, so ?lecture and #lecture/<n> open straight onto their step.
syncLectureWithUrl(window);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

/**
 * URL switches: ?pack=ID opens that built-in pack; ?empty starts without the bundled image set
 * (the browser test uses both); ?ep=wasm|webgpu pins the runtime (store/modelStore.ts); ?lecture and
 * #lecture/<n> open lecture mode (store/lectureUrl.ts).
 */
async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  // Before restoring: whether this tab saves the session or only reads it (another tab holds it).
  await claimSession();
  wirePipeline();
  const session = await restoreSession();
  startPersisting();
  const isBuiltin = (id: string | null | undefined): id is string => !!id && builtinPacks.some((p) => p.id === id);
  const requested = params.get('pack');
  const packId = isBuiltin(requested) ? requested : isBuiltin(session?.packId) ? session.packId : defaultPackId;
  // A first visit (nothing stored) gets the bundled set, analysed without any action.
  const firstVisit = collectionStore.getState().images.length === 0 && !session && !params.has('empty');
  if (firstVisit) await loadBundledSet();
  await openBuiltinPack(packId);
  // Heatmaps without a click: the build's own reconstruction when it fits, else train one here.
  if (firstVisit && !(await installPrecomputedReconstruction(packId))) await trainIfNoReconstruction();
}
void start();

// ?debug exposes fault injection and the stores to the browser test; nothing else reads it.
if (new URLSearchParams(location.search).has('debug')) {
  (window as unknown as { __lensDebug: unknown }).__lensDebug = { ...debugHooks, stores: debugStores };
}
