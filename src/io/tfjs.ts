/**
 * TensorFlow.js's Layers format, both ways: a directory with model.json (the Keras-style topology
 * and a weights manifest) and the weights as one binary shard of little-endian float32, which
 * `tf.loadLayersModel` reads (and the TensorFlow.js converter turns into a Keras model). Only layers
 * both libraries have are translated; a layer Keras has and TensorFlow.js lacks that is the identity
 * at inference (the augmentation layers: `tfjsOmits` in its registration) is left out of the export,
 * with a note, as is a layer that is the identity on its shape where TensorFlow.js would refuse it
 * (`tfjsIdentity`: Flatten of one-dimensional samples); anything else (a layer Keras lacks, or one
 * TensorFlow.js lacks that computes something: `tfjsLacks`, Subtract) is a FormatError naming it.
 *
 * A Sequential is written as TensorFlow.js's Sequential: its layers, the first with
 * `batch_input_shape`. A functional Model is written as `tf.model(...).save()` writes one:
 *   modelTopology: { class_name: 'Model', config: { name, layers, input_layers, output_layers },
 *                    keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' }
 *   layers[i]:     { name, class_name, config, inbound_nodes: [[[layer, node, tensor, {}], …], …] }
 *                  (an InputLayer: config { batch_input_shape: [null, …], dtype, sparse, name }, no nodes)
 *   input_layers, output_layers: [[layer, node, tensor], …]
 * and the manifest lists the weights layer by layer in the file's order (TensorFlow.js matches them
 * by name, `layer/weight`). Reading takes both: a Sequential, or a functional model that is a chain,
 * as a Sequential; any other functional model as a Model, its graph checked (graph-config.ts) before
 * anything is built and its weights matched by name.
 */
import { mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { FileError, FormatError, ValueError, quote } from '../errors.js';
import { InputLayer } from '../layers/index.js';
import type { Layer, LayerConfig, Param } from '../layers/layer.js';
import { registration, type Json } from '../layers/registry.js';
import type { FunctionalConfig, Model } from '../models/model.js';
import { graphFromSpec, type GraphSpec, type TensorRef } from '../models/graph-config.js';
import { Sequential, type SaveResult } from '../models/sequential.js';
import { Tensor } from '../tensor/tensor.js';
import { isKerasChain, isKerasModel, kerasChain, kerasGraph, kerasLayerIn, kerasLayerOut } from './keras-config.js';
import { parseJsonSafely } from './model-file.js';
import { asFormatError, checkSavable, functionalWithin, sequentialWithin } from './serialize.js';
import { writeFileAtomic } from './write.js';

const WEIGHTS_FILE = 'group1-shard1of1.bin';
const WHERE = 'save (TensorFlow.js)';

/**
 * One of our layers as a TF.js layer config: its Keras config (as TF.js reads it, see `toTfjs`), plus
 * the dtype and (on a Sequential's first) the input shape. A layer TF.js lacks is refused, naming it.
 */
function layerOut(l: { className: string; config: LayerConfig }, layer: Layer, inputShape: number[] | undefined): Json {
  const keras = registration(l.className)?.keras;
  if (keras?.tfjsLacks) {
    throw new FormatError(
      `${WHERE}: the ${l.className} layer ${quote(l.config.name, "'")} cannot be exported: TensorFlow.js (tfjs-layers 4.22) has no ${keras.className} layer, and it is not the identity, so no model TensorFlow.js loads would predict the same; save the model in mnist-nn's file or Keras's .keras instead.`,
    );
  }
  const k = kerasLayerOut(l, WHERE);
  const config = keras?.toTfjs ? keras.toTfjs(k.config, layer) : k.config;
  return {
    class_name: k.class_name,
    config: { ...config, dtype: 'float32', ...(inputShape ? { batch_input_shape: [null, ...inputShape] } : {}) },
  };
}

/**
 * The note for a layer the export leaves out, or undefined to export it: a layer TF.js lacks that is
 * the identity at inference (`tfjsOmits`), or one that is the identity on the shape it is built for
 * where TF.js would refuse it (`tfjsIdentity`).
 */
function leftOutNote(
  l: { className: string; config: LayerConfig },
  layer: Layer,
  rewired: boolean,
): string | undefined {
  const keras = registration(l.className)?.keras;
  const why = keras?.tfjsOmits
    ? `TensorFlow.js has no ${keras.className}, and the layer is the identity at inference`
    : keras?.tfjsIdentity?.(layer);
  if (why === undefined) return undefined;
  return `The ${l.className} layer ${quote(l.config.name, "'")} is left out of the TensorFlow.js export: ${why}, so the exported model predicts the same${rewired ? ' (the layers it fed take its input instead)' : ''}.`;
}

/** A Sequential's topology as TF.js writes one: its layers in order, the first kept carrying the input shape. */
function sequentialTopology(model: Sequential, notes: string[]): { topology: Json; params: Param[] } {
  const config = model.toConfig();
  const kept = config.layers.flatMap((l, i) => {
    const note = leftOutNote(l, model.layers[i], false);
    if (note === undefined) return [{ l, i }];
    notes.push(note);
    return [];
  });
  if (kept.length === 0) {
    throw new FormatError(
      `save: every layer of the model '${model.name}' (${config.layers.map((l) => l.className).join(', ')}) is left out of the TensorFlow.js export, so there is no model to write.`,
    );
  }
  const layers = kept.map(({ l, i }, k) =>
    layerOut(l, model.layers[i], k === 0 ? model.layers[i].inputShape : undefined),
  );
  return {
    topology: { class_name: 'Sequential', config: { name: config.name, layers } },
    params: model.parameters(),
  };
}

/**
 * A functional model's topology as `tf.model(...).save()` writes one (see the file's header). A layer
 * left out (`tfjsOmits`, the identity at inference) is rewired around: whatever read one of its
 * tensors reads its input instead. The nodes are numbered as TF.js's loader will make them
 * (`tfjsNodeOrder`).
 */
function functionalTopology(model: Model, notes: string[]): { topology: Json; params: Param[] } {
  const config = model.toConfig() as FunctionalConfig;
  const layers = model.layers; // config.layers' order
  const omitted = new Map<string, TensorRef[][]>();
  config.layers.forEach((l, i) => {
    const note = leftOutNote(l, layers[i], true);
    if (note === undefined) return;
    omitted.set(l.config.name as string, l.inbound);
    notes.push(note);
  });
  // A tensor a left-out layer makes is its input (the identity at inference): follow such layers back.
  const through = (r: TensorRef): TensorRef => {
    let ref = r;
    for (let inbound = omitted.get(ref[0]); inbound !== undefined; inbound = omitted.get(ref[0])) {
      const from = inbound[ref[1]];
      if (from.length !== 1)
        throw new FormatError(`${WHERE}: the layer ${quote(ref[0], "'")} to leave out takes ${from.length} inputs.`);
      ref = from[0];
    }
    return ref;
  };
  const kept = config.layers.flatMap((l, i) => (omitted.has(l.config.name as string) ? [] : [{ l, layer: layers[i] }]));
  if (kept.every(({ layer }) => layer instanceof InputLayer)) {
    throw new FormatError(
      `save: every layer of the model '${model.name}' between its inputs and its outputs (${[...omitted.keys()].map((n) => quote(n, "'")).join(', ')}) is left out of the TensorFlow.js export, so there is no model to write.`,
    );
  }
  const spec = tfjsNodeOrder({
    layers: kept.map(({ l }) => ({ name: l.config.name as string, inbound: l.inbound.map((n) => n.map(through)) })),
    inputs: config.inputs,
    outputs: config.outputs.map(through),
  });
  const jsonLayers = spec.layers.map((s, j) => {
    const { l, layer } = kept[j];
    const body =
      layer instanceof InputLayer
        ? {
            class_name: kerasLayerOut(l, WHERE).class_name,
            config: {
              batch_input_shape: [null, ...layer.declaredInputShape!],
              dtype: 'float32',
              sparse: false,
              name: s.name,
            },
          }
        : layerOut(l, layer, undefined);
    return { name: s.name, ...body, inbound_nodes: s.inbound.map((node) => node.map((r) => [...r, {}])) };
  });
  return {
    topology: {
      class_name: 'Model',
      config: { name: config.name, layers: jsonLayers, input_layers: spec.inputs, output_layers: spec.outputs },
    },
    params: kept.flatMap(({ layer }) => layer.parameters()),
  };
}

/**
 * The graph with each layer's nodes numbered, and listed, in the order TensorFlow.js's loader makes
 * them (Container.fromConfig): pass after pass over the layers in the file's order, each layer's
 * waiting nodes in turn, a node made once the nodes it reads are, numbered by how many of its
 * layer's nodes were made before it. A shared layer's later node can be made before an earlier one
 * that waits on a layer further down the file (Keras re-queues the rest of a layer's nodes behind
 * one that waits; TF.js does not), so the file numbers the nodes as TF.js will; our reader takes
 * any numbering.
 */
function tfjsNodeOrder(spec: GraphSpec): GraphSpec {
  // Per layer: our node index → TF.js's, in the order TF.js makes them; an InputLayer's node is made with it.
  const made = new Map(
    spec.layers.map((l) => [l.name, new Map<number, number>(l.inbound.length === 0 ? [[0, 0]] : [])]),
  );
  let waiting = spec.layers.map((l) => l.inbound.map((_, k) => k));
  for (let left = waiting.flat().length; left > 0;) {
    const before = left;
    waiting = waiting.map((nodes, i) =>
      nodes.filter((k) => {
        const l = spec.layers[i];
        if (!l.inbound[k].every((r) => made.get(r[0])?.has(r[1]))) return true;
        const mine = made.get(l.name)!;
        mine.set(k, mine.size);
        left--;
        return false;
      }),
    );
    // Never for a model's graph, which has no cycle; TF.js would loop forever.
    if (left === before) throw new ValueError(`${WHERE}: the graph has a node TensorFlow.js could never make.`);
  }
  const ref = (r: TensorRef): TensorRef => [r[0], made.get(r[0])!.get(r[1])!, r[2]];
  return {
    layers: spec.layers.map((l) => ({
      name: l.name,
      inbound: l.inbound.length === 0 ? [] : [...made.get(l.name)!.keys()].map((k) => l.inbound[k].map(ref)),
    })),
    inputs: spec.inputs.map(ref),
    outputs: spec.outputs.map(ref),
  };
}

/**
 * Writes the model as a TensorFlow.js Layers model: dir/model.json and dir/group1-shard1of1.bin.
 * A Sequential is written as TensorFlow.js's Sequential, a functional Model as its functional model
 * (`tf.model`). Layers TensorFlow.js lacks that are the identity at inference are left out (they
 * have no weights), each with a note; a layer it lacks that is not the identity (Subtract) is a
 * FormatError naming it.
 *
 * @example
 * ```ts
 * const { notes } = saveTfjs(model, 'web-model'); // web-model/model.json and its weights
 * ```
 */
export function saveTfjs(model: Model, dir: string): SaveResult {
  if (!model.built)
    throw new ValueError(`save: the model '${model.name}' has not been built yet, so it has no weights to save.`);
  const notes: string[] = [];
  const { topology, params } =
    model instanceof Sequential ? sequentialTopology(model, notes) : functionalTopology(model, notes);
  checkSavable(model);
  const bytes = new Uint8Array(params.reduce((s, p) => s + p.value.size * 4, 0));
  const view = new DataView(bytes.buffer);
  let o = 0;
  for (const p of params) for (let i = 0; i < p.value.size; i++, o += 4) view.setFloat32(o, p.value.data[i], true);
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'mnist-nn',
    convertedBy: null,
    modelTopology: { ...topology, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
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

/** Each weight of the manifest with the group it is in and its byte offset in the group's shards. */
interface ManifestWeight {
  name: string;
  shape: number[];
  group: number;
  offset: number;
}

function manifestWeights(groups: WeightGroup[]): ManifestWeight[] {
  return groups.flatMap((g, group) => {
    let offset = 0;
    return g.weights.map((w) => {
      const entry = { name: w.name, shape: w.shape, group, offset };
      offset += w.shape.reduce((a, b) => a * b, 1) * 4;
      return entry;
    });
  });
}

/**
 * Reads a TensorFlow.js Layers model (model.json and its weight shards): a Sequential, or a
 * functional model (`class_name` 'Model', or Keras's 'Functional'), which comes back as a Sequential
 * when it is a chain and as a Model otherwise.
 *
 * @example
 * ```ts
 * const model = loadTfjs(readFileSync('web-model/model.json', 'utf8'), 'web-model/model.json');
 * ```
 */
export function loadTfjs(jsonText: string, jsonPath: string): Model {
  return asFormatError(jsonPath, () => readTfjs(jsonText, jsonPath));
}

function readTfjs(jsonText: string, jsonPath: string): Model {
  const json = parseJsonSafely(jsonText, jsonPath) as Json;
  const topology = json.modelTopology as Json | undefined;
  const cls = topology?.class_name;
  if (cls !== 'Sequential' && cls !== 'Model' && cls !== 'Functional') {
    throw new FormatError(
      `${jsonPath}: expected a TensorFlow.js Layers model: modelTopology.class_name "Sequential", or "Model" (Keras's "Functional") for a functional model, got ${quote(cls)}.`,
    );
  }
  return cls === 'Sequential' || isKerasChain(topology)
    ? readChain(json, topology!, jsonPath)
    : readGraph(json, topology!, jsonPath);
}

/** A Sequential, or a functional model that is a chain, as a Sequential; its weights in the manifest's order. */
function readChain(json: Json, topology: Json, jsonPath: string): Sequential {
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
  const specs = manifestWeights(groups);
  if (specs.length !== params.length) {
    throw new FormatError(`${jsonPath}: the manifest lists ${specs.length} weights; the model needs ${params.length}.`);
  }
  params.forEach((p, i) => checkShape(specs[i], i, p, jsonPath));
  model.setWeights(readWeights(groups, specs));
  return model;
}

/**
 * A functional model that is not a chain: its graph read by kerasGraph and checked by graphFromSpec
 * (names, references, cycles) before any layer is built, the layers built within what the shards
 * hold, and each weight found in the manifest by its name (`layer/weight`, as TF.js matches them),
 * since the manifest's order need not be the model's.
 */
function readGraph(json: Json, topology: Json, jsonPath: string): Model {
  const g = kerasGraph(topology, jsonPath);
  const inner = g.layers.findIndex(isKerasModel);
  if (inner >= 0) {
    throw new FormatError(
      `${jsonPath}: layer ${inner} (${quote(g.spec.layers[inner].name, "'")}) is a model inside the model, which mnist-nn reads from Keras files but not yet from TensorFlow.js's.`,
    );
  }
  const graph = graphFromSpec(g.spec, (i) => kerasLayerIn(g.layers[i], `${jsonPath}: layer ${i}`), jsonPath);
  const groups = readManifest(json, jsonPath);
  const held = checkShardSizes(groups, jsonPath);
  const model = functionalWithin(
    graph.inputs,
    graph.outputs,
    { name: g.name, dtype: 'float32' },
    held.reduce((a, b) => a + b, 0) / 4,
    jsonPath,
  );
  const params = model.parameters();
  const specs = manifestWeights(groups);
  const byName = new Map<string, ManifestWeight>();
  for (const w of specs) {
    if (byName.has(w.name)) throw new FormatError(`${jsonPath}: the manifest lists the weight ${w.name} twice.`);
    byName.set(w.name, w);
  }
  const picked = params.map((p, i) => {
    const w = byName.get(p.name);
    if (w === undefined) {
      throw new FormatError(
        `${jsonPath}: the manifest has no weight ${p.name} (weights are found by their layer's name and their own); it lists ${quote(specs.map((s) => s.name))}.`,
      );
    }
    byName.delete(p.name);
    checkShape(w, i, p, jsonPath);
    return w;
  });
  if (byName.size > 0) {
    throw new FormatError(
      `${jsonPath}: the manifest's weight ${[...byName.keys()][0]} is no weight of the model (${params.length} weights: ${quote(params.map((p) => p.name))}).`,
    );
  }
  model.setWeights(readWeights(groups, picked));
  return model;
}

/** A FormatError unless the manifest's weight has the shape the model's weight `p` (its i-th) needs. */
function checkShape(w: ManifestWeight, i: number, p: Param, jsonPath: string): void {
  if (w.shape.length !== p.value.rank || !w.shape.every((d, k) => d === p.value.shape[k])) {
    throw new FormatError(
      `${jsonPath}: weight ${i} (${w.name}) has shape ${JSON.stringify(w.shape)}, but ${p.name} needs ${JSON.stringify(p.value.shape)}.`,
    );
  }
}

/** The weights `wanted`, read from the shards (each group's files read once, in order). */
function readWeights(groups: (WeightGroup & { files: { path: string }[] })[], wanted: ManifestWeight[]): Tensor[] {
  const buffers = groups.map((g) => Buffer.concat(g.files.map((f) => readFileSync(f.path))));
  return wanted.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const buf = buffers[w.group];
    const data = new Float32Array(n);
    const view = new DataView(buf.buffer, buf.byteOffset + w.offset, n * 4);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
    return new Tensor(data, w.shape);
  });
}
