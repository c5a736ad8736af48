/** Loading a model in a browser: the model file's bytes from a URL (fetch) or from memory. */
import { FormatError } from '../errors.js';
import type { Model } from '../models/model.js';
import { isHdf5, isZip, modelFromKerasBytes } from './keras.js';
import { modelFromBytes } from './serialize.js';

/** The model in a file's bytes: an mnist-nn model file, or a Keras .keras / .h5 file, told apart by content. */
function fromBytes(bytes: Uint8Array, source?: string): Promise<Model> | Model {
  return isZip(bytes) || isHdf5(bytes) ? modelFromKerasBytes(bytes, source) : modelFromBytes(bytes, source);
}

/**
 * Reads a model file from a URL, resolved against the page, or from bytes already in memory (a
 * dropped or picked File's `arrayBuffer()`): an mnist-nn model file (written by `model.save` or
 * `modelToBytes`), or a Keras file, Keras 3's `.keras` or the legacy `.h5`, told apart by content.
 * A FormatError names the URL when the fetch fails or the bytes are not a model file.
 *
 * @example
 * ```ts
 * const model = await loadModel('/model/model.mnn');          // a URL
 * const dropped = await loadModel(await file.arrayBuffer());    // bytes, e.g. a dropped .keras file
 * ```
 */
export async function loadModel(source: string | URL | ArrayBufferView | ArrayBufferLike): Promise<Model> {
  // Checked by tag rather than instanceof, so bytes from another realm (a frame, a worker's message) pass too.
  const tag = Object.prototype.toString.call(source);
  if (ArrayBuffer.isView(source)) return fromBytes(new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]')
    return fromBytes(new Uint8Array(source as ArrayBufferLike));
  if (typeof source !== 'string' && tag !== '[object URL]') {
    throw new FormatError(`loadModel: expected a URL or the model file's bytes (Uint8Array, ArrayBuffer), got ${tag}.`);
  }
  const url = typeof source === 'string' ? source : (source as URL).toString(); // a URL, as its tag says
  let bytes: Uint8Array;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trimEnd());
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    const err = new FormatError(`loadModel: cannot fetch ${url}: ${(e as Error).message}`);
    err.cause = e;
    throw err;
  }
  return fromBytes(bytes, url);
}
