import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App.tsx';
import { defaultPackId } from './packs/builtinPacks.ts';
import { openBuiltinPack } from './store/pipeline.ts';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

void openBuiltinPack(defaultPackId);
