/**
 * Keras's model configs, both ways, for every file that holds one: Keras 3's `.keras` config.json,
 * the legacy HDF5 file's `model_config`, and TensorFlow.js's model.json topology (which is a Keras
 * config). Layers are translated through their registration's Keras mapping (registry.ts); this
 * file adds what is the same for all layers: names, `trainable`, dtype policies, input shapes,
 * Keras 3's serialized values (`{module, class_name, config, registered_name}` wrappers of
 * functions and tuples), and the model around the layers (Sequential, or a Functional model that
 * is a plain chain). Runs anywhere: no file system.
 *
 * The shapes handled are those Keras writes: Keras 3's serialized objects (functions, tuples and
 * dtype policies as `{module, class_name, config, registered_name}`), Sequential configs with
 * `build_input_shape`, Functional ones whose `inbound_nodes` name their inputs by `keras_history`,
 * an InputLayer with `batch_shape` (before Keras 3, `batch_input_shape`); and tf.keras 2's
 * `batch_input_shape` on the first layer and Functional nodes as `[[name, node, tensor, kwargs]]`.
 * test/keras.test.ts has a case of each.
 */
import { FormatError, MnistNnError, quote } from '../errors.js';
import type { Layer, LayerConfig } from '../layers/layer.js';
import { InputLayer } from '../layers/index.js'; // and every layer registered before a config names one
import {
  kerasRegistration,
  layerFromConfig,
  registeredLayers,
  registration,
  type Json,
  type Require,
} from '../layers/registry.js';
import { checkRef, type GraphSpec, type TensorRef } from '../models/graph-config.js';

/** A Keras config's class name without a package prefix (keras.layers.Dense → Dense). */
function plainClassName(cls: unknown): unknown {
  return typeof cls === 'string' ? cls.slice(cls.lastIndexOf('.') + 1) : cls;
}

/**
 * A Keras value with Keras 3's serialization wrappers taken off, where a layer option expects a
 * plain value: a function (`{class_name: 'function', config: 'relu'}`) becomes its name, a tuple
 * (`{class_name: '__tuple__', config: {value: [...]}}`) its list, and a dtype policy
 * (`{class_name: 'DTypePolicy', config: {name: 'float32'}}`) its name. Other objects (initializers,
 * regularizers) keep their shape; their `module` / `registered_name` fields are never read.
 */
function plainKerasValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plainKerasValue);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Json;
  const cls = o.class_name;
  if (cls === 'function' && typeof o.config === 'string') return o.config;
  if (cls === '__tuple__' && Array.isArray((o.config as Json | undefined)?.value))
    return ((o.config as Json).value as unknown[]).map(plainKerasValue);
  if (
    (cls === 'DTypePolicy' || cls === 'FloatDTypePolicy' || cls === 'Policy') &&
    typeof (o.config as Json | undefined)?.name === 'string'
  )
    return (o.config as Json).name;
  return plainKerasObject(o);
}

/** Each value of an object (a layer's config) with the wrappers taken off. */
function plainKerasObject(o: Json): Json {
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plainKerasValue(x)]));
}

/**
 * The dtype policies we compute as written: float32, and mixed precision (whose variables are float32; we compute in
 * float32).
 */
const FLOAT32_POLICIES = new Set(['float32', 'mixed_float16', 'mixed_bfloat16']);

/**
 * One Keras layer config (`{class_name, config}`) as one of our layers, through the registration that
 * reads its class.
 *
 * @example
 * ```ts
 * const layer = kerasLayerIn({ class_name: Dense.className, config: { name: 'd', units: 10 } }, 'model.keras');
 * ```
 */
export function kerasLayerIn(l: Json, where: string): Layer {
  const cls = plainClassName(l.class_name);
  const c = plainKerasObject(((l.config ?? {}) as Json) ?? {});
  const reg = typeof cls === 'string' ? kerasRegistration(cls) : undefined;
  const label = `${String(cls)} ${quote(c.name, "'")}`;
  if (!reg?.keras)
    throw new FormatError(
      `${where}: unknown layer class ${quote(cls)} (${quote(c.name, "'")}) for mnist-nn, which reads ${kerasClassNames().join(', ')}.`,
    );
  const require: Require = (ok, what) => {
    if (!ok) throw new FormatError(`${where}: ${label} uses ${what}, which mnist-nn does not support.`);
  };
  require(c.dtype === undefined ||
    c.dtype === null ||
    FLOAT32_POLICIES.has(c.dtype as string), `the dtype ${quote(c.dtype)} (mnist-nn reads float32 models)`);
  const config: LayerConfig = {
    name: c.name,
    ...(c.trainable === false ? { trainable: false } : {}),
    ...reg.keras.fromKeras(c, require),
  };
  try {
    return layerFromConfig(reg.className, config, where);
  } catch (e) {
    if (e instanceof MnistNnError && !(e instanceof FormatError))
      throw new FormatError(`${where}: ${label}: ${e.message}`);
    throw e;
  }
}

/** The Keras class names mnist-nn reads, for messages. */
function kerasClassNames(): string[] {
  return registeredLayers()
    .flatMap((r) => (r.keras ? [r.keras.className] : []))
    .sort();
}

/**
 * One of our layers as a Keras layer config `{class_name, config}`: its registration's Keras
 * mapping plus `name` and `trainable`. A FormatError names a layer with no Keras counterpart.
 *
 * @example
 * ```ts
 * kerasLayerOut(layerToConfig(new Dense(10)), 'model.keras');
 * // { class_name: Dense's Keras name, config: { units: 10, … } }
 * ```
 */
export function kerasLayerOut(
  l: { className: string; config: LayerConfig },
  where: string,
): { class_name: string; config: Json } {
  const keras = registration(l.className)?.keras;
  if (!keras)
    throw new FormatError(`${where}: the ${l.className} layer ${quote(l.config.name, "'")} has no Keras counterpart.`);
  return {
    class_name: keras.className,
    config: { name: l.config.name, trainable: l.config.trainable !== false, ...keras.toKeras(l.config) },
  };
}

/**
 * A model config read as a chain of layers: the layers in order (InputLayer left out), the input shape, the model's
 * name.
 */
export interface KerasChain {
  name?: string;
  /** Each layer's config `{class_name, config}`, in order, without the InputLayer. */
  layers: Json[];
  /** The per-sample input shape, when the config says it. */
  inputShape?: unknown[];
  /** True for a Functional model (whose weight list in a `.keras` file counts its InputLayer too). */
  functional: boolean;
}

/** A `batch_shape` / `batch_input_shape` list (or an `input_shape`) as a per-sample shape. */
function shapeFrom(c: Json): unknown[] | undefined {
  const batch = c.batch_shape ?? c.batch_input_shape ?? c.batchInputShape;
  if (Array.isArray(batch)) return (batch as unknown[]).slice(1);
  const single = c.input_shape ?? c.inputShape;
  if (Array.isArray(single)) return single as unknown[];
  return undefined;
}

/**
 * The name a functional layer's single input comes from, in Keras 3's or tf.keras 2's node format; undefined when not
 * exactly one.
 */
function inboundName(nodes: unknown): string | undefined | null {
  if (!Array.isArray(nodes)) return undefined;
  if (nodes.length === 0) return null; // an input layer
  if (nodes.length !== 1) return undefined;
  const node = nodes[0] as unknown;
  if (Array.isArray(node)) {
    // tf.keras 2: [[name, node_index, tensor_index, kwargs]]
    return node.length === 1 ? firstTensorOf(node[0]) : undefined;
  }
  // Keras 3: {args: [{class_name: '__keras_tensor__', config: {keras_history: [name, node, tensor]}}], kwargs}
  const args = (node as Json | null)?.args;
  if (!Array.isArray(args) || args.length !== 1) return undefined;
  return firstTensorOf(((args[0] as Json | null)?.config as Json | undefined)?.keras_history);
}

/**
 * The layer a tensor [name, node, tensor] comes from when it is that layer's only tensor (node 0,
 * tensor 0), as every tensor of a chain is; undefined otherwise (a reference to another node is a
 * graph's, to be checked as one).
 */
function firstTensorOf(ref: unknown): string | undefined {
  return Array.isArray(ref) && typeof ref[0] === 'string' && ref[1] === 0 && ref[2] === 0 ? ref[0] : undefined;
}

/**
 * Reads a Keras model config (`{class_name, config}`) as a chain of layers: a Sequential (its
 * config a list of layers, as tf.keras 2.0 wrote, or `{name, layers}`), or a Functional model
 * (`Functional` / `Model`) whose every layer takes the one before it. The input shape comes from
 * the InputLayer (`batch_shape`, or `batch_input_shape` before Keras 3), else the first layer's
 * `batch_input_shape` / `input_shape`, else the model's `build_input_shape` or `build_config`.
 *
 * @example
 * ```ts
 * const { layers, inputShape } = kerasChain(JSON.parse(configJson), 'model.keras');
 * ```
 */
export function kerasChain(model: unknown, where: string): KerasChain {
  if (typeof model !== 'object' || model === null)
    throw new FormatError(`${where}: the model config is not an object.`);
  const m = model as Json;
  const cls = plainClassName(m.class_name);
  const cfg = m.config as Json | Json[] | undefined;
  const rawLayers = Array.isArray(cfg) ? cfg : cfg?.layers;
  if ((cls !== 'Sequential' && cls !== 'Functional' && cls !== 'Model') || !Array.isArray(rawLayers)) {
    throw new FormatError(
      `${where}: expected a Sequential or Functional model with a list of layers, got ${quote(cls)}${Array.isArray(rawLayers) ? '' : ' without layers'}.`,
    );
  }
  const functional = cls !== 'Sequential';
  const conf = Array.isArray(cfg) ? {} : (cfg ?? {});
  let inputShape: unknown[] | undefined;
  const layers: Json[] = [];
  let previous: string | undefined;
  for (const [i, l] of (rawLayers as unknown[]).entries()) {
    if (typeof l !== 'object' || l === null || Array.isArray(l))
      throw new FormatError(`${where}: layer ${i} is not an object.`);
    const layer = l as Json;
    const c = (layer.config ?? {}) as Json;
    const name = (layer.name ?? c.name) as string | undefined;
    if (functional) {
      const from = inboundName(layer.inbound_nodes);
      if (from === undefined || (from === null) !== (i === 0) || (from !== null && from !== previous)) {
        throw new FormatError(
          `${where}: the Functional model is not a plain chain at layer ${i} (${quote(name, "'")}): mnist-nn reads models whose every layer takes the previous layer's output.`,
        );
      }
    }
    previous = name;
    if (inputShape === undefined && i <= 1) inputShape = shapeFrom(c);
    if (plainClassName(layer.class_name) === InputLayer.className) {
      if (i !== 0) throw new FormatError(`${where}: layer ${i} is an InputLayer; mnist-nn reads one input, first.`);
      continue;
    }
    layers.push(layer);
  }
  if (functional) {
    const outputs = conf.output_layers;
    const last = Array.isArray(outputs) && outputs.length > 0 ? (Array.isArray(outputs[0]) ? outputs : [outputs]) : [];
    if (last.length !== 1 || firstTensorOf(last[0]) !== previous) {
      throw new FormatError(
        `${where}: the Functional model's output is ${quote(outputs)}; mnist-nn reads one output, from its last layer ${quote(previous, "'")}.`,
      );
    }
  }
  if (inputShape === undefined) {
    const build = conf.build_input_shape ?? (m.build_config as Json | undefined)?.input_shape;
    if (Array.isArray(build)) inputShape = build.slice(1);
  }
  return { name: typeof conf.name === 'string' ? conf.name : undefined, layers, inputShape, functional };
}

/**
 * Keras's snake_case of a class name (`naming.to_snake_case`): Conv2D → conv2d, MaxPooling2D →
 * max_pooling2d, ReLU → re_lu.
 *
 * @example
 * ```ts
 * kerasSnakeCase(MaxPooling2D.className); // 'max_pooling2d'
 * ```
 */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * The names Keras 3's saving gives the layers in a `.keras` weights file: the snake_case class
 * name, numbered among layers of that class by position (`dense`, `dense_1`, …), whatever the
 * layers are called in the config (saving_lib's `_save_container_state`).
 *
 * @example
 * ```ts
 * kerasWeightPaths([Dense.className, Dropout.className, Dense.className]); // ['dense', 'dropout', 'dense_1']
 * ```
 */
export function kerasWeightPaths(classNames: string[]): string[] {
  const used = new Map<string, number>();
  return classNames.map((cls) => {
    const base = kerasSnakeCase(cls);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return n === undefined ? base : `${base}_${n + 1}`;
  });
}

/**
 * A Functional model config read as a graph: every layer's config (InputLayers too) in the config's
 * order and the graph in the neutral form (models/graph-config.ts).
 */
export interface KerasGraph {
  name?: string;
  /** Each layer's config `{class_name, config}`, in the config's order, InputLayers included. */
  layers: Json[];
  spec: GraphSpec;
}

const KERAS_TENSOR = '__keras_tensor__';

/** The tensors a Keras 3 node's args hold (one, or a list for a merge layer), in order. */
function keras3Refs(args: unknown, where: string, out: TensorRef[] = []): TensorRef[] {
  if (Array.isArray(args)) {
    for (const a of args) keras3Refs(a, where, out);
  } else if (typeof args === 'object' && args !== null && (args as Json).class_name === KERAS_TENSOR) {
    out.push(checkRef(((args as Json).config as Json | undefined)?.keras_history, where));
  }
  return out;
}

/** A node's input tensors: Keras 3's `{args, kwargs}`, or tf.keras 2's and TF.js's `[[name, node, tensor, kwargs]]`. */
function kerasNodeRefs(node: unknown, where: string): TensorRef[] {
  if (Array.isArray(node)) return node.map((r) => checkRef(r, where));
  if (typeof node !== 'object' || node === null)
    throw new FormatError(`${where}: a node must be an object or a list, got ${quote(node)}.`);
  const n = node as Json;
  // A tensor among the kwargs (a mask, an initial state) is an input mnist-nn does not take.
  if (keras3Refs(n.kwargs, where).length > 0) {
    throw new FormatError(`${where}: the node passes a tensor as a keyword argument, which mnist-nn does not support.`);
  }
  return keras3Refs(n.args, where);
}

/** `input_layers` / `output_layers`: one [name, node, tensor] (Keras 3, for a model of one) or a list of them. */
function kerasRefList(v: unknown, what: string, where: string): TensorRef[] {
  if (Array.isArray(v) && typeof v[0] === 'string') return [checkRef(v, `${where}: ${what}`)];
  if (!Array.isArray(v)) throw new FormatError(`${where}: ${what} must be a list of tensors, got ${quote(v)}.`);
  return v.map((r) => checkRef(r, `${where}: ${what}`));
}

/** The class names of models, which a Functional config may hold as layers (a model inside a model). */
const MODEL_CLASSES = new Set(['Functional', 'Sequential', 'Model']);

/**
 * Reads a Functional model config (`{class_name: 'Functional', config: {layers, input_layers,
 * output_layers}}`) as a graph, each layer's `inbound_nodes` in Keras 3's node form or tf.keras 2's
 * list form.
 *
 * @example
 * ```ts
 * const { layers, spec } = kerasGraph(JSON.parse(configJson), 'model.keras');
 * ```
 */
export function kerasGraph(model: unknown, where: string): KerasGraph {
  const m = (model ?? {}) as Json;
  const conf = (m.config ?? {}) as Json;
  const raw = conf.layers;
  if (!MODEL_CLASSES.has(plainClassName(m.class_name) as string) || !Array.isArray(raw)) {
    throw new FormatError(`${where}: expected a Functional model with a list of layers.`);
  }
  const layers: Json[] = [];
  const specs = (raw as unknown[]).map((l, i) => {
    if (typeof l !== 'object' || l === null || Array.isArray(l))
      throw new FormatError(`${where}: layer ${i} is not an object.`);
    const layer = l as Json;
    const name = layer.name ?? (layer.config as Json | undefined)?.name;
    if (typeof name !== 'string') throw new FormatError(`${where}: layer ${i} has no name.`);
    const nodes = layer.inbound_nodes ?? [];
    if (!Array.isArray(nodes))
      throw new FormatError(`${where}: layer ${quote(name, "'")} has inbound_nodes ${quote(nodes)}.`);
    layers.push(layer);
    return { name, inbound: nodes.map((n) => kerasNodeRefs(n, `${where}: layer ${quote(name, "'")}`)) };
  });
  // Keras numbers the nodes of a model applied inside another from 1 in places: Keras 3 in
  // output_layers (and input_layers) when the model is a Functional one (get_config's kept_nodes
  // starts at 1, functional_from_config subtracts it), tf.keras 2 in every reference to any model.
  const listForm = (raw as Json[]).some((l) => Array.isArray(l.inbound_nodes) && Array.isArray(l.inbound_nodes[0]));
  const shifted = new Set(
    specs.flatMap((sp, i) =>
      isKerasModel(layers[i]) && (listForm || plainClassName(layers[i].class_name) !== 'Sequential') ? [sp.name] : [],
    ),
  );
  const shift = (r: TensorRef): TensorRef => (shifted.has(r[0]) && r[1] > 0 ? [r[0], r[1] - 1, r[2]] : r);
  if (listForm) for (const sp of specs) sp.inbound = sp.inbound.map((node) => node.map(shift));
  const fix = shift;
  return {
    name: typeof conf.name === 'string' ? conf.name : undefined,
    layers,
    spec: {
      layers: specs,
      // Without input_layers, the InputLayers in order (a config written by hand, or by an older Keras).
      inputs: (conf.input_layers === undefined
        ? specs
            .filter((_, i) => plainClassName(layers[i].class_name) === InputLayer.className)
            .map((sp): TensorRef => [sp.name, 0, 0])
        : kerasRefList(conf.input_layers, 'input_layers', where)
      ).map(fix),
      outputs: kerasRefList(conf.output_layers, 'output_layers', where).map(fix),
    },
  };
}

/**
 * Whether a layer config of a Functional model is itself a model (a Sequential or Functional applied as a layer).
 *
 * @example
 * ```ts
 * isKerasModel({ class_name: 'Sequential', config: { layers: [] } }); // true
 * ```
 */
export function isKerasModel(layer: Json): boolean {
  return MODEL_CLASSES.has(plainClassName(layer.class_name) as string);
}

/**
 * Whether a Keras model config is a chain that `kerasChain` reads as a Sequential: a Sequential, or
 * a Functional model of one input and one output whose every layer takes the one before it.
 *
 * @example
 * ```ts
 * isKerasChain(config) ? kerasChain(config, where) : kerasGraph(config, where);
 * ```
 */
export function isKerasChain(model: unknown): boolean {
  try {
    kerasChain(model, 'probe');
    return true;
  } catch {
    return false;
  }
}

/** A Keras 3 `__keras_tensor__` for a node's args: its shape and where it comes from. */
function kerasTensor(shape: readonly number[], ref: TensorRef): Json {
  return { class_name: KERAS_TENSOR, config: { shape: [null, ...shape], dtype: 'float32', keras_history: ref } };
}

/**
 * One layer's `inbound_nodes` in Keras 3's node form: `{args: [tensor]}`, or `{args: [[tensors]]}`
 * for a layer that takes a list.
 *
 * @example
 * ```ts
 * keras3Nodes([[['conv2d', 0, 0], ['conv2d_1', 0, 0]]], [[[28, 28, 8], [28, 28, 8]]], true);
 * ```
 */
export function keras3Nodes(inbound: TensorRef[][], shapes: number[][][], takesList: boolean): Json[] {
  return inbound.map((refs, k) => {
    const ts = refs.map((r, j) => kerasTensor(shapes[k][j], r));
    return { args: takesList ? [ts] : ts, kwargs: {} };
  });
}

/**
 * `input_layers` / `output_layers` as Keras 3 writes them: one tensor bare, several as a list.
 *
 * @example
 * ```ts
 * kerasRefsOut([['input_layer', 0, 0]]); // ['input_layer', 0, 0]
 * ```
 */
export function kerasRefsOut(refs: TensorRef[]): TensorRef | TensorRef[] {
  return refs.length === 1 ? refs[0] : refs;
}
