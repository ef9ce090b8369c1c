import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App.tsx';
import { builtinPacks, defaultPackId } from './packs/builtinPacks.ts';
import { restoreSession, startPersisting } from './store/persistence.ts';
import { debugHooks, openBuiltinPack } from './store/pipeline.ts';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

async function start(): Promise<void> {
  const session = await restoreSession();
  startPersisting();
  const stored = session?.packId;
  await openBuiltinPack(stored && builtinPacks.some((p) => p.id === stored) ? stored : defaultPackId);
}
void start();

// ?debug exposes fault injection for the browser test; nothing else reads it.
if (new URLSearchParams(location.search).has('debug')) {
  (window as unknown as { __lensDebug: unknown }).__lensDebug = debugHooks;
}
