/**
 * One tab at a time saves the session: the first tab of this origin to take the Web Lock is the
 * writer; a tab opened while it holds the lock is a reader. A reader shows the stored session and
 * works on it in memory, but writes nothing (so it can neither reset the writer's training flag,
 * nor mix its image changes into the writer's session, nor clear it), and says so. The writer
 * tells readers over a BroadcastChannel when the stored session changes; a reader looks every few
 * seconds whether a writer still holds the lock, and once none does, a reload makes it the writer. Where Web Locks are missing
 * (old browsers, Node) every tab is a writer, as before.
 */
import { createStore } from 'zustand/vanilla';

export type TabRole = 'writer' | 'reader';

/** What the writer tells the other tabs. */
export type SessionChange = 'images' | 'labels' | 'cleared' | 'training-started' | 'training-ended';

export interface TabState {
  readonly role: TabRole;
  /** Changes the writer announced since this reader opened. */
  readonly changes: readonly SessionChange[];
  /** True once the writer's tab is gone: a reload makes this tab the writer. */
  readonly writerGone: boolean;
}

export const tabStore = createStore<TabState>()(() => ({ role: 'writer', changes: [], writerGone: false }));

const LOCK = 'connector-lens:session-writer';
const CHANNEL = 'connector-lens:session';

interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<unknown> | undefined): Promise<unknown>;
  query(): Promise<{ readonly held?: readonly { readonly name?: string }[] }>;
}

/** How often a reader looks whether a writer is still there. */
const WATCH_MS = 2000;

let channel: BroadcastChannel | null = null;

/**
 * Decide this tab's role; call once before restoring the session. `locks` and `makeChannel` are
 * the browser's unless a test passes stand-ins.
 */
export async function claimSession(
  locks: LockManagerLike | undefined = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks,
  makeChannel: ((name: string) => BroadcastChannel) | null = typeof BroadcastChannel === 'undefined' ? null : (name) => new BroadcastChannel(name),
): Promise<TabRole> {
  channel = makeChannel?.(CHANNEL) ?? null;
  if (!locks) {
    tabStore.setState({ role: 'writer' });
    return 'writer';
  }
  const role = await new Promise<TabRole>((resolve) => {
    void locks.request(LOCK, { ifAvailable: true }, (lock) => {
      if (lock === null) {
        resolve('reader');
        return undefined;
      }
      resolve('writer');
      // Held for the page's life: the browser releases it when the tab closes or reloads.
      return new Promise(() => {});
    });
  });
  tabStore.setState({ role });
  if (role === 'reader') {
    if (channel) channel.onmessage = (event: MessageEvent<unknown>) => heard(event.data);
    // Looked at, not queued for: a queued request would take the lock while the writer reloads
    // and leave the session with a writer that writes nothing. A writer that reloads is back
    // within a look or two.
    setInterval(() => void watchWriter(locks), WATCH_MS);
  }
  return role;
}

/** A reader: is any tab holding the session now? */
export async function watchWriter(locks: LockManagerLike): Promise<void> {
  const { held = [] } = await locks.query();
  const gone = !held.some((l) => l.name === LOCK);
  if (gone !== tabStore.getState().writerGone) tabStore.setState({ writerGone: gone });
}

const CHANGES: readonly SessionChange[] = ['images', 'labels', 'cleared', 'training-started', 'training-ended'];

function heard(data: unknown): void {
  const change = (data as { change?: unknown } | null)?.change;
  if (typeof change !== 'string' || !(CHANGES as readonly string[]).includes(change)) return;
  tabStore.setState((s) => ({ changes: [...s.changes, change as SessionChange] }));
}

/** The writer says what it changed in the stored session. */
export function announce(change: SessionChange): void {
  if (tabStore.getState().role === 'writer') channel?.postMessage({ change });
}

export const isSessionWriter = (): boolean => tabStore.getState().role === 'writer';
