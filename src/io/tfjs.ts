/**
 * TensorFlow.js's Layers format, both ways: a directory with model.json (the Keras-style topology
 * and a weights manifest) and the weights as one binary shard of little-endian float32, which
 * `tf.loadLayersModel` reads (and the TensorFlow.js converter turns into a Keras model). Only layers
 * both libraries have are translated; a layer Keras has and TensorFlow.js lacks that is the identity
 * at inference (the augmentation layers: `tfjsOmits` in its registration) is left out of the export,
 * with a note; anything else is a FormatError that names it.
 */
import { mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { FileError, FormatError, ValueError, quote } from '../errors.js';
import type { LayerConfig } from '../layers/layer.js';
import { registration, type Json } from '../layers/registry.js';
import { Sequential, type SaveResult } from '../models/sequential.js';
import { Tensor } from '../tensor/tensor.js';
import { kerasChain, kerasLayerIn, kerasLayerOut } from './keras-config.js';
import { parseJsonSafely } from './model-file.js';
import { asFormatError, checkSavable, sequentialWithin } from './serialize.js';
import { writeFileAtomic } from './write.js';

const WEIGHTS_FILE = 'group1-shard1of1.bin';

/** One of our layers as a TF.js layer config: its Keras config, plus the dtype and (on the first) the input shape. */
function layerOut(l: { className: string; config: LayerConfig }, inputShape: number[] | undefined): Json {
  const k = kerasLayerOut(l, 'save (TensorFlow.js)');
  return {
    class_name: k.class_name,
    config: { ...k.config, dtype: 'float32', ...(inputShape ? { batch_input_shape: [null, ...inputShape] } : {}) },
  };
}

/**
 * Writes the model as a TensorFlow.js Layers model: dir/model.json and dir/group1-shard1of1.bin.
 * Layers TensorFlow.js lacks that are the identity at inference are left out (they have no
 * weights), each with a note; the first layer written carries the input shape it is built for.
 *
 * @example
 * ```ts
 * const { notes } = saveTfjs(model, 'web-model'); // web-model/model.json and its weights
 * ```
 */
export function saveTfjs(model: Sequential, dir: string): SaveResult {
  if (!model.built)
    throw new ValueError(`save: the model '${model.name}' has not been built yet, so it has no weights to save.`);
  const config = model.toConfig();
  const notes: string[] = [];
  const kept = config.layers.flatMap((l, i) => {
    const keras = registration(l.className)?.keras;
    if (!keras?.tfjsOmits) return [{ l, i }];
    notes.push(
      `The ${l.className} layer ${quote(l.config.name, "'")} is left out of the TensorFlow.js export: TensorFlow.js has no ${keras.className}, and the layer is the identity at inference, so the exported model predicts the same.`,
    );
    return [];
  });
  if (kept.length === 0) {
    throw new FormatError(
      `save: every layer of the model '${model.name}' (${config.layers.map((l) => l.className).join(', ')}) is left out of the TensorFlow.js export, so there is no model to write.`,
    );
  }
  const layers = kept.map(({ l, i }, k) => layerOut(l, k === 0 ? model.layers[i].inputShape : undefined));
  const params = model.parameters();
  checkSavable(model);
  const bytes = new Uint8Array(params.reduce((s, p) => s + p.value.size * 4, 0));
  const view = new DataView(bytes.buffer);
  let o = 0;
  for (const p of params) for (let i = 0; i < p.value.size; i++, o += 4) view.setFloat32(o, p.value.data[i], true);
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'mnist-nn',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: config.name, layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [
      { paths: [WEIGHTS_FILE], weights: params.map((p) => ({ name: p.name, shape: p.value.shape, dtype: 'float32' })) },
    ],
  };
  makeDirectory(dir);
  writeFileAtomic(join(dir, WEIGHTS_FILE), bytes); // weights first: model.json names them
  writeFileAtomic(join(dir, 'model.json'), new TextEncoder().encode(JSON.stringify(modelJson)));
  return { notes };
}

/** mkdir -p, with a FileError naming `dir` when it cannot be made (a file is in the way, no permission). */
function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'a file is in the way (the tfjs format writes a directory)'
        : code === 'EACCES'
          ? 'permission denied'
          : (e as Error).message;
    throw new FileError(`save: cannot make the directory ${JSON.stringify(dir)}: ${why}.`, dir, code, e);
  }
}

interface WeightGroup {
  paths: string[];
  weights: { name: string; shape: number[]; dtype: string }[];
}

/**
 * The weights manifest, checked: every group names its shard files and its weights (name, shape of
 * integers ≥ 0, float32), and every shard is a file inside the model's directory, links followed
 * (no absolute path, no '..', no URL, no link out, no shard named twice): a model.json must not make
 * us read other files, or one file many times. Returns each group with its shards' real paths and sizes.
 */
function readManifest(json: Json, jsonPath: string): (WeightGroup & { files: { path: string; size: number }[] })[] {
  const groups = json.weightsManifest;
  if (!Array.isArray(groups)) throw new FormatError(`${jsonPath}: no weightsManifest (a list of weight groups).`);
  const dir = realpathSync(dirname(jsonPath));
  const seen = new Set<string>();
  return groups.map((g: unknown, gi) => {
    const group = g as Partial<WeightGroup> | null;
    if (typeof group !== 'object' || group === null || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new FormatError(`${jsonPath}: weight group ${gi} must have "paths" and "weights" lists.`);
    }
    const files = group.paths.map((p: unknown) => {
      const outside = (why: string): never => {
        throw new FormatError(
          `${jsonPath}: weight group ${gi} names the shard ${quote(p)}, which is not a file inside the model's directory (${why}).`,
        );
      };
      if (typeof p !== 'string' || p.length === 0) return outside('not a file name');
      if (isAbsolute(p) || /^[a-zA-Z][a-zA-Z\d+.-]*:/.test(p) || p.split(/[\\/]/).includes('..'))
        return outside('an absolute path, a URL or a way up');
      let real: string;
      try {
        real = realpathSync(resolve(dir, p));
      } catch (e) {
        throw new FormatError(
          `${jsonPath}: cannot read the weight shard ${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (ENOENT)' : (e as Error).message}.`,
        );
      }
      const rel = relative(dir, real);
      if (rel.startsWith('..') || isAbsolute(rel)) outside('a link out of it');
      const st = statSync(real);
      if (!st.isFile()) outside('not a file');
      if (seen.has(real)) outside('named twice');
      seen.add(real);
      return { path: real, size: st.size };
    });
    for (const w of group.weights) {
      if (
        typeof w?.name !== 'string' ||
        !Array.isArray(w.shape) ||
        !w.shape.every((d) => Number.isInteger(d) && d >= 0)
      ) {
        throw new FormatError(
          `${jsonPath}: weight group ${gi} has a malformed weight ${quote(w)} (expected a name and a shape of integers ≥ 0).`,
        );
      }
      if (w.dtype !== 'float32')
        throw new FormatError(`${jsonPath}: weight ${w.name} is ${quote(w.dtype)}; only float32 is read.`);
    }
    return { ...(group as WeightGroup), files };
  });
}

/**
 * Checks that each group's shards hold exactly its weights' bytes, by their sizes on disk (nothing
 * is read yet); returns the bytes of each group.
 */
function checkShardSizes(groups: (WeightGroup & { files: { size: number }[] })[], jsonPath: string): number[] {
  return groups.map((g) => {
    const total = g.files.reduce((n, f) => n + f.size, 0);
    let o = 0;
    for (const w of g.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1) * 4;
      if (o + n > total)
        throw new FormatError(
          `${jsonPath}: truncated weights: ${w.name} needs bytes ${o}–${o + n}, the shards hold ${total}.`,
        );
      o += n;
    }
    if (o !== total)
      throw new FormatError(`${jsonPath}: the weight shards hold ${total} bytes; the manifest describes ${o}.`);
    return total;
  });
}

/**
 * Reads a TensorFlow.js Layers model (model.json and its weight shards).
 *
 * @example
 * ```ts
 * const model = loadTfjs(readFileSync('web-model/model.json', 'utf8'), 'web-model/model.json');
 * ```
 */
export function loadTfjs(jsonText: string, jsonPath: string): Sequential {
  return asFormatError(jsonPath, () => readTfjs(jsonText, jsonPath));
}

function readTfjs(jsonText: string, jsonPath: string): Sequential {
  const json = parseJsonSafely(jsonText, jsonPath) as Json;
  const topology = json.modelTopology as Json | undefined;
  if (!topology || topology.class_name !== 'Sequential') {
    throw new FormatError(
      `${jsonPath}: expected a TensorFlow.js Sequential model (modelTopology.class_name "Sequential" with layers).`,
    );
  }
  const chain = kerasChain(topology, jsonPath);
  const layers = chain.layers.map((l, i) => kerasLayerIn(l, `${jsonPath}: layer ${i}`));
  const inputShape = chain.inputShape;
  if (inputShape === undefined)
    throw new FormatError(`${jsonPath}: the first layer has no batch_input_shape, so the model cannot be built.`);
  const groups = readManifest(json, jsonPath);
  // The model is built against what the shards hold on disk, so a manifest cannot declare its way
  // into a large allocation; the manifest's shapes are then held to the model's before any read.
  const held = checkShardSizes(groups, jsonPath);
  const name = chain.name;
  const model = sequentialWithin(
    layers,
    inputShape,
    { name, dtype: 'float32' },
    held.reduce((a, b) => a + b, 0) / 4,
    jsonPath,
  );
  const params = model.parameters();
  const specs = groups.flatMap((g) => g.weights);
  if (specs.length !== params.length) {
    throw new FormatError(`${jsonPath}: the manifest lists ${specs.length} weights; the model needs ${params.length}.`);
  }
  params.forEach((p, i) => {
    if (specs[i].shape.length !== p.value.rank || !specs[i].shape.every((d, k) => d === p.value.shape[k])) {
      throw new FormatError(
        `${jsonPath}: weight ${i} (${specs[i].name}) has shape ${JSON.stringify(specs[i].shape)}, but ${p.name} needs ${JSON.stringify(p.value.shape)}.`,
      );
    }
  });
  const buffers = groups.map((g) => Buffer.concat(g.files.map((f) => readFileSync(f.path))));
  const tensors: Tensor[] = [];
  groups.forEach((g, gi) => {
    let o = 0;
    const buf = buffers[gi];
    for (const w of g.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      const view = new DataView(buf.buffer, buf.byteOffset + o, n * 4);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
      tensors.push(new Tensor(data, w.shape));
      o += n * 4;
    }
  });
  model.setWeights(tensors);
  return model;
}
