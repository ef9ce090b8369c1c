/**
 * A stand-in for huggingface.co on 127.0.0.1 (random port), with the hub's URL layout:
 *   /api/models/{repo}/revision/{rev}   listing JSON (sha, siblings with sizes)
 *   /{repo}/resolve/{rev}/{path}        small files served here; .onnx and .onnx_data* answer 302
 *   /cdn/{repo}/{sha}/{path}            to this "CDN" path, which streams in timed chunks
 * Switches make a file 404 or fail with any status, stall after N bytes, or lose its connection
 * after N bytes; every request is logged so tests can count them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../../src/core/random.ts';

export interface FixtureRepo {
  readonly id: string;
  readonly sha: string;
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The hub's `gated` field; a gated repo's files answer 403 GatedRepo. */
  readonly gated?: 'manual' | false;
  /** Answers 401 to everything, as the hub does for a private repo asked without a token. */
  readonly private?: boolean;
  /** Leave sizes out of the listing (as the hub does without ?blobs=true). */
  readonly unsized?: boolean;
}

export interface Switches {
  /** Repo file paths answered with this status instead (e.g. 404, 500). */
  status: Map<string, number>;
  /** The file the byte switches below apply to (null: every file served from /cdn). */
  target: string | null;
  /** Stop sending after this many bytes and keep the connection open (a stall). */
  stallAt: number | null;
  /** Close the connection after this many bytes (a truncated download). */
  cutAt: number | null;
  /** Send no Content-Length (chunked transfer). */
  chunked: boolean;
  /** Never answer at all: no status, no headers. */
  silent: boolean;
  chunkBytes: number;
  chunkDelayMs: number;
  /** The file list streams without end (no Content-Length), as a broken or hostile hub might; bounded at 64 MB here. */
  endlessListing: boolean;
}

export interface FixtureHub {
  readonly origin: string;
  /** Method and path of every request, in order. */
  readonly requests: string[];
  /** The Authorization header of every request (undefined when absent), in order. */
  readonly authorizations: (string | undefined)[];
  readonly switches: Switches;
  reset(): void;
  close(): Promise<void>;
}

export const bytesOf = (n: number, seed: number): Uint8Array => {
  const random = seededRandom(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256);
  return out;
};

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

const defaults = (): Switches => ({
  status: new Map(),
  target: null,
  stallAt: null,
  cutAt: null,
  chunked: false,
  silent: false,
  chunkBytes: 64 * 1024,
  chunkDelayMs: 2,
  endlessListing: false,
});

/** The most an endless listing sends before the fixture itself stops (the client should stop far sooner). */
const ENDLESS_LIMIT = 64 * 1024 * 1024;

/** As the hub answers a page on another origin (the app in a browser, for manual checks). */
const CORS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-error-code' };

const isLfs = (path: string) => /\.onnx(_data(_\d+)?)?$/.test(path);

export async function startFixtureHub(repos: readonly FixtureRepo[]): Promise<FixtureHub> {
  const requests: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const switches = defaults();
  const byId = new Map(repos.map((r) => [r.id, r]));
  const hung = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: Uint8Array, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-length': String(body.length), ...CORS, ...headers });
    res.end(body);
  };
  const refuse = (res: ServerResponse, status: number, code: string) =>
    send(res, status, json({ error: code }), { 'x-error-code': code, 'content-type': 'application/json' });

  /** Streams `body` in timed chunks, obeying the byte switches when `path` is their target. */
  const stream = (res: ServerResponse, path: string, body: Uint8Array) => {
    const aimed = switches.target === null || switches.target === path;
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      ...CORS,
      ...(switches.chunked && aimed ? {} : { 'content-length': String(body.length) }),
    });
    let sent = 0;
    let closed = false;
    res.on('close', () => (closed = true));
    const next = () => {
      if (closed) return;
      if (sent >= body.length) return void res.end();
      if (aimed && switches.stallAt !== null && sent >= switches.stallAt) return void hung.add(res);
      if (aimed && switches.cutAt !== null && sent >= switches.cutAt) return void res.socket?.destroy();
      let end = Math.min(body.length, sent + switches.chunkBytes);
      if (aimed && switches.stallAt !== null && switches.stallAt > sent) end = Math.min(end, switches.stallAt);
      if (aimed && switches.cutAt !== null && switches.cutAt > sent) end = Math.min(end, switches.cutAt);
      res.write(body.subarray(sent, end));
      sent = end;
      setTimeout(next, switches.chunkDelayMs);
    };
    next();
  };

  /** '{"siblings":[' and then file entries until the client hangs up (or ENDLESS_LIMIT). */
  const endless = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json', ...CORS });
    const entry = new TextEncoder().encode(`${JSON.stringify({ rfilename: `onnx/${'x'.repeat(200)}.onnx`, size: 1 })},`.repeat(256));
    let sent = 0;
    let closed = false;
    res.on('close', () => (closed = true));
    res.write('{"sha":"0000000000000000000000000000000000000000","siblings":[');
    const next = () => {
      if (closed || sent >= ENDLESS_LIMIT) return void res.socket?.destroy();
      res.write(entry);
      sent += entry.length;
      setImmediate(next);
    };
    next();
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    authorizations.push(req.headers.authorization);
    if (switches.silent) return void hung.add(res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'access-control-allow-headers': 'authorization', 'access-control-max-age': '600' });
      return void res.end();
    }
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    // /api/models/{owner}/{name}/revision/{rev}
    if (segments[0] === 'api' && segments[1] === 'models' && segments[4] === 'revision' && segments.length === 6) {
      const repo = byId.get(`${segments[2]}/${segments[3]}`);
      if (!repo) return refuse(res, 404, 'RepoNotFound');
      if (repo.private) return refuse(res, 401, 'RepoNotFound');
      if (segments[5] !== 'main' && segments[5] !== repo.sha) return refuse(res, 404, 'RevisionNotFound');
      if (switches.endlessListing) return endless(res);
      const siblings = [...repo.files].map(([rfilename, b]) => (repo.unsized ? { rfilename } : { rfilename, size: b.length }));
      return send(res, 200, json({ id: repo.id, sha: repo.sha, gated: repo.gated ?? false, siblings }), { 'content-type': 'application/json' });
    }
    // /{owner}/{name}/resolve/{rev}/{path...}
    if (segments[2] === 'resolve' && segments.length >= 5) {
      const repo = byId.get(`${segments[0]}/${segments[1]}`);
      if (!repo) return refuse(res, 404, 'RepoNotFound');
      if (repo.private) return refuse(res, 401, 'RepoNotFound');
      if (segments[3] !== 'main' && segments[3] !== repo.sha) return refuse(res, 404, 'RevisionNotFound');
      if (repo.gated) return refuse(res, 403, 'GatedRepo');
      const path = segments.slice(4).join('/');
      const status = switches.status.get(path);
      if (status !== undefined) return refuse(res, status, status === 404 ? 'EntryNotFound' : 'Error');
      const body = repo.files.get(path);
      if (!body) return refuse(res, 404, 'EntryNotFound');
      if (isLfs(path)) {
        res.writeHead(302, { ...CORS, location: `/cdn/${repo.id}/${repo.sha}/${segments.slice(4).map(encodeURIComponent).join('/')}`, 'content-length': '0' });
        return void res.end();
      }
      return stream(res, path, body);
    }
    // /cdn/{owner}/{name}/{sha}/{path...}
    if (segments[0] === 'cdn' && segments.length >= 5) {
      const repo = byId.get(`${segments[1]}/${segments[2]}`);
      const body = repo && segments[3] === repo.sha ? repo.files.get(segments.slice(4).join('/')) : undefined;
      if (!body) return refuse(res, 404, 'EntryNotFound');
      return stream(res, segments.slice(4).join('/'), body);
    }
    refuse(res, 404, 'NotFound');
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    authorizations,
    switches,
    reset() {
      requests.length = 0;
      authorizations.length = 0;
      Object.assign(switches, defaults());
      for (const res of hung) res.socket?.destroy();
      hung.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
