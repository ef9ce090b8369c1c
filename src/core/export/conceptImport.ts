/**
 * The concept export read back (issue 15 item 5): the two SAEs from `sae_pre.safetensors` and
 * `sae_post.safetensors`, the settings and the names from `sae.json`, as written by
 * core/export/conceptExport.ts (or by anyone following sae.json's description: W_enc [d, m], b_enc
 * [m], W_dec [m, d], b_dec [d], metadata k and scale). Files are found by their base name, so a
 * zip's folder or a dropped folder's path does not matter. Every refusal names the file and what
 * was wrong with it.
 */
import { UserFacingError } from '../errors.ts';
import { isFloatDtype, parseSafetensorsHeader, readTensorAsFloat32, tensorBytesOf, tensorNamed } from '../blockstore/safetensors.ts';
import { validateSae, type TopKSae } from '../sae/topkSae.ts';
import { CONCEPT_FILES, CONCEPT_FORMAT } from './conceptExport.ts';

export interface ImportedConcepts {
  readonly pre: TopKSae;
  readonly post: TopKSae;
  readonly settings: { readonly latents: number; readonly k: number; readonly steps: number; readonly seed: number; readonly level: 'patches' | 'pooled' };
  /** The pack the SAEs were trained on, as sae.json names it. */
  readonly pack: { readonly name: string; readonly key: string } | null;
  readonly names: Readonly<Record<number, string>>;
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const AGAIN = 'Export the concepts again from Connector Lens ("Export concepts"), or check the file.';

/** An SAE from a safetensors file as conceptExport's saeSafetensors writes it. */
export function saeFromSafetensors(bytes: Uint8Array, fileName: string): TopKSae {
  const header = parseSafetensorsHeader(bytes, bytes.length, fileName);
  const data = bytes.subarray(header.dataStart);
  const read = (name: string, shape: (s: readonly number[]) => boolean, expected: string): { values: Float32Array; shape: readonly number[] } => {
    const tensor = tensorNamed(header, name);
    if (!tensor)
      throw new UserFacingError(`${fileName} has no tensor ${name} (${expected}): it is not a sparse autoencoder written by Connector Lens. ${AGAIN}`);
    if (!isFloatDtype(tensor.dtype)) throw new UserFacingError(`${fileName}: ${name} is ${tensor.dtype}; a float tensor was expected. ${AGAIN}`);
    if (!shape(tensor.shape)) throw new UserFacingError(`${fileName}: ${name} has shape [${tensor.shape.join(', ')}]; expected ${expected}. ${AGAIN}`);
    return { values: readTensorAsFloat32(tensorBytesOf(data, tensor), tensor.dtype, tensor.count), shape: tensor.shape };
  };
  const wEnc = read('W_enc', (s) => s.length === 2, '[d, m]');
  const [d, m] = wEnc.shape as [number, number];
  const wDec = read('W_dec', (s) => s.length === 2 && s[0] === m && s[1] === d, `[${m}, ${d}] (m × d, from W_enc)`);
  const bEnc = read('b_enc', (s) => s.length === 1 && s[0] === m, `[${m}]`);
  const bDec = read('b_dec', (s) => s.length === 1 && s[0] === d, `[${d}]`);
  const meta = header.metadata ?? {};
  const k = Number(meta['k']);
  const scale = Number(meta['scale']);
  if (!(Number.isInteger(k) && k >= 1 && k <= m))
    throw new UserFacingError(
      `${fileName} does not say how many concepts are active per token (metadata k = ${meta['k'] ?? 'missing'}; expected 1 to ${m}). ${AGAIN}`,
    );
  if (!(Number.isFinite(scale) && scale > 0))
    throw new UserFacingError(
      `${fileName} does not give its input scale (metadata scale = ${meta['scale'] ?? 'missing'}; expected a positive number). ${AGAIN}`,
    );
  const sae: TopKSae = { d, latents: m, k, scale, wEnc: wEnc.values, bEnc: bEnc.values, wDec: wDec.values, bDec: bDec.values };
  validateSae(sae);
  for (const [name, values] of Object.entries({ W_enc: sae.wEnc, b_enc: sae.bEnc, W_dec: sae.wDec, b_dec: sae.bDec }))
    if (!values.every(Number.isFinite)) throw new UserFacingError(`${fileName}: ${name} holds NaN or infinite values. ${AGAIN}`);
  return sae;
}

interface ConfigJson {
  format?: unknown;
  pack?: { name?: unknown; key?: unknown };
  settings?: { latents?: unknown; k?: unknown; steps?: unknown; seed?: unknown; level?: unknown };
  names?: Record<string, unknown>;
}

/** The concept export from its files, by path (a zip's entries or dropped files); other files are ignored. */
export function readConceptFiles(files: ReadonlyMap<string, Uint8Array>): ImportedConcepts {
  const byName = new Map<string, Uint8Array>();
  for (const [path, bytes] of files) byName.set(baseName(path), bytes);
  const missing = [CONCEPT_FILES.pre, CONCEPT_FILES.post, CONCEPT_FILES.config].filter((f) => !byName.has(f));
  if (missing.length > 0)
    throw new UserFacingError(
      `The concept export needs ${CONCEPT_FILES.pre}, ${CONCEPT_FILES.post} and ${CONCEPT_FILES.config} together; ${missing.length === 3 ? 'none of them is there' : `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing`}. Choose the zip "Export concepts" wrote, or all of its files at once.`,
    );
  let config: ConfigJson;
  try {
    config = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(byName.get(CONCEPT_FILES.config))) as ConfigJson;
  } catch (cause) {
    throw new UserFacingError(`${CONCEPT_FILES.config} is not valid JSON text. ${AGAIN}`, { cause });
  }
  if (typeof config !== 'object' || config === null || config.format !== CONCEPT_FORMAT)
    throw new UserFacingError(`${CONCEPT_FILES.config} is not a Connector Lens concept export (its format is not "${CONCEPT_FORMAT}"). ${AGAIN}`);
  const pre = saeFromSafetensors(byName.get(CONCEPT_FILES.pre)!, CONCEPT_FILES.pre);
  const post = saeFromSafetensors(byName.get(CONCEPT_FILES.post)!, CONCEPT_FILES.post);
  if (pre.latents !== post.latents || pre.k !== post.k)
    throw new UserFacingError(
      `The two autoencoders do not belong together: ${pre.latents} concepts with k = ${pre.k} before the connector, ${post.latents} with k = ${post.k} after it. ${AGAIN}`,
    );
  const s = config.settings ?? {};
  const level = s.level === 'pooled' ? 'pooled' : s.level === 'patches' || s.level === undefined ? 'patches' : null;
  if (level === null) throw new UserFacingError(`${CONCEPT_FILES.config} gives the level ${JSON.stringify(s.level)}; expected "patches" or "pooled". ${AGAIN}`);
  const integer = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isInteger(v) ? v : fallback);
  const names: Record<number, string> = {};
  for (const [key, value] of Object.entries(config.names ?? {})) {
    const concept = Number(key);
    if (Number.isInteger(concept) && concept >= 0 && concept < pre.latents && typeof value === 'string') names[concept] = value;
  }
  const pack =
    config.pack && typeof config.pack.name === 'string' && typeof config.pack.key === 'string' ? { name: config.pack.name, key: config.pack.key } : null;
  return {
    pre,
    post,
    settings: { latents: pre.latents, k: pre.k, steps: integer(s.steps, 0), seed: integer(s.seed, 0), level },
    pack,
    names,
  };
}
