/** Loading a saved model from disk (Node only; serialize.ts turns the bytes into a model anywhere). */
import { readBytes } from './read.js';
import { FormatError } from '../errors.js';
import type { Sequential } from '../models/sequential.js';
import { isHdf5, isZip, modelFromKerasBytes } from './keras.js';
import { MAGIC } from './model-file.js';
import { modelFromBytes } from './serialize.js';
import { loadTfjs, modelJsonPath } from './tfjs.js';

/**
 * Reads a saved model: an mnist-nn model file, a Keras file (Keras 3's `.keras` zip or the legacy
 * HDF5 `.h5`), or a TensorFlow.js Layers model (its model.json, or the directory holding it), told
 * apart by content. A FormatError says what is wrong with a
 * missing, corrupt or truncated one.
 *
 * @example
 * ```ts
 * const model = await loadModel('runs/cnn/model.mnn');      // or a .keras, .h5, model.json or their directory
 * const probs = await model.predict(xTest.div(255).reshape([-1, 28, 28, 1]));
 * ```
 */
export async function loadModel(path: string): Promise<Sequential> {
  const file = modelJsonPath(path);
  const bytes = readBytes(file);
  if (new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) === MAGIC) return modelFromBytes(bytes, file);
  if (isZip(bytes) || isHdf5(bytes)) return modelFromKerasBytes(bytes, file);
  const text = new TextDecoder().decode(bytes);
  if (/^\s*\{/.test(text) && text.includes('"modelTopology"')) return loadTfjs(text, file);
  throw new FormatError(
    `loadModel: ${file} is neither an mnist-nn model file, a Keras .keras or .h5 file, nor a TensorFlow.js model.json.`,
  );
}
