/**
 * One writer per origin: the first tab to take the lock writes; a later one reads, hears what the
 * writer changes, and learns when the writer's tab is gone. Stand-ins play the browser's Web
 * Locks (a FIFO lock manager) and BroadcastChannel (Node's own, which is the real thing).
 */
import { BroadcastChannel as NodeChannel } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';

/** Web Locks' exclusive mode, as far as the app uses it: ifAvailable, a queue, release when the callback's promise settles. */
class FakeLocks {
  held = false;
  query(): Promise<{ held: { name: string }[] }> {
    return Promise.resolve({ held: this.held ? [{ name: 'connector-lens:session-writer' }] : [] });
  }
  private readonly waiting: (() => void)[] = [];
  release: (() => void) | null = null;
  request(_name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<unknown> | undefined): Promise<unknown> {
    const grant = () => {
      this.held = true;
      const result = callback({ name: _name });
      // The app holds the lock for the page's life; "closing the tab" is release().
      this.release = () => {
        this.held = false;
        this.waiting.shift()?.();
      };
      return result;
    };
    if (!this.held) return Promise.resolve(grant());
    if (options.ifAvailable) return Promise.resolve(callback(null));
    return new Promise((resolve) => this.waiting.push(() => resolve(grant())));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 30));
const channel = (name: string) => new NodeChannel(name) as unknown as BroadcastChannel;

describe('claimSession', () => {
  it('makes the first tab the writer and the next a reader that hears changes and the writer leaving', async () => {
    const locks = new FakeLocks();
    // Two "tabs": two copies of the module, sharing the lock manager and the channel name.
    const writerTab = await import('../../src/store/sessionTabs.ts');
    vi.resetModules();
    const readerTab = await import('../../src/store/sessionTabs.ts');
    expect(readerTab).not.toBe(writerTab);
    expect(await writerTab.claimSession(locks, channel)).toBe('writer');
    expect(await readerTab.claimSession(locks, channel)).toBe('reader');
    expect(readerTab.tabStore.getState()).toMatchObject({ role: 'reader', changes: [], writerGone: false });

    writerTab.announce('images');
    writerTab.announce('cleared');
    // A reader never announces.
    readerTab.announce('images');
    await settle();
    expect(readerTab.tabStore.getState().changes).toEqual(['images', 'cleared']);

    // The reader looks; it never queues for the lock (a reloading writer gets it back).
    await readerTab.watchWriter(locks);
    expect(readerTab.tabStore.getState().writerGone).toBe(false);
    locks.release!();
    await readerTab.watchWriter(locks);
    expect(readerTab.tabStore.getState().writerGone).toBe(true);
    expect(await writerTab.claimSession(locks, channel)).toBe('writer');
    await readerTab.watchWriter(locks);
    expect(readerTab.tabStore.getState().writerGone).toBe(false);
  });

  it('makes every tab a writer where Web Locks are missing', async () => {
    vi.resetModules();
    const tab = await import('../../src/store/sessionTabs.ts');
    expect(await tab.claimSession(undefined, null)).toBe('writer');
    expect(tab.isSessionWriter()).toBe(true);
  });
});
