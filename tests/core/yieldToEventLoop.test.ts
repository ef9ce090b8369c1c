/**
 * yieldToEventLoop lets tasks already waiting run before it resolves, both where setImmediate
 * exists (Node) and through a MessageChannel where it does not (browsers, workers). Why not a
 * timer is in the module's header; the saving is measured by the training bench, not timed here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { yieldToEventLoop } from '../../src/core/yieldToEventLoop.ts';

const realSetImmediate = globalThis.setImmediate;

describe('yieldToEventLoop', () => {
  afterEach(() => {
    globalThis.setImmediate = realSetImmediate;
  });

  it('runs a task queued before it first (setImmediate)', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('queued task'));
    await yieldToEventLoop();
    order.push('after yield');
    expect(order).toEqual(['queued task', 'after yield']);
  });

  it('runs a message posted before it first (MessageChannel, where there is no setImmediate)', async () => {
    // @ts-expect-error: removed to take the browser's path
    delete globalThis.setImmediate;
    expect(typeof globalThis.setImmediate).toBe('undefined');
    const order: string[] = [];
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      order.push('queued message');
      channel.port1.close();
    };
    channel.port2.postMessage(null);
    await yieldToEventLoop();
    order.push('after yield');
    expect(order).toEqual(['queued message', 'after yield']);
  });
});
