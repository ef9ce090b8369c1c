/**
 * NumPy's .npy format, version 1.0, for a float32 array: `numpy.load` reads it with no
 * conversion. Layout (numpy/lib/format.py): the magic "\x93NUMPY", version bytes 1 0, the header
 * length as little-endian uint16, then an ASCII dict literal padded with spaces and ended by "\n"
 * so the data starts at a multiple of 64 bytes (numpy pads a full 64 when the dict already
 * lands on the boundary; so does this, and the bytes equal numpy.save's). The data is C order,
 * little-endian ('<f4') whatever the platform's byte order.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const PREAMBLE = MAGIC.length + 2 + 2; // magic, version, header length
const ALIGN = 64;

/** Python's repr of a shape tuple: "()", "(5,)", "(2, 3)". */
function shapeTuple(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** A float32 array of the given shape (C order) as .npy bytes. */
export function npyFloat32(data: Float32Array, shape: readonly number[]): Uint8Array {
  for (const [axis, size] of shape.entries()) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`invalid shape[${axis}]: ${size} (expected a non-negative integer)`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new RangeError(`invalid data: ${data.length} values for shape [${shape.join(', ')}] (${count})`);
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeTuple(shape)}, }`;
  const padding = ALIGN - ((PREAMBLE + dict.length + 1) % ALIGN);
  const header = `${dict}${' '.repeat(padding)}\n`;
  if (header.length > 0xffff) throw new RangeError(`invalid shape: the .npy 1.0 header would be ${header.length} bytes (at most 65535)`);
  const start = PREAMBLE + header.length;
  const out = new Uint8Array(start + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[PREAMBLE + i] = header.charCodeAt(i);
  for (let i = 0; i < data.length; i++) view.setFloat32(start + 4 * i, data[i]!, true);
  return out;
}
