/**
 * Sequential: a stack of layers (Keras's sequential.py): adding and building layers, the forward
 * pass through them and the backward pass back, the weights and the config. It is a TrainableModel
 * (training/trainable-model.ts): compile makes a Trainer (training/trainer.ts) for it, and fit,
 * evaluate, predict, trainOnBatch and computeGradients hand their work to the trainer. The summary
 * is in summary.ts.
 *   forward:  h₀ = x [batch, ...inputShape],  hᵢ = layerᵢ(hᵢ₋₁),  y = h_last [batch, ...outputShape]
 *   backward: dL/dhᵢ₋₁ = layerᵢ.backward(dL/dhᵢ), from the last layer down to the first that learns
 * A little over 400 lines: every public method carries an example for the docs site.
 */
import { ShapeError, ValueError, checkKeys, formatShape } from '../errors.js';
import type { FloatDType } from '../tensor/kernels.js';
import { Rng, checkSeed } from '../tensor/random.js';
import type { FloatTensor, Tensor } from '../tensor/tensor.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { History } from '../training/callbacks.js';
import { Layer, sameShape, uniqueName, type ForwardContext, type Param } from '../layers/layer.js';
import { layerToConfig } from '../layers/registry.js';
import type { SaveOptions, SaveResult } from './save-options.js';
import { summaryLines } from './summary.js';
import { setLayerWeights } from './weights.js';
import { prepareModelInput } from './model-input.js';
import { Trainer, predict } from '../training/trainer.js';
import type { ModelBackwardOptions, TrainableModel } from '../training/trainable-model.js';
import type { CompileArgs, EvaluateArgs, Evaluation, FitArgs, TrainOnBatchArgs } from '../training/training-args.js';

export type { SaveOptions, SaveResult } from './save-options.js';
export type {
  CompileArgs,
  EvaluateArgs,
  Evaluation,
  FitArgs,
  TrainOnBatchArgs,
  OptimizerName,
  LossIdentifier,
  MetricName,
} from '../training/training-args.js';

/**
 * Sequential's options: a seed for a reproducible run, the precision, the name.
 * @example
 * const model = new Sequential([new Dense(10, { inputShape: [784] })], { seed: 1, name: 'probe' });
 */
export interface SequentialArgs {
  /** Fixes weight initialisation, shuffles and dropout masks: the same seed gives the same run, bit for bit. */
  seed?: number;
  /** Precision of weights and computation; default 'float32' ('float64' is for gradient checks). */
  dtype?: FloatDType;
  name?: string;
}

type FileSaver = (model: Sequential, path: string, options: SaveOptions) => Promise<SaveResult>;
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
 * A model that is a stack of layers, each feeding the next (Keras's `keras.Sequential`): build it,
 * `compile` it with an optimizer and a loss, `fit` it to data, then `evaluate`, `predict` and `save`.
 * @example
 * const model = new Sequential([
 *   new Flatten({ inputShape: [28, 28] }),
 *   new Dense(128, { activation: 'relu' }),
 *   new Dense(10, { activation: 'softmax' }),
 * ], { seed: 1 });
 * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
 * const history = await model.fit(xTrain.div(255), yTrain, { epochs: 5, validationSplit: 0.2 });
 * const { accuracy } = await model.evaluate(xTest.div(255), yTest);
 */
export class Sequential implements TrainableModel {
  readonly name: string;
  readonly layers: Layer[] = [];
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
  private trainer?: Trainer;
  private sample?: number[];
  /** The running `fit`, if any: another fit, trainOnBatch or compile must wait for it. */
  private fitting = false;

  constructor(layers: Layer[] = [], args: SequentialArgs = {}) {
    checkKeys('Sequential', args, ['seed', 'dtype', 'name']);
    this.name = args.name ?? uniqueName('sequential');
    this.dtype = args.dtype ?? 'float32';
    if (this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new ValueError(`Sequential: dtype must be 'float32' or 'float64', got '${String(this.dtype)}'.`);
    }
    if (args.seed !== undefined) checkSeed('Sequential', args.seed);
    this.rng = new Rng(args.seed);
    if (!Array.isArray(layers))
      throw new ValueError(`Sequential: layers must be an array of layers, got ${typeof layers}.`);
    for (const l of layers) this.add(l);
  }

  /**
   * Appends a layer; builds the model as soon as the first layer's inputShape is known.
   * @example
   * model.add(new Dense(10, { activation: 'softmax' }));
   */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) {
      throw new ValueError(
        `Sequential.add: expected a Layer, got ${String((layer as object)?.constructor?.name ?? layer)}.`,
      );
    }
    if (this.layers.includes(layer))
      throw new ValueError(`Sequential.add: ${layer.describe()} is already in the model.`);
    if (this.layers.some((l) => l.name === layer.name)) {
      throw new ValueError(
        `Sequential.add: the model already has a layer named '${layer.name}'; layer names must be unique in a model (files and TensorFlow.js find weights by them).`,
      );
    }
    this.checkIdle('add');
    if (this.layers.length > 0 && layer.declaredInputShape && !this.sample) {
      throw new ShapeError(`${layer.describe()} declares an inputShape but is not the first layer.`);
    }
    if (this.sample) {
      this.buildLayer(layer, this.outputShape);
      this.layers.push(layer);
    } else if (this.layers.length === 0 && layer.declaredInputShape) {
      this.layers.push(layer);
      try {
        this.build([null, ...layer.declaredInputShape]);
      } catch (e) {
        this.layers.pop();
        throw e;
      }
    } else {
      this.layers.push(layer);
    }
  }

  /**
   * Creates every layer's weights for inputs of shape `[null, ...sample]` (the batch dimension may be
   * null or a number).
   * @example
   * new Sequential([new Flatten(), new Dense(10)]).build([null, 28, 28]);
   */
  build(inputShape: (number | null)[]): void {
    if (this.layers.length === 0) throw new ValueError(`${this.describe()}: cannot build a model with no layers.`);
    const sample = inputShape.slice(1) as number[];
    if (inputShape.length < 2 || sample.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ShapeError(
        `${this.describe()}.build: expected a batch shape like [null, 784], got ${formatShape(inputShape)}.`,
      );
    }
    if (this.sample) {
      if (!sameShape(this.sample, sample)) {
        throw new ShapeError(
          `${this.describe()} is built for inputs ${formatShape([null, ...this.sample])}, got ${formatShape(inputShape)}.`,
        );
      }
      return;
    }
    let shape = sample;
    for (const l of this.layers) shape = this.buildLayer(l, shape);
    this.sample = sample;
  }

  private buildLayer(layer: Layer, inputShape: number[]): number[] {
    return layer.build(inputShape, { dtype: this.dtype, rng: this.rng });
  }

  /** `Sequential 'sequential'`, for error messages. */
  describe(): string {
    return `Sequential '${this.name}'`;
  }

  get built(): boolean {
    return this.sample !== undefined;
  }

  /** Sample shape of the input (no batch dimension), once built. */
  get inputShape(): number[] | undefined {
    return this.sample && [...this.sample];
  }

  /** Sample shape of the output (no batch dimension). */
  get outputShape(): number[] {
    this.requireBuilt('outputShape');
    const last = this.layers[this.layers.length - 1].outputShape;
    if (!last) throw new ValueError(`${this.describe()}: its last layer has not been built.`);
    return last;
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

  /** The loss and metric names given to `compile`, for saving. */
  get compileConfig(): { loss: string; metrics: string[]; weightedMetrics: string[] } | undefined {
    return (
      this.trainer && {
        loss: this.trainer.loss.name,
        metrics: [...this.trainer.metrics],
        weightedMetrics: [...this.trainer.weightedMetrics],
      }
    );
  }

  /** The architecture as JSON values: what rebuilds this model, weights aside. */
  toConfig(): {
    name: string;
    dtype: FloatDType;
    inputShape?: number[];
    layers: { className: string; config: Record<string, unknown> }[];
  } {
    return {
      name: this.name,
      dtype: this.dtype,
      ...(this.sample ? { inputShape: [...this.sample] } : {}),
      layers: this.layers.map(layerToConfig),
    };
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
   * Keras's table of layers, output shapes and parameter counts; printed with `print` (default
   * console.log) and returned.
   * @example
   * const text = model.summary(() => {}); // the table, not printed
   */
  summary(print: (line: string) => void = console.log): string {
    this.requireBuilt('summary');
    const lines = summaryLines(this);
    for (const l of lines) print(l);
    return lines.join('\n');
  }

  /**
   * Trains for `epochs` over (x, y) in mini-batches; resolves to the History of per-epoch loss and metrics.
   * @example
   * const history = await model.fit(xTrain, yTrain, { epochs: 10, batchSize: 32, validationSplit: 0.2 });
   * history.history.val_accuracy; // one figure per epoch
   */
  async fit(x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> {
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
  async evaluate(x: Tensor, y: Tensor, args: EvaluateArgs = {}): Promise<Evaluation> {
    return this.requireCompiled('evaluate').evaluate(x, y, args);
  }

  /**
   * One optimizer step on one batch, weighted by `classWeight` or `sampleWeight` as fit's; resolves
   * to the batch's loss and metrics (before the step).
   * @example
   * for (let lo = 0; lo < 6400; lo += 64) await model.trainOnBatch(x.slice(lo, lo + 64), y.slice(lo, lo + 64));
   */
  async trainOnBatch(x: Tensor, y: Tensor, args: TrainOnBatchArgs = {}): Promise<Evaluation> {
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
    x: Tensor,
    y: Tensor,
    args: { training?: boolean; sampleWeight?: Tensor } = {},
  ): Promise<{ loss: number; grads: Tensor[] }> {
    return this.requireCompiled('computeGradients').computeGradients(x, y, args);
  }

  /**
   * The model's outputs for x, computed in batches in inference mode: a new tensor [n, ...outputShape].
   * @example
   * const classes = (await model.predict(xTest)).argMax(); // [n], int32
   */
  async predict(x: Tensor, args: Pick<EvaluateArgs, 'batchSize'> = {}): Promise<Tensor> {
    return predict(this, x, args);
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
   * Runs every layer on a batch x [batch, ...inputShape] (already checked and of the model's dtype)
   * and returns the last layer's own buffer, valid until the next forward: `predict` copies it.
   */
  forward(x: FloatTensor, training: boolean): FloatTensor {
    const ctx: ForwardContext = { training, rng: this.rng };
    let h = x;
    for (const l of this.layers) h = l.forward(h, ctx);
    return h;
  }

  /** The pre-softmax values of the last forward when the last layer ends in softmax (a fused cross-entropy's). */
  outputLogits(): FloatTensor | undefined {
    const last = this.layers[this.layers.length - 1];
    return last.endsInSoftmax() ? last.logits() : undefined;
  }

  /**
   * From dL/dy of the last forward, each layer's backward in reverse order, writing the weight
   * gradients of the layers that learn. Layers before the first one that learns need no gradient,
   * nor does its input: for Flatten → Dense that skips dx = dz·Wᵀ [batch, 784], a step's costliest
   * product.
   */
  backward(dy: FloatTensor, options: ModelBackwardOptions): void {
    const layers = this.layers;
    const learns = layers.map((l) => l.parameters().some((p) => p.trainable !== false) && options.learns(l));
    const first = learns.indexOf(true);
    let d: FloatTensor | null = dy;
    for (let i = layers.length - 1; first >= 0 && i >= first && d; i--) {
      const skipSoftmax = options.fromLogits && i === layers.length - 1;
      d = layers[i].backward(d, { needInputGrad: i > first, skipSoftmax, weightGrads: learns[i] });
    }
  }

  /**
   * Checks x against the model's input shape (building the model from it when needed), rejects
   * NaN and infinities, and casts it to the model's dtype (integer pixels become floats as Keras does).
   * @internal
   */
  prepareInput(x: Tensor, where: string): FloatTensor {
    return prepareModelInput(this, x, where);
  }

  /**
   * Refuses what would change the weights or the training setup under a running fit (as TensorFlow.js refuses a second
   * fit).
   */
  private checkIdle(what: string): void {
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

  private requireBuilt(where: string): void {
    if (!this.built) {
      throw new ValueError(
        `${this.describe()} has not been built yet, so ${where} is unknown: give the first layer an inputShape, call build([null, ...shape]), or call fit/predict on data first.`,
      );
    }
  }
}
