/**
 * The view in the URL, so a figure can be shared as a link: which model (`pack=<built-in id>` or
 * `model=<owner/repo>[@<revision>]` from a hub), the KNOR settings (`k`, `metric`, `self=1` for the
 * paper-compatible count) and the selected image (`image=<content-hash prefix>`: results are keyed
 * by content, so a link names the image by its bytes, never by a file name that another person's
 * copy need not share).
 *
 * URLs come from outside (typed, pasted, cut short by a chat client), so parsing accepts any
 * string and never throws: a value it cannot use is left out and named in `ignored`, and the app
 * says so instead of guessing. Formatting keeps every other entry (`empty`, `ep`, `debug`, `hub`)
 * verbatim and in order.
 */
import { K_MAX, K_MIN } from '../knn/kChoice.ts';
import type { Metric } from '../types.ts';

export interface ViewUrlState {
  readonly pack: string | null;
  /** A hub model: repo id and revision (null: the default branch). */
  readonly model: { readonly repo: string; readonly revision: string | null } | null;
  readonly k: number | null;
  readonly metric: Metric | null;
  readonly includeSelf: boolean | null;
  /** Lower-case hex prefix of the selected image's content hash. */
  readonly image: string | null;
}

export interface ParsedViewUrl {
  readonly state: ViewUrlState;
  /** `name=value` entries that were present but unusable, for a message. */
  readonly ignored: readonly string[];
}

/** The entries this module owns; everything else in the query is someone else's. */
export const VIEW_PARAMS = ['pack', 'model', 'k', 'metric', 'self', 'image'] as const;

/** As the k field allows (core/knn/kChoice.ts). */
export const K_RANGE = { min: K_MIN, max: K_MAX } as const;
/** 12 hex digits (48 bits) tell apart any collection that fits in a browser; shorter prefixes are accepted when pasted. */
export const IMAGE_PREFIX_LENGTH = 12;
const MIN_IMAGE_PREFIX = 6;

const PACK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
const HEX = /^[0-9a-f]+$/;

export const emptyViewUrl: ViewUrlState = { pack: null, model: null, k: null, metric: null, includeSelf: null, image: null };

export function parseViewUrl(search: string): ParsedViewUrl {
  const params = new URLSearchParams(search);
  const ignored: string[] = [];
  const read = <T>(name: (typeof VIEW_PARAMS)[number], parse: (value: string) => T | null): T | null => {
    const value = params.get(name);
    if (value === null) return null;
    const parsed = parse(value.trim());
    if (parsed === null) ignored.push(`${name}=${value}`);
    return parsed;
  };
  const state: ViewUrlState = {
    pack: read('pack', (v) => (PACK_ID.test(v) ? v : null)),
    model: read('model', parseModel),
    k: read('k', (v) => (/^\d{1,3}$/.test(v) && Number(v) >= K_RANGE.min && Number(v) <= K_RANGE.max ? Number(v) : null)),
    metric: read('metric', (v) => (v === 'cosine' || v === 'l2' ? v : null)),
    includeSelf: read('self', (v) => (v === '1' ? true : v === '0' ? false : null)),
    image: read('image', (v) => {
      const hex = v.toLowerCase();
      return HEX.test(hex) && hex.length >= MIN_IMAGE_PREFIX && hex.length <= 64 ? hex : null;
    }),
  };
  return { state, ignored };
}

function parseModel(value: string): ViewUrlState['model'] {
  const at = value.indexOf('@');
  const repo = at < 0 ? value : value.slice(0, at);
  const revision = at < 0 ? null : value.slice(at + 1);
  if (!REPO_ID.test(repo) || repo.includes('..')) return null;
  if (revision !== null && (!REVISION.test(revision) || revision.includes('..'))) return null;
  return { repo, revision };
}

function formatModel(model: NonNullable<ViewUrlState['model']>): string {
  return model.revision === null ? model.repo : `${model.repo}@${model.revision}`;
}

/**
 * The query string with this module's entries set from `state` (null: left out) and every other
 * entry kept as it was. The model comes first, then the settings, then the image, so links read
 * the same way each time. Values are encoded except `/` and `@` in a model, which are legal in a
 * query and keep the link readable.
 */
export function formatViewUrl(search: string, state: ViewUrlState): string {
  const owned = new Set<string>(VIEW_PARAMS);
  const kept = (search.startsWith('?') ? search.slice(1) : search).split('&').filter((entry) => entry !== '' && !owned.has(decodeName(entry)));
  const ours: string[] = [];
  const add = (name: string, value: string) => ours.push(`${name}=${encodeURIComponent(value).replace(/%2F/g, '/').replace(/%40/g, '@')}`);
  if (state.model) add('model', formatModel(state.model));
  else if (state.pack !== null) add('pack', state.pack);
  if (state.k !== null) add('k', String(state.k));
  if (state.metric !== null) add('metric', state.metric);
  if (state.includeSelf !== null) add('self', state.includeSelf ? '1' : '0');
  if (state.image !== null) add('image', state.image);
  const all = [...kept, ...ours];
  return all.length > 0 ? `?${all.join('&')}` : '';
}

function decodeName(entry: string): string {
  const name = entry.split('=')[0]!;
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * The image a prefix names: the one whose content hash starts with it, or null when none does or
 * more than one does (a prefix too short to tell two images apart selects nothing rather than a
 * guess).
 */
export function imageByHashPrefix<T extends { readonly contentHash: string | null }>(images: readonly T[], prefix: string): T | null {
  const matches = images.filter((i) => i.contentHash !== null && i.contentHash.startsWith(prefix));
  return matches.length === 1 ? matches[0]! : null;
}
