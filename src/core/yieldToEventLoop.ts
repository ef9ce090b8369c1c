/**
 * Lets the event loop run its waiting tasks (a worker's Cancel message) between steps of a long
 * computation, and comes back as soon as they have run.
 *
 * Not setTimeout(0): browsers clamp a timer set from within a timer's callback to 4 ms once five
 * are nested, and a training loop that awaits one per step nests them all. At the default pack's
 * size a step takes about 18 ms, so the clamp cost a fifth of the training time. A message to a
 * fresh MessageChannel is a task like any other and has no clamp. Node has setImmediate for this
 * (an open MessageChannel port there would keep the process alive).
 */
export function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') return new Promise((resolve) => immediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
