/** View settings and user-facing messages. */
import { createStore } from 'zustand/vanilla';
import type { Metric } from '../core/types.ts';
import type { GallerySort } from '../core/imageset/galleryOrder.ts';
import type { MapColourMode } from '../viz/mapColours.ts';

export type MessageLevel = 'error' | 'warning' | 'info';

/** A button on a message: the choice it offers (merge instead of replace, reload…). */
export interface MessageAction {
  readonly label: string;
  readonly run: () => void;
}

export interface Message {
  readonly id: number;
  readonly level: MessageLevel;
  /** Written for people. */
  readonly text: string;
  /** Raw runtime text behind it, shown under "Details"; null when there is none. */
  readonly details: string | null;
  readonly actions: readonly MessageAction[];
  /** How many times it was said: the same words again raise this instead of adding a banner. */
  readonly count: number;
}

export interface SayOptions {
  readonly details?: string | null;
  readonly actions?: readonly MessageAction[];
}

export interface UiState {
  readonly selectedId: string | null;
  readonly k: number;
  readonly metric: Metric;
  /** Paper-compatible switch: count the query as its own neighbour (FAISS-style). */
  readonly includeSelf: boolean;
  readonly overlayOpacity: number;
  readonly epochs: number;
  /** How the gallery is ordered, and what it shows (core/imageset/galleryOrder.ts). */
  readonly gallerySort: GallerySort;
  /** Only images with this label ('' = without one); null: all. */
  readonly galleryLabel: string | null;
  readonly galleryQuery: string;
  /** What colours the points of the before/after maps. */
  readonly mapColour: MapColourMode;
  /** How the maps are laid out: principal components (at once) or UMAP (computed on request, with progress). */
  readonly mapLayout: 'pca' | 'umap';
  /** Rotate (and scale) the after map onto the before map (Procrustes), so the two can be compared. */
  readonly mapAligned: boolean;
  /** Images picked with the maps' lasso; the gallery shows only these. null: no filter. */
  readonly mapFilter: readonly string[] | null;
  readonly messages: readonly Message[];
}

export const uiStore = createStore<UiState>()(() => ({
  selectedId: null,
  k: 10,
  metric: 'cosine',
  includeSelf: false,
  overlayOpacity: 0.6,
  epochs: 40,
  gallerySort: 'collection',
  galleryLabel: null,
  galleryQuery: '',
  mapColour: 'label',
  mapLayout: 'pca',
  mapAligned: true,
  mapFilter: null,
  messages: [],
}));

let messageId = 0;
export function say(level: MessageLevel, text: string, options: SayOptions = {}): number {
  messageId += 1;
  const details = options.details ?? null;
  const actions = options.actions ?? [];
  uiStore.setState((s) => {
    // The same words said again (a retried job, a repeated refusal) count up on one banner, which
    // moves to the end; messages with actions stay separate (each action belongs to its moment).
    const same =
      actions.length === 0 ? s.messages.find((m) => m.level === level && m.text === text && m.details === details && m.actions.length === 0) : undefined;
    const message: Message = { id: messageId, level, text, details, actions, count: (same?.count ?? 0) + 1 };
    // Keep the latest few; older ones scroll away rather than pile up.
    return { messages: [...s.messages.filter((m) => m !== same), message].slice(-6) };
  });
  return messageId;
}

export function dismissAllMessages(): void {
  uiStore.setState({ messages: [] });
}

/** A failure (core/errors.ts Failure) as a message: its words, its raw text under "Details". */
export function sayFailure(level: MessageLevel, text: string, failure: { readonly details: string | null }, actions: readonly MessageAction[] = []): number {
  return say(level, text, { details: failure.details, actions });
}

export function dismissMessage(id: number): void {
  uiStore.setState((s) => ({ messages: s.messages.filter((m) => m.id !== id) }));
}

export function selectImage(id: string | null): void {
  uiStore.setState({ selectedId: id });
}
