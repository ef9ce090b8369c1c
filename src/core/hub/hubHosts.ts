/**
 * The hosts a model download from huggingface.co touches, for the production build's
 * Content-Security-Policy (connect-src). CSP applies to every redirect hop, and /resolve/ answers
 * 302 to a CDN host, so each must be listed or the browser cancels the download mid-redirect.
 * Sources: https://huggingface.co/.well-known/meta.json (lfsDomains, cdnDomains) and the hub docs'
 * firewall table (huggingface/hub-docs#2628). Hugging Face moves files between these over time
 * (LFS to Xet, then to regional edges), hence the legacy names and the one wildcard.
 */
export const HUB_CONNECT_SOURCES = [
  // The API and /resolve/ (which redirects to one of the hosts below).
  'https://huggingface.co',
  // LFS file content: current names, then the older *.huggingface.co ones.
  'https://cdn-lfs.hf.co',
  'https://cdn-lfs-us-1.hf.co',
  'https://cdn-lfs-eu-1.hf.co',
  'https://cdn-lfs.huggingface.co',
  'https://cdn-lfs-us-1.huggingface.co',
  'https://cdn-lfs-eu-1.huggingface.co',
  // Xet storage, which serves files uploaded since 2025, through its HTTP bridge.
  'https://cas-bridge.xethub.hf.co',
  'https://cas-bridge.xethub-eu.hf.co',
  'https://transfer.xethub.hf.co',
  'https://transfer.xethub-eu.hf.co',
  // Regional CDN edges (us.aws.cdn.hf.co, eu-west-3.aws.cdn.hf.co, us.gcp.cdn.hf.co, ...):
  // a list that grows, all under cdn.hf.co; a CSP "*." matches any depth of subdomain.
  'https://*.cdn.hf.co',
] as const;
