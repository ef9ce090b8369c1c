/** View settings and user-facing messages. */
import { createStore } from 'zustand/vanilla';
import type { Metric } from '../core/types.ts';

export type MessageLevel = 'error' | 'warning' | 'info';
export interface Message {
  readonly id: number;
  readonly level: MessageLevel;
  readonly text: string;
}

export interface UiState {
  readonly selectedId: string | null;
  readonly k: number;
  readonly metric: Metric;
  /** Paper-compatible switch: count the query as its own neighbour (FAISS-style). */
  readonly includeSelf: boolean;
  readonly overlayOpacity: number;
  readonly epochs: number;
  readonly sortByLoss: boolean;
  readonly messages: readonly Message[];
}

export const uiStore = createStore<UiState>()(() => ({
  selectedId: null,
  k: 10,
  metric: 'cosine',
  includeSelf: false,
  overlayOpacity: 0.6,
  epochs: 40,
  sortByLoss: false,
  messages: [],
}));

let messageId = 0;
export function say(level: MessageLevel, text: string): void {
  messageId += 1;
  const message = { id: messageId, level, text };
  // Keep the latest few; older ones scroll away rather than pile up.
  uiStore.setState((s) => ({ messages: [...s.messages, message].slice(-6) }));
}

export function dismissMessage(id: number): void {
  uiStore.setState((s) => ({ messages: s.messages.filter((m) => m.id !== id) }));
}

export function selectImage(id: string | null): void {
  uiStore.setState({ selectedId: id });
}
