/**
 * The production build's Content-Security-Policy: network only to this origin and to the Hugging
 * Face hosts a model download touches (redirect hops included), scripts only from this origin.
 */
import { describe, expect, it } from 'vitest';
import { HUB_CONNECT_SOURCES } from '../../src/core/hub/hubHosts.ts';
import { CONTENT_SECURITY_POLICY } from '../../vite.config.ts';

const directive = (name: string) =>
  CONTENT_SECURITY_POLICY.split(';')
    .map((d) => d.trim().split(/\s+/))
    .find(([n]) => n === name)
    ?.slice(1);

describe('Content-Security-Policy', () => {
  it('lets the page connect to itself and to the hub and its download hosts, nothing else', () => {
    expect(directive('connect-src')).toEqual(["'self'", ...HUB_CONNECT_SOURCES]);
    for (const source of HUB_CONNECT_SOURCES) expect(source).toMatch(/^https:\/\/(\*\.)?[a-z0-9.-]+\.(co|hf\.co)$/);
    for (const host of ['https://huggingface.co', 'https://cdn-lfs.hf.co', 'https://cdn-lfs-us-1.huggingface.co', 'https://cas-bridge.xethub.hf.co'])
      expect(HUB_CONNECT_SOURCES).toContain(host);
  });

  it('keeps scripts to this origin, without inline script or eval', () => {
    expect(directive('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(directive('default-src')).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|'unsafe-eval'/);
  });

  /** CSP host-source matching (CSP3 §6.7.2.7): a "*." pattern matches any deeper subdomain. */
  const allowed = (url: string) =>
    directive('connect-src')!.some((source) => {
      const u = new URL(url);
      if (source === "'self'" || u.protocol !== 'https:') return false;
      const host = source.replace(/^https:\/\//, '');
      return host.startsWith('*.') ? u.hostname.endsWith(host.slice(1)) : u.hostname === host;
    });

  it('allows the redirect targets the hub uses today, and not look-alikes', () => {
    for (const url of [
      'https://huggingface.co/api/models/o/n/revision/main',
      'https://cas-bridge.xethub.hf.co/xet-bridge-us/abc',
      'https://us.aws.cdn.hf.co/xet-bridge-us/abc',
      'https://us-east-1.aws.cdn.hf.co/x',
      'https://cdn-lfs-us-1.hf.co/repos/x',
    ]) {
      expect(allowed(url)).toBe(true);
    }
    for (const url of ['https://evil.co/x', 'https://huggingface.co.evil.com/x', 'https://cdn.hf.co.evil.com/x', 'https://hf.co/x', 'http://huggingface.co/x'])
      expect(allowed(url)).toBe(false);
  });
});
