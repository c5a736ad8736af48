/**
 * The IDX file format, the format the original MNIST files come in, read and written by our own code
 * so the library needs no parser dependency and can say exactly what is wrong with a bad file.
 *
 * Layout (all multi-byte numbers big-endian):
 *
 * | bytes            | content                                                              |
 * | ---------------- | -------------------------------------------------------------------- |
 * | 0–1              | `0x00 0x00`                                                          |
 * | 2                | element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64 |
 * | 3                | number of dimensions `d` (at least 1)                                |
 * | 4 … 4+4d−1       | `d` uint32 dimension sizes, outermost first                          |
 * | 4+4d …           | the elements, row-major, `product(dims) × elementSize` bytes exactly |
 */
import { FormatError, ShapeError, ValueError, formatShape } from '../errors.js';
import { Tensor, floatArray, type DType, type TypedArray } from '../tensor/tensor.js';

/** The element types an IDX file can hold, named as the typed arrays are. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

interface IdxTypeInfo {
  readonly name: IdxType;
  readonly code: number;
  /** Bytes per element. */
  readonly size: number;
  /** The dtype of the tensor `parseIdx` makes from it. */
  readonly dtype: DType;
  /** Inclusive range of integer types (undefined for floats). */
  readonly min?: number;
  readonly max?: number;
}

const TYPES: readonly IdxTypeInfo[] = [
  { name: 'uint8', code: 0x08, size: 1, dtype: 'uint8', min: 0, max: 255 },
  { name: 'int8', code: 0x09, size: 1, dtype: 'int32', min: -128, max: 127 },
  { name: 'int16', code: 0x0b, size: 2, dtype: 'int32', min: -32768, max: 32767 },
  { name: 'int32', code: 0x0c, size: 4, dtype: 'int32', min: -2147483648, max: 2147483647 },
  { name: 'float32', code: 0x0d, size: 4, dtype: 'float32' },
  { name: 'float64', code: 0x0e, size: 8, dtype: 'float64' },
];

const BY_CODE = new Map(TYPES.map((t) => [t.code, t]));
const BY_NAME = new Map(TYPES.map((t) => [t.name, t]));

/** The IDX type a tensor of each dtype is written as by default. */
const DEFAULT_TYPE: Record<DType, IdxType> = { uint8: 'uint8', int32: 'int32', float32: 'float32', float64: 'float64' };

function hex(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

function knownTypes(): string {
  return TYPES.map((t) => `${hex(t.code)} (${t.name})`).join(', ');
}

/**
 * Parses an IDX file held in memory into a tensor whose shape is the file's dimensions.
 *
 * dtypes: uint8 data gives a `'uint8'` tensor; int8, int16 and int32 give `'int32'`; float32 gives
 * `'float32'` and float64 `'float64'`. The tensor's data is always a fresh copy, never a view into
 * `bytes`: Node Buffers are often slices of a shared pool, and a view would keep the whole file (and
 * whatever else shares its memory) alive and let later writes to `bytes` change the tensor.
 *
 * Every field is checked; a bad file throws a {@link FormatError} naming `source` and saying what was
 * expected and what came (bad magic number, unknown type code, zero dimensions, truncated header,
 * truncated data or trailing bytes, with byte counts).
 *
 * @param bytes the whole file.
 * @param source how to name the data in error messages, usually its file path.
 *
 * @example
 * ```ts
 * const images = parseIdx(new Uint8Array(await (await fetch(url)).arrayBuffer()), url); // uint8 [n, 28, 28]
 * ```
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): Tensor {
  const n = bytes.length;
  if (n < 4) {
    throw new FormatError(
      `${source}: not an IDX file: shorter than the header: expected at least 4 bytes (magic number), got ${n}.`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gz =
      bytes[0] === 0x1f && bytes[1] === 0x8b
        ? ' This looks like a gzip file: decompress it first (readIdxFile and loadMnist read gzipped files).'
        : '';
    throw new FormatError(
      `${source}: bad magic number: expected the first two bytes to be 0x00 0x00, got ${hex(bytes[0])} ${hex(bytes[1])}.${gz}`,
    );
  }
  const type = BY_CODE.get(bytes[2]);
  if (!type) {
    throw new FormatError(`${source}: unknown IDX type code ${hex(bytes[2])}: expected one of ${knownTypes()}.`);
  }
  const rank = bytes[3];
  if (rank === 0) {
    throw new FormatError(`${source}: the header declares 0 dimensions: expected at least 1.`);
  }
  const headerBytes = 4 + 4 * rank;
  if (n < headerBytes) {
    throw new FormatError(
      `${source}: header truncated: ${rank} dimension(s) need a ${headerBytes}-byte header, got ${n} bytes.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  // count may exceed 2^53 for absurd headers; it is then far larger than the file and reported as truncated.
  const expected = count * type.size;
  const actual = n - headerBytes;
  if (actual !== expected) {
    const what = `shape ${formatShape(shape)} of ${type.name} needs ${expected} data bytes (${headerBytes + expected} with the header), got ${actual} (${n} bytes in the file)`;
    if (actual < expected) throw new FormatError(`${source}: data truncated: ${what}.`);
    throw new FormatError(`${source}: trailing bytes: ${what}, ${actual - expected} too many.`);
  }
  return new Tensor(decode(type, bytes, view, headerBytes, count), shape);
}

function decode(type: IdxTypeInfo, bytes: Uint8Array, view: DataView, off: number, count: number): TypedArray {
  switch (type.name) {
    case 'uint8': {
      // A plain Uint8Array copy: Buffer#slice would return a view, so copy explicitly.
      const out = new Uint8Array(count);
      out.set(bytes.subarray(off, off + count));
      return out;
    }
    case 'int8': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt8(off + i);
      return out;
    }
    case 'int16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(off + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(off + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = floatArray(count, 'float32');
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(off + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = floatArray(count, 'float64');
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(off + 8 * i, false);
      return out;
    }
  }
}

/**
 * Writes a tensor as an IDX file (the inverse of {@link parseIdx}), e.g. to save a subset of MNIST or
 * build test fixtures. The tensor must have at least one dimension (IDX has no scalars).
 *
 * By default uint8 tensors are written as type 0x08, int32 as 0x0C, float32 as 0x0D and float64 as
 * 0x0E. `type` picks another element type; integer types then need every value to be an integer in
 * the type's range (a {@link ValueError} names the first that is not), float32 rounds as
 * Float32Array does.
 *
 * @returns the whole file: `4 + 4·rank` header bytes, then `size × elementSize` data bytes.
 *
 * @example
 * ```ts
 * const bytes = encodeIdx(tensor(Uint8Array.of(3, 1, 4), [3])); // an IDX file of three labels
 * parseIdx(bytes).toArray(); // [3, 1, 4]
 * ```
 */
export function encodeIdx(t: Tensor, type: IdxType = DEFAULT_TYPE[t.dtype]): Uint8Array {
  const info = BY_NAME.get(type);
  if (!info) {
    throw new ValueError(
      `encodeIdx: unknown IDX type '${String(type)}': expected one of ${TYPES.map((x) => `'${x.name}'`).join(', ')}.`,
    );
  }
  if (t.rank === 0) {
    throw new ShapeError('encodeIdx: IDX files need at least one dimension, got a scalar tensor (reshape it to [1]).');
  }
  if (t.rank > 255) {
    throw new ShapeError(`encodeIdx: IDX files hold at most 255 dimensions, got ${t.rank}.`);
  }
  for (const d of t.shape) {
    if (d > 0xffffffff)
      throw new ShapeError(`encodeIdx: dimension ${d} of ${formatShape(t.shape)} does not fit in a uint32.`);
  }
  const src = t.data;
  const exact = info.dtype === t.dtype && info.name !== 'int8' && info.name !== 'int16';
  if (info.min !== undefined && info.max !== undefined && !exact) {
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (!Number.isInteger(v) || v < info.min || v > info.max) {
        throw new ValueError(
          `encodeIdx: value ${v} at flat index ${i} cannot be written as ${info.name}: expected an integer in [${info.min}, ${info.max}].`,
        );
      }
    }
  }
  const header = 4 + 4 * t.rank;
  const out = new Uint8Array(header + src.length * info.size);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = t.rank;
  t.shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  switch (info.name) {
    case 'uint8':
      out.set(src, header);
      break;
    case 'int8':
      for (let i = 0; i < src.length; i++) view.setInt8(header + i, src[i]);
      break;
    case 'int16':
      for (let i = 0; i < src.length; i++) view.setInt16(header + 2 * i, src[i], false);
      break;
    case 'int32':
      for (let i = 0; i < src.length; i++) view.setInt32(header + 4 * i, src[i], false);
      break;
    case 'float32':
      for (let i = 0; i < src.length; i++) view.setFloat32(header + 4 * i, src[i], false);
      break;
    case 'float64':
      for (let i = 0; i < src.length; i++) view.setFloat64(header + 8 * i, src[i], false);
      break;
  }
  return out;
}
