/**
 * A model to bytes and back, with no file system: the mnist-nn model file (layout in model-file.ts)
 * holding the architecture, the weights and, when compiled, the training state. save.ts and load.ts
 * put these bytes on disk in Node; in a browser they come from fetch or go to a download.
 */
import { FormatError, ShapeError, ValueError, checkKeys } from '../errors.js';
import { layerFromConfig } from '../nn/registry.js';
import { Sequential, type SaveOptions } from '../nn/sequential.js';
import { optimizerFromConfig } from '../optim/index.js';
import type { FloatArray, FloatDType } from '../tensor/kernels.js';
import { Tensor } from '../tensor/tensor.js';
import { decodeModelFile, describeEntry, encodeModelFile, type ModelFile, type TensorEntry } from './model-file.js';

/** The file's header and tensors for a model. */
export function modelToFile(model: Sequential, options: SaveOptions = {}): { header: Record<string, unknown> & { tensors: TensorEntry[] }; data: FloatArray[] } {
  checkKeys('save', options, ['includeOptimizer', 'format']);
  if (!model.built) throw new ValueError(`save: the model '${model.name}' has not been built yet, so it has no weights to save.`);
  const params = model.parameters();
  const tensors: TensorEntry[] = params.map((p) => ({ name: p.name, shape: [...p.value.shape], dtype: model.dtype }));
  const data: FloatArray[] = params.map((p) => p.value.data);
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

/** The model file's bytes for a model: what `model.save(path)` writes. */
export function modelToBytes(model: Sequential, options: SaveOptions = {}): Uint8Array {
  return encodeModelFile(modelToFile(model, options));
}

/**
 * The model held by a model file's bytes (from `model.save` or {@link modelToBytes}); `source`
 * names them in errors. A FormatError says what is wrong with corrupt or truncated bytes.
 */
export function modelFromBytes(bytes: Uint8Array, source = 'model bytes'): Sequential {
  if (!ArrayBuffer.isView(bytes) || Object.prototype.toString.call(bytes) !== '[object Uint8Array]') {
    throw new FormatError(`modelFromBytes: expected a Uint8Array, got ${Object.prototype.toString.call(bytes)}.`);
  }
  return modelFromFile(decodeModelFile(bytes, source), source);
}

interface ModelConfig {
  name?: string;
  dtype?: FloatDType;
  inputShape?: number[];
  layers?: { className: unknown; config: unknown }[];
}

export function modelFromFile(file: ModelFile, source: string): Sequential {
  const { header, data } = file;
  const model = header.model as { className?: unknown; config?: ModelConfig } | undefined;
  if (!model || model.className !== 'Sequential' || typeof model.config !== 'object' || !Array.isArray(model.config?.layers)) {
    throw new FormatError(`${source}: expected a Sequential model config with a list of layers.`);
  }
  const c = model.config;
  const layers = c.layers!.map((l, i) => layerFromConfig(l?.className, l?.config, `${source}: layer ${i}`));
  const m = new Sequential(layers, { name: c.name, dtype: c.dtype });
  if (c.inputShape) m.build([null, ...c.inputShape]);
  const params = m.parameters();
  if (params.length > 0 && !m.built) throw new FormatError(`${source}: the model has weights but no input shape to build them with.`);
  if (header.tensors.length < params.length) {
    throw new FormatError(`${source}: the file holds ${header.tensors.length} tensors; the model needs ${params.length} weights.`);
  }
  params.forEach((p, i) => {
    const t = header.tensors[i];
    if (t.shape.length !== p.value.shape.length || !t.shape.every((d, k) => d === p.value.shape[k])) {
      throw new ShapeError(`${source}: weight ${i} is ${describeEntry(t)}, but ${p.name} needs ${JSON.stringify(p.value.shape)}.`);
    }
  });
  m.setWeights(params.map((_, i) => new Tensor(data[i], header.tensors[i].shape)));

  const training = header.training as
    | { loss: string; metrics: string[]; optimizer: { className: string; config: Record<string, unknown> }; optimizerState?: { iterations: number; slots: number[] }; rng?: { words: number[]; spareNormal: number | null } }
    | undefined;
  if (training) {
    m.compile({ optimizer: optimizerFromConfig(training.optimizer?.className, training.optimizer?.config ?? {}), loss: training.loss, metrics: training.metrics });
    if (training.optimizerState) {
      let next = params.length;
      const slots = training.optimizerState.slots.map((count) => data.slice(next, (next += count)));
      if (next !== header.tensors.length || slots.length !== params.length) {
        throw new FormatError(`${source}: the optimizer state lists ${next - params.length} buffers for ${slots.length} weights, the file holds ${header.tensors.length - params.length}.`);
      }
      m.optimizer!.setState(params, { iterations: training.optimizerState.iterations, slots });
    }
    if (training.rng) m.setRngState(training.rng);
  }
  return m;
}
