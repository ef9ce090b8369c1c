/** What to open from a hub, from what a person typed: every field checked, each refusal naming it. */
import { HubError } from './hubErrors.ts';
import { DEFAULT_HUB_HOST, DEFAULT_REVISION, parseHubHost, parseRepoInput, parseRevision, type HubHost, type RepoId, type Revision } from './hubLocation.ts';
import { parseVariant, type DtypeVariant } from './variants.ts';

export interface HubRequest {
  readonly host: HubHost;
  readonly repo: RepoId;
  readonly revision: Revision;
  /** Which vision_encoder{suffix}.onnx of a transformers.js export; a project pack has one graph and ignores it. */
  readonly variant: DtypeVariant;
  /** Sent as a Bearer token, to the hub only (the CDN redirects do not get it); never stored. */
  readonly token: string | null;
  /** Ask the hub what the revision points to now, even if a cached listing says. */
  readonly refresh: boolean;
}

export interface HubRequestInput {
  readonly repo: string;
  readonly revision?: string | undefined;
  readonly variant?: string | undefined;
  readonly host?: string | undefined;
  readonly token?: string | undefined;
  readonly refresh?: boolean | undefined;
}

/** Where an access token may go: huggingface.co only, unless the caller (a test hub) says otherwise. */
export interface HubRequestRules {
  readonly tokenHosts?: readonly string[];
}

export function parseHubRequest(input: HubRequestInput, rules: HubRequestRules = {}): HubRequest {
  const { repo, revision: fromUrl } = parseRepoInput(input.repo);
  const typed = input.revision?.trim() ?? '';
  // A pasted ".../tree/v2" URL names its revision; a revision typed on its own wins over it.
  const revision = typed !== '' && !(typed === DEFAULT_REVISION && fromUrl) ? parseRevision(typed) : (fromUrl ?? DEFAULT_REVISION);
  const token = input.token?.trim() ?? '';
  if (token !== '' && !/^[\x21-\x7e]{1,512}$/.test(token))
    throw new HubError('invalid', 'Access token: expected one word of printable characters, like "hf_…". Copy it again from your Hugging Face settings.');
  const host = input.host === undefined || input.host.trim() === '' ? DEFAULT_HUB_HOST : parseHubHost(input.host);
  // A token is a password to the person's Hugging Face account: it never goes to another server,
  // whatever ?hub= says (the dev server has no security policy to stop it).
  if (token !== '' && !(rules.tokenHosts ?? [DEFAULT_HUB_HOST]).includes(host)) {
    throw new HubError(
      'invalid',
      `Access token: this page fetches models from ${host} (set by ?hub= in its address), and access tokens are sent to ${DEFAULT_HUB_HOST.replace('https://', '')} only. Clear the token, or open the app without ?hub=.`,
    );
  }
  return {
    host,
    repo,
    revision,
    variant: parseVariant(input.variant ?? 'fp32'),
    token: token === '' ? null : token,
    refresh: input.refresh ?? false,
  };
}
