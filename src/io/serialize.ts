/**
 * A model to bytes and back, with no file system: the mnist-nn model file (layout in model-file.ts)
 * holding the architecture, the weights and, when compiled, the training state. save.ts and load.ts
 * put these bytes on disk in Node; in a browser they come from fetch or go to a download.
 */
import { FormatError, MnistNnError, ValueError, checkKeys, formatShape, quote } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import { InputLayer } from '../layers/index.js'; // and every layer registered before a file names one
import { layerFromConfig } from '../layers/registry.js';
import { Sequential, type LossIdentifier, type MetricName, type SaveOptions } from '../models/sequential.js';
import { Model } from '../models/model.js';
import { Graph } from '../models/graph.js';
import { checkRef, graphFromSpec, type GraphSpec, type TensorRef } from '../models/graph-config.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { optimizerFromConfig } from '../optimizers/index.js';
import type { FloatArray, FloatDType } from '../tensor/kernels.js';
import { Rng } from '../tensor/random.js';
import { Tensor, firstNonFinite } from '../tensor/tensor.js';
import { decodeModelFile, describeEntry, encodeModelFile, type ModelFile, type TensorEntry } from './model-file.js';

/**
 * The rule both sides keep: a file never holds a number that is not finite. Saving a model whose
 * weights (or optimizer state) hold NaN or ±Infinity is refused, naming the weight, as loading such
 * a file is; nothing is written.
 *
 * @example
 * ```ts
 * checkFinite([['dense/kernel', kernel]]); // a ValueError naming dense/kernel when it holds NaN or ±Infinity
 * ```
 */
export function checkFinite(arrays: [string, FloatArray][]): void {
  for (const [name, d] of arrays) {
    const i = firstNonFinite(d);
    if (i >= 0)
      throw new ValueError(
        `save: ${name} holds ${d[i]} at flat index ${i}; a model with non-finite weights is not saved (it could not be loaded): its training diverged.`,
      );
  }
}

/**
 * The rule's other half: every weight finite, and each one a value its layer can load back
 * (BatchNormalization's moving variance ≥ 0, see Layer.weightValueProblem). Nothing is written otherwise.
 *
 * @example
 * ```ts
 * checkSavable(model); // before writing anything: every weight finite and loadable
 * ```
 */
export function checkSavable(model: Model): void {
  const params = model.parameters();
  checkFinite(params.map((p) => [p.name, p.value.data]));
  for (const layer of model.layers) {
    for (const p of layer.parameters()) {
      const why = layer.weightValueProblem(p, p.value.data);
      if (why !== undefined)
        throw new ValueError(`save: ${p.name} ${why}; a model whose weights could not be loaded is not saved.`);
    }
  }
}

/**
 * The file's header and tensors for a model.
 *
 * @example
 * ```ts
 * const { header, data } = modelToFile(model, { includeOptimizer: false });
 * ```
 */
export function modelToFile(
  model: Model,
  options: SaveOptions = {},
): { header: Record<string, unknown> & { tensors: TensorEntry[] }; data: FloatArray[] } {
  checkKeys('save', options, ['includeOptimizer', 'format']);
  if (!model.built)
    throw new ValueError(`save: the model '${model.name}' has not been built yet, so it has no weights to save.`);
  const params = model.parameters();
  checkSavable(model);
  const tensors: TensorEntry[] = params.map((p) => ({ name: p.name, shape: [...p.value.shape], dtype: model.dtype }));
  const data: FloatArray[] = params.map((p) => p.value.data);
  const header: Record<string, unknown> & { tensors: TensorEntry[] } = {
    format: 'mnist-nn',
    version: 1,
    model: { className: model instanceof Sequential ? 'Sequential' : 'Functional', config: model.toConfig() },
    tensors,
  };
  const compiled = model.compileConfig;
  if (compiled) {
    const opt = model.optimizer!;
    const outs = compiled.outputs;
    // One output keeps the file's first form; several write a list per option, in output order.
    const training: Record<string, unknown> =
      outs.length === 1
        ? { loss: compiled.loss, metrics: compiled.metrics }
        : {
            loss: outs.map((o) => o.loss),
            lossWeights: outs.map((o) => o.lossWeight),
            metrics: outs.map((o) => o.metrics),
          };
    training.optimizer = { className: opt.name, config: opt.getConfig() };
    if (outs.some((o) => o.weightedMetrics.length > 0)) {
      training.weightedMetrics = outs.length === 1 ? compiled.weightedMetrics : outs.map((o) => o.weightedMetrics);
    }
    if (options.includeOptimizer !== false) {
      const state = opt.getState(params);
      checkFinite(
        state.slots.flatMap((slots, i) =>
          slots.map((d, j): [string, FloatArray] => [`the optimizer state ${j} of ${params[i].name}`, d]),
        ),
      );
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

/**
 * The model file's bytes for a model: what `model.save(path)` writes.
 *
 * @example
 * ```ts
 * const bytes = modelToBytes(model);            // in a browser: offer them as a download
 * const again = modelFromBytes(bytes);          // the same model, weights and training state
 * ```
 */
export function modelToBytes(model: Model, options: SaveOptions = {}): Uint8Array {
  return encodeModelFile(modelToFile(model, options));
}

/**
 * The model held by a model file's bytes (from `model.save` or {@link modelToBytes}); `source`
 * names them in errors. A FormatError says what is wrong with corrupt or truncated bytes.
 *
 * @example
 * ```ts
 * const model = modelFromBytes(new Uint8Array(await (await fetch('model.mnn')).arrayBuffer()), 'model.mnn');
 * ```
 */
export function modelFromBytes(bytes: Uint8Array, source = 'model bytes'): Model {
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
  /** A functional model's. */
  inputs?: unknown;
  outputs?: unknown;
}

interface TrainingSection {
  /** One name, or (several outputs) one per output, as the metrics and weightedMetrics. */
  loss: string | string[];
  lossWeights?: number[];
  metrics: (string | string[])[];
  weightedMetrics?: (string | string[])[];
  optimizer: { className: string; config: Record<string, unknown> };
  optimizerState?: { iterations: number; slots: number[] };
  rng?: { words: number[]; spareNormal: number | null };
}

/**
 * Runs `f`, turning any error but a FormatError (a ValueError or ShapeError from a constructor fed a
 * bad config, a TypeError from a missing field) into a FormatError that names the file, with the
 * original as its cause: whatever is wrong inside a file is the file's fault.
 *
 * @example
 * ```ts
 * const config = asFormatError('model.json', () => JSON.parse(text)); // a SyntaxError becomes a FormatError
 * ```
 */
export function asFormatError<T>(source: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof FormatError) throw e;
    const message = e instanceof MnistNnError ? e.message : `malformed (${(e as Error).message})`;
    const err = new FormatError(message.startsWith(source) ? message : `${source}: ${message}`);
    err.cause = e;
    throw err;
  }
}

/**
 * A Sequential of loaded layers, built for `inputShape` (when known) with no more weight elements
 * than `held`, what the file holds: each layer is built before the model, so a header that declares
 * a huge layer is refused before anything that size is allocated.
 *
 * @example
 * ```ts
 * const model = sequentialWithin(layers, [28, 28], { dtype: 'float32' }, valuesInFile, 'model.keras');
 * ```
 */
export function sequentialWithin(
  layers: Layer[],
  inputShape: unknown,
  args: { name?: string; dtype: FloatDType },
  held: number,
  source: string,
): Sequential {
  if (inputShape !== undefined) {
    if (!Array.isArray(inputShape) || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new FormatError(`${source}: the input shape must be positive integers, got ${quote(inputShape)}.`);
    }
    const budget = { remaining: held };
    let shape = inputShape as number[];
    layers.forEach((l, i) => {
      try {
        shape = l.build(shape, { dtype: args.dtype, rng: new Rng(0), budget });
      } catch (e) {
        if (e instanceof FormatError) {
          throw new FormatError(
            `${source}: layer ${i} needs more weights than the file holds (${held} values): ${e.message}`,
          );
        }
        throw e;
      }
    });
  }
  const m = new Sequential(layers, args);
  if (inputShape !== undefined && !m.built) m.build([null, ...(inputShape as number[])]);
  return m;
}

/** A Sequential from its config in our file. */
function sequentialFromConfig(c: ModelConfig, dtype: FloatDType, held: number, source: string): Sequential {
  const layers = c.layers!.map((l, i) => layerFromConfig(l?.className, l?.config, `${source}: layer ${i}`));
  // Build the layers before the model, with no more weight elements than the file holds: a header
  // that declares a huge layer is refused before anything that size is allocated.
  const inputShape = c.inputShape ?? layers[0]?.declaredInputShape;
  // save writes built models only: a file without an input shape would build (and allocate) later, unchecked.
  if (inputShape === undefined)
    throw new FormatError(`${source}: the model has no input shape (save writes built models only).`);
  return sequentialWithin(layers, inputShape, { name: c.name, dtype }, held, source);
}

/** A functional Model from its config in our file: the neutral graph form of graph-config.ts. */
function functionalFromConfig(c: ModelConfig, dtype: FloatDType, held: number, source: string): Model {
  const entries = c.layers!;
  const spec: GraphSpec = {
    layers: entries.map((l, i) => {
      const name = (l?.config as { name?: unknown } | undefined)?.name;
      const inbound = (l as { inbound?: unknown })?.inbound;
      if (typeof name !== 'string' || !Array.isArray(inbound) || !inbound.every((n) => Array.isArray(n))) {
        throw new FormatError(`${source}: layer ${i} must have a config with a name and a list of inbound nodes.`);
      }
      return { name, inbound: (inbound as unknown[][]).map((n) => n.map((r) => checkRef(r, `${source}: layer ${i}`))) };
    }),
    inputs: refList(c.inputs, 'inputs', source),
    outputs: refList(c.outputs, 'outputs', source),
  };
  const graph = graphFromSpec(
    spec,
    (i) => layerFromConfig(entries[i]?.className, entries[i]?.config, `${source}: layer ${i}`),
    source,
  );
  return functionalWithin(graph.inputs, graph.outputs, { name: c.name, dtype, fileLayers: graph.layers }, held, source);
}

function refList(v: unknown, what: string, source: string): TensorRef[] {
  if (!Array.isArray(v))
    throw new FormatError(`${source}: the model's ${what} must be a list of tensors, got ${quote(v)}.`);
  return v.map((r) => checkRef(r, `${source}: the model's ${what}`));
}

/**
 * A functional Model of symbolic inputs and outputs read from a file, its layers built with no more
 * weight elements than `held`, what the file holds, before the model is made.
 *
 * @example
 * ```ts
 * const model = functionalWithin(inputs, outputs, { dtype: 'float32' }, valuesInFile, 'model.keras');
 * ```
 */
export function functionalWithin(
  inputs: SymbolicTensor[],
  outputs: SymbolicTensor[],
  args: { name?: string; dtype: FloatDType; fileLayers?: readonly (Layer | Model)[] },
  held: number,
  source: string,
): Model {
  const graph = new Graph(inputs, outputs, source);
  try {
    graph.build({ dtype: args.dtype, rng: new Rng(0), budget: { remaining: held } });
  } catch (e) {
    if (e instanceof FormatError)
      throw new FormatError(
        `${source}: the model needs more weights than the file holds (${held} values): ${e.message}`,
      );
    throw e;
  }
  const model = new Model({ inputs, outputs, name: args.name, dtype: args.dtype });
  // A model inside is inlined: its layers (its InputLayers aside: their tensors are the outer ones) are the outer's.
  const inModel = new Set(model.layers);
  const reaches = (l: Layer | Model): boolean =>
    l instanceof Model ? l.layers.every((k) => k instanceof InputLayer || inModel.has(k)) : inModel.has(l);
  const unused = (args.fileLayers ?? []).find((l) => !reaches(l));
  if (unused) throw new FormatError(`${source}: ${unused.describe()} reaches none of the model's outputs.`);
  return model;
}

/**
 * The model a decoded model file describes: its layers, weights and, when saved, its compile settings,
 * optimizer state and generator state.
 *
 * @example
 * ```ts
 * const model = modelFromFile(decodeModelFile(bytes, 'model.mnn'), 'model.mnn');
 * ```
 */
export function modelFromFile(file: ModelFile, source: string): Model {
  return asFormatError(source, () => buildFromFile(file, source));
}

function buildFromFile(file: ModelFile, source: string): Model {
  const { header, data } = file;
  const model = header.model as { className?: unknown; config?: ModelConfig } | undefined;
  const functional = model?.className === 'Functional';
  if (
    !model ||
    (model.className !== 'Sequential' && !functional) ||
    typeof model.config !== 'object' ||
    model.config === null ||
    !Array.isArray(model.config.layers)
  ) {
    throw new FormatError(`${source}: expected a Sequential or Functional model config with a list of layers.`);
  }
  if (header.version !== 1) {
    throw new FormatError(
      `${source}: this is version ${quote(header.version)} of the mnist-nn file; this mnist-nn reads version 1${Number(header.version) > 1 ? ' (the file is from a newer mnist-nn)' : ''}.`,
    );
  }
  const c = model.config;
  if (c.name !== undefined && typeof c.name !== 'string')
    throw new FormatError(`${source}: the model's name must be a string, got ${quote(c.name)}.`);
  const dtype = c.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new FormatError(`${source}: dtype must be 'float32' or 'float64', got ${quote(dtype)}.`);
  const held = header.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const m = functional ? functionalFromConfig(c, dtype, held, source) : sequentialFromConfig(c, dtype, held, source);
  const params = m.parameters();
  if (header.tensors.length < params.length) {
    throw new FormatError(
      `${source}: the file holds ${header.tensors.length} tensors; the model needs ${params.length} weights.`,
    );
  }
  params.forEach((p, i) => {
    const t = header.tensors[i];
    if (t.shape.length !== p.value.shape.length || !t.shape.every((d, k) => d === p.value.shape[k])) {
      throw new FormatError(
        `${source}: weight ${i} is ${describeEntry(t)}, but ${p.name} needs ${JSON.stringify(p.value.shape)}.`,
      );
    }
  });
  header.tensors.forEach((t) => {
    if (t.dtype !== dtype)
      throw new FormatError(`${source}: the tensor ${t.name} is ${t.dtype}, but the model is ${dtype}.`);
  });
  m.setWeights(params.map((_, i) => new Tensor(data[i], header.tensors[i].shape)));

  const training = header.training as TrainingSection | undefined;
  if (training === undefined) {
    if (header.tensors.length !== params.length)
      throw new FormatError(
        `${source}: the file holds ${header.tensors.length} tensors; the model has ${params.length} weights and no training state.`,
      );
    return m;
  }
  if (typeof training !== 'object' || training === null)
    throw new FormatError(`${source}: the training section must be an object.`);
  for (const key of ['metrics', 'weightedMetrics'] as const) {
    const names = (x: unknown): boolean =>
      typeof x === 'string' || (Array.isArray(x) && x.every((y) => typeof y === 'string'));
    if (!Array.isArray(training[key] ?? []) || !(training[key] ?? []).every(names)) {
      throw new FormatError(`${source}: training.${key} must be a list of names, got ${quote(training[key])}.`);
    }
  }
  const opt = training.optimizer;
  if (
    typeof opt !== 'object' ||
    opt === null ||
    typeof opt.className !== 'string' ||
    (opt.config !== undefined && (typeof opt.config !== 'object' || opt.config === null))
  ) {
    throw new FormatError(`${source}: training.optimizer must be { className, config }, got ${quote(opt)}.`);
  }
  // The file's names are checked by compile, as a JavaScript caller's are.
  const loss = training.loss as LossIdentifier;
  const metrics = (training.metrics ?? []) as MetricName[][];
  const weightedMetrics = (training.weightedMetrics ?? []) as MetricName[][];
  m.compile({
    optimizer: optimizerFromConfig(opt.className, opt.config ?? {}),
    loss,
    metrics,
    weightedMetrics,
    ...(training.lossWeights === undefined ? {} : { lossWeights: training.lossWeights }),
  });
  const state = training.optimizerState;
  if (state !== undefined) {
    if (
      typeof state !== 'object' ||
      state === null ||
      !Number.isSafeInteger(state.iterations) ||
      !Array.isArray(state.slots) ||
      !state.slots.every((n) => Number.isInteger(n) && n >= 0)
    ) {
      throw new FormatError(
        `${source}: training.optimizerState must be { iterations, slots: [counts] }, got ${quote(state)}.`,
      );
    }
    if (state.slots.length !== params.length)
      throw new FormatError(
        `${source}: the optimizer state lists ${state.slots.length} weights; the model has ${params.length}.`,
      );
    let next = params.length;
    const slots = state.slots.map((count) => data.slice(next, (next += count)));
    if (next !== header.tensors.length) {
      throw new FormatError(
        `${source}: the optimizer state lists ${next - params.length} buffers for ${slots.length} weights, the file holds ${header.tensors.length - params.length}.`,
      );
    }
    let at = params.length;
    state.slots.forEach((count, i) => {
      for (let j = 0; j < count; j++, at++) {
        const t = header.tensors[at];
        if (JSON.stringify(t.shape) !== JSON.stringify(params[i].value.shape)) {
          throw new FormatError(
            `${source}: the optimizer state ${t.name} has shape ${formatShape(t.shape)}, but its weight ${params[i].name} is ${formatShape(params[i].value.shape)}.`,
          );
        }
      }
    });
    m.optimizer!.setState(params, { iterations: state.iterations, slots });
  } else if (header.tensors.length !== params.length) {
    throw new FormatError(
      `${source}: the file holds ${header.tensors.length} tensors; the model has ${params.length} weights and no optimizer state.`,
    );
  }
  if (training.rng !== undefined) m.setRngState(training.rng);
  return m;
}
