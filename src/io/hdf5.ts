/**
 * HDF5 files in memory, read and written with h5wasm (the HDF5 C library compiled to WebAssembly,
 * its binary embedded in the package's JavaScript): the same code in Node and in a browser, no
 * native addon, nothing fetched. h5wasm is imported on first use only, so a program that never
 * touches an HDF5 file never loads its 4 MB.
 *
 * The bytes are written to h5wasm's in-memory file system under a fresh name, opened, read and
 * removed within one synchronous call, so the library sees no file but the one given (an HDF5
 * external link has nothing else to reach). HDF5's diagnostics, which it prints to its stderr on
 * every failure, are sent to its /dev/null: a failure is reported as a FormatError instead.
 */
import { FormatError } from '../errors.js';

type H5Module = typeof import('h5wasm');
type H5Group = import('h5wasm').Group;
type H5Dataset = import('h5wasm').Dataset;

/** The signature every HDF5 superblock starts with. */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * True when `bytes` is an HDF5 file: its signature at offset 0 or, after a user block, at 512,
 * 1024, 2048, … (where the format allows it).
 */
export function isHdf5(bytes: Uint8Array): boolean {
  for (let at = 0; at + SIGNATURE.length <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

let loading: Promise<H5Module> | undefined;

/** h5wasm, loaded and initialised once, with its stderr sent to /dev/null. */
function h5wasm(): Promise<H5Module> {
  loading ??= import('h5wasm').then(async (m) => {
    // HDF5 prints its error stack to file descriptor 2; reopen that descriptor on /dev/null.
    // (getStream is Emscripten's FS call, missing from h5wasm's type of FS.)
    const FS = (await m.ready).FS as unknown as { getStream(fd: number): unknown; close(stream: unknown): void; open(path: string, flags: string): unknown };
    FS.close(FS.getStream(2));
    FS.open('/dev/null', 'w');
    return m;
  });
  return loading;
}

let counter = 0;

/** A read-only view of an open HDF5 file: what the Keras reader needs. */
export interface Hdf5Reader {
  /** The names in a group, or null when `path` is not a group. */
  keys(path: string): string[] | null;
  /** A group's or the file's attribute as JSON-like data (strings, numbers, arrays), or undefined. */
  attr(path: string, name: string): unknown;
  /** A dataset's shape, or null when `path` is not a dataset. */
  shape(path: string): number[] | null;
  /** A float dataset's values as float32 (call after checking its shape); a FormatError names any other type. */
  floats(path: string): Float32Array;
}

/**
 * Opens `bytes` as an HDF5 file and runs `f` on it, synchronously, closing and forgetting the file
 * afterwards whatever happens. A file HDF5 cannot open (not HDF5, truncated, corrupt) is a
 * FormatError naming `source`.
 */
export async function readHdf5<T>(bytes: Uint8Array, source: string, f: (h5: Hdf5Reader) => T): Promise<T> {
  const m = await h5wasm();
  const FS = m.FS!;
  const name = `/mnist-nn-read-${++counter}.h5`;
  FS.writeFile(name, bytes);
  let file: InstanceType<H5Module['File']> | undefined;
  try {
    file = new m.File(name, 'r');
    if (file.file_id < 0n) throw new FormatError(`${source}: not a readable HDF5 file (HDF5 cannot open it: truncated or corrupt).`);
    const root = file;
    const entity = (path: string): unknown => {
      try {
        return path === '' || path === '/' ? root : root.get(path);
      } catch {
        return null;
      }
    };
    const reader: Hdf5Reader = {
      keys: (path) => {
        const g = entity(path);
        return g instanceof m.Group ? (g as H5Group).keys() : null;
      },
      attr: (path, attrName) => {
        const g = entity(path);
        if (!(g instanceof m.Group) && !(g instanceof m.Dataset)) return undefined;
        const obj = g as H5Group;
        if (!obj.attrs || !Object.hasOwn(obj.attrs, attrName)) return undefined;
        try {
          return obj.get_attribute(attrName, true);
        } catch (e) {
          throw new FormatError(`${source}: cannot read the attribute ${attrName} of ${path || '/'} (${(e as Error).message}).`);
        }
      },
      shape: (path) => {
        const d = entity(path);
        return d instanceof m.Dataset ? ((d as H5Dataset).shape ?? []) : null;
      },
      floats: (path) => {
        const d = entity(path) as H5Dataset;
        const meta = d.metadata;
        // HDF5 type class 1 is floating point.
        if (meta.type !== 1 || (meta.size !== 4 && meta.size !== 8)) {
          throw new FormatError(`${source}: the dataset ${path} holds ${describeType(meta)}; expected float32 or float64 weights.`);
        }
        let value: unknown;
        try {
          value = d.value;
        } catch (e) {
          throw new FormatError(`${source}: cannot read the dataset ${path}: ${(e as Error).message} (truncated or corrupt).`);
        }
        if (!(value instanceof Float32Array) && !(value instanceof Float64Array)) {
          throw new FormatError(`${source}: cannot read the dataset ${path} (truncated or corrupt).`);
        }
        return value instanceof Float32Array ? value : Float32Array.from(value);
      },
    };
    return f(reader);
  } finally {
    try {
      if (file && file.file_id >= 0n) file.close();
    } finally {
      FS.unlink(name);
    }
  }
}

function describeType(meta: { type: number; size: number; signed?: boolean }): string {
  const classes = ['integers', 'floats', 'times', 'strings', 'bit fields', 'opaque data', 'compound records', 'references', 'enums', 'variable-length data', 'arrays'];
  return `${classes[meta.type] ?? `type class ${meta.type}`} of ${meta.size} bytes`;
}

/** What `writeHdf5` builds: groups (with their attributes) and float32 datasets, by path. */
export interface Hdf5Writer {
  group(path: string): void;
  dataset(path: string, data: Float32Array, shape: number[]): void;
}

/** The bytes of a new HDF5 file made by `build`. */
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
