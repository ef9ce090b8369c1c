import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App.tsx';
import { builtinPacks, defaultPackId } from './packs/builtinPacks.ts';
import { restoreSession, startPersisting } from './store/persistence.ts';
import { openBuiltinPack } from './store/pipeline.ts';
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
