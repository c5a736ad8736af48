/**
 * Sequential: a stack of layers (Keras's sequential.py), only the stack: adding layers, building
 * them once the input shape is known, the config. It is a Model (model.ts) whose graph is the chain
 *   x [batch, ...inputShape] → layer₁ → … → layerₙ → y [batch, ...outputShape]
 * run by the one executor (graph.ts); compile, fit, evaluate, predict and the weights are Model's.
 */
import { ShapeError, ValueError, formatShape } from '../errors.js';
import type { FloatDType } from '../tensor/kernels.js';
import type { Tensor } from '../tensor/tensor.js';
import type { EvaluateArgs, Tensors } from '../training/training-args.js';
import { Layer, sameShape } from '../layers/layer.js';
import { Input } from '../layers/core/input-layer.js';
import { layerToConfig } from '../layers/registry.js';
import { summaryLines } from './summary.js';
import { Graph } from './graph.js';
import { Model, type SequentialConfig } from './model.js';

export { setFileSaver } from './model.js';
export type { SaveOptions, SaveResult } from './save-options.js';
export type {
  CompileArgs,
  EvaluateArgs,
  Evaluation,
  FitArgs,
  TrainOnBatchArgs,
  Tensors,
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
export class Sequential extends Model {
  /** The stack, in order (Keras's Sequential lists no InputLayer). */
  private readonly stack: Layer[] = [];

  constructor(layers: Layer[] = [], args: SequentialArgs = {}) {
    super(Model.chainArgs(args));
    if (!Array.isArray(layers))
      throw new ValueError(`Sequential: layers must be an array of layers, got ${typeof layers}.`);
    // The graph is made once for all the given layers, not once per layer: a chain of n layers
    // built by n graphs would cost n² (a file of 100,000 layers would hang the loader).
    this.adding = true;
    try {
      for (const l of layers) this.add(l);
    } finally {
      this.adding = false;
    }
    const first = this.stack[0];
    if (first?.declaredInputShape) this.build([null, ...first.declaredInputShape]);
  }

  /** True while the constructor adds its layers, the model built once they are all in. */
  private adding = false;

  /** The layers in order (Keras's Sequential lists no InputLayer). */
  override get layers(): Layer[] {
    return this.stack;
  }

  /**
   * Appends a layer; builds the model as soon as the first layer's inputShape is known.
   * @example
   * model.add(new Dense(10, { activation: 'softmax' }));
   */
  add(layer: Layer): void {
    if (layer instanceof Model) {
      throw new ValueError(
        `Sequential.add: ${layer.describe()} is a model; a Sequential holds layers only: apply the model in a functional one (new Model({ inputs: x, outputs: model.apply(x) })).`,
      );
    }
    if (!(layer instanceof Layer)) {
      throw new ValueError(
        `Sequential.add: expected a Layer, got ${String((layer as object)?.constructor?.name ?? layer)}.`,
      );
    }
    if (layer.takesList) {
      throw new ValueError(
        `Sequential.add: ${layer.describe()} takes a list of inputs, and a Sequential gives each layer one: build the model with Input, apply and Model.`,
      );
    }
    const stack = this.stack;
    if (stack.includes(layer)) throw new ValueError(`Sequential.add: ${layer.describe()} is already in the model.`);
    if (stack.some((l) => l.name === layer.name)) {
      throw new ValueError(
        `Sequential.add: the model already has a layer named '${layer.name}'; layer names must be unique in a model (files and TensorFlow.js find weights by them).`,
      );
    }
    this.checkIdle('add');
    if (stack.length > 0 && layer.declaredInputShape && !this.built && !(this.adding && stack[0].declaredInputShape)) {
      throw new ShapeError(`${layer.describe()} declares an inputShape but is not the first layer.`);
    }
    if (this.built) {
      const { inputs, outputs } = this.nestedGraph;
      this.setGraph(new Graph(inputs, [layer.apply(outputs[0])], this.describe()));
      stack.push(layer);
    } else if (stack.length === 0 && layer.declaredInputShape && !this.adding) {
      stack.push(layer);
      try {
        this.build([null, ...layer.declaredInputShape]);
      } catch (e) {
        stack.pop();
        throw e;
      }
    } else {
      stack.push(layer);
    }
  }

  /**
   * Creates every layer's weights for inputs of shape `[null, ...sample]` (the batch dimension may be
   * null or a number).
   * @example
   * new Sequential([new Flatten(), new Dense(10)]).build([null, 28, 28]);
   */
  override build(inputShape: (number | null)[]): void {
    if (this.stack.length === 0) throw new ValueError(`${this.describe()}: cannot build a model with no layers.`);
    const sample = inputShape.slice(1) as number[];
    if (inputShape.length < 2 || sample.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ShapeError(
        `${this.describe()}.build: expected a batch shape like [null, 784], got ${formatShape(inputShape)}.`,
      );
    }
    const built = this.inputShape;
    if (built) {
      if (!sameShape(built, sample)) {
        throw new ShapeError(
          `${this.describe()} is built for inputs ${formatShape([null, ...built])}, got ${formatShape(inputShape)}.`,
        );
      }
      return;
    }
    const x = Input({ shape: sample });
    let h = x;
    for (const l of this.stack) h = l.apply(h);
    this.setGraph(new Graph([x], [h], this.describe()));
  }

  /** The one output's name, its last layer's (known before the model is built, so compile can come first). */
  override get outputNames(): string[] {
    return [this.stack[this.stack.length - 1]?.name ?? 'output'];
  }

  /** `Sequential 'sequential'`, for error messages. */
  override describe(): string {
    return `Sequential '${this.name}'`;
  }

  /**
   * The model's outputs for x, computed in batches in inference mode: a new tensor [n, ...outputShape].
   * @example
   * const classes = (await model.predict(xTest)).argMax(); // [n], int32
   */
  override async predict(x: Tensors, args: Pick<EvaluateArgs, 'batchSize'> = {}): Promise<Tensor> {
    return (await super.predict(x, args)) as Tensor;
  }

  /** The architecture as JSON values: what rebuilds this model, weights aside. */
  override toConfig(): SequentialConfig {
    const inputShape = this.inputShape;
    return {
      name: this.name,
      dtype: this.dtype,
      ...(inputShape ? { inputShape } : {}),
      layers: this.stack.map(layerToConfig),
    };
  }

  /**
   * Keras's table of layers, output shapes and parameter counts; printed with `print` (default
   * console.log) and returned.
   * @example
   * const text = model.summary(() => {}); // the table, not printed
   */
  override summary(print: (line: string) => void = console.log): string {
    this.requireGraph('summary');
    const lines = summaryLines(this);
    for (const l of lines) print(l);
    return lines.join('\n');
  }
}
