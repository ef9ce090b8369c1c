/**
 * The hub's answer to /api/models/{repo}/revision/{revision}: the commit it resolved to and the
 * files at that commit. Outside data, so every field is checked; a file path that could leave
 * the repo (absolute, "..", backslash) is refused rather than skipped, as it means a broken or
 * hostile server.
 */
import { HubError } from './hubErrors.ts';
import { isCommitSha } from './hubLocation.ts';

export interface RepoFile {
  readonly path: string;
  /** Bytes, when the hub said (it does with ?blobs=true); null otherwise. */
  readonly size: number | null;
}

export interface RepoListing {
  /** The commit the revision resolved to: what cached files are keyed by. */
  readonly sha: string;
  readonly files: readonly RepoFile[];
  /** The hub's gating: false, "auto" or "manual"; shapes the 401/403 message. */
  readonly gated: boolean | string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isSafeRepoPath(path: string): boolean {
  return (
    path !== '' &&
    path.length <= 1024 &&
    !path.startsWith('/') &&
    !path.includes('\\') &&
    // eslint-disable-next-line no-control-regex -- control characters are what this refuses
    !/[\x00-\x1f\x7f]/.test(path) &&
    path.split('/').every((s) => s !== '' && s !== '.' && s !== '..')
  );
}

export function parseRepoListing(json: unknown, what: string): RepoListing {
  const bad = (field: string, expected: string, got: unknown) =>
    new HubError(
      'unusable',
      `The hub's file list for ${what} is not what a hub sends: ${field}: expected ${expected}, got ${JSON.stringify(got)?.slice(0, 60) ?? String(got)}. Check the hub address, or try again later.`,
    );
  if (!isRecord(json)) throw bad('the answer', 'a JSON object', json);
  const { sha, siblings, gated } = json;
  if (typeof sha !== 'string' || !isCommitSha(sha)) throw bad('sha', 'a 40-character hex commit id', sha);
  if (!Array.isArray(siblings)) throw bad('siblings', 'an array', siblings);
  const files = siblings.map((s: unknown, i): RepoFile => {
    if (!isRecord(s) || typeof s.rfilename !== 'string') throw bad(`siblings[${i}].rfilename`, 'a string', isRecord(s) ? s.rfilename : s);
    if (!isSafeRepoPath(s.rfilename)) throw bad(`siblings[${i}].rfilename`, 'a relative path inside the repo', s.rfilename);
    // With blobs=true the hub gives `size`; LFS files also carry lfs.size (the same number).
    const lfs = isRecord(s.lfs) ? s.lfs.size : undefined;
    const size = typeof s.size === 'number' ? s.size : typeof lfs === 'number' ? lfs : null;
    if (size !== null && !(Number.isSafeInteger(size) && size >= 0)) throw bad(`siblings[${i}].size`, 'a byte count', size);
    return { path: s.rfilename, size };
  });
  return { sha, files, gated: typeof gated === 'string' || typeof gated === 'boolean' ? gated : false };
}
