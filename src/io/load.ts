/** Loading a saved model from disk (Node only; serialize.ts turns the bytes into a model anywhere). */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readBytes } from './read.js';
import { FormatError } from '../errors.js';
import type { Model } from '../models/model.js';
import { isHdf5, isZip, modelFromKerasBytes } from './keras.js';
import { MAGIC } from './model-file.js';
import { modelFromBytes } from './serialize.js';
import { loadTfjs } from './tfjs.js';

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** What a model directory may hold, in order of preference: ours, then TensorFlow.js's, then Keras's. */
export const MODEL_NAMES = ['model.mnn', 'model.json', 'model.keras', 'model.h5'] as const;

/**
 * The model file `path` names: `path` itself unless it is a directory; in a directory (a training
 * run's, a TensorFlow.js model's), the first of MODEL_NAMES it holds. Every reader of a model (loadModel,
 * and so the CLI's evaluate, predict and convert) resolves a path here.
 *
 * @param who starts the error's message ('loadModel', or the CLI's command).
 * @param emptyHint what the message adds when the directory holds no model-like file at all.
 * @throws FormatError naming the directory, what was looked for, and the model-like files it holds.
 *
 * @example
 * ```ts
 * modelFileIn('runs/cnn'); // 'runs/cnn/model.mnn', as `mnist-nn train --out runs/cnn` wrote it
 * ```
 */
export function modelFileIn(path: string, who = 'loadModel', emptyHint = ''): string {
  if (!isDirectory(path)) return path; // a file, or nothing: reading it says what is wrong
  const found = MODEL_NAMES.find((name) => existsSync(join(path, name)));
  if (found !== undefined) return join(path, found);
  let others: string[] = [];
  try {
    others = readdirSync(path).filter((f) => /\.(mnn|json|keras|h5)$/i.test(f));
  } catch {
    // unreadable: the message below still says what was looked for
  }
  const hint =
    others.length > 0
      ? `; it holds ${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}: give that file itself`
      : emptyHint;
  const expected = `${MODEL_NAMES.slice(0, -1).join(', ')} or ${MODEL_NAMES.at(-1)}`;
  throw new FormatError(`${who}: ${path} holds no model: expected ${expected} in it${hint}.`);
}

/**
 * Reads a saved model: an mnist-nn model file, a Keras file (Keras 3's `.keras` zip or the legacy
 * HDF5 `.h5`), or a TensorFlow.js Layers model (its model.json), told apart by content; or the
 * directory holding one (a training run's, with model.mnn; a TensorFlow.js model's; see modelFileIn).
 * A FormatError says what is wrong with a missing, corrupt or truncated one.
 *
 * @example
 * ```ts
 * const model = await loadModel('runs/cnn/model.mnn');      // or runs/cnn, a .keras, .h5, model.json or its directory
 * const probs = await model.predict(xTest.div(255).reshape([-1, 28, 28, 1]));
 * ```
 */
export async function loadModel(path: string): Promise<Model> {
  const file = modelFileIn(path);
  const bytes = readBytes(file);
  if (new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) === MAGIC) return modelFromBytes(bytes, file);
  if (isZip(bytes) || isHdf5(bytes)) return modelFromKerasBytes(bytes, file);
  const text = new TextDecoder().decode(bytes);
  if (/^\s*\{/.test(text) && text.includes('"modelTopology"')) return loadTfjs(text, file);
  throw new FormatError(
    `loadModel: ${file} is neither an mnist-nn model file, a Keras .keras or .h5 file, nor a TensorFlow.js model.json.`,
  );
}
