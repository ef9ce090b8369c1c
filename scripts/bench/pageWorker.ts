/**
 * Runs one of the bench's page workers in headless Chromium, the browser the app runs in: the
 * worker module bundled by esbuild, written with the files it loads by relative URL (binaries,
 * models, vectors) into a folder, served from there, started as a dedicated worker of a page, sent
 * one request and awaited for one reply. Node's V8 (20) compiles WebAssembly markedly slower than
 * Chromium's, so a figure for what a user's tab does is measured here, not in Node.
 *
 * The page is not cross-origin isolated, so every WebAssembly runtime in it computes on one
 * thread: the thread count the references are given.
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { serveFolder } from '../../tests/e2e/folderServer.ts';
import { CHROMIUM, HEADLESS_ARGS } from '../../tests/support/headlessChromium.ts';

export interface PageWorker {
  /** The worker's module (TypeScript), bundled into the folder as `worker.js`. */
  readonly entry: string;
  /** The folder the page is served from; the bundle and index.html are written into it. */
  readonly dir: string;
  /** Files copied into the folder under their own names, for the worker to fetch. */
  readonly files?: readonly string[];
  /** What the worker does, in a few words: the page's title and the subject of a failure. */
  readonly what: string;
}

/**
 * The worker's reply to `request` (typed arrays arrive as typed arrays); a reason instead when it
 * cannot run (no Chromium) or when the worker replies `{ error }` or fails to start.
 */
export async function runPageWorker<Request, Reply>(worker: PageWorker, request: Request): Promise<Reply | { readonly why: string }> {
  if (!existsSync(CHROMIUM)) return { why: `no Chromium at ${CHROMIUM} (apt-get install chromium)` };
  await build({ entryPoints: [worker.entry], bundle: true, format: 'esm', target: 'es2022', outfile: join(worker.dir, 'worker.js'), logLevel: 'warning' });
  for (const file of worker.files ?? []) copyFileSync(file, join(worker.dir, basename(file)));
  writeFileSync(join(worker.dir, 'index.html'), `<!doctype html><title>${worker.what}</title>`);
  const server = await serveFolder(worker.dir, 'bench');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS] });
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    const reply = await page.evaluate(
      (message) =>
        new Promise<Record<string, unknown>>((resolve) => {
          const started = new Worker('worker.js', { type: 'module' });
          started.onmessage = (event: MessageEvent<Record<string, unknown>>) => resolve(event.data);
          started.onerror = (event) => resolve({ error: event.message || 'the worker did not start' });
          started.postMessage(message);
        }),
      request,
    );
    if ('error' in reply) return { why: `the page's ${worker.what} failed: ${String(reply.error)}` };
    return reply as Reply;
  } finally {
    await browser.close();
    await server.close();
  }
}
