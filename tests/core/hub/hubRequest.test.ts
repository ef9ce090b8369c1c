/** The "Open from Hugging Face" form, read into a checked request. */
import { describe, expect, it } from 'vitest';
import { parseHubRequest } from '../../../src/core/hub/hubRequest.ts';
import { refusal } from '../../support/outsideData.ts';

describe('parseHubRequest', () => {
  it('fills the defaults: huggingface.co, main, fp32, no token', () => {
    expect(parseHubRequest({ repo: ' HuggingFaceTB/SmolVLM-256M-Instruct ' })).toEqual({
      host: 'https://huggingface.co',
      repo: 'HuggingFaceTB/SmolVLM-256M-Instruct',
      revision: 'main',
      variant: 'fp32',
      token: null,
      refresh: false,
    });
  });

  it('takes the revision from a pasted URL unless one was typed', () => {
    const url = 'https://huggingface.co/onnx-community/Qwen2-VL-2B-Instruct/tree/v2';
    expect(parseHubRequest({ repo: url, revision: 'main' }).revision).toBe('v2');
    expect(parseHubRequest({ repo: url, revision: '' }).revision).toBe('v2');
    expect(parseHubRequest({ repo: url, revision: 'refs/pr/1' }).revision).toBe('refs/pr/1');
  });

  it('sends a token to huggingface.co only, whatever ?hub= names', () => {
    expect(parseHubRequest({ repo: 'o/n', token: 'hf_abc', host: 'https://huggingface.co' }).token).toBe('hf_abc');
    for (const host of ['http://127.0.0.1:8080', 'https://evil.example']) {
      expect(refusal(() => parseHubRequest({ repo: 'o/n', token: 'hf_abc', host }))).toBe(
        `Access token: this page fetches models from ${host} (set by ?hub= in its address), and access tokens are sent to huggingface.co only. Clear the token, or open the app without ?hub=.`,
      );
      expect(parseHubRequest({ repo: 'o/n', host }).token).toBeNull();
    }
  });

  it('keeps a token and refuses one with spaces, naming the field', () => {
    expect(parseHubRequest({ repo: 'o/n', token: ' hf_abc ', variant: 'q4' })).toMatchObject({ token: 'hf_abc', variant: 'q4' });
    expect(refusal(() => parseHubRequest({ repo: 'o/n', token: 'hf abc' }))).toMatch(/^Access token: expected one word/);
    expect(refusal(() => parseHubRequest({ repo: 'o/n', variant: 'fp8' }))).toMatch(/^Variant "fp8"/);
    expect(refusal(() => parseHubRequest({ repo: '' }))).toMatch(/^Repo id "": empty/);
  });
});
