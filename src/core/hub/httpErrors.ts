/**
 * What a hub's refusal means and what to do about it. The hub answers 401 both for a private or
 * gated repo asked without a token and for a repo that does not exist, and names the case in an
 * X-Error-Code header (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) when the browser
 * lets us read it; without it the message covers both readings.
 */
import { HubError } from './hubErrors.ts';
import { repoPageUrl, type HubHost, type RepoId, type Revision } from './hubLocation.ts';

export interface HttpErrorContext {
  readonly host: HubHost;
  readonly repo: RepoId;
  readonly revision: Revision;
  readonly hasToken: boolean;
  /** The file asked for, or null for the repo's file list. */
  readonly path: string | null;
  readonly gated: boolean | string;
}

const TOKENS = 'https://huggingface.co/settings/tokens';

export function describeHttpError(c: HttpErrorContext, status: number, errorCode: string | null): HubError {
  const page = repoPageUrl(c.host, c.repo);
  const at = c.revision === 'main' ? '' : ` at revision "${c.revision}"`;
  const subject = c.path === null ? `${c.repo}${at}` : `${c.path} of ${c.repo}${at}`;
  const gatedHelp = `accept its licence on ${page} while signed in, then enter an access token with read access (${TOKENS})`;
  if (errorCode === 'GatedRepo' || (status === 403 && c.gated !== false) || (status === 401 && c.gated !== false && c.path !== null)) {
    return new HubError(
      'gated',
      c.hasToken
        ? `${c.repo} is gated and your access token does not open it (HTTP ${status}): accept the licence on ${page} with the token's account, or wait until the authors approve your request.`
        : `${c.repo} is gated (HTTP ${status}): ${gatedHelp}.`,
      { status },
    );
  }
  if (status === 404 || errorCode === 'RepoNotFound' || errorCode === 'RevisionNotFound' || errorCode === 'EntryNotFound') {
    const fix =
      c.path !== null
        ? 'The repo may have changed while downloading; open it again.'
        : errorCode === 'RevisionNotFound'
          ? 'Check the revision (a branch, tag or commit id shown on the model page).'
          : `Check the repo id (owner/name, as on the model page)${c.hasToken ? '' : '; a private repo looks missing without an access token'}.`;
    return new HubError('not-found', `${c.host.replace(/^https?:\/\//, '')} has no ${subject} (HTTP ${status}). ${fix}`, { status });
  }
  if (status === 401) {
    return new HubError(
      'unauthorized',
      c.hasToken
        ? `The access token was not accepted for ${subject} (HTTP 401): check that it is complete, not revoked, and has read access (${TOKENS}).`
        : `${subject} needs an access token (HTTP 401): the repo is private or gated, or does not exist. Check the repo id; if it is gated, ${gatedHelp}.`,
      { status },
    );
  }
  if (status === 403) {
    return new HubError('gated', `Access to ${subject} is refused (HTTP 403): ${gatedHelp}.`, { status });
  }
  if (status === 429) {
    return new HubError(
      'http',
      `The hub is limiting requests (HTTP 429) while fetching ${subject}. Wait a minute and try again; an access token raises the limit.`,
      { status },
    );
  }
  if (status >= 500) {
    return new HubError('http', `The hub failed to serve ${subject} (HTTP ${status}); it may be down or busy. Try again later.`, { status });
  }
  return new HubError('http', `The hub answered HTTP ${status} for ${subject}. Check the repo id and revision, then try again.`, { status });
}
