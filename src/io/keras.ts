/**
 * Keras's own model files, read and written with no file system (Node and browsers alike):
 *
 * - Keras 3's `.keras` file (also written by tf.keras 2.13–2.15): a zip of `metadata.json`,
 *   `config.json` (the model's config, as keras-config.ts reads it) and `model.weights.h5`, an
 *   HDF5 file holding each layer's variables at `layers/<name>/vars/<i>` (tf.keras 2:
 *   `_layer_checkpoint_dependencies/<name>/vars/<i>`), where `<name>` is the layer's class in
 *   snake_case numbered by position among layers of that class, not its name in the config.
 * - The legacy HDF5 file (`model.save('m.h5')`, Keras 2 and 3): the config in the root attribute
 *   `model_config`, each layer's weights under `model_weights/<layer name>/` in the order of that
 *   group's `weight_names` attribute, the layers in the order of `model_weights`'s `layer_names`
 *   (an attribute too large for HDF5's header is split as `layer_names0`, `layer_names1`, …).
 *
 * Read from Keras 3's `keras/src/saving/saving_lib.py` (the zip's entries, `H5IOStore`, the
 * container naming), `keras/src/legacy/saving/legacy_h5_format.py` (`layer_names`, `weight_names`,
 * chunked attributes, order-based loading) and tf.keras 2's `saving_lib.py`.
 *
 * Hostile files cost nothing: zip entries are sized from the central directory before anything is
 * inflated, the model is built with no more weights than the weights file could hold, and every
 * dataset's shape is checked against the layer's before its values are read (hdf5.ts: read by a
 * pure-JavaScript reader given this file's bytes only).
 *
 * About 430 lines: the reader and the writer stay together because they share the format's layout
 * (entry names, limits, the container naming) and each is the other's round-trip test.
 */
import { unzipSync, zipSync, type UnzipFileInfo } from 'fflate';
import { FormatError, ValueError, quote } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import { InputLayer } from '../layers/index.js';
import type { Json } from '../layers/registry.js';
import { Sequential } from '../models/sequential.js';
import { Model, type FunctionalConfig } from '../models/model.js';
import { Tensor } from '../tensor/tensor.js';
import { readHdf5, writeHdf5, isHdf5, type Hdf5Reader } from './hdf5.js';
import {
  isKerasModel,
  kerasChain,
  kerasGraph,
  kerasLayerIn,
  kerasLayerOut,
  kerasWeightPaths,
  keras3Nodes,
  kerasRefsOut,
  type KerasChain,
} from './keras-config.js';
import { graphFromSpec, type TensorRef } from '../models/graph-config.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { parseJsonSafely } from './model-file.js';
import { asFormatError, checkSavable, functionalWithin, sequentialWithin } from './serialize.js';

export { isHdf5 };

const CONFIG = 'config.json';
const METADATA = 'metadata.json';
const WEIGHTS = 'model.weights.h5';
/** The largest config.json read (a real one is a few kB). */
const MAX_CONFIG_BYTES = 64 * 2 ** 20;
/** DEFLATE cannot expand data more than about 1032 times: a zip entry claiming more lies. */
const MAX_DEFLATE_RATIO = 1032;
/** The largest weights file inflated from a zip. */
const MAX_WEIGHTS_BYTES = 2 ** 31;

/**
 * True when `bytes` is a zip archive (a `.keras` file is one): a local file header or an empty archive's
 * end record.
 *
 * @example
 * ```ts
 * isZip(readFileSync('model.keras')); // true; an .h5 file is false
 * ```
 */
export function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6))
  );
}

/**
 * The model in a Keras file's bytes: a `.keras` zip or a legacy `.h5`, told apart by content.
 * `source` names the file in errors. The model is not compiled (compile it to train it).
 *
 * @example
 * ```ts
 * const model = await modelFromKerasBytes(readFileSync('mnist_model.keras'), 'mnist_model.keras');
 * ```
 */
export async function modelFromKerasBytes(bytes: Uint8Array, source = 'Keras model bytes'): Promise<Model> {
  if (isZip(bytes)) return readKerasZip(bytes, source);
  if (isHdf5(bytes)) return readLegacyHdf5(bytes, source);
  throw new FormatError(
    `${source}: neither a .keras file (a zip) nor an HDF5 .h5 file: it starts with bytes ${[...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}.`,
  );
}

/** The three entries of a `.keras` zip, each checked for size before it is inflated. */
function unzipKeras(bytes: Uint8Array, source: string): Record<string, Uint8Array> {
  const wanted = new Set([CONFIG, METADATA, WEIGHTS]);
  const check = (f: UnzipFileInfo): boolean => {
    if (!wanted.has(f.name)) return false;
    const limit = f.name === WEIGHTS ? MAX_WEIGHTS_BYTES : MAX_CONFIG_BYTES;
    const plausible =
      f.compression === 0
        ? f.originalSize === f.size
        : f.compression === 8 && f.originalSize <= f.size * MAX_DEFLATE_RATIO + 1024;
    if (!plausible || f.originalSize > limit || f.size > bytes.length) {
      throw new FormatError(
        `${source}: the zip entry ${f.name} claims ${f.originalSize} bytes from ${f.size} stored (compression ${f.compression}), which it cannot hold${f.originalSize > limit ? ` (the limit is ${limit})` : ''}: the file is corrupt.`,
      );
    }
    return true;
  };
  try {
    return unzipSync(bytes, { filter: check });
  } catch (e) {
    if (e instanceof FormatError) throw e;
    const err = new FormatError(
      `${source}: not a readable zip archive (${(e as Error).message}): the .keras file is truncated or corrupt.`,
    );
    err.cause = e;
    throw err;
  }
}

async function readKerasZip(bytes: Uint8Array, source: string): Promise<Model> {
  const entries = unzipKeras(bytes, source);
  for (const name of [CONFIG, WEIGHTS]) {
    if (!entries[name])
      throw new FormatError(
        `${source}: the .keras archive has no ${name} (it holds ${describeEntries(bytes)}); a Keras 3 model file has ${CONFIG}, ${METADATA} and ${WEIGHTS}.`,
      );
  }
  const config = parseJsonSafely(new TextDecoder().decode(entries[CONFIG]), `${source}: ${CONFIG}`);
  if (isKerasGraph(config)) return readKerasGraphZip(config, entries[WEIGHTS], source);
  const chain = asFormatError(source, () => kerasChain(config, `${source}: ${CONFIG}`));
  const layers = asFormatError(source, () =>
    chain.layers.map((l, i) => kerasLayerIn(l, `${source}: ${CONFIG}: layer ${i}`)),
  );
  const weightsSource = `${source}: ${WEIGHTS}`;
  return readHdf5(entries[WEIGHTS], weightsSource, (h5) =>
    asFormatError(source, () => {
      const model = buildWithin(chain, layers, entries[WEIGHTS].length, source);
      const root = ['layers', '_layer_checkpoint_dependencies'].find((g) => h5.keys(g) !== null);
      if (root === undefined)
        throw new FormatError(
          `${weightsSource}: no 'layers' group: this is not the weights file of a Keras model (it holds ${quote(h5.keys('/'))}).`,
        );
      // A Functional model's layer list starts with its InputLayer, which only takes a name of its own.
      const classes = chain.layers.map((l) => String(l.class_name).slice(String(l.class_name).lastIndexOf('.') + 1));
      const paths = kerasWeightPaths(classes);
      const tensors = model.layers.flatMap((layer, i) => {
        const group = `${root}/${paths[i]}/vars`;
        const keys = h5.keys(group);
        if (keys === null) {
          if (layer.parameters().length === 0) return [];
          throw new FormatError(`${weightsSource}: no weights for ${layer.describe()}: expected the group ${group}.`);
        }
        // Datasets named 0, 1, …: in Keras's order (trainable, then non-trainable), as ours.
        return layerWeights(
          h5,
          layer,
          weightsSource,
          group,
          [...keys].sort((a, b) => Number(a) - Number(b)),
        );
      });
      model.setWeights(tensors);
      return model;
    }),
  );
}

/** Whether a Keras model config is a Functional model: read as a graph, as Keras reloads it, not as a Sequential. */
function isKerasGraph(config: unknown): boolean {
  const named = (config as Json | null)?.class_name;
  const cls = typeof named === 'string' ? named : '';
  return ['Functional', 'Model'].includes(cls.slice(cls.lastIndexOf('.') + 1));
}

/** A part of a Functional config: a layer, or a model applied as a layer. */
type Part = Layer | Model;

/** A model read from a Keras config: its layers' classes and the parts they became, in the config's order. */
const partsOf = new WeakMap<Model, { classes: string[]; parts: Part[] }>();

const plainClass = (l: Json): string => String(l.class_name).slice(String(l.class_name).lastIndexOf('.') + 1);

/**
 * A Functional config's layers applied into a graph, a model among them read (and built, within the
 * budget) as a model of its own; the layers' classes and the parts, in the config's order.
 */
function kerasGraphIn(
  config: unknown,
  where: string,
  source: string,
  budget: { remaining: number },
): { name?: string; classes: string[]; parts: Part[]; inputs: SymbolicTensor[]; outputs: SymbolicTensor[] } {
  return asFormatError(source, () => {
    const g = kerasGraph(config, where);
    const at = (i: number) => `${where}: layer ${i}`;
    const built = graphFromSpec<Part>(
      g.spec,
      (i) =>
        isKerasModel(g.layers[i]) ? kerasModelIn(g.layers[i], at(i), source, budget) : kerasLayerIn(g.layers[i], at(i)),
      where,
    );
    return {
      name: g.name,
      classes: g.layers.map(plainClass),
      parts: built.layers,
      inputs: built.inputs,
      outputs: built.outputs,
    };
  });
}

/** A Sequential or Functional config as a built model, its weights counted against the budget. */
function kerasModelIn(json: Json, where: string, source: string, budget: { remaining: number }): Model {
  let model: Model;
  if (plainClass(json) === 'Sequential') {
    const chain = kerasChain(json, where);
    const layers = chain.layers.map((l, i) => kerasLayerIn(l, `${where}: layer ${i}`));
    model = buildWithin(chain, layers, budget.remaining * 4, source);
    partsOf.set(model, { classes: chain.layers.map(plainClass), parts: model.layers });
  } else {
    const { g, model: functional } = kerasFunctional(json, where, source, budget);
    model = functional;
    partsOf.set(model, { classes: g.classes, parts: g.parts });
  }
  budget.remaining -= model.countParams();
  if (budget.remaining < 0) throw new FormatError(`${where}: the models inside need more weights than the file holds.`);
  return model;
}

/** A Functional config's model, built within the budget (which models inside it share). */
function kerasFunctional(
  config: unknown,
  where: string,
  source: string,
  budget: { remaining: number },
): { g: ReturnType<typeof kerasGraphIn>; model: Model } {
  const g = kerasGraphIn(config, where, source, budget);
  const args = { name: g.name, dtype: 'float32' as const, fileLayers: g.parts };
  return { g, model: functionalWithin(g.inputs, g.outputs, args, budget.remaining, source) };
}

/**
 * Each layer's weights in a `.keras` weights file, under `group`: `<key>/vars/<i>` for a layer,
 * `<key>/layers/…` for a model inside, the key Keras's name for the part's position (kerasWeightPaths).
 */
function kerasPartWeights(
  h5: Hdf5Reader,
  group: string,
  classes: string[],
  parts: Part[],
  source: string,
  out: Map<Layer, Tensor[]>,
): void {
  const paths = kerasWeightPaths(classes);
  parts.forEach((part, i) => {
    if (part instanceof Model) {
      const inner = partsOf.get(part)!;
      return kerasPartWeights(h5, `${group}/${paths[i]}/layers`, inner.classes, inner.parts, source, out);
    }
    if (part.parameters().length === 0) return;
    const vars = `${group}/${paths[i]}/vars`;
    const keys = h5.keys(vars);
    if (keys === null)
      throw new FormatError(`${source}: no weights for ${part.describe()}: expected the group ${vars}.`);
    out.set(
      part,
      layerWeights(
        h5,
        part,
        source,
        vars,
        [...keys].sort((a, b) => Number(a) - Number(b)),
      ),
    );
  });
}

/**
 * A Functional `.keras` file that is not a chain: the graph from config.json (a model inside read
 * as a model), then each layer's weights (kerasPartWeights); a layer applied twice is stored once.
 */
function readKerasGraphZip(config: unknown, weights: Uint8Array, source: string): Promise<Model> {
  const weightsSource = `${source}: ${WEIGHTS}`;
  return readHdf5(weights, weightsSource, (h5) =>
    asFormatError(source, () => {
      const { g, model } = kerasFunctional(config, `${source}: ${CONFIG}`, source, {
        remaining: Math.floor(weights.length / 4),
      });
      const root = ['layers', '_layer_checkpoint_dependencies'].find((r) => h5.keys(r) !== null);
      if (root === undefined)
        throw new FormatError(`${weightsSource}: no 'layers' group: this is not the weights file of a Keras model.`);
      const byLayer = new Map<Layer, Tensor[]>();
      kerasPartWeights(h5, root, g.classes, g.parts, weightsSource, byLayer);
      model.setWeights(model.layers.flatMap((l) => byLayer.get(l) ?? []));
      return model;
    }),
  );
}

/**
 * A Functional legacy `.h5` that is not a chain: the graph from model_config, each layer's weights
 * by its name; a model inside holds all its layers' weights in its own group, in its weights' order.
 */
function legacyGraph(h5: Hdf5Reader, config: unknown, bytes: number, source: string): Model {
  const { g, model } = kerasFunctional(config, `${source}: model_config`, source, { remaining: Math.floor(bytes / 4) });
  const base = h5.keys('model_weights') !== null ? 'model_weights' : '';
  const at = (name: string) => (base ? `${base}/${name}` : name);
  const byLayer = new Map<Layer, Tensor[]>();
  for (const part of g.parts) {
    if (part.parameters().length === 0) continue;
    const names = stringsAttr(h5, at(part.name), 'weight_names');
    if (names === undefined)
      throw new FormatError(
        `${source}: no weights for ${part.describe()}: expected the group ${at(part.name)} with weight_names.`,
      );
    if (!(part instanceof Model)) {
      byLayer.set(part, layerWeights(h5, part, source, at(part.name), names));
      continue;
    }
    if (names.length !== part.parameters().length) {
      throw new FormatError(
        `${source}: ${at(part.name)} holds ${names.length} weights; ${part.describe()} has ${part.parameters().length}.`,
      );
    }
    let next = 0;
    for (const layer of part.layers) {
      const n = layer.parameters().length;
      if (n > 0) byLayer.set(layer, layerWeights(h5, layer, source, at(part.name), names.slice(next, (next += n))));
    }
  }
  model.setWeights(model.layers.flatMap((l) => byLayer.get(l) ?? []));
  return model;
}

/** The names in a zip, for a message about a missing one. */
function describeEntries(bytes: Uint8Array): string {
  const names: string[] = [];
  try {
    unzipSync(bytes, {
      filter: (f) => {
        names.push(f.name);
        return false;
      },
    });
  } catch {
    // already read once; a message needs no second error
  }
  // Names from a corrupt directory may be anything: quoted, cut short, and only the first few.
  const shown = names
    .slice(0, 5)
    .map((n) =>
      JSON.stringify(n.length > 40 ? `${n.slice(0, 40)}...` : n).replace(
        /[^\x20-\x7e]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      ),
    );
  return names.length === 0
    ? 'nothing'
    : names.every((n) => /^[\w./-]{1,100}$/.test(n)) && names.length <= 5
      ? names.join(', ')
      : `${names.length} entries: ${shown.join(', ')}${names.length > 5 ? ', …' : ''}`;
}

/** The model for a chain of layers, built with no more weight values than `weightBytes` could hold as float32. */
function buildWithin(chain: KerasChain, layers: Layer[], weightBytes: number, source: string): Sequential {
  if (chain.inputShape === undefined)
    throw new FormatError(
      `${source}: the model config gives no input shape (no InputLayer, batch_shape, batch_input_shape or build_input_shape), so the model cannot be built.`,
    );
  return sequentialWithin(
    layers,
    chain.inputShape,
    { name: chain.name, dtype: 'float32' },
    Math.floor(weightBytes / 4),
    source,
  );
}

/**
 * One layer's weights: the datasets `names` in `group`, in order, each shape checked against the layer's before it is
 * read.
 */
function layerWeights(h5: Hdf5Reader, layer: Layer, source: string, group: string, names: string[]): Tensor[] {
  const params = layer.parameters();
  if (names.length !== params.length) {
    throw new FormatError(
      `${source}: ${group} holds ${names.length} weights (${names.join(', ') || 'none'}); ${layer.describe()} has ${params.length} (${params.map((p) => p.name).join(', ') || 'none'}).`,
    );
  }
  return params.map((p, i) => {
    const path = `${group}/${names[i]}`;
    const shape = h5.shape(path);
    if (shape === null) throw new FormatError(`${source}: ${path} is not a dataset; expected ${p.name}'s weights.`);
    if (shape.length !== p.value.rank || !shape.every((d, k) => d === p.value.shape[k])) {
      throw new FormatError(
        `${source}: ${path} has shape ${JSON.stringify(shape)}, but ${p.name} needs ${JSON.stringify(p.value.shape)}.`,
      );
    }
    return new Tensor(h5.floats(path), [...p.value.shape]);
  });
}

/**
 * A list-of-strings attribute, joined from its chunks (`name0`, `name1`, …) when HDF5's header could not hold it whole.
 */
function stringsAttr(h5: Hdf5Reader, path: string, name: string): string[] | undefined {
  let v = h5.attr(path, name);
  if (v === undefined && h5.attr(path, `${name}0`) !== undefined) {
    const parts: unknown[] = [];
    for (let i = 0; ; i++) {
      const part = h5.attr(path, `${name}${i}`);
      if (part === undefined) break;
      parts.push(...(Array.isArray(part) ? (part as unknown[]) : [part]));
    }
    v = parts;
  }
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

async function readLegacyHdf5(bytes: Uint8Array, source: string): Promise<Model> {
  return readHdf5(bytes, source, (h5) =>
    asFormatError(source, () => {
      const text = h5.attr('/', 'model_config');
      if (typeof text !== 'string') {
        const what = h5.keys('/')?.includes('layers')
          ? 'a Keras 3 weights file (model.weights.h5), not a model'
          : h5.attr('/', 'layer_names') !== undefined
            ? 'a weights-only file (from save_weights)'
            : `an HDF5 file holding ${quote(h5.keys('/'))}`;
        throw new FormatError(
          `${source}: no model_config attribute: this is ${what}; a Keras model saved as .h5 has its config there.`,
        );
      }
      const config = parseJsonSafely(text, `${source}: model_config`);
      if (isKerasGraph(config)) return legacyGraph(h5, config, bytes.length, source);
      const chain = kerasChain(config, `${source}: model_config`);
      const layers = chain.layers.map((l, i) => kerasLayerIn(l, `${source}: model_config: layer ${i}`));
      const model = buildWithin(chain, layers, bytes.length, source);
      const base = h5.keys('model_weights') !== null ? 'model_weights' : '';
      const at = (name: string) => (base ? `${base}/${name}` : name);
      const names = stringsAttr(h5, base || '/', 'layer_names');
      if (names === undefined)
        throw new FormatError(
          `${source}: ${base || 'the root'} has no layer_names attribute, so its weights cannot be matched to layers.`,
        );
      // As Keras loads them: the file's layers with weights, in order, onto the model's layers with weights.
      const stored = names
        .map((n) => ({ n, weights: stringsAttr(h5, at(n), 'weight_names') ?? [] }))
        .filter((l) => l.weights.length > 0);
      const ours = model.layers.filter((l) => l.parameters().length > 0);
      if (stored.length !== ours.length) {
        throw new FormatError(
          `${source}: the file holds weights for ${stored.length} layers (${stored.map((l) => quote(l.n, "'")).join(', ') || 'none'}); the model has ${ours.length} layers with weights (${ours.map((l) => l.name).join(', ')}).`,
        );
      }
      model.setWeights(ours.flatMap((layer, i) => layerWeights(h5, layer, source, at(stored[i].n), stored[i].weights)));
      return model;
    }),
  );
}

// ---- writing ----

const POLICY = 'float32';

/** Keras 3's module for a nested object in a layer config, by the option's name. */
function moduleOf(key: string): string {
  return key.endsWith('_initializer')
    ? 'keras.initializers'
    : key.endsWith('_regularizer')
      ? 'keras.regularizers'
      : key.endsWith('_constraint')
        ? 'keras.constraints'
        : 'keras';
}

/**
 * A layer option's objects (`{class_name, config}`) in Keras 3's serialized form, with `module` and `registered_name`.
 */
function serialized(config: Json): Json {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => {
      const o = v as Json | null;
      return [
        k,
        typeof o === 'object' && o !== null && !Array.isArray(o) && typeof o.class_name === 'string'
          ? { module: moduleOf(k), class_name: o.class_name, config: o.config ?? {}, registered_name: null }
          : v,
      ];
    }),
  );
}

/** Keras's class names of our optimizers (named 'adam', 'rmsprop', 'sgd'). */
const KERAS_OPTIMIZERS: Record<string, string> = { adam: 'Adam', rmsprop: 'RMSprop', sgd: 'SGD' };

/**
 * A whole number where Keras wants a float: Keras's optimizers check `isinstance(momentum, float)`,
 * and JSON.stringify writes 0, not 0.0. `keras3Json` writes the marked value with its point.
 */
const FLOAT_MARK = '\u0000float:';
const asFloat = (v: unknown): unknown => (typeof v === 'number' && Number.isInteger(v) ? `${FLOAT_MARK}${v}` : v);

/** A config as JSON text, the values `asFloat` marked written as floats (0.0). */
function keras3Json(o: unknown): string {
  return JSON.stringify(o).replace(/"\\u0000float:(-?\d+)"/g, '$1.0');
}

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/(\D)(\d)$/, '$1_$2');

/**
 * The compile config Keras 3 writes, from ours (the optimizer by its class and options; a schedule as its current rate,
 * with a note).
 */
function compileConfig(model: Model, notes: string[]): Json | undefined {
  const compiled = model.compileConfig;
  const opt = model.optimizer;
  if (!compiled || !opt) return undefined;
  const outs = compiled.outputs;
  const own = opt.getConfig();
  const config: Json = { name: opt.name, learning_rate: asFloat(opt.learningRate) };
  for (const [k, v] of Object.entries(own)) if (k !== 'learningRate') config[snake(k)] = asFloat(v);
  if (typeof own.learningRate !== 'number')
    notes.push(
      `The ${KERAS_OPTIMIZERS[opt.name] ?? opt.name} optimizer's learning-rate schedule is written to the .keras file as its current rate, ${opt.learningRate}: Keras has no counterpart for mnist-nn's schedule objects.`,
    );
  return {
    optimizer: {
      module: 'keras.optimizers',
      class_name: KERAS_OPTIMIZERS[opt.name] ?? opt.name,
      config,
      registered_name: null,
    },
    ...(outs.length === 1
      ? {
          loss: snake(compiled.loss),
          loss_weights: null,
          metrics: compiled.metrics.map(snake),
          weighted_metrics: compiled.weightedMetrics.length > 0 ? compiled.weightedMetrics.map(snake) : null,
        }
      : {
          // Several outputs: each option an object by output name, as Keras 3 writes them.
          loss: Object.fromEntries(outs.map((o) => [o.name, snake(o.loss)])),
          loss_weights: Object.fromEntries(outs.map((o) => [o.name, o.lossWeight])),
          metrics: Object.fromEntries(outs.map((o) => [o.name, o.metrics.map(snake)])),
          weighted_metrics: outs.some((o) => o.weightedMetrics.length > 0)
            ? Object.fromEntries(outs.map((o) => [o.name, o.weightedMetrics.map(snake)]))
            : null,
        }),
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: false,
  };
}

/**
 * The bytes of a Keras 3 `.keras` file for the model, laid out as Keras 3 writes them (stored zip
 * entries metadata.json, config.json, model.weights.h5) so that `keras.saving.load_model` reads it:
 * an InputLayer with `batch_shape`, each layer as `{module, class_name, config, registered_name,
 * build_config}`, the compile config when compiled, and each layer's weights at
 * `layers/<name>/vars/<i>`. The optimizer's state is not written. Resolves to the bytes and notes
 * on what the file leaves out.
 *
 * @example
 * ```ts
 * const { bytes, notes } = await modelToKerasBytes(model);
 * writeFileSync('model.keras', bytes); // what model.save('model.keras') writes
 * ```
 */
export async function modelToKerasBytes(model: Model): Promise<{ bytes: Uint8Array; notes: string[] }> {
  if (!model.built)
    throw new ValueError(`save: the model '${model.name}' has not been built yet, so it has no weights to save.`);
  if (model.dtype !== 'float32')
    throw new ValueError(`save: the model '${model.name}' is ${model.dtype}; the .keras writer writes float32 models.`);
  checkSavable(model);
  const notes: string[] = [];
  const { modelConfig, layers } =
    model instanceof Sequential ? sequentialConfig(model, notes) : functionalConfig(model, notes);
  const paths = kerasWeightPaths(layers.map((l) => l.class_name as string));
  const owners = model.layers;
  const offset = layers.length - owners.length; // a Sequential's file lists an InputLayer the model does not
  const weights = await writeHdf5((h5) => {
    h5.group('layers');
    layers.forEach((_, i) => {
      if (i < offset) return;
      const layer = owners[i - offset];
      h5.group(`layers/${paths[i]}`);
      h5.group(`layers/${paths[i]}/vars`);
      layer
        .parameters()
        .forEach((p, j) =>
          h5.dataset(`layers/${paths[i]}/vars/${j}`, Float32Array.from(p.value.data), [...p.value.shape]),
        );
    });
    h5.group('vars');
  });
  const now = new Date();
  const date = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}-${String(now.getUTCDate()).padStart(2, '0')}@${now.toISOString().slice(11, 19)}`;
  const text = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
  const bytes = zipSync(
    {
      [METADATA]: text({ keras_version: '3.11.3', date_saved: date }),
      [CONFIG]: new TextEncoder().encode(keras3Json(modelConfig)),
      [WEIGHTS]: weights,
    },
    { level: 0 },
  );
  return { bytes, notes };
}

/** A layer of ours in Keras 3's serialized form, with its build shape. */
function kerasLayerJson(
  l: { className: string; config: Record<string, unknown> },
  where: string,
  inputShape: unknown,
): Json {
  const k = kerasLayerOut(l, where);
  const { name, trainable, ...own } = k.config;
  return {
    module: 'keras.layers',
    class_name: k.class_name,
    config: { name, trainable, dtype: POLICY, ...serialized(own) },
    registered_name: null,
    build_config: { input_shape: inputShape },
  };
}

/**
 * A functional model's config.json as Keras 3 writes it: class Functional, each layer with its
 * `inbound_nodes` in the node form, `input_layers` / `output_layers` bare for one.
 */
function functionalConfig(model: Model, notes: string[]): { modelConfig: Json; layers: Json[] } {
  const config = model.toConfig() as FunctionalConfig;
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const shapeOf = (ref: TensorRef): number[] => [...(byName.get(ref[0])!.outputShape ?? [])];
  const layers = config.layers.map((l, i): Json => {
    const layer = model.layers[i];
    if (layer instanceof InputLayer) {
      return {
        module: 'keras.layers',
        class_name: InputLayer.className,
        config: { batch_shape: [null, ...layer.outputShape!], dtype: POLICY, sparse: false, name: layer.name },
        registered_name: null,
        name: layer.name,
        inbound_nodes: [],
      };
    }
    const shapes = l.inbound.map((refs) => refs.map(shapeOf));
    const first = shapes[0].map((s) => [null, ...s]);
    return {
      ...kerasLayerJson(l, `save (.keras): layer ${i}`, layer.takesList ? first : first[0]),
      name: layer.name,
      inbound_nodes: keras3Nodes(l.inbound, shapes, layer.takesList),
    };
  });
  const compile = compileConfig(model, notes);
  const modelConfig = {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: {
      name: config.name,
      trainable: true,
      layers,
      input_layers: kerasRefsOut(config.inputs),
      output_layers: kerasRefsOut(config.outputs),
    },
    registered_name: 'Functional',
    build_config: { input_shape: null },
    ...(compile ? { compile_config: compile } : {}),
  };
  return { modelConfig, layers };
}

/** A Sequential's config.json as Keras 3 writes it, with the InputLayer Keras lists first. */
function sequentialConfig(model: Sequential, notes: string[]): { modelConfig: Json; layers: Json[] } {
  const config = model.toConfig();
  const inputShape = config.inputShape!;
  const layers: Json[] = [
    {
      module: 'keras.layers',
      class_name: InputLayer.className,
      config: { batch_shape: [null, ...inputShape], dtype: POLICY, sparse: false, name: 'input_layer' },
      registered_name: null,
    },
    ...config.layers.map((l, i) =>
      kerasLayerJson(l, `save (.keras): layer ${i}`, [null, ...model.layers[i].inputShape!]),
    ),
  ];
  const compile = compileConfig(model, notes);
  const modelConfig = {
    module: 'keras',
    class_name: 'Sequential',
    config: { name: config.name, trainable: true, dtype: POLICY, layers, build_input_shape: [null, ...inputShape] },
    registered_name: null,
    build_config: { input_shape: [null, ...inputShape] },
    ...(compile ? { compile_config: compile } : {}),
  };
  return { modelConfig, layers };
}
