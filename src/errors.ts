/**
 * Typed errors. Every check in the library throws one of these, with a message that says what was
 * expected and what came, so a user can tell bad input from a bug.
 */

/** Base class of every error the library throws on purpose. */
export class MnistNnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor or weight has the wrong shape, or two shapes do not fit together. */
export class ShapeError extends MnistNnError {}

/** A value is out of its allowed range: NaN, a label outside [0, classes), a bad option, an unknown name. */
export class ValueError extends MnistNnError {}

/** A file is not what it claims to be: bad magic number, truncated, wrong length. */
export class FormatError extends MnistNnError {}

/**
 * A file or directory cannot be written where the user asked (missing directory, no permission, a
 * directory in the way): `path` is the user's path, `code` the system's (ENOENT, EACCES, …).
 */
export class FileError extends MnistNnError {
  constructor(
    message: string,
    readonly path: string,
    readonly code?: string,
    cause?: unknown,
  ) {
    super(message);
    if (cause !== undefined) this.cause = cause;
  }
}

/** `[a, b, c]`, with `null` for the batch dimension written as `None` as Keras does. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}]`;
}

/**
 * Throws a ValueError for option keys that are not in `allowed`: an option accepted and ignored
 * would let a Keras spelling (`batch_size`, `class_weight`) silently change nothing.
 */
export function checkKeys(where: string, options: object | undefined, allowed: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw new ValueError(`${where}: options must be an object, got ${typeof options}.`);
  for (const k of Object.keys(options)) {
    if (!allowed.includes(k)) {
      throw new ValueError(`${where}: unknown option '${k}'; expected one of ${allowed.map((a) => `'${a}'`).join(', ')}.`);
    }
  }
}

/** How a bad option value reads in a message: strings quoted, everything else as String gives it. */
function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** `v` when it is an integer ≥ `min`; else a ValueError `where: what must be an integer ≥ min, got v.` */
export function checkInt(where: string, what: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ValueError(`${where}: ${what} must be an integer ≥ ${min}, got ${shown(v)}.`);
  return v;
}

/** `v` when it is true or false; else a ValueError `where: what must be true or false, got v.` */
export function checkBoolean(where: string, what: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ValueError(`${where}: ${what} must be true or false, got ${shown(v)}.`);
  return v;
}
