/**
 * The page side of pageWorker.ts, imported by the bench's page workers (kept apart from it: that
 * module brings esbuild and Playwright, which a worker's bundle must not).
 */
/** A worker's reply to the page: what it measured, or the error that stopped it (with its stack). */
export function replyFromWorker(scope: { postMessage(message: unknown): void }, work: () => Promise<unknown>): void {
  work().then(
    (reply) => scope.postMessage(reply),
    (e: unknown) => scope.postMessage({ error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) }),
  );
}
