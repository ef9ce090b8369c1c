import { useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { formatDims, formatShape, searchCandidates, type Candidate } from '../core/onnx/candidates.ts';
import type { TensorInfo } from '../core/onnx/graphSummary.ts';
import { useModel } from '../store/hooks.ts';
import { isOpenStockModel, retapStockModel, stockStore, type TapSource } from '../store/stockModel.ts';

/** Rows shown at once: a real model has thousands of activations; the search narrows them. */
const SHOWN = 60;

const SOURCE_TEXT: Readonly<Record<TapSource, string>> = {
  automatic: 'found automatically',
  stored: 'your stored choice for this model',
  picked: 'picked by you',
};

function TensorLine({ role, name, info, testId }: { role: string; name: string; info: TensorInfo | undefined; testId: string }) {
  return (
    <div className="tap-tensor" data-testid={testId}>
      <span className="tap-role">{role}</span> <code>{name}</code> <span className="tap-dims">{formatShape(info?.dims ?? null)}</span>
    </div>
  );
}

/**
 * Where a stock export is read: the tensors taken as pre- and post-projection tokens with their
 * shapes, why they were taken, and a searchable list of every activation to pick others from.
 * The picker starts closed again whenever another model or tap opens.
 */
export function TapPanel() {
  const opened = useStore(stockStore, (s) => `${s.key ?? ''}\n${s.tap?.pre ?? ''}\n${s.tap?.post ?? ''}`);
  return <TapPanelView key={opened} />;
}

function TapPanelView() {
  const state = useStore(stockStore);
  const loading = useModel((s) => s.status === 'loading');
  const packId = useModel((s) => s.packId);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [pending, setPending] = useState<{ pre: string | null; post: string | null }>({ pre: null, post: null });
  const { inspection, tap, input, status } = state;
  const candidates = useMemo(() => inspection?.candidates ?? [], [inspection]);
  const found = useMemo(() => searchCandidates(candidates, query), [candidates, query]);
  if (!inspection || !input) return null;
  // Shown while this stock model is the open one, or while one opens or waits for a pick; hidden under any other model.
  const current = status === 'needs-pick' || status === 'inspecting' || status === 'opening' || isOpenStockModel(state, packId);
  if (!current) return null;

  const infoOf = (name: string): TensorInfo | undefined => candidates.find((c) => c.name === name)?.info ?? inspection.outputs.find((o) => o.name === name);
  const pre = pending.pre ?? tap?.pre ?? null;
  const post = pending.post ?? tap?.post ?? null;
  const changed = pre !== null && post !== null && (pre !== tap?.pre || post !== tap?.post);
  const boundary = inspection.boundary;
  const picking = open || status === 'needs-pick';

  const choose = (c: Candidate, role: 'pre' | 'post') => setPending((p) => ({ ...p, [role]: c.name }));

  return (
    <section className="panel tap-panel" data-testid="tap-panel" aria-label="Connector tap">
      <h2>Connector tap · {input.label}</h2>
      {tap ? (
        <>
          <TensorLine role="pre" name={tap.pre} info={infoOf(tap.pre)} testId="tap-pre" />
          <TensorLine role="post" name={tap.post} info={infoOf(tap.post)} testId="tap-post" />
          <p className="hint" data-testid="tap-source">
            Tap {SOURCE_TEXT[tap.source]}.{' '}
            {boundary.found
              ? `Automatic boundary: the tensor entering "${boundary.scope}" (${boundary.style} export, ${boundary.confidence} confidence). ${boundary.why}`
              : `No automatic boundary: ${boundary.why}`}
          </p>
        </>
      ) : (
        <p className="hint" data-testid="tap-source">
          {status === 'inspecting'
            ? 'Reading the graph…'
            : `Pick the pre-projection tensor (what the connector takes) and the post-projection tensor (what it gives). ${boundary.found ? '' : boundary.why}`}
        </p>
      )}
      {state.notes.length > 0 && <p className="hint">{state.notes.join(' ')}</p>}
      {!picking ? (
        <button type="button" data-testid="tap-change" disabled={loading} onClick={() => setOpen(true)}>
          Choose other tensors…
        </button>
      ) : (
        <div className="tap-picker">
          <input
            type="search"
            data-testid="tap-search"
            placeholder={`Search ${candidates.length} tensors: name, op, module, shape`}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            aria-label="Search tensors"
          />
          <p className="hint">
            {found.length} match{found.length === 1 ? '' : 'es'}
            {found.length > SHOWN ? `, first ${SHOWN} shown` : ''}. Pending: pre <code>{pre ?? '—'}</code> → post <code>{post ?? '—'}</code>
          </p>
          <ul className="tap-candidates" data-testid="tap-candidates">
            {found.slice(0, SHOWN).map((c) => (
              <li key={c.name} className={c.name === pre || c.name === post ? 'chosen' : undefined}>
                <code className="tap-name" title={c.producer ?? 'graph input'}>
                  {c.name}
                </code>
                <span className="tap-dims">{formatDims(c.info)}</span>
                <span className="tap-op">
                  {c.op ?? 'input'}
                  {c.scope ? ` · ${c.scope}` : ''}
                  {c.tags.length ? ` · ${c.tags.join(', ')}` : ''}
                </span>
                <button type="button" data-testid="tap-as-pre" aria-pressed={c.name === pre} onClick={() => choose(c, 'pre')}>
                  pre
                </button>
                <button type="button" data-testid="tap-as-post" aria-pressed={c.name === post} onClick={() => choose(c, 'post')}>
                  post
                </button>
              </li>
            ))}
          </ul>
          <div className="tap-actions">
            <button
              type="button"
              data-testid="tap-open"
              disabled={!changed || loading}
              onClick={() => {
                if (pre && post) void retapStockModel(pre, post).then(() => setPending({ pre: null, post: null }));
              }}
            >
              Open with this tap
            </button>
            {boundary.found && boundary.post !== null && (
              <button type="button" data-testid="tap-automatic" disabled={loading} onClick={() => setPending({ pre: boundary.tensor, post: boundary.post })}>
                Back to automatic
              </button>
            )}
            {status !== 'needs-pick' && (
              <button
                type="button"
                onClick={() => {
                  setOpen(false);
                  setPending({ pre: null, post: null });
                }}
              >
                Close
              </button>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
