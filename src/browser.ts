/**
 * mnist-nn for browsers (and any runtime without Node's built-ins): the whole library except files,
 * `loadMnist` and the image codecs, which need Node. Models load from a URL or bytes (mnist-nn's
 * model file, or Keras's `.keras` and `.h5`); the wasm backend runs on the calling thread (train in
 * a Web Worker to keep a page responsive).
 *
 * ```ts
 * import { loadModel, Tensor } from 'mnist-nn/browser';
 * const model = await loadModel('model.mnn');
 * const keras = await loadModel(new Uint8Array(await droppedFile.arrayBuffer())); // a .keras or .h5
 * ```
 * @module
 */
export * from './portable.js';
export { loadModel } from './io/fetch-model.js';
