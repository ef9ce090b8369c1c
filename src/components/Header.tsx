import { useRef } from 'react';
import { builtinPacks } from '../packs/builtinPacks.ts';
import { useModel } from '../store/hooks.ts';
import { openBuiltinPack } from '../store/modelSession.ts';
import { openModelFiles } from '../store/openModelFiles.ts';
import { openBlockStore } from '../store/blockStoreSession.ts';
import { reopenUserModel } from '../store/userModel.ts';
import { HelpDialog } from './HelpDialog.tsx';
import { HubOpen } from './HubOpen.tsx';
import { SessionExportButtons } from './SessionExportButtons.tsx';
import { lecture } from '../store/lectureStore.ts';
import { LECTURE_KEY } from '../core/lecture/navigation.ts';
import { LECTURE_BUTTON_ID } from './lecture/LectureMode.tsx';
import { HiddenFileInput } from './HiddenFileInput.tsx';
import { computeThreadsHere, threadsLabel } from '../core/threads/computeThreads.ts';
import type { ExecutionProvider } from '../ml/ort.ts';

function packLabel(manifestJson: unknown, id: string): string {
  const name = (manifestJson as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : id;
}

/** The badge's tooltip: why WebGPU was not used, and why WASM has one thread, when either is so. */
function badgeReasons(ep: ExecutionProvider | null, fallbackReason: string | null, wasmThreads: number | null): string | undefined {
  const singleThread = ep === 'wasm' && wasmThreads === 1 ? computeThreadsHere().singleThreadReason : null;
  const reasons = [fallbackReason, singleThread].filter((reason) => reason != null);
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

export function Header() {
  const packId = useModel((s) => s.packId);
  const status = useModel((s) => s.status);
  const ep = useModel((s) => s.ep);
  const fallbackReason = useModel((s) => s.fallbackReason);
  const wasmThreads = useModel((s) => s.wasmThreads);
  const manifest = useModel((s) => s.manifest);
  const userPack = useModel((s) => s.userPack);
  const loading = useModel((s) => s.loading);
  const isBlockStore = useModel((s) => s.origin?.kind === 'block-store');
  // While a model opens the picker shows the choice being opened (the previous model stays usable until it has).
  const listed = (id: string) => id === userPack?.id || builtinPacks.some((p) => p.id === id);
  const shown = loading && listed(loading.packId) ? loading.packId : (packId ?? '');
  const packInput = useRef<HTMLInputElement>(null);
  const storeInput = useRef<HTMLInputElement>(null);
  return (
    // data-open-pack: the model open now (the picker may already show one still opening).
    <header className="header" data-open-pack={packId ?? ''} data-loading={loading ? 'true' : 'false'}>
      <h1>Connector Lens</h1>
      <label className="pack-picker">
        Model pack
        <select
          data-testid="pack-picker"
          value={shown}
          onChange={(e) => void (e.target.value === userPack?.id ? reopenUserModel() : openBuiltinPack(e.target.value))}
        >
          {/* Before any model is chosen (the page starting): say so, rather than show the first pack as if it were open. */}
          {shown === '' && (
            <option value="" disabled>
              Opening a model…
            </option>
          )}
          {userPack && <option value={userPack.id}>{userPack.name}</option>}
          {builtinPacks.map((p) => (
            <option key={p.id} value={p.id}>
              {packLabel(p.manifestJson, p.id)}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="open-pack"
        data-testid="open-pack"
        title="A pack: manifest.json and the .onnx files it names. A stock export: vision_encoder*.onnx with config.json and preprocessor_config.json. Plus any .onnx_data files."
        onClick={() => packInput.current?.click()}
      >
        Open model files…
      </button>
      <HiddenFileInput inputRef={packInput} testId="pack-input" multiple onFiles={(files) => void openModelFiles(files)} />
      <button
        type="button"
        className="open-pack"
        data-testid="open-block-store"
        title="A folder of pre-block-<id>.safetensors and post-block-<id>.safetensors files (the paper's block store, or this app's CLI output), with images and labels beside them if you have them"
        onClick={() => storeInput.current?.click()}
      >
        Open block store…
      </button>
      <HiddenFileInput inputRef={storeInput} testId="block-store-input" directory onFiles={(files) => void openBlockStore(files)} />
      <HubOpen />
      <HelpDialog />
      <SessionExportButtons />
      <button
        type="button"
        id={LECTURE_BUTTON_ID}
        className="header-button"
        data-testid="lecture-button"
        accessKey={LECTURE_KEY}
        aria-keyshortcuts={LECTURE_KEY.toUpperCase()}
        title="Lecture mode: the pipeline step by step, presentation-sized (key L)"
        onClick={() => lecture({ type: 'open' })}
      >
        Lecture mode
      </button>
      <span className={`ep-badge ep-${ep ?? 'none'}`} data-testid="ep-badge" title={badgeReasons(ep, fallbackReason, wasmThreads)}>
        {isBlockStore
          ? 'embeddings from files'
          : status === 'loading' && !ep
            ? 'opening…'
            : ep
              ? ep === 'webgpu'
                ? 'runs on WebGPU'
                : `runs on WASM · ${threadsLabel(wasmThreads ?? 1)}`
              : status === 'error'
                ? 'no pack'
                : '…'}
      </span>
      {manifest && (
        <span className="pack-facts">
          {isBlockStore ? 'block store' : manifest.connector.family} · T {manifest.tokens.pre} → T′ {manifest.tokens.post} · d {manifest.tokens.dPre} →{' '}
          {manifest.tokens.dPost}
        </span>
      )}
      {manifest?.weights.synthetic && (
        <p className="synthetic-notice" data-testid="synthetic-notice">
          Synthetic weights: this pack's encoder and connector are seeded random networks. The pipeline and the metrics are real; what the neighbours mean is
          not. Real weights come with real packs.
        </p>
      )}
    </header>
  );
}
