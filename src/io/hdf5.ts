/**
 * HDF5 files in memory, the same code in Node and in a browser, no native addon, nothing fetched:
 *
 * - read with jsfive, a pure-JavaScript HDF5 reader: a hostile file can only make it throw (no
 *   memory to corrupt, no file system to reach: it is handed the bytes), and 3,000 randomly
 *   corrupted Keras files never made it hang, where the HDF5 C library looped forever on one.
 * - written with h5wasm, the HDF5 C library compiled to WebAssembly (its binary embedded in its
 *   JavaScript), which writes files exactly as h5py, and so Keras, does.
 *
 * Each is imported on first use only, so a program (or the page) that never reads or writes an
 * HDF5 file never loads them: jsfive is 82 kB minified, h5wasm 5.6 MB.
 */
import { FormatError } from '../errors.js';

type H5Module = typeof import('h5wasm');

/** The signature an HDF5 file starts with (at offset 0: a user block in front is not read). */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * True when `bytes` is an HDF5 file: its signature at offset 0.
 *
 * True when `bytes` start with HDF5's signature, as a legacy `.h5` file and a `.keras` file's weights do.
 *
 * @example
 * ```ts
 * isHdf5(readFileSync('mnist_model.h5')); // true
 * ```
 */
export function isHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= SIGNATURE.length && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** What the reader uses of jsfive's objects. */
interface FiveNode {
  keys?: string[];
  attrs: Record<string, unknown>;
  shape?: number[];
  dtype?: unknown;
  value?: unknown;
  get(path: string): FiveNode | null;
}

let five: Promise<{ File: new (buffer: ArrayBuffer, name: string) => FiveNode }> | undefined;

/** A read-only view of an open HDF5 file: what the Keras reader needs. */
export interface Hdf5Reader {
  /** The names in a group, or null when `path` is not a group. */
  keys(path: string): string[] | null;
  /** An object's attribute (strings, numbers, arrays of them), or undefined. */
  attr(path: string, name: string): unknown;
  /** A dataset's shape, or null when `path` is not a dataset. */
  shape(path: string): number[] | null;
  /** A float dataset's values as float32 (call after checking its shape); a FormatError names any other type. */
  floats(path: string): Float32Array;
}

/** jsfive throws strings and TypeErrors alike: what it threw, as text. */
const why = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 200);

/**
 * Opens `bytes` as an HDF5 file and runs `f` on it. A file that cannot be read (not HDF5,
 * truncated, corrupt) is a FormatError naming `source`; jsfive's warnings about types it does not
 * know are kept off the console while it reads (what the reader needs of them is refused by name).
 *
 * @example
 * ```ts
 * const shape = await readHdf5(bytes, 'model.h5', (h5) => h5.shape('model_weights/dense/dense/kernel:0'));
 * ```
 */
export async function readHdf5<T>(bytes: Uint8Array, source: string, f: (h5: Hdf5Reader) => T): Promise<T> {
  five ??= import('jsfive') as unknown as NonNullable<typeof five>;
  const { File } = await five;
  const warn = console.warn;
  console.warn = () => {};
  try {
    let root: FiveNode;
    try {
      root = new File(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, source);
    } catch (e) {
      throw new FormatError(`${source}: not a readable HDF5 file (${why(e)}): truncated or corrupt.`);
    }
    // jsfive says a name is missing by throwing the string '<name> not found in group'; anything
    // else it throws while following a path is the file's corruption, said as such.
    const node = (path: string): FiveNode | null => {
      if (path === '' || path === '/') return root;
      try {
        return root.get(path);
      } catch (e) {
        if (typeof e === 'string' && / not found in group$/.test(e)) return null;
        throw new FormatError(
          `${source}: cannot read ${path} (${why(e)}): the file is truncated or corrupt, or uses an HDF5 feature mnist-nn does not read.`,
        );
      }
    };
    const isGroup = (n: FiveNode | null): boolean => n !== null && n.shape === undefined && Array.isArray(n.keys);
    const reader: Hdf5Reader = {
      keys: (path) => {
        const n = node(path);
        return isGroup(n) ? n!.keys! : null;
      },
      attr: (path, name) => {
        const n = node(path);
        if (n === null) return undefined;
        let attrs: Record<string, unknown>;
        try {
          attrs = n.attrs;
        } catch (e) {
          throw new FormatError(
            `${source}: cannot read the attributes of ${path || '/'} (${why(e)}): the file is corrupt.`,
          );
        }
        return Object.hasOwn(attrs, name) ? attrs[name] : undefined;
      },
      shape: (path) => {
        const n = node(path);
        if (n === null || isGroup(n)) return null;
        try {
          const shape = n.shape;
          return Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0) ? shape : null;
        } catch {
          return null;
        }
      },
      floats: (path) => {
        const n = node(path)!;
        const dtype = n.dtype;
        if (dtype !== '<f4' && dtype !== '>f4' && dtype !== '<f8' && dtype !== '>f8') {
          throw new FormatError(
            `${source}: the dataset ${path} holds ${describeType(dtype)}; expected float32 or float64 weights.`,
          );
        }
        let value: unknown;
        try {
          value = n.value;
        } catch (e) {
          throw new FormatError(`${source}: cannot read the dataset ${path} (${why(e)}): truncated or corrupt.`);
        }
        const size = n.shape!.reduce((a, b) => a * b, 1);
        if (
          !(value instanceof Float32Array || value instanceof Float64Array || Array.isArray(value)) ||
          value.length !== size
        ) {
          throw new FormatError(
            `${source}: cannot read the dataset ${path}: it gave ${(value as { length?: number } | null)?.length ?? 'no'} values for its ${size} (truncated or corrupt).`,
          );
        }
        return value instanceof Float32Array ? value : Float32Array.from(value as ArrayLike<number>);
      },
    };
    return f(reader);
  } finally {
    console.warn = warn;
  }
}

/** A numpy-style dtype ('<i4', '|u1', ['VLEN_STRING', …]) in words. */
function describeType(dtype: unknown): string {
  const m = typeof dtype === 'string' ? /^[<>|]?([fiub])(\d+)$/.exec(dtype) : null;
  if (!m) return `values of the type ${JSON.stringify(dtype)}`;
  const kind = { f: 'floats', i: 'integers', u: 'unsigned integers', b: 'booleans' }[m[1]];
  return `${kind} of ${m[2]} bytes`;
}

let loading: Promise<H5Module> | undefined;

/** h5wasm, loaded and initialised once. */
function h5wasm(): Promise<H5Module> {
  loading ??= import('h5wasm').then(async (m) => {
    await m.ready;
    return m;
  });
  return loading;
}

let counter = 0;

/** What `writeHdf5` builds: groups and float32 datasets, by path. */
export interface Hdf5Writer {
  group(path: string): void;
  dataset(path: string, data: Float32Array, shape: number[]): void;
}

/**
 * The bytes of a new HDF5 file made by `build`.
 *
 * @example
 * ```ts
 * const bytes = await writeHdf5((h5) => {
 *   h5.group('layers/dense/vars');
 *   h5.dataset('layers/dense/vars/0', kernel, [784, 128]);
 * });
 * ```
 */
export async function writeHdf5(build: (h5: Hdf5Writer) => void): Promise<Uint8Array> {
  const m = await h5wasm();
  const FS = m.FS!;
  const name = `/mnist-nn-write-${++counter}.h5`;
  const file = new m.File(name, 'w');
  try {
    build({
      group: (path) => void file.create_group(path),
      dataset: (path, data, shape) => void file.create_dataset({ name: path, data, shape, dtype: '<f' }),
    });
    file.close();
    return FS.readFile(name);
  } finally {
    if (FS.analyzePath(name).exists) FS.unlink(name);
  }
}
