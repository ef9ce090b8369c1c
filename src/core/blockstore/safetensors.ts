/**
 * The safetensors format (huggingface/safetensors), read and written with no framework: the
 * paper's block stores are folders of safetensors files, and the app's exports (a trained
 * reconstructor, the CLI's block stores) are read back by Python's `safetensors` package.
 *
 * Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`, then
 * the data section; offsets count from the first byte after the header.
 *
 * Reading is split so a browser never loads a file it will refuse: `headerByteLength` looks at
 * the first 8 bytes, `parseSafetensorsHeader` at the first 8 + N, and only then are a tensor's
 * own bytes read. The parser refuses what the reference (safetensors 0.8) refuses — a header over
 * 100,000,000 bytes, holes or overlaps between tensors, bytes past the last tensor, a byte length
 * that disagrees with dtype x shape — and also a name given twice, which the reference lets
 * through (its JSON reader keeps one). Every refusal is a UserFacingError that names the file.
 */
import { UserFacingError } from '../errors.ts';
import { float32ToHalfBits, halfBitsToFloat32 } from '../onnx/float16.ts';

/** The reference's cap on the header (safetensors' MAX_HEADER_SIZE): block files have headers of a few hundred bytes. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Every dtype safetensors 0.8 defines, in its declaration order (the writer sorts by it), with the size of one element in bits. */
const DTYPE_BITS = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_BITS;
/** The dtypes this module converts to float32. */
export type FloatDtype = 'F32' | 'F16' | 'BF16' | 'F64';
export const FLOAT_DTYPES: readonly FloatDtype[] = ['F32', 'F16', 'BF16', 'F64'];
const KNOWN_DTYPES = Object.keys(DTYPE_BITS) as SafetensorsDtype[];

export function isSafetensorsDtype(value: string): value is SafetensorsDtype {
  return Object.hasOwn(DTYPE_BITS, value);
}

export function isFloatDtype(value: string): value is FloatDtype {
  return (FLOAT_DTYPES as readonly string[]).includes(value);
}

/** Bytes per element of a float dtype. */
export function floatItemSize(dtype: FloatDtype): number {
  return DTYPE_BITS[dtype] / 8;
}

export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Product of the shape (1 for a scalar). */
  readonly count: number;
  /** Byte offsets into the data section, end exclusive. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly fileName: string;
  readonly fileSize: number;
  /** N: the JSON header's length in bytes. */
  readonly headerLength: number;
  /** 8 + N: where the data section starts in the file. */
  readonly dataStart: number;
  /** fileSize - dataStart; the tensors cover it exactly. */
  readonly dataLength: number;
  /** In data order (by begin offset). */
  readonly tensors: readonly SafetensorsTensor[];
  /** `__metadata__`, or null when the file has none. */
  readonly metadata: Readonly<Record<string, string>> | null;
}

const count = (n: number) => n.toLocaleString('en');
const bytes = (n: number) => `${count(n)} byte${n === 1 ? '' : 's'}`;
const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const AGAIN = 'Copy or export the file again.';
const DAMAGED = 'It is damaged or was not written by safetensors; export it again.';

/** A file whose size alone shows it cannot be safetensors (shared with the block store planner, which checks sizes before reading). */
export function tooShortMessage(fileName: string, fileSize: number): string {
  return `${fileName} is ${bytes(fileSize)}, too short to be a safetensors file (one starts with an 8-byte header length). It is empty or was cut off. ${AGAIN}`;
}

/**
 * N, the header's length, from the file's first 8 bytes: the caller then reads bytes 0..8+N and
 * passes them to parseSafetensorsHeader. Refuses a file too short for the length itself, a header
 * over MAX_HEADER_BYTES, and a header longer than the file.
 */
export function headerByteLength(first8: Uint8Array, fileSize: number, fileName: string): number {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw new RangeError(`invalid fileSize: ${fileSize} (expected a non-negative integer)`);
  if (fileSize < 8) throw new UserFacingError(tooShortMessage(fileName, fileSize));
  if (first8.length < 8) throw new RangeError(`invalid first8: ${first8.length} bytes of ${fileName} (expected its first 8)`);
  const declared = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw new UserFacingError(
      `${fileName} declares a header of ${declared.toLocaleString('en')} bytes, more than the ${count(MAX_HEADER_BYTES)} safetensors allows: it is not a safetensors file, or its first bytes are damaged. ${AGAIN}`,
    );
  }
  const length = Number(declared);
  if (8 + length > fileSize) {
    throw new UserFacingError(
      `${fileName} declares a header of ${bytes(length)}, but the whole file is ${bytes(fileSize)}: it is truncated, or not a safetensors file. ${AGAIN}`,
    );
  }
  return length;
}

/**
 * The header of a safetensors file from its first bytes (at least 8 + N of them; more are
 * ignored), checked against the file's size: every tensor lies inside the data section and the
 * tensors cover it exactly, so reading a tensor's [begin, end) needs no further checks.
 */
export function parseSafetensorsHeader(prefix: Uint8Array, fileSize: number, fileName: string): SafetensorsHeader {
  const headerLength = headerByteLength(prefix.subarray(0, 8), fileSize, fileName);
  if (prefix.length < 8 + headerLength)
    throw new RangeError(`invalid prefix: ${prefix.length} bytes of ${fileName} (expected its first ${8 + headerLength}: the length and the header)`);
  const dataStart = 8 + headerLength;
  const dataLength = fileSize - dataStart;
  const root = parseJsonObject(prefix.subarray(8, dataStart), fileName);

  let metadata: Readonly<Record<string, string>> | null = null;
  const tensors: SafetensorsTensor[] = [];
  for (const [name, entry] of Object.entries(root)) {
    if (name === '__metadata__') metadata = checkMetadata(entry, fileName);
    else tensors.push(checkTensorEntry(name, entry, fileName));
  }
  checkLayout(tensors, dataStart, dataLength, fileSize, fileName);
  return { fileName, fileSize, headerLength, dataStart, dataLength, tensors, metadata };
}

/** The tensor called `name`, or undefined. */
export function tensorNamed(header: SafetensorsHeader, name: string): SafetensorsTensor | undefined {
  return header.tensors.find((t) => t.name === name);
}

function parseJsonObject(headerBytes: Uint8Array, fileName: string): Record<string, unknown> {
  let text: string;
  try {
    // fatal: broken UTF-8 is refused, not patched with U+FFFD; ignoreBOM: a BOM stays, and JSON refuses it as the reference does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch (cause) {
    throw new UserFacingError(`The header of ${fileName} is not UTF-8 text: it is not a safetensors file, or it is damaged. ${AGAIN}`, { cause });
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (cause) {
    throw new UserFacingError(`The header of ${fileName} is not valid JSON: it is not a safetensors file, or it is damaged. ${AGAIN}`, { cause });
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new UserFacingError(`The header of ${fileName} is JSON but not an object of tensors ({"name": {"dtype", "shape", "data_offsets"}}). ${DAMAGED}`);
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== null) {
    throw new UserFacingError(`The header of ${fileName} gives the name ${JSON.stringify(duplicate)} twice, so which entry counts is a guess. ${DAMAGED}`);
  }
  return root as Record<string, unknown>;
}

const isWhitespace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * The first key given twice in one object of a valid JSON text, or null. JSON.parse keeps the
 * last of repeated keys silently; a scan of the text is the only way to see them. In valid JSON
 * a string followed by ':' is a key, and brackets outside strings nest.
 */
export function firstDuplicateKey(json: string): string | null {
  const open: (Set<string> | null)[] = []; // one entry per open bracket: the keys seen in an object, null for an array
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      let k = j + 1;
      while (isWhitespace(json[k])) k++;
      const keys = open[open.length - 1];
      if (json[k] === ':' && keys) {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = j;
    } else if (c === '{') open.push(new Set());
    else if (c === '[') open.push(null);
    else if (c === '}' || c === ']') open.pop();
  }
  return null;
}

function checkMetadata(entry: unknown, fileName: string): Readonly<Record<string, string>> | null {
  // The reference reads `"__metadata__": null` as no metadata.
  if (entry === null) return null;
  if (typeof entry !== 'object' || Array.isArray(entry)) {
    throw new UserFacingError(
      `In ${fileName}, "__metadata__" is ${jsonKind(entry)}; safetensors expects an object of text values ({"format": "pt"}). ${DAMAGED}`,
    );
  }
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== 'string') {
      throw new UserFacingError(
        `In ${fileName}, "__metadata__" gives ${JSON.stringify(key)} ${jsonKind(value)}; safetensors metadata holds only text values. ${DAMAGED}`,
      );
    }
  }
  // fromEntries defines own properties, so a key like "__proto__" stays a key.
  return Object.freeze(Object.fromEntries(Object.entries(entry as Record<string, string>)));
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'text';
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

/** Shown where a value is echoed back: long or nested values are cut, so a message stays a line. */
function echo(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function checkTensorEntry(name: string, entry: unknown, fileName: string): SafetensorsTensor {
  const label = `tensor ${JSON.stringify(name)} in ${fileName}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new UserFacingError(`The header entry for ${label} is ${jsonKind(entry)}, not {"dtype", "shape", "data_offsets"}. ${DAMAGED}`);
  }
  const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof dtype !== 'string' || !isSafetensorsDtype(dtype)) {
    const given = dtype === undefined ? 'has no dtype' : `has dtype ${echo(dtype)}, which safetensors does not define`;
    throw new UserFacingError(`The ${label} ${given} (it defines ${KNOWN_DTYPES.join(', ')}). ${DAMAGED}`);
  }
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isSafeInteger(d) && d >= 0)) {
    const given = shape === undefined ? 'has no shape' : `has shape ${echo(shape)}`;
    throw new UserFacingError(`The ${label} ${given}; a shape is a list of whole numbers 0 or more, like [196, 768]. ${DAMAGED}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o): o is number => Number.isSafeInteger(o) && o >= 0) || offsets[0]! > offsets[1]!) {
    const given = offsets === undefined ? 'has no data_offsets' : `has data_offsets ${echo(offsets)}`;
    throw new UserFacingError(`The ${label} ${given}; expected two whole numbers [begin, end] with begin <= end. ${DAMAGED}`);
  }
  const [begin, end] = offsets as [number, number];
  const elements = elementCount(shape);
  const bits = DTYPE_BITS[dtype];
  if (elements === null || elements * bits > Number.MAX_SAFE_INTEGER) {
    throw new UserFacingError(`The ${label} has shape ${shapeText(shape)}, more values than any file can hold. ${DAMAGED}`);
  }
  if ((elements * bits) % 8 !== 0) {
    throw new UserFacingError(`The ${label} is ${dtype} ${shapeText(shape)}: ${count(elements * bits)} bits, which do not fill whole bytes. ${DAMAGED}`);
  }
  const expected = (elements * bits) / 8;
  if (end - begin !== expected) {
    throw new UserFacingError(
      `The ${label} is ${dtype} ${shapeText(shape)}, which takes ${bytes(expected)}, but its data_offsets [${begin}, ${end}] span ${bytes(end - begin)}. The header contradicts itself. ${DAMAGED}`,
    );
  }
  return { name, dtype, shape: Object.freeze([...shape]), count: elements, begin, end };
}

/** Product of a shape, or null past Number.MAX_SAFE_INTEGER (a zero anywhere makes it 0, however large the rest). */
function elementCount(shape: readonly number[]): number | null {
  if (shape.includes(0)) return 0;
  let product = 1;
  for (const d of shape) {
    product *= d;
    if (product > Number.MAX_SAFE_INTEGER) return null;
  }
  return product;
}

/** The reference's rule: sorted by offset, each tensor starts where the previous ended, and the last ends where the file does. */
function checkLayout(tensors: SafetensorsTensor[], dataStart: number, dataLength: number, fileSize: number, fileName: string): void {
  let furthest: SafetensorsTensor | null = null;
  for (const t of tensors) if (furthest === null || t.end > furthest.end) furthest = t;
  if (furthest !== null && furthest.end > dataLength) {
    throw new UserFacingError(
      `${fileName} is truncated: tensor ${JSON.stringify(furthest.name)} ends at byte ${count(dataStart + furthest.end)} of the file, but the file is ${bytes(fileSize)} (${bytes(dataStart + furthest.end - fileSize)} missing). ${AGAIN}`,
    );
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let previous: SafetensorsTensor | null = null;
  for (const t of tensors) {
    const previousEnd = previous?.end ?? 0;
    if (t.begin < previousEnd) {
      throw new UserFacingError(
        `In ${fileName}, tensors ${JSON.stringify(previous!.name)} (bytes ${previous!.begin}-${previous!.end} of the data) and ${JSON.stringify(t.name)} (bytes ${t.begin}-${t.end}) overlap; safetensors stores each tensor in bytes of its own and refuses such a file. ${DAMAGED}`,
      );
    }
    if (t.begin > previousEnd) {
      const where =
        previous === null
          ? `before the first tensor (${JSON.stringify(t.name)})`
          : `between tensors ${JSON.stringify(previous.name)} and ${JSON.stringify(t.name)}`;
      const gap = t.begin - previousEnd;
      throw new UserFacingError(
        `In ${fileName}, ${bytes(gap)} ${where} ${gap === 1 ? 'belongs' : 'belong'} to no tensor; safetensors refuses a file with such a gap. ${DAMAGED}`,
      );
    }
    previous = t;
  }
  const covered = previous?.end ?? 0;
  if (covered < dataLength) {
    throw new UserFacingError(
      `${fileName} has ${bytes(dataLength - covered)} after its ${previous === null ? 'header (it holds no tensors)' : 'last tensor'} that ${dataLength - covered === 1 ? 'belongs' : 'belong'} to no tensor; safetensors refuses such a file. It may have been appended to or damaged; export it again.`,
    );
  }
}

/**
 * A float tensor's little-endian bytes (exactly count x itemsize of them, from any offset) as a
 * fresh Float32Array. F32 is copied bit for bit; F16 and BF16 widen exactly (half subnormals,
 * infinities and NaN included; a bfloat16 is the top 16 bits of a float32); F64 rounds to nearest,
 * as numpy's astype(float32) does. DataView reads little-endian on any platform and at any alignment.
 */
export function readTensorAsFloat32(tensorBytes: Uint8Array, dtype: FloatDtype, count: number): Float32Array {
  if (!isFloatDtype(dtype)) throw new RangeError(`invalid dtype: ${String(dtype)} (expected one of ${FLOAT_DTYPES.join(', ')})`);
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`invalid count: ${count} (expected a non-negative integer)`);
  const size = floatItemSize(dtype);
  if (tensorBytes.length !== count * size)
    throw new RangeError(`invalid tensorBytes: ${tensorBytes.length} bytes for ${count} ${dtype} values (expected ${count * size})`);
  const view = new DataView(tensorBytes.buffer, tensorBytes.byteOffset, tensorBytes.byteLength);
  const out = new Float32Array(count);
  if (dtype === 'F32') {
    // Through the bits, so a NaN keeps its payload and sign (a float read could canonicalise it).
    const outBits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) outBits[i] = view.getUint32(4 * i, true);
  } else if (dtype === 'F64') {
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
  } else {
    const halves = new Uint16Array(count);
    for (let i = 0; i < count; i++) halves[i] = view.getUint16(2 * i, true);
    if (dtype === 'F16') return halfBitsToFloat32(halves);
    const outBits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) outBits[i] = halves[i]! << 16;
  }
  return out;
}

/** A tensor's bytes within the data section (bytes dataStart.. of the file), as a view. */
export function tensorBytesOf(data: Uint8Array, tensor: SafetensorsTensor): Uint8Array {
  if (data.length < tensor.end)
    throw new RangeError(`invalid data: ${data.length} bytes, but tensor ${JSON.stringify(tensor.name)} ends at ${tensor.end} (pass the whole data section)`);
  return data.subarray(tensor.begin, tensor.end);
}

export interface TensorToWrite {
  readonly name: string;
  /** F16 rounds each value to nearest, ties to even (as torch and numpy do). */
  readonly dtype: 'F32' | 'F16';
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

const utf8 = new TextEncoder();

/** Byte order of UTF-8, the order Rust sorts String names in (UTF-16 code units order names above U+FFFF differently). */
function compareUtf8(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * A safetensors file laid out as the reference writes it (safetensors.torch.save_file): tensors
 * sorted by dtype, widest first in the reference's dtype order (F32 before F16), then by name in
 * UTF-8 byte order; packed with no gaps; the header compact JSON padded with spaces to a multiple
 * of 8, `__metadata__` first when given. Without metadata the bytes equal the reference's; with
 * more than one metadata entry only their order can differ (the reference writes a hash map).
 */
export function writeSafetensors(tensors: readonly TensorToWrite[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const names = new Set<string>();
  for (const t of tensors) {
    if (t.name === '__metadata__') throw new RangeError('invalid tensor name: "__metadata__" is the header\'s metadata key');
    if (names.has(t.name)) throw new RangeError(`invalid tensors: the name ${JSON.stringify(t.name)} is given twice`);
    names.add(t.name);
    if (t.dtype !== 'F32' && t.dtype !== 'F16') throw new RangeError(`invalid dtype of ${JSON.stringify(t.name)}: ${String(t.dtype)} (expected F32 or F16)`);
    for (const [axis, size] of t.shape.entries()) {
      if (!Number.isSafeInteger(size) || size < 0)
        throw new RangeError(`invalid shape[${axis}] of ${JSON.stringify(t.name)}: ${size} (expected a non-negative integer)`);
    }
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== elements)
      throw new RangeError(`invalid data of ${JSON.stringify(t.name)}: ${t.data.length} values for shape ${shapeText(t.shape)} (${elements})`);
  }
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata))
      if (typeof value !== 'string') throw new RangeError(`invalid metadata ${JSON.stringify(key)}: ${typeof value} (expected a string)`);
  }

  const rank = (dtype: 'F32' | 'F16') => KNOWN_DTYPES.indexOf(dtype);
  const ordered = tensors
    .map((t) => ({ t, key: utf8.encode(t.name) }))
    .sort((a, b) => rank(b.t.dtype) - rank(a.t.dtype) || compareUtf8(a.key, b.key) || (a.t.name < b.t.name ? -1 : a.t.name > b.t.name ? 1 : 0))
    .map(({ t }) => t);

  const entries: string[] = [];
  if (metadata !== undefined)
    entries.push(
      `"__metadata__":{${Object.entries(metadata)
        .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
        .join(',')}}`,
    );
  let offset = 0;
  const placed = ordered.map((t) => {
    const begin = offset;
    offset += t.data.length * (t.dtype === 'F32' ? 4 : 2);
    entries.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${begin},${offset}]}`);
    return { t, begin };
  });
  const json = utf8.encode(`{${entries.join(',')}}`);
  const headerLength = json.length + ((8 - (json.length % 8)) % 8);
  const dataStart = 8 + headerLength;

  const out = new Uint8Array(dataStart + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, dataStart);
  for (const { t, begin } of placed) {
    const at = dataStart + begin;
    if (t.dtype === 'F32') {
      // Through the bits, so NaN payloads survive as they do in torch.
      const bits = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
      for (let i = 0; i < bits.length; i++) view.setUint32(at + 4 * i, bits[i]!, true);
    } else {
      const halves = float32ToHalfBits(t.data);
      for (let i = 0; i < halves.length; i++) view.setUint16(at + 2 * i, halves[i]!, true);
    }
  }
  return out;
}
