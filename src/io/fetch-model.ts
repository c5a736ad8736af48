/** Loading a model in a browser: the model file's bytes from a URL (fetch) or from memory. */
import { FormatError } from '../errors.js';
import type { Sequential } from '../nn/sequential.js';
import { modelFromBytes } from './serialize.js';

/**
 * Reads an mnist-nn model file (written by `model.save` or `modelToBytes`) from a URL, resolved
 * against the page, or from bytes already in memory. A FormatError names the URL when the fetch
 * fails or the bytes are not a model file.
 */
export async function loadModel(source: string | URL | Uint8Array | ArrayBuffer): Promise<Sequential> {
  if (source instanceof Uint8Array) return modelFromBytes(source);
  if (source instanceof ArrayBuffer) return modelFromBytes(new Uint8Array(source));
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new FormatError(`loadModel: expected a URL or the model file's bytes, got ${Object.prototype.toString.call(source)}.`);
  }
  const url = String(source);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    const err = new FormatError(`loadModel: cannot fetch ${url}: ${(e as Error).message}`);
    err.cause = e;
    throw err;
  }
  if (!response.ok) throw new FormatError(`loadModel: cannot fetch ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  return modelFromBytes(new Uint8Array(await response.arrayBuffer()), url);
}
