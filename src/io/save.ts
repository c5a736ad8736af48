/**
 * Saving a model: the mnist-nn file (see model-file.ts), written atomically (write.ts), Keras 3's
 * `.keras` file (keras.ts; chosen by the extension or `format: 'keras'`), or TensorFlow.js's Layers
 * format (tfjs.ts). Node only: the bytes themselves come from serialize.ts,
 * which runs anywhere.
 */
import { ValueError, checkKeys } from '../errors.js';
import { setFileSaver, type SaveOptions, type SaveResult, type Sequential } from '../models/sequential.js';
import { modelToKerasBytes } from './keras.js';
import { modelToBytes } from './serialize.js';
import { saveTfjs } from './tfjs.js';
import { writeFileAtomic } from './write.js';

/**
 * @example
 * ```ts
 * await saveModel(model, 'model.keras'); // what model.save('model.keras') calls in Node
 * ```
 */
export async function saveModel(model: Sequential, path: string, options: SaveOptions = {}): Promise<SaveResult> {
  if (typeof path !== 'string' || path.length === 0)
    throw new ValueError(`save: expected a file path, got ${JSON.stringify(path)}.`);
  const format = options.format ?? (/\.keras$/i.test(path) ? 'keras' : 'mnist-nn');
  if (format === 'tfjs') {
    checkKeys('save', options, ['format']);
    return saveTfjs(model, path);
  }
  if (format === 'keras') {
    checkKeys('save', options, ['format']);
    const { bytes, notes } = await modelToKerasBytes(model);
    writeFileAtomic(path, bytes);
    return { notes };
  }
  if (format !== 'mnist-nn')
    throw new ValueError(`save: format must be 'mnist-nn', 'tfjs' or 'keras', got ${JSON.stringify(format)}.`);
  writeFileAtomic(path, modelToBytes(model, options));
  return { notes: [] };
}

// model.save(path) writes through this module wherever it is loaded (the Node entry and the CLI).
setFileSaver(saveModel);
