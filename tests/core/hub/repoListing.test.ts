/** The hub's revision listing is outside data: its shape and every path are checked. */
import { describe, expect, it } from 'vitest';
import { parseRepoListing } from '../../../src/core/hub/repoListing.ts';
import { refusal } from '../../support/outsideData.ts';

const sha = '0123456789abcdef0123456789abcdef01234567';

describe('parseRepoListing', () => {
  it('reads the commit, the files and their sizes (size, or lfs.size)', () => {
    const listing = parseRepoListing(
      {
        id: 'o/n',
        sha,
        gated: 'manual',
        siblings: [{ rfilename: 'config.json', size: 10 }, { rfilename: 'onnx/a.onnx', lfs: { size: 5, sha256: 'x' } }, { rfilename: 'README.md' }],
      },
      'o/n',
    );
    expect(listing).toEqual({
      sha,
      gated: 'manual',
      files: [
        { path: 'config.json', size: 10 },
        { path: 'onnx/a.onnx', size: 5 },
        { path: 'README.md', size: null },
      ],
    });
  });

  it('refuses a bad shape, naming the field', () => {
    expect(refusal(() => parseRepoListing([], 'o/n'))).toBe(
      "The hub's file list for o/n is not what a hub sends: the answer: expected a JSON object, got []. Check the hub address, or try again later.",
    );
    expect(refusal(() => parseRepoListing({ sha: 'main', siblings: [] }, 'o/n'))).toMatch(/sha: expected a 40-character hex commit id, got "main"/);
    expect(refusal(() => parseRepoListing({ sha }, 'o/n'))).toMatch(/siblings: expected an array, got undefined/);
    expect(refusal(() => parseRepoListing({ sha, siblings: [{ rfilename: 3 }] }, 'o/n'))).toMatch(/siblings\[0\]\.rfilename: expected a string, got 3/);
    expect(refusal(() => parseRepoListing({ sha, siblings: [{ rfilename: 'a', size: -1 }] }, 'o/n'))).toMatch(
      /siblings\[0\]\.size: expected a byte count, got -1/,
    );
  });

  it('refuses paths that would leave the repo', () => {
    for (const bad of ['../x', '/etc/passwd', 'a/../../b', 'a\\b', 'a//b', './a', '', 'a\nb']) {
      expect(refusal(() => parseRepoListing({ sha, siblings: [{ rfilename: bad }] }, 'o/n'))).toMatch(/rfilename: expected a relative path inside the repo/);
    }
  });
});
