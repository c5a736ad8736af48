/**
 * TensorFlow.js's Layers format, both ways: a directory with model.json (the Keras-style topology
 * and a weights manifest) and the weights as one binary shard of little-endian float32, which
 * `tf.loadLayersModel` reads (and the TensorFlow.js converter turns into a Keras model). Only layers
 * both libraries have are translated; anything else is a FormatError that names it.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FormatError } from '../errors.js';
import { layerFromConfig } from '../nn/serialization.js';
import { Sequential } from '../nn/sequential.js';
import { Tensor } from '../tensor/tensor.js';
import { parseJsonSafely } from './model-file.js';
import { writeFileAtomic } from './save.js';

type Json = Record<string, unknown>;

const WEIGHTS_FILE = 'group1-shard1of1.bin';

// Initializer names: ours (camelCase) and TF.js/Keras class names.
const INITIALIZERS: [string, string][] = [
  ['glorotUniform', 'GlorotUniform'],
  ['glorotNormal', 'GlorotNormal'],
  ['heUniform', 'HeUniform'],
  ['heNormal', 'HeNormal'],
  ['lecunUniform', 'LeCunUniform'],
  ['lecunNormal', 'LeCunNormal'],
  ['zeros', 'Zeros'],
  ['ones', 'Ones'],
];
const initializerOut = (name: unknown) => ({ class_name: INITIALIZERS.find(([ours]) => ours === name)?.[1] ?? 'GlorotUniform', config: {} });
// A TF.js initializer we do not have (VarianceScaling, say) only shapes initial values, which loading replaces.
const initializerIn = (init: unknown, fallback: string) => INITIALIZERS.find(([, theirs]) => theirs === (init as Json | null)?.class_name)?.[0] ?? fallback;
const regularizerOut = (r: unknown) => (r ? { class_name: 'L1L2', config: r } : null);
const regularizerIn = (r: unknown) => ((r as Json | null)?.config as Json | undefined) ?? undefined;

/** One of our layers' configs as a TF.js layer config. */
function layerOut(className: string, c: Json, first: boolean, inputShape?: number[]): Json {
  const base: Json = { name: c.name, trainable: true, dtype: 'float32', ...(first && inputShape ? { batch_input_shape: [null, ...inputShape] } : {}) };
  const withWeights = (): Json => ({
    activation: c.activation,
    use_bias: c.useBias,
    kernel_initializer: initializerOut(c.kernelInitializer),
    bias_initializer: initializerOut(c.biasInitializer),
    kernel_regularizer: regularizerOut(c.kernelRegularizer),
    bias_regularizer: regularizerOut(c.biasRegularizer),
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  });
  switch (className) {
    case 'Dense':
      return { class_name: 'Dense', config: { ...base, units: c.units, ...withWeights() } };
    case 'Conv2D':
      return {
        class_name: 'Conv2D',
        config: { ...base, filters: c.filters, kernel_size: c.kernelSize, strides: c.strides, padding: c.padding, data_format: 'channels_last', dilation_rate: [1, 1], ...withWeights() },
      };
    case 'MaxPooling2D':
      return { class_name: 'MaxPooling2D', config: { ...base, pool_size: c.poolSize, strides: c.strides, padding: c.padding, data_format: 'channels_last' } };
    case 'Flatten':
      return { class_name: 'Flatten', config: base };
    case 'Dropout':
      return { class_name: 'Dropout', config: { ...base, rate: c.rate, noise_shape: null, seed: null } };
    case 'Reshape':
      return { class_name: 'Reshape', config: { ...base, target_shape: c.targetShape } };
    case 'ReLU':
      return { class_name: 'ReLU', config: { ...base, max_value: null } };
    case 'Softmax':
      return { class_name: 'Softmax', config: { ...base, axis: -1 } };
    default:
      throw new FormatError(`save: the ${className} layer '${String(c.name)}' has no TensorFlow.js counterpart.`);
  }
}

/** A TF.js layer config as one of our layers' (class name and config). */
function layerIn(l: Json, where: string): [string, Json] {
  const cls = l.class_name;
  const c = (l.config ?? {}) as Json;
  const base: Json = { name: c.name };
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new FormatError(`${where}: ${String(cls)} '${String(c.name)}' uses ${what}, which mnist-nn does not support.`);
  };
  if ('data_format' in c) need(c.data_format === 'channels_last', `data_format '${String(c.data_format)}'`);
  if ('dilation_rate' in c) need(JSON.stringify(c.dilation_rate) === '[1,1]' || c.dilation_rate === 1, `dilation_rate ${JSON.stringify(c.dilation_rate)}`);
  const weights = (): Json => ({
    activation: c.activation ?? 'linear',
    useBias: c.use_bias ?? true,
    kernelInitializer: initializerIn(c.kernel_initializer, 'glorotUniform'),
    biasInitializer: initializerIn(c.bias_initializer, 'zeros'),
    ...(c.kernel_regularizer ? { kernelRegularizer: regularizerIn(c.kernel_regularizer) } : {}),
    ...(c.bias_regularizer ? { biasRegularizer: regularizerIn(c.bias_regularizer) } : {}),
  });
  switch (cls) {
    case 'Dense':
      return ['Dense', { ...base, units: c.units, ...weights() }];
    case 'Conv2D':
      return ['Conv2D', { ...base, filters: c.filters, kernelSize: c.kernel_size, strides: c.strides ?? 1, padding: c.padding ?? 'valid', ...weights() }];
    case 'MaxPooling2D':
      return ['MaxPooling2D', { ...base, poolSize: c.pool_size ?? 2, strides: c.strides ?? c.pool_size ?? 2, padding: c.padding ?? 'valid' }];
    case 'Flatten':
      return ['Flatten', base];
    case 'Dropout':
      return ['Dropout', { ...base, rate: c.rate }];
    case 'Reshape':
      return ['Reshape', { ...base, targetShape: c.target_shape }];
    case 'ReLU':
      need(c.max_value === null || c.max_value === undefined, 'max_value');
      return ['ReLU', base];
    case 'Softmax':
      need(c.axis === undefined || c.axis === -1, `axis ${String(c.axis)}`);
      return ['Softmax', base];
    case 'Activation':
      need(c.activation === 'relu' || c.activation === 'softmax', `activation '${String(c.activation)}' as a layer`);
      return [c.activation === 'relu' ? 'ReLU' : 'Softmax', base];
    default:
      throw new FormatError(`${where}: unknown layer class ${JSON.stringify(cls)} for mnist-nn.`);
  }
}

/** Writes the model as a TensorFlow.js Layers model: dir/model.json and dir/group1-shard1of1.bin. */
export function saveTfjs(model: Sequential, dir: string): void {
  if (!model.built) throw new FormatError(`save: the model '${model.name}' has not been built yet, so it has no weights to save.`);
  const config = model.toConfig();
  const layers = config.layers.map((l, i) => layerOut(l.className, l.config, i === 0, config.inputShape));
  const params = model.parameters();
  const bytes = new Uint8Array(params.reduce((s, p) => s + p.value.size * 4, 0));
  const view = new DataView(bytes.buffer);
  let o = 0;
  for (const p of params) for (let i = 0; i < p.value.size; i++, o += 4) view.setFloat32(o, p.value.data[i], true);
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'mnist-nn',
    convertedBy: null,
    modelTopology: { class_name: 'Sequential', config: { name: config.name, layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: params.map((p) => ({ name: p.name, shape: p.value.shape, dtype: 'float32' })) }],
  };
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, WEIGHTS_FILE), bytes); // weights first: model.json names them
  writeFileAtomic(join(dir, 'model.json'), new TextEncoder().encode(JSON.stringify(modelJson)));
}

/** The file to read for `path`: model.json inside it when it is a directory (TensorFlow.js's layout), else `path`. */
export function modelJsonPath(path: string): string {
  const file = statSync(path, { throwIfNoEntry: false })?.isDirectory() ? join(path, 'model.json') : path;
  return file;
}

/** Reads a TensorFlow.js Layers model (model.json and its weight shards). */
export function loadTfjs(jsonText: string, jsonPath: string): Sequential {
  const json = parseJsonSafely(jsonText, jsonPath) as Json;
  const topology = json.modelTopology as Json | undefined;
  const cfg = topology?.config as Json | Json[] | undefined;
  const rawLayers = (Array.isArray(cfg) ? cfg : (cfg?.layers as Json[] | undefined)) ?? undefined;
  if (!topology || topology.class_name !== 'Sequential' || !Array.isArray(rawLayers)) {
    throw new FormatError(`${jsonPath}: expected a TensorFlow.js Sequential model (modelTopology.class_name "Sequential" with layers).`);
  }
  let inputShape: number[] | undefined;
  const layers = [];
  for (const [i, l] of rawLayers.entries()) {
    const c = (l.config ?? {}) as Json;
    const shape = (c.batch_input_shape ?? c.batchInputShape) as (number | null)[] | undefined;
    if (shape && !inputShape) inputShape = shape.slice(1) as number[];
    if (l.class_name === 'InputLayer') continue;
    const [cls, config] = layerIn(l, `${jsonPath}: layer ${i}`);
    layers.push(layerFromConfig(cls, config, `${jsonPath}: layer ${i}`));
  }
  const model = new Sequential(layers, { name: typeof (cfg as Json)?.name === 'string' ? ((cfg as Json).name as string) : undefined });
  if (!inputShape) throw new FormatError(`${jsonPath}: the first layer has no batch_input_shape, so the model cannot be built.`);
  model.build([null, ...inputShape]);

  const groups = json.weightsManifest as { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[] | undefined;
  if (!Array.isArray(groups)) throw new FormatError(`${jsonPath}: no weightsManifest.`);
  const specs = groups.flatMap((g) => g.weights);
  const buffers = groups.map((g) => {
    const parts = g.paths.map((p) => {
      try {
        return readFileSync(join(dirname(jsonPath), p));
      } catch (e) {
        throw new FormatError(`${jsonPath}: cannot read the weight shard ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
      }
    });
    return Buffer.concat(parts);
  });
  const params = model.parameters();
  if (specs.length !== params.length) {
    throw new FormatError(`${jsonPath}: the manifest lists ${specs.length} weights; the model needs ${params.length}.`);
  }
  // Weights in manifest order, each group's tensors back to back in its concatenated shards.
  const tensors: Tensor[] = [];
  groups.forEach((g, gi) => {
    let o = 0;
    const buf = buffers[gi];
    for (const w of g.weights) {
      if (w.dtype !== 'float32') throw new FormatError(`${jsonPath}: weight ${w.name} is ${w.dtype}; only float32 is read.`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (o + n * 4 > buf.length) throw new FormatError(`${jsonPath}: truncated weights: ${w.name} needs bytes ${o}–${o + n * 4}, the shards hold ${buf.length}.`);
      const data = new Float32Array(n);
      const view = new DataView(buf.buffer, buf.byteOffset + o, n * 4);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
      tensors.push(new Tensor(data, w.shape));
      o += n * 4;
    }
    if (o !== buf.length) throw new FormatError(`${jsonPath}: the weight shards hold ${buf.length} bytes; the manifest describes ${o}.`);
  });
  model.setWeights(tensors);
  return model;
}
