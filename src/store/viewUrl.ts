/**
 * Keeps the view and the URL in step (core/url/viewUrl.ts says what goes in it): at start the
 * URL's settings win over the stored session's, and its image is selected as soon as an image
 * with that content shows up; afterwards every change of model, settings or selection rewrites
 * the query in place (replaceState: Back leaves the page rather than stepping through settings).
 */
import { formatViewUrl, IMAGE_PREFIX_LENGTH, imageByHashPrefix, parseViewUrl, type ViewUrlState } from '../core/url/viewUrl.ts';
import { collectionStore } from './collectionStore.ts';
import { modelStore } from './modelStore.ts';
import { say, uiStore } from './uiStore.ts';

type UrlWindow = Pick<Window, 'location' | 'history'>;

/** The model a link asks for: a built-in pack, a hub repo, or none. */
export type RequestedModel =
  { readonly kind: 'pack'; readonly id: string } | { readonly kind: 'hub'; readonly repo: string; readonly revision: string | null } | null;

/**
 * Apply the URL's settings (call after the stored session is restored, so the link wins) and say
 * which entries could not be used. Returns the model the link asks for.
 */
export function applyViewUrl(win: UrlWindow): RequestedModel {
  const { state, ignored } = parseViewUrl(win.location.search);
  if (ignored.length > 0)
    say(
      'warning',
      `This link's ${ignored.map((e) => `"${e}"`).join(', ')} could not be used and ${ignored.length === 1 ? 'was' : 'were'} left out. Check the link; k is 1 to 100, metric is cosine or l2, self is 0 or 1.`,
    );
  uiStore.setState((s) => ({ k: state.k ?? s.k, metric: state.metric ?? s.metric, includeSelf: state.includeSelf ?? s.includeSelf }));
  if (state.image !== null) selectWhenPresent(state.image);
  if (state.model) return { kind: 'hub', ...state.model };
  if (state.pack !== null) return { kind: 'pack', id: state.pack };
  return null;
}

/** Select the image with this content once the collection holds it (restored, bundled or dropped). */
function selectWhenPresent(prefix: string): void {
  const trySelect = (): boolean => {
    const image = imageByHashPrefix(collectionStore.getState().images, prefix);
    if (image) uiStore.setState({ selectedId: image.id });
    return image !== null;
  };
  if (trySelect()) return;
  const stop = collectionStore.subscribe(() => {
    if (trySelect()) stop();
  });
  // Once the first model has opened every start-up image is in: a link to an image that is not is said, not guessed.
  const stopWaiting = modelStore.subscribe((m) => {
    if (m.status !== 'ready') return;
    stopWaiting();
    if (trySelect()) return;
    stop();
    say(
      'info',
      `The link selects an image (content ${prefix.slice(0, IMAGE_PREFIX_LENGTH)}…) that is not in this collection. Add that image to see it selected.`,
    );
  });
}

/** The URL state of what is on screen now. */
export function currentViewUrl(): ViewUrlState {
  const { origin, status } = modelStore.getState();
  const { k, metric, includeSelf, selectedId } = uiStore.getState();
  const selected = selectedId === null ? null : collectionStore.getState().images.find((i) => i.id === selectedId);
  const ready = status === 'ready' || status === 'loading';
  return {
    pack: ready && origin?.kind === 'builtin' ? origin.id : null,
    model: ready && origin?.kind === 'hub' ? { repo: origin.repo, revision: origin.revision === 'main' ? null : origin.revision } : null,
    k,
    metric,
    includeSelf,
    image: selected?.contentHash ? selected.contentHash.slice(0, IMAGE_PREFIX_LENGTH) : null,
  };
}

/** Starts writing the view into the URL; returns a function that stops it. */
export function syncViewUrl(win: UrlWindow): () => void {
  const write = (): void => {
    const { location, history } = win;
    const search = formatViewUrl(location.search, currentViewUrl());
    if (search === location.search) return;
    history.replaceState(history.state, '', `${location.pathname}${search}${location.hash}`);
  };
  const stops = [modelStore.subscribe(write), uiStore.subscribe(write), collectionStore.subscribe(write)];
  write();
  return () => stops.forEach((stop) => stop());
}
