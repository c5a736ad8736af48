/**
 * TensorFlow.js's Layers format, both ways: a directory with model.json (the Keras-style topology
 * and a weights manifest) and the weights as one binary shard of little-endian float32, which
 * `tf.loadLayersModel` reads (and the TensorFlow.js converter turns into a Keras model). Only layers
 * both libraries have are translated; anything else is a FormatError that names it.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FormatError, MnistNnError } from '../errors.js';
import type { Layer, LayerConfig } from '../nn/layer.js';
import { kerasRegistration, layerFromConfig, registration, type Json, type Require } from '../nn/registry.js';
import { Sequential } from '../nn/sequential.js';
import { Tensor } from '../tensor/tensor.js';
import { parseJsonSafely } from './model-file.js';
import { writeFileAtomic } from './write.js';

const WEIGHTS_FILE = 'group1-shard1of1.bin';

/** One of our layers as a TF.js layer config: its registration's Keras mapping, plus name, trainable and the input shape. */
function layerOut(l: { className: string; config: LayerConfig }, inputShape: number[] | undefined): Json {
  const keras = registration(l.className)?.keras;
  if (!keras) throw new FormatError(`save: the ${l.className} layer '${String(l.config.name)}' has no TensorFlow.js counterpart.`);
  const base: Json = { name: l.config.name, trainable: l.config.trainable !== false, dtype: 'float32', ...(inputShape ? { batch_input_shape: [null, ...inputShape] } : {}) };
  return { class_name: keras.className, config: { ...base, ...keras.toKeras(l.config) } };
}

/** A TF.js layer config as one of our layers, through the registration that reads its class. */
function layerIn(l: Json, where: string): Layer {
  const cls = l.class_name;
  const c = (l.config ?? {}) as Json;
  const reg = typeof cls === 'string' ? kerasRegistration(cls) : undefined;
  if (!reg?.keras) throw new FormatError(`${where}: unknown layer class ${JSON.stringify(cls)} for mnist-nn.`);
  const require: Require = (ok, what) => {
    if (!ok) throw new FormatError(`${where}: ${String(cls)} '${String(c.name)}' uses ${what}, which mnist-nn does not support.`);
  };
  const config: LayerConfig = { name: c.name, ...(c.trainable === false ? { trainable: false } : {}), ...reg.keras.fromKeras(c, require) };
  try {
    return layerFromConfig(reg.className, config, where);
  } catch (e) {
    if (e instanceof MnistNnError && !(e instanceof FormatError)) throw new FormatError(`${where}: ${String(cls)} '${String(c.name)}': ${e.message}`);
    throw e;
  }
}

/** Writes the model as a TensorFlow.js Layers model: dir/model.json and dir/group1-shard1of1.bin. */
export function saveTfjs(model: Sequential, dir: string): void {
  if (!model.built) throw new FormatError(`save: the model '${model.name}' has not been built yet, so it has no weights to save.`);
  const config = model.toConfig();
  const layers = config.layers.map((l, i) => layerOut(l, i === 0 ? config.inputShape : undefined));
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
    layers.push(layerIn(l, `${jsonPath}: layer ${i}`));
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
