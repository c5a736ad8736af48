/** Reading an IDX file from disk (Node only; parseIdx in idx.ts does the parsing anywhere). */
import { readBytes } from '../io/read.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseIdx } from './idx.js';

/**
 * Reads and parses one IDX file (uncompressed; gunzip `.gz` files first).
 *
 * @throws FormatError `cannot read <path>: <reason>` when the file cannot be read (missing, a
 *   directory, no permission; the system error is kept as `cause`), or any error of {@link parseIdx},
 *   which names `path`.
 */
export function readIdxFile(path: string): Tensor {
  const bytes = readBytes(path);
  return parseIdx(bytes, path);
}
