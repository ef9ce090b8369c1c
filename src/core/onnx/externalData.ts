/**
 * Weights kept in side files. Protobuf caps a message at 2 GB, so larger ONNX models store tensor
 * data outside the .onnx: TensorProto.data_location = EXTERNAL, and external_data entries
 * "location" (a file next to the model), "offset" and "length" (bytes). List the files a model
 * needs and check them before ONNX Runtime opens it, so the user is told which file is missing or
 * cut short instead of getting ORT's numeric failure code.
 *
 * The model is walked on the protobuf wire (wire.ts), never decoded whole: only the few fields
 * that lead to tensors are followed, weights stay where they are in the file's bytes (a full
 * decode would copy every inline weight), and the page's inference worker carries no protobuf
 * library.
 */
import { UserFacingError } from '../errors.ts';
import { fields, LEN, text, varints, VARINT, type WireField } from './wire.ts';

export interface ExternalDataRef {
  /** The file name next to the model, as ONNX Runtime looks it up (a leading "./" dropped). */
  readonly location: string;
  /** Bytes the file must hold: the largest offset + length over the tensors stored in it. */
  readonly bytesNeeded: number;
  /** Names of the tensors stored in it, in model order. */
  readonly tensors: readonly string[];
}

/** TensorProto.DataLocation.EXTERNAL. */
const EXTERNAL = 1;
const AGAIN = 'Re-export the model and open the pack again.';

/** Bits per element by TensorProto.DataType (STRING and unknown types have no fixed size). */
const ELEMENT_BITS: Readonly<Record<number, number>> = {
  1: 32,
  2: 8,
  3: 8,
  4: 16,
  5: 16,
  6: 32,
  7: 64,
  9: 8,
  10: 16,
  11: 64,
  12: 32,
  13: 64,
  14: 64,
  15: 128,
  16: 16,
  17: 8,
  18: 8,
  19: 8,
  20: 8,
  21: 4,
  22: 4,
  23: 4,
};

/** A name for a message: JSON-quoted (control characters escaped) and kept short. */
const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

/** "1.2 MB"; exact bytes when a rounded figure would hide a difference. */
function formatBytes(n: number): string {
  if (n < 1000) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  const units: [string, number][] = [
    ['kB', 1e3],
    ['MB', 1e6],
    ['GB', 1e9],
  ];
  for (const [unit, scale] of units) if (n / scale < 999.95) return `${(n / scale).toFixed(1)} ${unit}`;
  return `${(n / 1e12).toFixed(1)} TB`;
}
const exactBytes = (n: number) => `${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} bytes`;

/** What this module reads of a TensorProto (onnx.proto field numbers in the comments). */
interface TensorFields {
  /** 8: name */
  readonly name: string;
  /** 1: dims (int64, packed or not) */
  readonly dims: readonly number[];
  /** 2: data_type */
  readonly dataType: number;
  /** 14: data_location (the last one written wins, as in protobuf) */
  readonly dataLocation: number;
  /** 13: external_data, StringStringEntryProto {1: key, 2: value}; a repeated key keeps its last value (as ONNX's own readers do) */
  readonly externalData: ReadonlyMap<string, string>;
}

function tensorFields(bytes: Uint8Array, f: WireField): TensorFields {
  let name = '';
  const dims: number[] = [];
  let dataType = 0;
  let dataLocation = 0;
  const externalData = new Map<string, string>();
  for (const g of fields(bytes, f.start, f.end)) {
    if (g.field === 8 && g.wire === LEN) name = text(bytes, g);
    else if (g.field === 1) dims.push(...varints(bytes, g));
    else if (g.field === 2 && g.wire === VARINT) dataType = g.value;
    else if (g.field === 14 && g.wire === VARINT) dataLocation = g.value;
    else if (g.field === 13 && g.wire === LEN) {
      let key = '';
      let value = '';
      for (const e of fields(bytes, g.start, g.end)) {
        if (e.field === 1 && e.wire === LEN) key = text(bytes, e);
        else if (e.field === 2 && e.wire === LEN) value = text(bytes, e);
      }
      externalData.set(key, value);
    }
  }
  return { name, dims, dataType, dataLocation, externalData };
}

/** Bytes of a tensor's values from its shape and type, or null when they have no fixed size. */
function tensorBytes(t: TensorFields): number | null {
  const bits = ELEMENT_BITS[t.dataType];
  if (bits === undefined) return null;
  let count = 1;
  for (const n of t.dims) {
    if (!Number.isSafeInteger(n) || n < 0) return null;
    count *= n;
  }
  const bytes = Math.ceil((count * bits) / 8);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** Where tensors sit in the ONNX messages: message kind -> field number -> what that field holds. */
type Kind = 'model' | 'graph' | 'function' | 'node' | 'attribute' | 'sparse' | 'tensor';
const LEADS: Readonly<Record<Exclude<Kind, 'tensor'>, Readonly<Record<number, Kind>>>> = {
  // ModelProto: 7 graph, 25 functions
  model: { 7: 'graph', 25: 'function' },
  // GraphProto: 1 node, 5 initializer, 15 sparse_initializer
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse' },
  // FunctionProto: 7 node
  function: { 7: 'node' },
  // NodeProto: 5 attribute
  node: { 5: 'attribute' },
  // AttributeProto: 5 t, 6 g, 10 tensors, 11 graphs, 22 sparse_tensor, 23 sparse_tensors
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 22: 'sparse', 23: 'sparse' },
  // SparseTensorProto: 1 values, 2 indices
  sparse: { 1: 'tensor', 2: 'tensor' },
};

/** Every tensor in the model: initializers, Constant-style attributes, and subgraphs (If/Loop bodies), without recursion. */
function* allTensors(bytes: Uint8Array): Generator<TensorFields> {
  const stack: { kind: Exclude<Kind, 'tensor'>; start: number; end: number }[] = [{ kind: 'model', start: 0, end: bytes.length }];
  while (stack.length > 0) {
    const { kind, start, end } = stack.pop()!;
    for (const f of fields(bytes, start, end)) {
      const lead = f.wire === LEN ? LEADS[kind][f.field] : undefined;
      if (lead === undefined) continue;
      if (lead === 'tensor') yield tensorFields(bytes, f);
      else stack.push({ kind: lead, start: f.start, end: f.end });
    }
  }
}

/** A location a model may use: a plain file name in its own folder. */
function safeLocation(location: string): string | null {
  const name = location.startsWith('./') ? location.slice(2) : location;
  // No separators, no parent or current folder, no drive ("C:x") or URL scheme, no control characters.
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (name === '' || /[/\\:\u0000-\u001f]/.test(name) || name.includes('..') || name === '.') return null;
  return name;
}

function readCount(t: TensorFields, key: string, value: string | undefined, modelName: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n))
    throw new UserFacingError(`${modelName} gives tensor ${quote(t.name)} an invalid external data ${key} (${quote(value)}). ${AGAIN}`);
  return n;
}

/**
 * The side files a model's tensors point to, each with the bytes it must hold. Throws a
 * UserFacingError for bytes that are not a readable model, and for references that could never
 * be satisfied: a location outside the model's folder, or an offset/length that is not a count.
 */
export function externalDataRefs(modelBytes: Uint8Array, modelName = 'The model'): ExternalDataRef[] {
  const tensors: TensorFields[] = [];
  try {
    for (const t of allTensors(modelBytes)) if (t.dataLocation === EXTERNAL) tensors.push(t);
  } catch (error) {
    throw new UserFacingError(`${modelName} is not a readable ONNX model (the file is damaged or is not ONNX). Re-export it and open the pack again.`, {
      cause: error,
    });
  }
  const files = new Map<string, { bytesNeeded: number; tensors: string[] }>();
  for (const t of tensors) {
    const name = t.name;
    const entries = t.externalData;
    const raw = entries.get('location');
    if (raw === undefined || raw === '')
      throw new UserFacingError(`${modelName} stores tensor ${quote(name)} in an external file but does not name the file. ${AGAIN}`);
    const location = safeLocation(raw);
    if (location === null) {
      throw new UserFacingError(
        `${modelName} points to ${quote(raw)} for the weights of tensor ${quote(name)}, outside its folder. A model may only use files next to it: save it with its external data in the same folder and open the pack again.`,
      );
    }
    const offset = readCount(t, 'offset', entries.get('offset'), modelName) ?? 0;
    const declared = readCount(t, 'length', entries.get('length'), modelName);
    const size = tensorBytes(t);
    // ONNX Runtime refuses a length other than the tensor's size, in either direction.
    if (declared !== undefined && size !== null && declared !== size) {
      throw new UserFacingError(
        `${modelName} gives tensor ${quote(name)} ${exactBytes(declared)} of external data, but its shape and type need ${exactBytes(size)}. ${AGAIN}`,
      );
    }
    const length = declared ?? size;
    if (length === null) throw new UserFacingError(`${modelName} does not say how many bytes of external data tensor ${quote(name)} has. ${AGAIN}`);
    const end = offset + length;
    if (!Number.isSafeInteger(end)) throw new UserFacingError(`${modelName} gives tensor ${quote(name)} an invalid external data offset (${offset}). ${AGAIN}`);
    const file = files.get(location) ?? { bytesNeeded: 0, tensors: [] };
    file.bytesNeeded = Math.max(file.bytesNeeded, end);
    file.tensors.push(name);
    files.set(location, file);
  }
  return [...files].map(([location, f]) => ({ location, bytesNeeded: f.bytesNeeded, tensors: f.tensors }));
}

/**
 * Check that every side file is in the pack folder (`available`: file name -> size in bytes) and
 * long enough; throws a UserFacingError naming the missing or short file.
 */
export function checkExternalData(modelName: string, refs: readonly ExternalDataRef[], available: ReadonlyMap<string, number>): void {
  const missing = refs.filter((r) => !available.has(r.location));
  if (missing.length === 1) {
    const r = missing[0]!;
    throw new UserFacingError(
      `${modelName} keeps its weights in ${quote(r.location)} (needs ${formatBytes(r.bytesNeeded)}), which is missing. Put that file next to ${modelName} in the pack folder and open the pack again.`,
    );
  }
  if (missing.length > 1) {
    const list = missing.map((r) => `${quote(r.location)} (needs ${formatBytes(r.bytesNeeded)})`).join(', ');
    throw new UserFacingError(
      `${modelName} keeps its weights in ${missing.length} files that are missing: ${list}. Put them next to ${modelName} in the pack folder and open the pack again.`,
    );
  }
  for (const r of refs) {
    const have = available.get(r.location)!;
    if (have >= r.bytesNeeded) continue;
    const [h, n] =
      formatBytes(have) === formatBytes(r.bytesNeeded) ? [exactBytes(have), exactBytes(r.bytesNeeded)] : [formatBytes(have), formatBytes(r.bytesNeeded)];
    throw new UserFacingError(
      `${modelName} keeps its weights in ${quote(r.location)}, which is ${h} but needs ${n}: the file is truncated. Copy it again, put it next to ${modelName} in the pack folder and open the pack again.`,
    );
  }
}
