/** Reading a file for the library, with a FormatError that names it when it cannot be read. */
import { readFileSync } from 'node:fs';
import { FormatError } from '../errors.js';

/**
 * The bytes of `path`. A missing file, a directory or any other failure is a FormatError
 * `cannot read <path>: <reason>`, with the system error as its `cause`.
 *
 * @example
 * ```ts
 * const bytes = readBytes('model.mnn'); // a FormatError "cannot read model.mnn: …" when it cannot
 * ```
 */
export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file (ENOENT)'
        : code === 'EISDIR'
          ? 'it is a directory (EISDIR)'
          : (e as Error).message;
    const err = new FormatError(`cannot read ${path}: ${reason}`);
    err.cause = e;
    throw err;
  }
}
