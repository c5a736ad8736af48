/** Reading an IDX file from disk (Node only; parseIdx in idx.ts does the parsing anywhere). */
import { gunzipSync } from 'node:zlib';
import { FormatError } from '../errors.js';
import { readBytes } from '../io/read.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseIdx } from './idx.js';

/**
 * The most bytes a gzipped IDX file may unpack to: 1 GiB, twice EMNIST's largest file (547 MB) and
 * twenty times MNIST's (47 MB), so a file that would unpack to more (a corrupt length, a zip bomb)
 * is refused before it takes the memory.
 *
 * @example
 * ```ts
 * readIdxFile('bomb.gz'); // FormatError when it would unpack to more than MAX_GUNZIPPED_BYTES
 * ```
 */
export const MAX_GUNZIPPED_BYTES = 2 ** 30;

/**
 * Reads and parses one IDX file, plain or gzipped (as MNIST is downloaded: `*.gz`, told apart by
 * gzip's magic bytes 1f 8b, not by the name).
 *
 * @throws FormatError `cannot read <path>: <reason>` when the file cannot be read (missing, a
 *   directory, no permission; the system error is kept as `cause`), naming `path` when its gzip is
 *   corrupt, truncated or unpacks to more than 1 GiB (the bound on what is unpacked), or any error of
 *   {@link parseIdx}, which names `path`.
 *
 * @example
 * ```ts
 * const labels = readIdxFile('data/t10k-labels-idx1-ubyte.gz'); // uint8 [10000]
 * ```
 */
export function readIdxFile(path: string): Tensor {
  let bytes = readBytes(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_GUNZIPPED_BYTES });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const reason =
        code === 'ERR_BUFFER_TOO_LARGE'
          ? `it unpacks to more than ${MAX_GUNZIPPED_BYTES} bytes (1 GiB), the most an IDX file is read to`
          : `corrupt or truncated gzip (${(e as Error).message})`;
      const err = new FormatError(`${path}: cannot gunzip: ${reason}.`);
      err.cause = e;
      throw err;
    }
  }
  return parseIdx(bytes, path);
}
