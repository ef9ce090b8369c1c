/**
 * The downloader on answers a loopback server cannot easily give: a body that ends cleanly but
 * short of its Content-Length, a listed size the server disagrees with, a redirect to plain http.
 */
import { describe, expect, it } from 'vitest';
import { downloadFile, type DownloadOptions } from '../../../src/core/hub/download.ts';
import { hubFailure as failure } from './hubFailure.ts';

/** A fetch that answers every request with these bytes and headers, as if from `finalUrl`. */
function stubFetch(body: Uint8Array, headers: Record<string, string>, finalUrl?: string): typeof fetch {
  return async () => {
    const response = new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < body.length; i += 100) c.enqueue(body.subarray(i, i + 100));
          c.close();
        },
      }),
      { headers },
    );
    if (finalUrl !== undefined) Object.defineProperty(response, 'url', { value: finalUrl });
    return response;
  };
}

const options = (fetcher: typeof fetch, extra: Partial<DownloadOptions> = {}): DownloadOptions => ({
  fetch: fetcher,
  label: 'model.onnx',
  stallMs: 1000,
  ...extra,
});

describe('downloadFile', () => {
  it('returns every byte, reporting progress against Content-Length', async () => {
    const body = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    const seen: [number, number | null][] = [];
    const blob = await downloadFile(
      'https://cdn.example/model.onnx',
      options(stubFetch(body, { 'content-length': '1000' }), { onProgress: (p) => seen.push([p.done, p.total]) }),
    );
    expect(Buffer.from(await blob.arrayBuffer()).equals(body)).toBe(true);
    expect(seen[0]).toEqual([0, 1000]);
    expect(seen.at(-1)).toEqual([1000, 1000]);
    expect(seen).toHaveLength(11);
  });

  it('refuses a body that ends cleanly before its Content-Length', async () => {
    const e = await failure(downloadFile('https://cdn.example/model.onnx', options(stubFetch(new Uint8Array(600), { 'content-length': '1000' }))));
    expect(e.kind).toBe('truncated');
    expect(e.message).toBe(
      'model.onnx was cut short: 600 bytes of 1.0 kB arrived before the body ended. Nothing partial was kept; open the model again to retry.',
    );
  });

  it('checks the size the hub listed, with or without Content-Length', async () => {
    const short = await failure(downloadFile('https://cdn.example/model.onnx', options(stubFetch(new Uint8Array(600), {}), { expectedSize: 800 })));
    expect(short.message).toBe(
      'model.onnx was cut short: 600 bytes of 800 bytes arrived; the hub lists 800 bytes. Nothing partial was kept; open the model again to retry.',
    );
    const long = await failure(
      downloadFile('https://cdn.example/model.onnx', options(stubFetch(new Uint8Array(900), { 'content-length': '900' }), { expectedSize: 800 })),
    );
    expect(long.kind).toBe('unusable');
    expect(long.message).toBe('model.onnx is 900 bytes, but the hub lists 800 bytes: the file changed or the server sent another one. Try again later.');
  });

  it('does not hold a compressed body to its Content-Length (that counts encoded bytes)', async () => {
    const blob = await downloadFile(
      'https://cdn.example/a.json',
      options(stubFetch(new Uint8Array(50), { 'content-length': '20', 'content-encoding': 'gzip' })),
    );
    expect(blob.size).toBe(50);
  });

  it('refuses plain http to another machine, before and after redirects', async () => {
    const before = await failure(downloadFile('http://cdn.example/model.onnx', options(stubFetch(new Uint8Array(1), {}))));
    expect(before.kind).toBe('invalid');
    const after = await failure(downloadFile('https://hub.example/model.onnx', options(stubFetch(new Uint8Array(1), {}, 'http://cdn.example/model.onnx'))));
    expect(after.message).toBe(
      '"http://cdn.example": models are fetched over https only (plain http only from this machine, for development). Use an https:// address.',
    );
    await expect(downloadFile('http://127.0.0.1:9/m.onnx', options(stubFetch(new Uint8Array(3), {})))).resolves.toHaveProperty('size', 3);
    await expect(downloadFile('http://localhost:9/m.onnx', options(stubFetch(new Uint8Array(3), {})))).resolves.toHaveProperty('size', 3);
  });

  it('says the network failed when fetch itself rejects', async () => {
    const e = await failure(
      downloadFile(
        'https://hub.example/m.onnx',
        options(() => Promise.reject(new TypeError('Failed to fetch'))),
      ),
    );
    expect(e.kind).toBe('network');
    expect(e.message).toBe(
      "Could not reach hub.example for model.onnx (Failed to fetch). Check that you are online; a proxy, an ad blocker or the page's security policy can also block it.",
    );
  });

  it('is cancelled at once by an already-aborted signal, without a request', async () => {
    let asked = 0;
    const counting: typeof fetch = async () => {
      asked += 1;
      return new Response('x');
    };
    const e = await failure(downloadFile('https://hub.example/m.onnx', options(counting, { signal: AbortSignal.abort() })));
    expect([e.kind, asked]).toEqual(['cancelled', 0]);
  });
});
