/**
 * Properties of the repo id / revision / URL parsers, which read what people type and paste:
 * every valid id and revision round-trips through the URLs built from it without changing the
 * URL's host or structure, and any string at all gives a checked value or an 'invalid' HubError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HubError } from '../../../src/core/hub/hubErrors.ts';
import {
  apiRevisionUrl,
  checkModelUrl,
  DEFAULT_HUB_HOST,
  parseHubHost,
  parseRepoId,
  parseRepoInput,
  parseRevision,
  resolveUrl,
  type HubHost,
} from '../../../src/core/hub/hubLocation.ts';

const RUNS = 1000;

const word = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
const wordChar = fc.constantFrom(...word);
const innerChar = fc.constantFrom(...word, '-', '.');
/** One part of a repo id, by the hub's rule: word characters at both ends, "-" and "." inside, never doubled. */
const repoPart = fc
  .tuple(wordChar, fc.string({ unit: innerChar, maxLength: 20 }), wordChar, fc.boolean())
  .map(([a, mid, z, single]) => (single ? a : a + mid + z))
  .filter((p) => !p.includes('--') && !p.includes('..') && !/[-.][-.]/.test(p));
const repoId = fc
  .tuple(fc.option(repoPart, { nil: undefined }), repoPart)
  .map(([owner, name]) => (owner ? `${owner}/${name}` : name))
  .filter((id) => !id.endsWith('.git'));

const refChar = fc.constantFrom(...'abcXYZ019_-+=,!$&\'()%;@#"<>{}|`'.split(''));
const refPart = fc
  .tuple(refChar, fc.string({ unit: fc.oneof(refChar, fc.constant('.')), maxLength: 8 }), refChar)
  .map(([a, m, z]) => a + m + z)
  .filter((p) => !p.includes('..') && !p.endsWith('.lock') && !p.includes('@{'));
const revision = fc
  .array(refPart, { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join('/'))
  .filter((r) => r !== '@' && r.length <= 255);

const pathPart = fc.string({ unit: fc.constantFrom(...'abz09_-. %#?&=+@:é'.split('')), minLength: 1, maxLength: 10 }).filter((s) => s !== '.' && s !== '..');
const repoPath = fc.array(pathPart, { minLength: 1, maxLength: 3 }).map((p) => p.join('/'));

/** Strings that look like ids, URLs and paths, damaged: the parser's outside data. */
const tricky = fc.constantFrom(
  '/',
  '//',
  '..',
  '.',
  '-',
  '--',
  '%2F',
  '%2e%2e',
  '@',
  ':',
  '?',
  '#',
  ' ',
  '\t',
  '\n',
  '\\',
  'https://',
  'huggingface.co/',
  'hf.co/',
  'tree/',
  'resolve/',
  'blob/',
  'é',
  '😀',
  '\u0000',
  '.git',
);
const messy = fc.string({ unit: fc.oneof(tricky, innerChar, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 40 });

const STRICT_ID = /^([A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\/)?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/** The value, or the HubError kind; anything else thrown fails the property. */
function outcome<T>(f: () => T): T | 'invalid' {
  try {
    return f();
  } catch (e) {
    expect(e).toBeInstanceOf(HubError);
    expect((e as HubError).kind).toBe('invalid');
    return 'invalid';
  }
}

const hosts = fc.constantFrom<HubHost>(DEFAULT_HUB_HOST, 'https://hub.example.org:8443' as HubHost, 'http://127.0.0.1:5555' as HubHost);

describe('repo ids, revisions and the URLs built from them', () => {
  it('valid ids and revisions round-trip through typed, pasted and built URLs', () => {
    fc.assert(
      fc.property(repoId, revision, repoPath, hosts, (id, rev, path, host) => {
        expect(parseRepoId(id)).toBe(id);
        expect(parseRevision(rev)).toBe(rev);
        expect(parseRepoInput(`  ${id} `)).toEqual({ repo: id, revision: null });
        expect(parseRepoInput(`https://huggingface.co/${id}`)).toEqual({ repo: id, revision: null });
        expect(parseRepoInput(`hf.co/${id}/tree/${encodeURIComponent(rev)}`)).toEqual({ repo: id, revision: rev });
        expect(parseRepoInput(`https://huggingface.co/${id}/blob/${encodeURIComponent(rev)}/config.json`)).toEqual({ repo: id, revision: rev });

        const file = new URL(resolveUrl(host, parseRepoId(id), parseRevision(rev), path));
        expect(file.origin).toBe(host);
        expect(file.search + file.hash).toBe('');
        const segments = file.pathname.split('/').slice(1).map(decodeURIComponent);
        const idParts = id.split('/');
        expect(segments).toEqual([...idParts, 'resolve', rev, ...path.split('/')]);

        const api = new URL(apiRevisionUrl(host, parseRepoId(id), parseRevision(rev)));
        expect(api.origin).toBe(host);
        expect(api.pathname.split('/').slice(1).map(decodeURIComponent)).toEqual(['api', 'models', ...idParts, 'revision', rev]);
        expect(api.search).toBe('?blobs=true');
      }),
      { numRuns: RUNS },
    );
  });

  it('any string is a strict repo id or an "invalid" refusal', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          messy,
          fc.string(),
          repoId.map((id) => `https://huggingface.co/${id}`),
        ),
        (text) => {
          const ref = outcome(() => parseRepoInput(text));
          if (ref === 'invalid') return;
          expect(ref.repo).toMatch(STRICT_ID);
          expect(ref.repo).not.toMatch(/--|\.\./);
          for (const part of ref.repo.split('/')) expect(part.length).toBeLessThanOrEqual(96);
          if (ref.revision !== null) expect(parseRevision(ref.revision)).toBe(ref.revision);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('any accepted revision stays one path segment of the built URL', () => {
    fc.assert(
      fc.property(fc.oneof(messy, fc.string(), revision), (text) => {
        const rev = outcome(() => parseRevision(text));
        if (rev === 'invalid') return;
        expect(rev).toMatch(/^[\x21-\x7e]+$/);
        const url = new URL(resolveUrl(DEFAULT_HUB_HOST, parseRepoId('o/n'), rev, 'config.json'));
        expect(url.origin).toBe(DEFAULT_HUB_HOST);
        expect(url.pathname.split('/')).toHaveLength(6);
        expect(decodeURIComponent(url.pathname.split('/')[4]!)).toBe(rev);
      }),
      { numRuns: RUNS },
    );
  });

  it('model URLs are https, or plain http on loopback only', () => {
    const hostname = fc.oneof(
      fc.constantFrom(
        'huggingface.co',
        'cdn-lfs.hf.co',
        'localhost',
        'app.localhost',
        '127.0.0.1',
        '127.8.9.10',
        '[::1]',
        '10.0.0.1',
        '192.168.1.1',
        'localhost.evil.com',
        '127.0.0.1.nip.io',
        'example.com',
      ),
      fc.domain(),
    );
    const scheme = fc.constantFrom('https', 'http', 'ftp', 'file', 'ws', 'HTTPS', 'Http');
    fc.assert(
      fc.property(scheme, hostname, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), (s, h, port) => {
        const url = `${s}://${h}${port === undefined ? '' : `:${port}`}/x/resolve/main/a.onnx`;
        const accepted = outcome(() => checkModelUrl(url)) !== 'invalid';
        // The hostnames generated are already in the lowercase form a URL parser gives them.
        const loopback = h === 'localhost' || h.endsWith('.localhost') || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);
        const protocol = s.toLowerCase();
        expect(accepted).toBe(protocol === 'https' || (protocol === 'http' && loopback));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('examples', () => {
  it('reads the repo ids of the exports the app targets', () => {
    for (const id of ['HuggingFaceTB/SmolVLM-256M-Instruct', 'llava-hf/llava-interleave-qwen-0.5b-hf', 'onnx-community/Qwen2-VL-2B-Instruct', 'gpt2'])
      expect(parseRepoId(id)).toBe(id);
    expect(parseRepoInput('https://huggingface.co/onnx-community/Qwen2-VL-2B-Instruct/tree/refs%2Fpr%2F3')).toEqual({
      repo: 'onnx-community/Qwen2-VL-2B-Instruct',
      revision: 'refs/pr/3',
    });
    expect(resolveUrl(DEFAULT_HUB_HOST, parseRepoId('o/n'), parseRevision('refs/pr/3'), 'onnx/vision_encoder_q4.onnx')).toBe(
      'https://huggingface.co/o/n/resolve/refs%2Fpr%2F3/onnx/vision_encoder_q4.onnx',
    );
  });

  it('refuses with a message naming the field and the expected form', () => {
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(message(() => parseRepoId('owner/my model'))).toBe(
      'Repo id "owner/my model": "my model" may hold only letters, digits, "-", "_" and "." (not at either end), 1 to 96 characters. Expected "owner/name" like "HuggingFaceTB/SmolVLM-256M-Instruct".',
    );
    expect(message(() => parseRepoId('a/b/c'))).toMatch(/^Repo id "a\/b\/c": too many "\/"/);
    expect(message(() => parseRepoId('a--b/c'))).toMatch(/"--" and "\.\." are not allowed/);
    expect(message(() => parseRevision('main branch'))).toBe(
      'Revision "main branch": only printable ASCII without spaces is allowed. Expected a branch, tag or 40-character commit id, like "main" or "refs/pr/1".',
    );
    expect(message(() => parseRepoInput('https://github.com/o/n'))).toBe(
      '"github.com" is not huggingface.co. Enter a repo id like "HuggingFaceTB/SmolVLM-256M-Instruct".',
    );
    expect(message(() => parseHubHost('https://huggingface.co/models'))).toBe(
      'Hub address "https://huggingface.co/models": expected an origin only, like "https://huggingface.co" (no path, query or #).',
    );
    expect(message(() => checkModelUrl('https://user:pw@huggingface.co/x'))).toBe(
      '"huggingface.co": model URLs may not carry a user name or password; use an access token instead.',
    );
  });
});
