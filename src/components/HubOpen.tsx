import { useRef, useState, type FormEvent } from 'react';
import { findPreset, HUB_PRESETS, presetDownloadEstimate } from '../core/hub/presets.ts';
import { isVariant, VARIANT_NAMES } from '../core/hub/variants.ts';
import { formatBytes } from '../core/formatBytes.ts';
import { useHub, useModel } from '../store/hooks.ts';
import { openFromHub } from '../store/hubStore.ts';

const VARIANT_HINTS: Readonly<Record<string, string>> = {
  fp32: 'full precision (largest, most faithful)',
  fp16: 'half precision',
  quantized: '8-bit weights',
  int8: '8-bit signed',
  uint8: '8-bit unsigned',
  q4: '4-bit weights',
  q4f16: '4-bit weights, fp16 (smallest)',
  bnb4: '4-bit (bitsandbytes)',
};

/**
 * Half precision unless a preset says otherwise: half the download of fp32, and what
 * transformers.js-style repos ship for nearly every model; fp32 stays one pick away.
 */
const DEFAULT_VARIANT = 'fp16';

/**
 * "Open from Hugging Face…": a modal dialog (the native <dialog>: focus moves in and stays, Esc and
 * Cancel close it, focus returns to the button) with repo id (or pasted model URL), revision, dtype
 * variant and an optional token. Submitting starts the download and closes the dialog; the download
 * shows its own progress bar.
 */
export function HubOpen() {
  const dialog = useRef<HTMLDialogElement>(null);
  const downloading = useHub((s) => s.download !== null);
  const host = useHub((s) => s.host);
  const packLoading = useModel((s) => s.status === 'loading');
  const [repo, setRepo] = useState('');
  const [revision, setRevision] = useState('main');
  const [variant, setVariant] = useState<string>(DEFAULT_VARIANT);
  const [token, setToken] = useState('');
  const [presetId, setPresetId] = useState('');
  const preset = findPreset(presetId);
  // A preset fills the fields; editing them afterwards is allowed (another revision, variant).
  const pickPreset = (id: string) => {
    setPresetId(id);
    const picked = findPreset(id);
    if (!picked) return;
    setRepo(picked.repo);
    setVariant(picked.defaultVariant);
  };
  const size = preset && isVariant(variant) ? presetDownloadEstimate(preset, variant) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    dialog.current?.close();
    void openFromHub({ repo, revision, variant, token });
  };
  return (
    <>
      <button type="button" className="header-button" data-testid="hub-open-button" aria-haspopup="dialog" onClick={() => dialog.current?.showModal()}>
        Open from Hugging Face…
      </button>
      <dialog ref={dialog} className="hub-open" data-testid="hub-open" aria-labelledby="hub-open-title">
        <div className="dialog-head">
          <h2 id="hub-open-title">Open a model from Hugging Face</h2>
          <button type="button" className="small-button" data-testid="hub-close" aria-label="Close" onClick={() => dialog.current?.close()}>
            ×
          </button>
        </div>
        {host !== undefined && <p className="hint">Hub: {host} (from the page address)</p>}
        <form onSubmit={submit}>
          <label title="Fills repo and variant for a model whose connector the app knows">
            Preset
            <select data-testid="hub-preset" value={presetId} onChange={(e) => pickPreset(e.target.value)}>
              <option value="">(none: type a repo)</option>
              {HUB_PRESETS.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Repo
            <input
              data-testid="hub-repo"
              required
              placeholder="owner/name or model page URL"
              value={repo}
              onChange={(e) => setRepo(e.target.value)}
              spellCheck={false}
              autoComplete="off"
            />
          </label>
          <label>
            Revision
            <input data-testid="hub-revision" value={revision} onChange={(e) => setRevision(e.target.value)} spellCheck={false} size={10} />
          </label>
          <label title="Which onnx/vision_encoder{suffix}.onnx of a transformers.js-style export; a Connector Lens pack has one set of graphs and ignores this">
            Variant
            <select data-testid="hub-variant" value={variant} onChange={(e) => setVariant(e.target.value)}>
              {VARIANT_NAMES.map((v) => (
                <option key={v} value={v}>
                  {v}: {VARIANT_HINTS[v]}
                </option>
              ))}
            </select>
          </label>
          <label title="Only for gated or private repos. Sent to huggingface.co with this download (to no other server), never stored.">
            Access token
            <input
              data-testid="hub-token"
              type="password"
              placeholder="optional, hf_…"
              value={token}
              onChange={(e) => setToken(e.target.value)}
              autoComplete="off"
              size={12}
            />
          </label>
          <div className="dialog-actions">
            <button type="button" data-testid="hub-cancel" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" data-testid="hub-submit" disabled={downloading || packLoading}>
              Download and open
            </button>
          </div>
        </form>
        {preset && (
          <p className="hint" data-testid="hub-preset-note">
            {preset.repo}: {preset.connector.family}, {preset.geometry.tokens.pre} patches to {preset.geometry.tokens.post} tokens per{' '}
            {preset.geometry.imageSize} x {preset.geometry.imageSize} image; download about {size === null ? '(pick a variant)' : formatBytes(size)} (estimated
            from the parameter count; the download shows the real size). {preset.memoryWarning}
          </p>
        )}
        <p className="hint">
          Connector Lens packs and transformers.js-style ONNX exports (onnx/vision_encoder*.onnx with config.json). Files are kept in this browser; "Stored in
          this browser" lists and removes them.
        </p>
      </dialog>
    </>
  );
}
