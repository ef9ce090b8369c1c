/**
 * Why a model download failed, as a UserFacingError whose `kind` lets callers and tests tell the
 * cases apart without matching message text. Every message says what happened and what to do.
 */
import { UserFacingError } from '../errors.ts';

export type HubErrorKind =
  /** The request itself was malformed: bad repo id, revision, variant or host. */
  | 'invalid'
  /** Repo, revision or file does not exist (404, or the hub's RepoNotFound / EntryNotFound). */
  | 'not-found'
  /** 401: private or gated repo without a token, or a token that is not accepted. */
  | 'unauthorized'
  /** 403: gated repo whose licence the token's owner has not accepted. */
  | 'gated'
  /** Any other HTTP status. */
  | 'http'
  /** The request never got an answer: offline, DNS, CORS, CSP. */
  | 'network'
  /** No bytes arrived for the stall limit. */
  | 'timeout'
  /** The body ended before the promised length, or the connection closed mid-body. */
  | 'truncated'
  /** The user cancelled. */
  | 'cancelled'
  /** The repo answered, but its listing or config files are not what an ONNX export holds. */
  | 'unusable';

export class HubError extends UserFacingError {
  readonly kind: HubErrorKind;
  /** The HTTP status, for 'not-found' / 'unauthorized' / 'gated' / 'http'. */
  readonly status: number | null;
  constructor(kind: HubErrorKind, message: string, options?: { readonly status?: number; readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options?.status ?? null;
  }
}

export function isHubError(e: unknown, kind?: HubErrorKind): e is HubError {
  return e instanceof HubError && (kind === undefined || e.kind === kind);
}
