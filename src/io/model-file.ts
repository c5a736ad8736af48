/**
 * The mnist-nn model file: one file, so that a save can replace it atomically.
 *
 *   bytes 0–7     magic "MNISTNN1"
 *   bytes 8–11    header length h (uint32, little-endian)
 *   12 … 12+h     header: JSON (format, version, model config, training config, tensor manifest)
 *   then, from the next multiple of 8, the tensors' elements, little-endian, in manifest order
 *
 * Reading checks the magic, the header's JSON (no __proto__, constructor or prototype keys), and that
 * the data is exactly as long as the manifest says: a truncated or padded file is a FormatError.
 */
import { FormatError, escapeControls, formatShape, quote } from '../errors.js';
import type { FloatArray, FloatDType } from '../tensor/kernels.js';

/**
 * The first eight bytes of every mnist-nn model file.
 *
 * @example
 * ```ts
 * new TextDecoder().decode(modelToBytes(model).subarray(0, 8)); // 'MNISTNN1'
 * ```
 */
export const MAGIC = 'MNISTNN1';

export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: FloatDType;
}

export interface ModelFile {
  header: Record<string, unknown> & { tensors: TensorEntry[] };
  /** The tensors' elements, one array per manifest entry. */
  data: FloatArray[];
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * JSON.parse that rejects keys which could reach an object's prototype.
 *
 * @example
 * ```ts
 * parseJsonSafely('{"__proto__": {}}', 'model.mnn'); // a FormatError naming the file
 * ```
 */
export function parseJsonSafely(text: string, source: string): unknown {
  try {
    return JSON.parse(text, (key: string, value: unknown) => {
      if (FORBIDDEN.has(key)) throw new FormatError(`${source}: the JSON has a '${key}' key, which is not allowed.`);
      return value;
    });
  } catch (e) {
    if (e instanceof FormatError) throw e;
    // The parser's message quotes the text around the fault: the file's own bytes.
    throw new FormatError(`${source}: not valid JSON (${escapeControls((e as Error).message.slice(0, 200))}).`);
  }
}

/**
 * @example
 * ```ts
 * const bytes = encodeModelFile({ header, data }); // what modelToBytes does with modelToFile's result
 * ```
 */
export function encodeModelFile(file: ModelFile): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(file.header));
  const start = Math.ceil((12 + header.length) / 8) * 8;
  const bytes = file.data.reduce((s, d) => s + d.byteLength, 0);
  const out = new Uint8Array(start + bytes);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  let o = start;
  for (const d of file.data) {
    const le = littleEndian(d);
    out.set(new Uint8Array(le.buffer, le.byteOffset, le.byteLength), o);
    o += d.byteLength;
  }
  return out;
}

/**
 * @example
 * ```ts
 * const { header, data } = decodeModelFile(readFileSync('model.mnn'), 'model.mnn');
 * ```
 */
export function decodeModelFile(bytes: Uint8Array, source: string): ModelFile {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw new FormatError(`${source}: not an mnist-nn model file (expected it to start with "${MAGIC}").`);
  }
  const h = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + h > bytes.length)
    throw new FormatError(`${source}: truncated: the header needs ${12 + h} bytes, the file has ${bytes.length}.`);
  const header = parseJsonSafely(new TextDecoder().decode(bytes.subarray(12, 12 + h)), source) as ModelFile['header'];
  if (typeof header !== 'object' || header === null || header.format !== 'mnist-nn' || !Array.isArray(header.tensors)) {
    throw new FormatError(`${source}: the header is not an mnist-nn model header.`);
  }
  const start = Math.ceil((12 + h) / 8) * 8;
  let need = 0;
  for (const t of header.tensors) {
    if (
      typeof t?.name !== 'string' ||
      !Array.isArray(t.shape) ||
      !t.shape.every((d) => Number.isInteger(d) && d >= 0) ||
      (t.dtype !== 'float32' && t.dtype !== 'float64')
    ) {
      throw new FormatError(`${source}: a tensor entry is malformed: ${quote(t)}.`);
    }
    need += t.shape.reduce((a, b) => a * b, 1) * (t.dtype === 'float64' ? 8 : 4);
  }
  const have = bytes.length - start;
  if (have !== need) {
    throw new FormatError(
      `${source}: ${have < need ? 'truncated' : 'trailing bytes'}: the tensors need ${need} bytes of data, the file has ${Math.max(have, 0)}.`,
    );
  }
  let o = bytes.byteOffset + start;
  const data = header.tensors.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const size = t.dtype === 'float64' ? 8 : 4;
    const copy = bytes.buffer.slice(o, o + n * size); // aligned copy
    o += n * size;
    return fromLittleEndian(t.dtype === 'float64' ? new Float64Array(copy) : new Float32Array(copy));
  });
  return { header, data };
}

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndian(d: FloatArray): FloatArray {
  if (LITTLE) return d;
  const out = d.slice();
  const v = new DataView(out.buffer);
  d.forEach((x, i) => (d instanceof Float64Array ? v.setFloat64(i * 8, x, true) : v.setFloat32(i * 4, x, true)));
  return out;
}

function fromLittleEndian(d: FloatArray): FloatArray {
  if (LITTLE) return d;
  const v = new DataView(d.buffer.slice(0));
  return d.map((_, i) => (d instanceof Float64Array ? v.getFloat64(i * 8, true) : v.getFloat32(i * 4, true)));
}

/**
 * A ShapeError-style message for a manifest entry that does not fit the model.
 *
 * @example
 * ```ts
 * describeEntry({ name: 'dense/kernel', shape: [784, 128], dtype: 'float32' }); // names it and its shape
 * ```
 */
export function describeEntry(t: TensorEntry): string {
  return `${t.name} ${formatShape(t.shape)} ${t.dtype}`;
}
