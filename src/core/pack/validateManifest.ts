/**
 * Validate a pack manifest read from outside (JSON of unknown shape). Every problem is reported,
 * each naming the field path and what was expected, e.g.
 * `manifest.tokens.pre: expected a positive integer, got "abc"`. The connector's own rules (its
 * size field, what divides the grid, T' from T) come from its family's module (core/connectors/).
 */
import type { AnyConnectorSpec, ConnectorFamilyModule, Grid } from '../connectors/family.ts';
import { CONNECTORS, type ConnectorRegistry, type ConnectorSpec } from '../connectors/registry.ts';
import type { PackManifest } from '../types.ts';

/** Pixels per side: the encoders studied here take 224 to 1024; 4096 leaves room and still fits a tab. */
export const MAX_IMAGE_SIZE = 4096;
/** Values in one image's token matrix (T x d): LLaVA-1.5's post tokens are 576 x 4096 = 2.4 M; 64 M is 256 MB of float32. */
export const MAX_TOKEN_VALUES = 64 * 1024 * 1024;

export type ManifestCheck<S extends AnyConnectorSpec = ConnectorSpec> =
  { readonly ok: true; readonly manifest: PackManifest<S> } | { readonly ok: false; readonly errors: readonly string[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
};

class Checker {
  readonly errors: string[] = [];
  expect(path: string, what: string, got: unknown): void {
    this.errors.push(`manifest.${path}: expected ${what}, got ${show(got)}`);
  }
  obj(parent: Obj, key: string, path: string): Obj {
    const v = parent[key];
    if (isObj(v)) return v;
    this.expect(path, 'an object', v);
    return {};
  }
  str(parent: Obj, key: string, path: string): string {
    const v = parent[key];
    if (typeof v === 'string' && v.length > 0) return v;
    this.expect(path, 'a non-empty string', v);
    return '';
  }
  posInt(parent: Obj, key: string, path: string): number {
    const v = parent[key];
    // Safe integers only: past 2^53 arithmetic on sizes and counts is no longer exact.
    if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
    this.expect(path, 'a positive integer', v);
    return 0;
  }
  /** A positive integer no larger than `max`: outside data must not ask for allocations no tab can make. */
  posIntAtMost(parent: Obj, key: string, path: string, max: number, why: string): number {
    const v = this.posInt(parent, key, path);
    if (v <= max) return v;
    this.expect(path, `at most ${max} (${why})`, v);
    return 0;
  }
  oneOf<T extends string>(parent: Obj, key: string, path: string, options: readonly T[]): T {
    const v = parent[key];
    if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
    this.expect(path, `one of ${options.map((o) => `"${o}"`).join(', ')}`, v);
    return options[0]!;
  }
  triple(parent: Obj, key: string, path: string, positive: boolean): [number, number, number] {
    const v = parent[key];
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))) return [v[0], v[1], v[2]];
    this.expect(path, `an array of 3 ${positive ? 'positive' : 'finite'} numbers`, v);
    return [0, 0, 1];
  }
  fileName(parent: Obj, key: string, path: string): string {
    const v = parent[key];
    if (typeof v === 'string' && /^[A-Za-z0-9._-]+\.onnx$/.test(v) && !v.startsWith('.') && !v.includes('..')) return v;
    this.expect(path, 'a file name in the pack folder ending in .onnx (no "/" or "..")', v);
    return '';
  }
}

interface ReadConnector<S extends AnyConnectorSpec> {
  readonly spec: S;
  readonly module: ConnectorFamilyModule<S>;
  /** The family's size field as read; 0 when it has none or the field is not a positive integer (already reported). */
  readonly size: number;
}

/** The connector object: its family from the registry, and that family's size field (a positive integer), if it has one. */
function readConnector<S extends AnyConnectorSpec>(c: Checker, root: Obj, families: ConnectorRegistry<S>): ReadConnector<S> {
  const spec = c.obj(root, 'connector', 'connector');
  const module = families.family(c.oneOf(spec, 'family', 'connector.family', families.ids));
  const size = module.parameter === null ? 0 : c.posInt(spec, module.parameter, `connector.${module.parameter}`);
  return { spec: module.specOf(size), module, size };
}

/** The connector's own rules: its size fits the grid, and tokens.post is what it makes of tokens.pre. */
function checkConnector<S extends AnyConnectorSpec>(
  c: Checker,
  { spec, module, size }: ReadConnector<S>,
  grid: Grid,
  tokens: { pre: number; post: number },
): void {
  if (module.parameter !== null && size && grid[0]) {
    const misfit = module.manifest.parameterMisfit(spec, grid);
    if (misfit !== null) c.expect(`connector.${module.parameter}`, misfit, size);
  }
  const post = module.manifest.postTokensFrom(spec, tokens.pre);
  if (tokens.pre && tokens.post && Number.isInteger(post) && tokens.post !== post)
    c.expect('tokens.post', `${post} for a ${spec.family} connector on ${tokens.pre} tokens`, tokens.post);
}

function validate<S extends AnyConnectorSpec>(json: unknown, families: ConnectorRegistry<S>): ManifestCheck<S> {
  const c = new Checker();
  if (!isObj(json)) return { ok: false, errors: [`manifest: expected a JSON object, got ${show(json)}`] };
  if (json.formatVersion !== 1) c.expect('formatVersion', '1', json.formatVersion);
  const id = c.str(json, 'id', 'id');
  const name = c.str(json, 'name', 'name');
  const description = typeof json.description === 'string' ? json.description : '';

  const image = c.obj(json, 'image', 'image');
  const size = c.posIntAtMost(image, 'size', 'image.size', MAX_IMAGE_SIZE, 'pixels per side; the vision encoders studied here take 224 to 1024');
  const patchSize = c.posInt(image, 'patchSize', 'image.patchSize');
  const gridRaw = image.grid;
  let grid: [number, number] = [0, 0];
  if (Array.isArray(gridRaw) && gridRaw.length === 2 && gridRaw.every((g) => Number.isSafeInteger(g) && (g as number) > 0))
    grid = [gridRaw[0] as number, gridRaw[1] as number];
  else c.expect('image.grid', 'two positive integers [rows, cols]', gridRaw);
  if (size && patchSize && (size % patchSize !== 0 || grid[0] !== size / patchSize || grid[1] !== size / patchSize)) {
    c.expect('image.grid', `[${size / patchSize}, ${size / patchSize}] (image.size / image.patchSize)`, gridRaw);
  }

  const tokensObj = c.obj(json, 'tokens', 'tokens');
  const tokens = {
    pre: c.posInt(tokensObj, 'pre', 'tokens.pre'),
    post: c.posInt(tokensObj, 'post', 'tokens.post'),
    dPre: c.posInt(tokensObj, 'dPre', 'tokens.dPre'),
    dPost: c.posInt(tokensObj, 'dPost', 'tokens.dPost'),
  };
  if (tokens.pre && grid[0] && tokens.pre !== grid[0] * grid[1]) c.expect('tokens.pre', `${grid[0] * grid[1]} (grid rows x cols)`, tokens.pre);
  if (tokens.pre && tokens.dPre && tokens.pre * tokens.dPre > MAX_TOKEN_VALUES)
    c.expect(
      'tokens.dPre',
      `at most ${Math.floor(MAX_TOKEN_VALUES / tokens.pre)} with ${tokens.pre} tokens (${MAX_TOKEN_VALUES} values per image)`,
      tokens.dPre,
    );
  if (tokens.post && tokens.dPost && tokens.post * tokens.dPost > MAX_TOKEN_VALUES)
    c.expect(
      'tokens.dPost',
      `at most ${Math.floor(MAX_TOKEN_VALUES / tokens.post)} with ${tokens.post} tokens (${MAX_TOKEN_VALUES} values per image)`,
      tokens.dPost,
    );

  const read = readConnector(c, json, families);
  checkConnector(c, read, grid, tokens);
  const connector = read.spec;

  const pre = c.obj(json, 'preprocess', 'preprocess');
  const rescale = pre.rescale;
  if (!(typeof rescale === 'number' && Number.isFinite(rescale) && rescale > 0))
    c.expect('preprocess.rescale', 'a positive number (1/255 for CLIP-style processors)', rescale);
  const preprocess = {
    resize: c.oneOf(pre, 'resize', 'preprocess.resize', ['shortest-edge', 'stretch'] as const),
    crop: c.oneOf(pre, 'crop', 'preprocess.crop', ['center', 'none'] as const),
    resample: c.oneOf(pre, 'resample', 'preprocess.resample', ['bicubic', 'bilinear', 'nearest'] as const),
    rescale: rescale as number,
    mean: c.triple(pre, 'mean', 'preprocess.mean', false),
    std: c.triple(pre, 'std', 'preprocess.std', true),
  };

  if (preprocess.resize === 'shortest-edge' && preprocess.crop === 'none') {
    c.expect('preprocess.crop', '"center" with resize "shortest-edge" (only the short side is resized to image.size; the long side must be cropped)', pre.crop);
  }

  const filesObj = c.obj(json, 'files', 'files');
  const files = { encoder: c.fileName(filesObj, 'encoder', 'files.encoder'), connector: c.fileName(filesObj, 'connector', 'files.connector') };
  const ioObj = c.obj(json, 'io', 'io');
  const io = {
    encoderInput: c.str(ioObj, 'encoderInput', 'io.encoderInput'),
    encoderOutput: c.str(ioObj, 'encoderOutput', 'io.encoderOutput'),
    connectorInput: c.str(ioObj, 'connectorInput', 'io.connectorInput'),
    connectorOutput: c.str(ioObj, 'connectorOutput', 'io.connectorOutput'),
  };

  const w = c.obj(json, 'weights', 'weights');
  const source = c.oneOf(w, 'source', 'weights.source', ['synthetic', 'pretrained', 'trained'] as const);
  if (typeof w.synthetic !== 'boolean') c.expect('weights.synthetic', 'true or false', w.synthetic);
  const license = c.str(w, 'license', 'weights.license');
  const origin = c.str(w, 'origin', 'weights.origin');
  const seed = w.seed;
  if (seed !== undefined && !(typeof seed === 'number' && Number.isInteger(seed))) c.expect('weights.seed', 'an integer', seed);
  const weights = { source, synthetic: w.synthetic === true, license, origin, ...(typeof seed === 'number' ? { seed } : {}) };

  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return {
    ok: true,
    manifest: { formatVersion: 1, id, name, description, image: { size, patchSize, grid }, tokens, connector, preprocess, files, io, weights },
  };
}

/** A validator for manifests whose connectors are the families in `families`; the app's is validateManifest. */
export function manifestValidator<S extends AnyConnectorSpec>(families: ConnectorRegistry<S>): (json: unknown) => ManifestCheck<S> {
  return (json) => validate(json, families);
}

export const validateManifest: (json: unknown) => ManifestCheck = manifestValidator(CONNECTORS);
