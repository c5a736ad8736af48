/**
 * Saving a model: the mnist-nn file (see model-file.ts), written atomically (write.ts), Keras 3's
 * `.keras` file (keras.ts; chosen by the extension or `format: 'keras'`), or TensorFlow.js's Layers
 * format (tfjs.ts). Node only: the bytes themselves come from serialize.ts,
 * which runs anywhere.
 */
import { basename, extname } from 'node:path';
import { ValueError, checkKeys } from '../errors.js';
import { setFileSaver, type SaveOptions, type SaveResult } from '../models/sequential.js';
import type { Model } from '../models/model.js';
import { modelToKerasBytes } from './keras.js';
import { modelToBytes } from './serialize.js';
import { saveTfjs } from './tfjs.js';
import { writeFileAtomic } from './write.js';

type Format = NonNullable<SaveOptions['format']>;

const SAVE_PLAIN = "a name without one gets mnist-nn's file, or TensorFlow.js's directory with { format: 'tfjs' }";

/** The extensions a format owns: what `save` and `mnist-nn convert` tell the format by. */
const EXTENSIONS: Record<string, Format> = { '.mnn': 'mnist-nn', '.keras': 'keras' };

/**
 * The format a path's extension names ('.mnn' mnist-nn's file, '.keras' Keras 3's), or undefined when
 * the name has no extension (none, or a number's: `ckpt-03-0.1234`), so the caller's default holds.
 *
 * @param who starts the error's message ('save', or 'convert').
 * @param plain what a name without an extension gives the caller, for the message.
 * @throws ValueError for an extension no format owns (`m.onnx`; `m.h5`, which is read but not written;
 *   `model.json`, which is inside TensorFlow.js's directory), naming the ones that exist.
 *
 * @example
 * ```ts
 * formatOfName('save', 'out/m.keras', ''); // 'keras'
 * formatOfName('save', 'out/m.onnx', '');  // ValueError: … no format mnist-nn writes has the extension .onnx …
 * ```
 */
export function formatOfName(who: string, path: string, plain: string): Format | undefined {
  const ext = extname(basename(path));
  if (!/^\.[a-z]/i.test(ext)) return undefined;
  const format = EXTENSIONS[ext.toLowerCase()];
  if (format !== undefined) return format;
  const stem = path.slice(0, path.length - ext.length);
  if (ext.toLowerCase() === '.h5')
    throw new ValueError(
      `${who}: ${path}: mnist-nn writes Keras 3's .keras file, not the legacy .h5 (name the output ${stem}.keras).`,
    );
  const json =
    ext.toLowerCase() === '.json'
      ? ' (a TensorFlow.js model is a directory holding model.json: name the directory instead)'
      : '';
  throw new ValueError(
    `${who}: ${path}: no format mnist-nn writes has the extension ${ext}${json}; .mnn is mnist-nn's file and` +
      ` .keras Keras 3's; ${plain}.`,
  );
}

/**
 * @example
 * ```ts
 * await saveModel(model, 'model.keras'); // what model.save('model.keras') calls in Node
 * ```
 */
export async function saveModel(model: Model, path: string, options: SaveOptions = {}): Promise<SaveResult> {
  if (typeof path !== 'string' || path.length === 0)
    throw new ValueError(`save: expected a file path, got ${JSON.stringify(path)}.`);
  // An explicit format is the user's choice of name too; without one, the name must not promise another.
  const format = options.format ?? formatOfName('save', path, SAVE_PLAIN) ?? 'mnist-nn';
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
