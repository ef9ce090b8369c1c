/**
 * Where a model lives on a Hugging Face-style hub, checked at the boundary: repo id, revision,
 * host, and the URLs built from them. The hub's layout:
 *   {host}/{repo}/resolve/{revision}/{path}          a file (302 to a CDN is normal)
 *   {host}/api/models/{repo}/revision/{revision}     JSON: sha, siblings [{rfilename, size?}]
 * Model URLs are https only; plain http is allowed on loopback for development and tests.
 */
import { HubError } from './hubErrors.ts';

export type RepoId = string & { readonly __brand: 'RepoId' };
export type Revision = string & { readonly __brand: 'Revision' };
/** An origin such as "https://huggingface.co", no path. */
export type HubHost = string & { readonly __brand: 'HubHost' };

export const DEFAULT_HUB_HOST = 'https://huggingface.co' as HubHost;
export const DEFAULT_REVISION = 'main' as Revision;

/** Names a pasted model-page URL may carry; any other host is refused rather than silently swapped. */
const PASTED_URL_HOSTS = new Set(['huggingface.co', 'www.huggingface.co', 'hf.co']);

const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);

// The hub's rule (huggingface_hub validate_repo_id), in ASCII: word characters, "-" and "."; a
// letter, digit or "_" at both ends; no "--" or ".."; at most 96 characters per part.
const REPO_PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/;
const REPO_EXAMPLE = 'like "HuggingFaceTB/SmolVLM-256M-Instruct"';

export function parseRepoId(text: string): RepoId {
  const id = text.trim();
  const bad = (why: string) => new HubError('invalid', `Repo id ${quote(id)}: ${why}. Expected "owner/name" ${REPO_EXAMPLE}.`);
  if (id === '') throw bad('empty');
  const parts = id.split('/');
  if (parts.length > 2) throw bad('too many "/"');
  for (const part of parts) {
    if (!REPO_PART.test(part)) throw bad(`${quote(part)} may hold only letters, digits, "-", "_" and "." (not at either end), 1 to 96 characters`);
  }
  if (id.includes('--') || id.includes('..')) throw bad('"--" and ".." are not allowed');
  if (id.endsWith('.git')) throw bad('drop the trailing ".git"');
  return id as RepoId;
}

const COMMIT_SHA = /^[0-9a-f]{40}$/;
export const isCommitSha = (s: string): boolean => COMMIT_SHA.test(s);

/**
 * A branch, tag or commit: git's ref-name rules, limited to printable ASCII (the hub's branches
 * and the transformers.js exports use nothing else) so a revision can never smuggle a URL part.
 */
export function parseRevision(text: string): Revision {
  const rev = text.trim();
  const bad = (why: string) =>
    new HubError('invalid', `Revision ${quote(rev)}: ${why}. Expected a branch, tag or 40-character commit id, like "main" or "refs/pr/1".`);
  if (rev === '') throw bad('empty');
  if (rev.length > 255) throw bad('longer than 255 characters');
  if (!/^[\x21-\x7e]+$/.test(rev)) throw bad('only printable ASCII without spaces is allowed');
  if (/[~^:?*[\\]/.test(rev)) throw bad('"~", "^", ":", "?", "*", "[" and "\\" are not allowed');
  if (rev.includes('..') || rev.includes('@{') || rev.includes('//')) throw bad('"..", "@{" and "//" are not allowed');
  if (rev === '@' || rev.endsWith('.lock') || rev.split('/').some((p) => p.startsWith('.') || p.endsWith('.'))) throw bad('not a valid ref name');
  if (rev.startsWith('/') || rev.endsWith('/')) throw bad('must not start or end with "/"');
  return rev as Revision;
}

export function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Refuses any URL a model may not come from: not https, unless plain http on loopback. */
export function checkModelUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HubError('invalid', `${quote(url)} is not a URL. Model URLs look like "https://huggingface.co/owner/name".`);
  }
  if (parsed.username || parsed.password)
    throw new HubError('invalid', `${quote(parsed.host)}: model URLs may not carry a user name or password; use an access token instead.`);
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && isLoopbackHostname(parsed.hostname)) return parsed;
  throw new HubError(
    'invalid',
    `${quote(`${parsed.protocol}//${parsed.host}`)}: models are fetched over https only (plain http only from this machine, for development). Use an https:// address.`,
  );
}

export function parseHubHost(text: string): HubHost {
  const url = checkModelUrl(text.trim());
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new HubError('invalid', `Hub address ${quote(text.trim())}: expected an origin only, like "${DEFAULT_HUB_HOST}" (no path, query or #).`);
  }
  return url.origin as HubHost;
}

export interface RepoRef {
  readonly repo: RepoId;
  /** From a pasted URL's /tree/{rev}, /blob/{rev}/… or /resolve/{rev}/…; null when not given. */
  readonly revision: Revision | null;
}

/**
 * What a person types or pastes: "owner/name", or a model page URL
 * ("https://huggingface.co/owner/name", ".../tree/{rev}", ".../blob/{rev}/file").
 */
export function parseRepoInput(text: string): RepoRef {
  const input = text.trim();
  if (!/^(https?:\/\/|(www\.)?(huggingface\.co|hf\.co)\/)/i.test(input)) return { repo: parseRepoId(input), revision: null };
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(input) ? input : `https://${input}`);
  } catch {
    throw new HubError('invalid', `${quote(input)} is not a URL. Enter a repo id ${REPO_EXAMPLE}.`);
  }
  if (!PASTED_URL_HOSTS.has(url.hostname.toLowerCase())) {
    throw new HubError('invalid', `${quote(url.host)} is not huggingface.co. Enter a repo id ${REPO_EXAMPLE}.`);
  }
  const segments = url.pathname.split('/').filter((s) => s !== '');
  if (segments[0] === 'models') segments.shift();
  const marker = segments.findIndex((s) => s === 'tree' || s === 'blob' || s === 'resolve');
  const repoParts = marker === -1 ? segments : segments.slice(0, marker);
  let decoded: string[];
  try {
    decoded = repoParts.map((s) => decodeURIComponent(s));
  } catch {
    throw new HubError('invalid', `${quote(input)}: the URL's path is not valid percent-encoding. Enter a repo id ${REPO_EXAMPLE}.`);
  }
  const repo = parseRepoId(decoded.join('/'));
  const revSegment = marker === -1 ? undefined : segments[marker + 1];
  if (revSegment === undefined) return { repo, revision: null };
  let rev: string;
  try {
    rev = decodeURIComponent(revSegment);
  } catch {
    throw new HubError('invalid', `${quote(input)}: the revision in the URL is not valid percent-encoding. Enter the revision on its own.`);
  }
  return { repo, revision: parseRevision(rev) };
}

// The hub wants a revision as one path segment ("refs/pr/1" -> "refs%2Fpr%2F1") and a file path
// with its "/" kept; each segment is encoded so no character can change the URL's structure.
const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

export function resolveUrl(host: HubHost, repo: RepoId, revision: Revision | string, path: string): string {
  return `${host}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;
}

export function apiRevisionUrl(host: HubHost, repo: RepoId, revision: Revision): string {
  // blobs=true adds each file's size, so overall progress has a total before the first byte.
  return `${host}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
}

export const repoPageUrl = (host: HubHost, repo: RepoId): string => `${host}/${repo}`;
