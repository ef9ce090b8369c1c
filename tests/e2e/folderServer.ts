/**
 * A plain static file server for the production build at a sub-path (`/some/dir/`), as a lecture
 * laptop's file server or a department web space would serve it: no rewrites, no SPA fallback,
 * only files under `dist/`. What the build needs from its server shows up here as a failure.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  // ONNX Runtime compiles its binary with instantiateStreaming, which requires this type.
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.md': 'text/markdown; charset=utf-8',
};

export interface FolderServer {
  /** The page's URL, ending in the sub-path and a slash. */
  readonly url: string;
  close(): Promise<void>;
}

export async function serveFolder(root: string, subPath: string): Promise<FolderServer> {
  const base = `/${subPath.replace(/^\/+|\/+$/g, '')}/`;
  const rootDir = resolve(root);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith(base)) {
      res.writeHead(404).end();
      return;
    }
    const file = normalize(join(rootDir, path.slice(base.length) || 'index.html'));
    if (file !== rootDir && !file.startsWith(rootDir + sep)) {
      res.writeHead(403).end();
      return;
    }
    const target = statSync(file, { throwIfNoEntry: false })?.isDirectory() ? join(file, 'index.html') : file;
    if (!statSync(target, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' });
    createReadStream(target).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${base}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
