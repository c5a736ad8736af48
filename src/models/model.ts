/**
 * Model (Keras's functional Model): the layers between symbolic inputs and outputs, run by one
 * executor (graph.ts), and everything a model does with them: compile, fit, evaluate, predict,
 * trainOnBatch, computeGradients, the weights, save. Sequential (sequential.ts) is the chain case:
 * it builds the same graph, x → layer₁ → … → layerₙ, as its layers are added.
 *   const x = Input({ shape: [784] });
 *   const y = new Dense(10, { activation: 'softmax' }).apply(new Dense(64, { activation: 'relu' }).apply(x));
 *   const model = new Model({ inputs: x, outputs: y });
 * compile makes a Trainer (training/trainer.ts) for the model; fit and the others hand it their work.
 */
import { ShapeError, ValueError, checkKeys } from '../errors.js';
import type { FloatDType } from '../tensor/kernels.js';
import { Rng, checkSeed } from '../tensor/random.js';
import type { FloatTensor, Tensor } from '../tensor/tensor.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { History } from '../training/callbacks.js';
import { sameShape, uniqueName, type Layer, type Param } from '../layers/layer.js';
import { GraphNode, SymbolicTensor } from '../layers/symbolic.js';
import { InputLayer } from '../layers/core/input-layer.js';
import type { SaveOptions, SaveResult } from './save-options.js';
import { functionalSummaryLines } from './summary.js';
import { setLayerWeights } from './weights.js';
import { prepareModelInputs } from './model-input.js';
import { Graph } from './graph.js';
import { graphSpec, type TensorRef } from './graph-config.js';
import { layerToConfig } from '../layers/registry.js';
import { Trainer, predict } from '../training/trainer.js';
import type { ModelBackwardOptions, TrainableModel } from '../training/trainable-model.js';
import type {
  CompileArgs,
  EvaluateArgs,
  Evaluation,
  FitArgs,
  TrainOnBatchArgs,
  Tensors,
} from '../training/training-args.js';

/**
 * A functional model's options: its inputs and outputs (one symbolic tensor or an array of them), a
 * name, a seed for a reproducible run, the precision.
 * @example
 * const args: ModelArgs = { inputs: x, outputs: [digit, even], name: 'two_heads', seed: 1 };
 */
export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
  /** Fixes weight initialisation, shuffles and dropout masks: the same seed gives the same run, bit for bit. */
  seed?: number;
  /** Precision of weights and computation; default 'float32' ('float64' is for gradient checks). */
  dtype?: FloatDType;
}

type FileSaver = (model: Model, path: string, options: SaveOptions) => Promise<SaveResult>;
let fileSaver: FileSaver | undefined;
/**
 * Sets what `model.save(path)` writes with. io/save.ts sets it when loaded, so the Node entry and
 * the CLI can save; the browser entry never loads it (it would pull in node:fs).
 * @example
 * setFileSaver(async (model, path, options) => ({ notes: [] })); // a saver that writes nothing
 * @internal
 */
export function setFileSaver(saver: FileSaver): void {
  fileSaver = saver;
}

/**
 * A functional model's architecture as JSON values: see Model.toConfig.
 * @example
 * const config: FunctionalConfig = model.toConfig() as FunctionalConfig;
 */
export interface FunctionalConfig {
  name: string;
  dtype: FloatDType;
  layers: { className: string; config: Record<string, unknown>; inbound: TensorRef[][] }[];
  inputs: TensorRef[];
  outputs: TensorRef[];
}

/**
 * A Sequential's architecture as JSON values: its input shape and its layers in order.
 * @example
 * const config: SequentialConfig = new Sequential([new Dense(2, { inputShape: [3] })]).toConfig();
 */
export interface SequentialConfig {
  name: string;
  dtype: FloatDType;
  inputShape?: number[];
  layers: { className: string; config: Record<string, unknown> }[];
}

/** Sequential's constructor builds its graph as layers come, not from inputs and outputs. */
const CHAIN = Symbol('chain');

/**
 * A model of layers between inputs and outputs (Keras's functional `keras.Model`, TensorFlow.js's
 * `tf.model`): build the graph with `Input` and `layer.apply`, then `compile`, `fit`, `evaluate`,
 * `predict` and `save` as with Sequential. A layer applied at several places is one layer with one
 * set of weights, its gradients summed over the places.
 * @example
 * const x = Input({ shape: [28, 28, 1] });
 * const c = new Conv2D(8, 3, { padding: 'same', activation: 'relu' }).apply(x);
 * const r = new Add().apply([c, new Conv2D(8, 3, { padding: 'same' }).apply(c)]);
 * const y = new Dense(10, { activation: 'softmax' }).apply(new Flatten().apply(r));
 * const model = new Model({ inputs: x, outputs: y, seed: 1 });
 * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
 */
export class Model implements TrainableModel {
  readonly name: string;
  readonly dtype: FloatDType;
  /** Set to true (e.g. from a callback) to stop `fit` after the current batch. */
  stopTraining = false;
  /**
   * The names the epoch logs of the fit under way (or the last one) hold; see CallbackModel.
   * @internal
   */
  epochLogNames?: readonly string[];
  /**
   * The generator behind weight initialisation, shuffles and dropout masks.
   * @internal
   */
  readonly rng: Rng;
  /** The executor; a Sequential has none until its input shape is known. */
  private graph?: Graph;
  private trainer?: Trainer;
  /** The running `fit`, if any: another fit, trainOnBatch or compile must wait for it. */
  private fitting = false;
  private ownTrainable = true;

  constructor(args: ModelArgs) {
    const chain = (args as unknown as { [CHAIN]?: true })?.[CHAIN] === true;
    const who = chain ? 'Sequential' : 'Model';
    const options = chain ? (args as unknown as { args: Partial<ModelArgs> }).args : args;
    checkKeys(who, options, chain ? ['seed', 'dtype', 'name'] : ['inputs', 'outputs', 'name', 'seed', 'dtype']);
    this.name = options.name ?? uniqueName(chain ? 'sequential' : 'functional');
    this.dtype = options.dtype ?? 'float32';
    if (this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new ValueError(`${who}: dtype must be 'float32' or 'float64', got '${String(this.dtype)}'.`);
    }
    if (options.seed !== undefined) checkSeed(who, options.seed);
    this.rng = new Rng(options.seed);
    if (chain) return;
    const inputs = symbolicList(args.inputs, 'inputs', this.describe());
    const outputs = symbolicList(args.outputs, 'outputs', this.describe());
    for (const t of inputs) {
      if (!(t.node.layer instanceof InputLayer)) {
        throw new ValueError(
          `${this.describe()}: the input '${t.name}' is the output of ${t.node.layer.describe()}; a model's inputs come from Input({ shape }).`,
        );
      }
    }
    if (new Set(inputs).size !== inputs.length) {
      throw new ValueError(
        `${this.describe()}: an input is given twice (${inputs.map((t) => `'${t.name}'`).join(', ')}).`,
      );
    }
    this.setGraph(new Graph(inputs, outputs, this.describe()));
  }

  /**
   * The arguments a Sequential passes to Model's constructor.
   * @internal
   */
  protected static chainArgs(args: { seed?: number; dtype?: FloatDType; name?: string }): ModelArgs {
    return { [CHAIN]: true, args } as unknown as ModelArgs;
  }

  /**
   * Builds the graph's layers with the model's generator and makes it the model's.
   * @internal
   */
  protected setGraph(graph: Graph): void {
    graph.build({ dtype: this.dtype, rng: this.rng });
    this.graph = graph;
  }

  /**
   * The architecture as JSON values (Keras's get_config): every layer with its config and, for each
   * time it is applied, the tensors it takes; the inputs and outputs. What rebuilds the model, weights aside.
   * @example
   * model.toConfig().outputs; // [['digit', 0, 0], ['even', 0, 0]]
   */
  toConfig(): SequentialConfig | FunctionalConfig {
    const graph = this.requireGraph('toConfig');
    const spec = graphSpec(graph.layers, graph);
    return {
      name: this.name,
      dtype: this.dtype,
      layers: graph.layers.map((l, i) => ({ ...layerToConfig(l), inbound: spec.layers[i].inbound })),
      inputs: spec.inputs,
      outputs: spec.outputs,
    };
  }

  /**
   * Applies the model to symbolic tensors as if it were a layer (Keras's `model(x)` in a functional
   * graph): a GAN's `discriminator.apply(generator.apply(z))`, a tower applied to two images. The
   * model's layers, with their weights, become part of the graph (inlined: the outer model's `layers`
   * and files list them); its outputs come back, one tensor or an array for several.
   * @example
   * const z = Input({ shape: [16] });
   * const gan = new Model({ inputs: z, outputs: discriminator.apply(generator.apply(z)) });
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    const graph = this.requireGraph('apply');
    const xs = symbolicList(inputs, 'apply', this.describe());
    const expected = graph.inputs.map((t) => t.sampleShape);
    if (xs.length !== expected.length || xs.some((x, i) => !sameShape(x.sampleShape, expected[i]))) {
      const shown = (shapes: readonly (readonly number[])[]) => shapes.map((s) => `[None, ${s.join(', ')}]`).join(', ');
      throw new ShapeError(
        `${this.describe()}.apply: the model takes ${shown(expected)}, got ${shown(xs.map((x) => x.sampleShape))}.`,
      );
    }
    const node = new GraphNode(this, xs, graph.outputShapes, Array.isArray(inputs));
    return node.outputs.length === 1 ? node.outputs[0] : node.outputs;
  }

  /**
   * The graph a model applied inside another one brings (see `apply`).
   * @internal
   */
  get nestedGraph(): Graph {
    return this.requireGraph('apply');
  }

  /**
   * False freezes every layer of the model (Keras's `model.trainable = False`), as a GAN freezes its
   * discriminator before compiling the model that trains the generator through it; true unfreezes
   * them. As for layers, a change takes effect at the next `compile`.
   */
  get trainable(): boolean {
    return this.ownTrainable;
  }

  set trainable(value: boolean) {
    if (typeof value !== 'boolean') {
      throw new ValueError(`${this.describe()}: trainable must be true or false, got ${JSON.stringify(value)}.`);
    }
    this.ownTrainable = value;
    for (const l of this.layers) l.trainable = value;
  }

  /** `Model 'functional'`, for error messages. */
  describe(): string {
    return `Model '${this.name}'`;
  }

  /** Every layer, each once: the inputs' layers first, then in the order they run. */
  get layers(): Layer[] {
    return this.requireGraph('layers').layers;
  }

  /** The symbolic inputs, in the order `fit` and `predict` take their values. */
  get inputs(): SymbolicTensor[] {
    return [...this.requireGraph('inputs').inputs];
  }

  /** The symbolic outputs, in the order `predict` returns them and `compile` takes their losses. */
  get outputs(): SymbolicTensor[] {
    return [...this.requireGraph('outputs').outputs];
  }

  get built(): boolean {
    return this.graph !== undefined;
  }

  /** Sample shape of the (first) input, no batch dimension; undefined until built. */
  get inputShape(): number[] | undefined {
    return this.inputShapes?.[0];
  }

  /** Sample shape of each input (no batch dimension); undefined until built. */
  get inputShapes(): number[][] | undefined {
    return this.graph?.inputs.map((t) => [...t.sampleShape]);
  }

  /** The inputs' names (their InputLayers'), what an object of inputs is keyed by; undefined until built. */
  get inputNames(): string[] | undefined {
    return this.graph?.inputs.map((t) => t.name);
  }

  /** Sample shape of the (first) output, no batch dimension. */
  get outputShape(): number[] {
    return this.outputShapes[0];
  }

  /** Sample shape of each output (no batch dimension). */
  get outputShapes(): number[][] {
    return this.requireGraph('outputShapes').outputShapes;
  }

  /**
   * The outputs' names (their layers'), what objects of targets, losses and metrics are keyed by; a
   * name that comes twice (two outputs of one shared layer) is made unique as tf.keras makes it:
   * `shared`, `shared_1`.
   */
  get outputNames(): string[] {
    const seen = new Map<string, number>();
    return this.requireGraph('outputNames').outputs.map((t) => {
      const k = seen.get(t.name) ?? 0;
      seen.set(t.name, k + 1);
      return k === 0 ? t.name : `${t.name}_${k}`;
    });
  }

  /** A functional model is built from its inputs; this checks that a batch shape fits them. */
  build(inputShape: (number | null)[]): void {
    const sample = this.inputShape ?? [];
    if (!sameShape(inputShape.slice(1) as number[], sample)) {
      throw new ShapeError(`${this.describe()} is built for inputs [None, ${sample.join(', ')}].`);
    }
  }

  /**
   * Chooses the optimizer, loss and metrics for training; freezes the layers whose `trainable` is false now.
   * @example
   * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
   */
  compile(args: CompileArgs): void {
    this.checkIdle('compile');
    this.trainer = new Trainer(this, args);
  }

  /** The optimizer given to `compile`. */
  get optimizer(): Optimizer | undefined {
    return this.trainer?.optimizer;
  }

  /**
   * The loss and metric names given to `compile`, for saving: the first output's, and each output's
   * with its loss weight in `outputs`.
   */
  get compileConfig():
    | {
        loss: string;
        metrics: string[];
        weightedMetrics: string[];
        outputs: { name: string; loss: string; lossWeight: number; metrics: string[]; weightedMetrics: string[] }[];
      }
    | undefined {
    const t = this.trainer;
    if (!t) return undefined;
    const outputs = t.heads.map((h) => ({
      name: h.name,
      loss: h.loss.name,
      lossWeight: h.weight,
      metrics: [...h.metrics],
      weightedMetrics: [...h.weightedMetrics],
    }));
    return { ...outputs[0], outputs };
  }

  /** The state of the model's random generator (shuffles, dropout masks), so a saved run resumes exactly. */
  getRngState(): ReturnType<Rng['getState']> {
    return this.rng.getState();
  }

  setRngState(state: ReturnType<Rng['getState']>): void {
    this.rng.setState(state);
  }

  /**
   * Saves the model atomically: architecture, weights and, when compiled (and `includeOptimizer`
   * is not false), the optimizer's state and the random generator's, so `fit` with `initialEpoch`
   * resumes exactly. `format: 'mnist-nn'` (default) writes one file; a path ending in `.keras` (or
   * `format: 'keras'`) writes Keras 3's file; see loadModel. Resolves to
   * notes on what the file leaves out (the 'tfjs' format leaves out augmentation layers, which
   * TensorFlow.js lacks and which are the identity at inference).
   * @example
   * await model.save('out/model.mnn');
   * const again = await loadModel('out/model.mnn');
   */
  async save(path: string, options: SaveOptions = {}): Promise<SaveResult> {
    if (!fileSaver) {
      throw new ValueError(
        `save: writing ${JSON.stringify(path)} needs a file system, which only the Node entry has; in a browser, modelToBytes(model) gives the file's bytes.`,
      );
    }
    return fileSaver(this, path, options);
  }

  /** Every weight, in getWeights() order (layer by layer; in each, trainable then non-trainable). */
  parameters(): Param[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  /** The weights training updates (a frozen layer's, and non-trainable weights, left out). */
  get trainableWeights(): Param[] {
    return this.layers.flatMap((l) => l.trainableWeights);
  }

  /** The weights training leaves alone: non-trainable weights and those of frozen layers. */
  get nonTrainableWeights(): Param[] {
    return this.layers.flatMap((l) => l.nonTrainableWeights);
  }

  countParams(): number {
    return this.layers.reduce((s, l) => s + l.countParams(), 0);
  }

  /**
   * Keras's table of layers, output shapes, parameter counts and, for a functional model, what each
   * layer is connected to; printed with `print` (default console.log) and returned.
   * @example
   * const text = model.summary(() => {}); // the table, not printed
   */
  summary(print: (line: string) => void = console.log): string {
    const lines = functionalSummaryLines(this.name, this.dtype, this.requireGraph('summary'));
    for (const l of lines) print(l);
    return lines.join('\n');
  }

  /**
   * Trains for `epochs` over (x, y) in mini-batches; resolves to the History of per-epoch loss and metrics.
   * @example
   * const history = await model.fit(xTrain, yTrain, { epochs: 10, batchSize: 32, validationSplit: 0.2 });
   * history.history.val_accuracy; // one figure per epoch
   */
  async fit(x: Tensors, y: Tensors, args: FitArgs = {}): Promise<History> {
    const trainer = this.requireCompiled('fit');
    this.checkIdle('fit');
    this.fitting = true;
    try {
      return await trainer.fit(x, y, args);
    } finally {
      this.fitting = false;
    }
  }

  /**
   * Loss and metrics over (x, y), the mean over all samples.
   * @example
   * const { loss, accuracy } = await model.evaluate(xTest, yTest);
   */
  async evaluate(x: Tensors, y: Tensors, args: EvaluateArgs = {}): Promise<Evaluation> {
    return this.requireCompiled('evaluate').evaluate(x, y, args);
  }

  /**
   * One optimizer step on one batch, weighted by `classWeight` or `sampleWeight` as fit's; resolves
   * to the batch's loss and metrics (before the step).
   * @example
   * for (let lo = 0; lo < 6400; lo += 64) await model.trainOnBatch(x.slice(lo, lo + 64), y.slice(lo, lo + 64));
   */
  async trainOnBatch(x: Tensors, y: Tensors, args: TrainOnBatchArgs = {}): Promise<Evaluation> {
    const trainer = this.requireCompiled('trainOnBatch');
    this.checkIdle('trainOnBatch');
    return trainer.trainOnBatch(x, y, args);
  }

  /**
   * The mean loss over the batch (x, y) and its gradient for every weight, aligned with
   * `getWeights()` (a non-trainable weight, which has no gradient, gets zeros). No weight is
   * updated. Inference mode by default (dropout off), so the result is a deterministic function of
   * the weights and changes nothing. With `training: true` it is a training step without the
   * update, as a Keras model called with training=True: dropout and augmentation draw from the
   * model's generator and BatchNormalization moves its moving statistics. With `sampleWeight` (a
   * Tensor [n]), the loss and gradients are fit's weighted ones.
   * @example
   * const { loss, grads } = await model.computeGradients(xBatch, yBatch); // grads[i] goes with getWeights()[i]
   */
  async computeGradients(
    x: Tensors,
    y: Tensors,
    args: { training?: boolean; sampleWeight?: Tensor } = {},
  ): Promise<{ loss: number; grads: Tensor[] }> {
    return this.requireCompiled('computeGradients').computeGradients(x, y, args);
  }

  /**
   * The model's outputs for x, computed in batches in inference mode: a new tensor [n, ...outputShape],
   * or for a model of several outputs an array of them in output order (as TensorFlow.js's predict).
   * @example
   * const [digits, even] = (await twoHeads.predict(xTest)) as Tensor[]; // [n, 10] and [n, 1]
   */
  async predict(x: Tensors, args: Pick<EvaluateArgs, 'batchSize'> = {}): Promise<Tensor | Tensor[]> {
    const outs = predict(this, x, args);
    return outs.length === 1 ? outs[0] : outs;
  }

  /**
   * Copies of every weight, in Keras's order (layer by layer; Dense: kernel, then bias).
   * @example
   * const [kernel, bias] = model.getWeights(); // the first Dense's [784, 128] and [128]
   */
  getWeights(): Tensor[] {
    return this.parameters().map((p) => p.value.clone());
  }

  /**
   * Sets every weight from tensors in `getWeights()` order; checks all of them before changing any.
   * @example
   * other.setWeights(model.getWeights()); // two models of one architecture, the same weights
   */
  setWeights(weights: Tensor[]): void {
    setLayerWeights(this.layers, weights, `${this.describe()}.setWeights`);
  }

  /**
   * Runs the graph on prepared inputs (checked and of the model's dtype, in input order) and returns
   * the outputs, the layers' own buffers, valid until the next forward: `predict` copies them.
   */
  forward(xs: readonly FloatTensor[], training: boolean): FloatTensor[] {
    return this.requireGraph('forward').forward(xs, { training, rng: this.rng });
  }

  /** The pre-softmax values of output i of the last forward when it ends in softmax (a fused cross-entropy's). */
  outputLogits(i: number): FloatTensor | undefined {
    return this.graph?.outputLogits(i);
  }

  /**
   * From dL/d(each output) of the last forward, the backward pass over the graph, writing the weight
   * gradients of the layers that learn. Nodes before the first one that learns need no gradient: for
   * Flatten → Dense that skips dx = dz·Wᵀ [batch, 784], a step's costliest product.
   */
  backward(dys: readonly FloatTensor[], options: ModelBackwardOptions): void {
    this.requireGraph('backward').backward(dys, options);
  }

  /**
   * Checks the inputs (one Tensor, an array in input order, or an object by input name) against the
   * model's (building a Sequential from them when needed), rejects NaN and infinities, casts them to
   * the model's dtype (integer pixels become floats as Keras does); in input order.
   * @internal
   */
  prepareInputs(x: unknown, where: string): FloatTensor[] {
    return prepareModelInputs(this, x, where);
  }

  /**
   * Refuses what would change the weights or the training setup under a running fit (as TensorFlow.js refuses a second
   * fit).
   */
  protected checkIdle(what: string): void {
    if (this.fitting) {
      throw new ValueError(
        `${this.describe()}: cannot ${what} while fit() is running on this model; await it first (callbacks may predict, evaluate and save).`,
      );
    }
  }

  private requireCompiled(where: string): Trainer {
    if (!this.trainer) throw new ValueError(`${this.describe()}: call compile({ optimizer, loss }) before ${where}().`);
    return this.trainer;
  }

  /**
   * The graph; a ValueError saying how to build a model not built yet.
   * @internal
   */
  protected requireGraph(where: string): Graph {
    if (!this.graph) {
      throw new ValueError(
        `${this.describe()} has not been built yet, so ${where} is unknown: give the first layer an inputShape, call build([null, ...shape]), or call fit/predict on data first.`,
      );
    }
    return this.graph;
  }
}

/** One symbolic tensor or a non-empty array of them, as an array; a ValueError naming what came otherwise. */
function symbolicList(v: unknown, what: string, where: string): SymbolicTensor[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || list.some((t) => !(t instanceof SymbolicTensor))) {
    const got = Array.isArray(v) ? `an array of ${v.length}` : v === undefined ? 'nothing' : typeof v;
    throw new ValueError(
      `${where}: ${what} must be a symbolic tensor (from Input or a layer's apply) or a non-empty array of them, got ${got}.`,
    );
  }
  return list as SymbolicTensor[];
}
