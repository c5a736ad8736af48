/**
 * Saving a model: the mnist-nn file (see model-file.ts), written atomically so that a process
 * killed mid-save leaves the previous file whole: the bytes go to a temporary file beside the
 * target, are flushed to disk, and the temporary file is then renamed over the target in one step.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { ValueError, checkKeys } from '../errors.js';
import type { FloatArray } from '../tensor/kernels.js';
import type { Sequential } from '../nn/sequential.js';
import { encodeModelFile, type TensorEntry } from './model-file.js';

export interface SaveOptions {
  /** Save the optimizer's state and the random generator's too (default true when compiled), for resuming. */
  includeOptimizer?: boolean;
  /**
   * 'mnist-nn' (default): one file at `path`. 'tfjs': TensorFlow.js's Layers format, a directory
   * `path` with model.json and one weight shard (architecture and weights; no training state).
   */
  format?: 'mnist-nn' | 'tfjs';
}

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

/** The file's header and tensors for a model. */
export function modelToFile(model: Sequential, options: SaveOptions = {}): { header: Record<string, unknown> & { tensors: TensorEntry[] }; data: FloatArray[] } {
  checkKeys('save', options, ['includeOptimizer', 'format']);
  if (!model.built) throw new ValueError(`save: the model '${model.name}' has not been built yet, so it has no weights to save.`);
  const params = model.parameters();
  const tensors: TensorEntry[] = params.map((p) => ({ name: p.name, shape: [...p.value.shape], dtype: model.dtype }));
  const data: FloatArray[] = params.map((p) => p.value.data as FloatArray);
  const header: Record<string, unknown> & { tensors: TensorEntry[] } = { format: 'mnist-nn', version: 1, model: { className: 'Sequential', config: model.toConfig() }, tensors };
  const compiled = model.compileConfig;
  if (compiled) {
    const opt = model.optimizer!;
    const training: Record<string, unknown> = { loss: compiled.loss, metrics: compiled.metrics, optimizer: { className: opt.name, config: opt.getConfig() } };
    if (options.includeOptimizer !== false) {
      const state = opt.getState(params);
      training.optimizerState = { iterations: state.iterations, slots: state.slots.map((s) => s.length) };
      training.rng = model.getRngState();
      state.slots.forEach((slots, i) =>
        slots.forEach((s, j) => {
          tensors.push({ name: `${params[i].name}/slot${j}`, shape: [...params[i].value.shape], dtype: model.dtype });
          data.push(s);
        }),
      );
    }
    header.training = training;
  }
  return { header, data };
}

export async function saveModel(model: Sequential, path: string, options: SaveOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new ValueError(`save: expected a file path, got ${JSON.stringify(path)}.`);
  const format = options.format ?? 'mnist-nn';
  if (format === 'tfjs') {
    checkKeys('save', options, ['format']);
    return (await import('./tfjs.js')).saveTfjs(model, path);
  }
  if (format !== 'mnist-nn') throw new ValueError(`save: format must be 'mnist-nn' or 'tfjs', got ${JSON.stringify(format)}.`);
  writeFileAtomic(path, encodeModelFile(modelToFile(model, options)));
}
