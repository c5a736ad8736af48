/** Loading a model saved by `model.save`: architecture, weights and, when saved, the training state. */
import { readBytes } from './read.js';
import { FormatError, ShapeError } from '../errors.js';
import { layerFromConfig } from '../nn/serialization.js';
import { Sequential } from '../nn/sequential.js';
import { optimizerFromConfig } from '../optim/index.js';
import type { FloatDType } from '../tensor/kernels.js';
import { Tensor } from '../tensor/tensor.js';
import { MAGIC, decodeModelFile, describeEntry, type ModelFile } from './model-file.js';
import { loadTfjs, modelJsonPath } from './tfjs.js';

/**
 * Reads a saved model: an mnist-nn model file, or a TensorFlow.js Layers model (its model.json, or
 * the directory holding it), told apart by content. A FormatError says what is wrong with a
 * missing, corrupt or truncated one.
 */
export async function loadModel(path: string): Promise<Sequential> {
  const file = modelJsonPath(path);
  const bytes = readBytes(file);
  if (new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) === MAGIC) return modelFromFile(decodeModelFile(bytes, file), file);
  const text = new TextDecoder().decode(bytes);
  if (/^\s*\{/.test(text) && text.includes('"modelTopology"')) return loadTfjs(text, file);
  throw new FormatError(`loadModel: ${file} is neither an mnist-nn model file nor a TensorFlow.js model.json.`);
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
