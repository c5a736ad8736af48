/**
 * Saving a model: the mnist-nn file (see model-file.ts), written atomically so that a process
 * killed mid-save leaves the previous file whole: the bytes go to a temporary file beside the
 * target, are flushed to disk, and the temporary file is then renamed over the target in one step.
 * Node only: the bytes themselves come from serialize.ts, which runs anywhere.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { ValueError, checkKeys } from '../errors.js';
import { setFileSaver, type Sequential } from '../nn/sequential.js';
import { modelToBytes, type SaveOptions } from './serialize.js';

/** Writes bytes to `path` atomically (temporary file, fsync, rename). */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    for (let o = 0; o < bytes.length; ) o += writeSync(fd, bytes, o, bytes.length - o);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  try {
    const dir = openSync(dirname(path), 'r'); // make the rename itself durable where the OS allows
    fsyncSync(dir);
    closeSync(dir);
  } catch {
    /* directories cannot be fsynced everywhere (Windows); the rename is still atomic */
  }
}

export async function saveModel(model: Sequential, path: string, options: SaveOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new ValueError(`save: expected a file path, got ${JSON.stringify(path)}.`);
  const format = options.format ?? 'mnist-nn';
  if (format === 'tfjs') {
    checkKeys('save', options, ['format']);
    return (await import('./tfjs.js')).saveTfjs(model, path);
  }
  if (format !== 'mnist-nn') throw new ValueError(`save: format must be 'mnist-nn' or 'tfjs', got ${JSON.stringify(format)}.`);
  writeFileAtomic(path, modelToBytes(model, options));
}

// model.save(path) writes through this module wherever it is loaded (the Node entry and the CLI).
setFileSaver(saveModel);
