import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyViewUrl, formatViewUrl, imageByHashPrefix, parseViewUrl, type ViewUrlState } from '../../../src/core/url/viewUrl.ts';

const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,12}$/).filter((w) => !w.includes('..'));
const validState: fc.Arbitrary<ViewUrlState> = fc.record({
  pack: fc.option(word, { nil: null }),
  model: fc.option(
    fc.record({
      repo: fc.tuple(word, word).map(([a, b]) => `${a}/${b}`),
      revision: fc.option(
        fc.oneof(
          word,
          fc.tuple(word, word).map(([a, b]) => `${a}/${b}`),
        ),
        { nil: null },
      ),
    }),
    { nil: null },
  ),
  k: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
  metric: fc.option(fc.constantFrom('cosine' as const, 'l2' as const), { nil: null }),
  includeSelf: fc.option(fc.boolean(), { nil: null }),
  image: fc.option(fc.stringMatching(/^[0-9a-f]{6,64}$/), { nil: null }),
});
/** Entries that belong to other parts of the app and must survive untouched. */
const others = fc.subarray(['empty', 'ep=wasm', 'debug', 'hub=http%3A%2F%2F127.0.0.1%3A9', 'imageBudget=5', 'lecture']);

describe('view URL', () => {
  it('reads back what it writes, keeping every other entry verbatim and in order', () => {
    fc.assert(
      fc.property(validState, others, (state, kept) => {
        const search = formatViewUrl(kept.length ? `?${kept.join('&')}` : '', state);
        const parsed = parseViewUrl(search);
        expect(parsed.ignored).toEqual([]);
        // A hub model is written instead of a pack: a link opens one model.
        expect(parsed.state).toEqual({ ...state, pack: state.model ? null : state.pack });
        const entries = search
          .slice(1)
          .split('&')
          .filter((e) => e !== '');
        expect(entries.slice(0, kept.length)).toEqual(kept);
      }),
      { numRuns: 500 },
    );
  });

  it('replaces its own entries instead of adding a second copy', () => {
    const search = formatViewUrl('?k=3&empty&metric=l2&pack=vit-mlp', { ...emptyViewUrl, pack: 'mnv2-mlp', k: 10, metric: 'cosine' });
    expect(search).toBe('?empty&pack=mnv2-mlp&k=10&metric=cosine');
  });

  it('writes a hub model readably and reads one with or without a revision', () => {
    expect(formatViewUrl('', { ...emptyViewUrl, model: { repo: 'llava-hf/llava-1.5-7b-hf', revision: 'refs/pr/3' } })).toBe(
      '?model=llava-hf/llava-1.5-7b-hf@refs/pr/3',
    );
    expect(parseViewUrl('?model=owner/repo').state.model).toEqual({ repo: 'owner/repo', revision: null });
    expect(parseViewUrl('?model=owner%2Frepo%40v2').state.model).toEqual({ repo: 'owner/repo', revision: 'v2' });
  });

  it('names what it cannot use and uses the rest', () => {
    const { state, ignored } = parseViewUrl('?k=0&metric=dot&self=yes&image=xyz&model=../etc&pack=ok-pack');
    expect(state).toEqual({ ...emptyViewUrl, pack: 'ok-pack' });
    expect(ignored).toEqual(['model=../etc', 'k=0', 'metric=dot', 'self=yes', 'image=xyz']);
    expect(parseViewUrl('?k=101').ignored).toEqual(['k=101']);
    expect(parseViewUrl('?self=1&k=100').state).toMatchObject({ includeSelf: true, k: 100 });
  });

  it('never throws on any query string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (search) => {
        const { state } = parseViewUrl(search);
        if (state.k !== null) expect(state.k >= 1 && state.k <= 100).toBe(true);
        expect(() => formatViewUrl(search, state)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it('finds an image by a prefix of its content hash only when exactly one image has it', () => {
    const images = [
      { id: 'a', contentHash: 'abcdef0123' },
      { id: 'b', contentHash: 'abcdef9999' },
      { id: 'c', contentHash: null },
    ];
    expect(imageByHashPrefix(images, 'abcdef01')?.id).toBe('a');
    expect(imageByHashPrefix(images, 'abcdef')).toBeNull();
    expect(imageByHashPrefix(images, '777777')).toBeNull();
  });
});
