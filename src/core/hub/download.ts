/**
 * One file over HTTP, streamed: progress per chunk, cancel through an AbortSignal, a stall limit
 * (no byte for `stallMs` ends it), and a completeness check, because a body that stops early can
 * look like a normal end of stream. Resolves only with every byte; any failure is a HubError and
 * leaves nothing behind, so callers cache only what resolved.
 */
import { formatBytes } from '../formatBytes.ts';
import { HubError } from './hubErrors.ts';
import { checkModelUrl } from './hubLocation.ts';

export interface DownloadProgress {
  readonly done: number;
  /** From Content-Length (or the listing's size); null when neither says. */
  readonly total: number | null;
}

/** Turns a non-2xx answer into the error to show; the caller knows what the file was for. */
export type HttpErrorDescriber = (status: number, errorCode: string | null) => HubError;

export interface DownloadOptions {
  readonly fetch: typeof fetch;
  /** Names the file in messages, e.g. "onnx/vision_encoder.onnx of owner/name". */
  readonly label: string;
  /** Milliseconds without a byte (or without an answer) before the download is given up. */
  readonly stallMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Bytes the file must have, when known beforehand (the hub lists sizes). */
  readonly expectedSize?: number | null | undefined;
  readonly onProgress?: ((p: DownloadProgress) => void) | undefined;
  readonly describeHttpError?: HttpErrorDescriber | undefined;
  /**
   * Bytes beyond which the answer cannot be what was asked for (a file list, a config): the
   * download stops there instead of buffering whatever a broken or hostile server sends.
   */
  readonly maxBytes?: number | undefined;
}

export function cancelledError(label: string): HubError {
  return new HubError('cancelled', `Download cancelled (at ${label}). Nothing partly downloaded was kept.`);
}

/** Content-Length counts encoded bytes; only an unencoded body can be checked against it. */
function declaredLength(response: Response): number | null {
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') return null;
  const text = response.headers.get('content-length');
  if (text === null || !/^\d{1,16}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) ? n : null;
}

const reasonOf = (e: unknown) => (e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e));

export async function downloadFile(url: string, o: DownloadOptions): Promise<Blob> {
  const host = checkModelUrl(url).host;
  if (o.signal?.aborted) throw cancelledError(o.label);
  // One controller for the request: the caller's cancel and our stall timer both end it.
  const controller = new AbortController();
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, o.stallMs);
  };
  const onAbort = () => controller.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  /** The error for a request that ended because we ended it; null when something else did. */
  const ended = (): HubError | null => {
    if (o.signal?.aborted) return cancelledError(o.label);
    if (stalled)
      return new HubError(
        'timeout',
        `${o.label}: no data arrived for ${(o.stallMs / 1000).toFixed(o.stallMs < 1000 ? 1 : 0)} s, so the download was stopped. Check your connection and open the model again.`,
      );
    return null;
  };
  try {
    arm();
    let response: Response;
    try {
      response = await o.fetch(url, { signal: controller.signal, headers: { ...o.headers }, cache: 'no-store', credentials: 'omit', redirect: 'follow' });
    } catch (error) {
      throw (
        ended() ??
        new HubError(
          'network',
          `Could not reach ${host} for ${o.label} (${reasonOf(error)}). Check that you are online; a proxy, an ad blocker or the page's security policy can also block it.`,
          { cause: error },
        )
      );
    }
    // A redirect may lead anywhere; the rule for model URLs holds for where it ended.
    if (response.url) checkModelUrl(response.url);
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const describe =
        o.describeHttpError ?? ((status: number) => new HubError('http', `${o.label}: the server answered HTTP ${status}. Try again later.`, { status }));
      throw describe(response.status, response.headers.get('x-error-code'));
    }
    const declared = declaredLength(response);
    if (o.maxBytes !== undefined && declared !== null && declared > o.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new HubError(
        'unusable',
        `${o.label} is ${formatBytes(declared)}, far more than such a file holds (at most ${formatBytes(o.maxBytes)}). Check the hub address, or try again later.`,
      );
    }
    const expected = o.expectedSize ?? null;
    const total = declared ?? expected;
    const chunks: Uint8Array[] = [];
    let received = 0;
    const cutShort = (detail: string, cause?: unknown) =>
      new HubError(
        'truncated',
        `${o.label} was cut short: ${total === null ? `the connection closed after ${formatBytes(received)}` : `${formatBytes(received)} of ${formatBytes(total)} arrived`}${detail}. Nothing partial was kept; open the model again to retry.`,
        cause === undefined ? undefined : { cause },
      );
    o.onProgress?.({ done: 0, total });
    const reader = response.body?.getReader();
    if (reader) {
      for (;;) {
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (error) {
          throw ended() ?? cutShort(` (${reasonOf(error)})`, error);
        }
        if (step.done) break;
        arm();
        chunks.push(step.value);
        received += step.value.byteLength;
        o.onProgress?.({ done: received, total });
        if (o.maxBytes !== undefined && received > o.maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new HubError(
            'unusable',
            `${o.label} is over ${formatBytes(o.maxBytes)} (${formatBytes(received)} arrived before the download was stopped), far more than such a file holds. Check the hub address, or try again later.`,
          );
        }
      }
    }
    if (declared !== null && received < declared) throw cutShort(' before the body ended');
    if (expected !== null && received !== expected) {
      if (received < expected) throw cutShort(`; the hub lists ${formatBytes(expected)}`);
      throw new HubError(
        'unusable',
        `${o.label} is ${formatBytes(received)}, but the hub lists ${formatBytes(expected)}: the file changed or the server sent another one. Try again later.`,
      );
    }
    // Cancelled after the last byte but before we returned: still a cancel, so nothing is cached.
    if (o.signal?.aborted) throw cancelledError(o.label);
    return new Blob(chunks as BlobPart[]);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}
