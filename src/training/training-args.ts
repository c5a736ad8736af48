/**
 * What compile, fit, evaluate and trainOnBatch take, and the checks of it. The names `compile`
 * accepts are string unions, so that a misspelt `'adma'` fails to type-check; the same checks run
 * at run time for JavaScript callers, whose mistakes get a ValueError saying what to write instead.
 */
import { ShapeError, ValueError, checkInt, checkKeys, formatShape } from '../errors.js';
import type { Optimizer } from '../optimizers/index.js';
import type { Loss, LossName } from '../losses/losses.js';
import { Tensor, isTensor } from '../tensor/tensor.js';
import type { Callback } from './callbacks.js';
import type { ClassWeight } from './sample-weights.js';

/**
 * The optimizers `compile` makes by name, with Keras's defaults (case does not matter at run time).
 * @example
 * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
 */
export type OptimizerName = 'adam' | 'rmsprop' | 'sgd' | 'Adam' | 'RMSprop' | 'SGD';

/**
 * The losses `compile` takes by name: camelCase, Keras's snake_case, or `'mse'`.
 * @example
 * model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
 */
export type LossIdentifier =
  | LossName
  | 'categorical_crossentropy'
  | 'sparse_categorical_crossentropy'
  | 'binary_crossentropy'
  | 'mean_squared_error'
  | 'mse';

/**
 * The metrics `compile` takes by name. `'accuracy'` (or `'acc'`) picks sparse, categorical or binary
 * accuracy from the loss and the output's width, as Keras does (binary with binaryCrossentropy).
 * @example
 * model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 */
export type MetricName =
  | 'accuracy'
  | 'acc'
  | 'Accuracy'
  | 'sparseCategoricalAccuracy'
  | 'sparse_categorical_accuracy'
  | 'categoricalAccuracy'
  | 'categorical_accuracy'
  | 'binaryAccuracy'
  | 'binary_accuracy';

/**
 * A model's inputs or targets: one Tensor (a model of one input or output), an array in the model's
 * order, or an object keyed by name (inputs by their Input's name, targets by their output layer's).
 * @example
 * await model.fit({ image: xTrain, hint: hints }, { digit: yTrain, even: isEven }, { epochs: 2 });
 */
export type Tensors = Tensor | Tensor[] | Record<string, Tensor>;

/**
 * The arguments of `compile`: the optimizer, the loss and the metrics training will use.
 * @example
 * const optimizer = new Adam({ learningRate: 1e-3 });
 * model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
 */
export interface CompileArgs {
  /** An Optimizer, or 'adam' | 'rmsprop' | 'sgd' with Keras's defaults. */
  optimizer: Optimizer | OptimizerName;
  /**
   * The loss; for a model of several outputs, one for all of them, an array in output order, or an
   * object by output name.
   */
  loss: LossIdentifier | LossIdentifier[] | Record<string, LossIdentifier>;
  /** For a model of several outputs, each output's loss's weight in the total (default 1 each). */
  lossWeights?: number[] | Record<string, number>;
  /**
   * E.g. ['accuracy']; a single name is accepted too, as Keras accepts it. Never weighted (Keras 3).
   * For a model of several outputs, as Keras 3 takes them: an array with an entry per output (a name,
   * an array of names, or null), or an object by output name.
   */
  metrics?:
    MetricName[] | MetricName | (MetricName | MetricName[] | null)[] | Record<string, MetricName | MetricName[]>;
  /**
   * Metrics weighted by fit's and evaluate's sample weights (class weights too), as Keras 3's
   * weighted_metrics: Σ wᵢ·correctᵢ / Σ wᵢ. Logged under the metric's key, or `weighted_<key>` when
   * `metrics` has it already (as Keras names them). Per output as `metrics`.
   */
  weightedMetrics?:
    MetricName[] | MetricName | (MetricName | MetricName[] | null)[] | Record<string, MetricName | MetricName[]>;
}

/**
 * The options of `fit`.
 * @example
 * const callbacks = [new EarlyStopping({ patience: 2 })];
 * const history = await model.fit(x, y, { epochs: 10, batchSize: 32, validationSplit: 0.2, callbacks });
 */
export interface FitArgs {
  /** Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** 0 silent, 1 progress bar (default), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Fraction of the samples, taken from the end before shuffling as Keras does, held out for validation. */
  validationSplit?: number;
  /**
   * Validation samples [x, y], or [x, y, sampleWeight] for a weighted val_loss; takes precedence over
   * validationSplit.
   */
  validationData?: [Tensor, Tensor] | [Tensor, Tensor, Tensor];
  /** Shuffle the training samples before each epoch; default true. */
  shuffle?: boolean;
  /** Epoch to start counting from (History and logs number epochs from here); with a loaded model, resumes its run. */
  initialEpoch?: number;
  callbacks?: Callback[] | Callback;
  /**
   * Stop with an error naming the epoch and batch when the loss becomes NaN or infinite (Keras's
   * TerminateOnNaN); default true.
   */
  terminateOnNaN?: boolean;
  /**
   * Weights of the training loss by class, e.g. `{ 0: 1, 1: 5 }` (Keras's class_weight): each
   * sample's loss, and so its gradient, is multiplied by its class's weight (1 for a class not
   * named). Keys are the model's classes (0 … units − 1). The validation loss stays unweighted, as
   * in Keras 3; `compile`'s metrics are never weighted, its weightedMetrics are.
   */
  classWeight?: ClassWeight;
  /**
   * One weight per sample of x, a Tensor [n] or [n, 1] of finite numbers ≥ 0 (Keras's sample_weight):
   * the loss is Σ wᵢ·lᵢ / batch size (Keras's 'sum_over_batch_size'), its gradient weighted alike.
   * With validationSplit the weights are split with the samples and, as in Keras 3, weight the
   * val_loss (not the issue's "validation unweighted"). Not together with classWeight (as Keras).
   * `compile`'s metrics stay unweighted and its weightedMetrics are weighted, as in Keras 3.
   */
  sampleWeight?: Tensor;
}

/**
 * The options of `evaluate` (and, `batchSize` only, of `predict`).
 * @example
 * const { loss, accuracy } = await model.evaluate(xTest, yTest, { batchSize: 128 });
 */
export interface EvaluateArgs {
  /** Default 32. */
  batchSize?: number;
  /** One weight per sample for the loss and weightedMetrics, as in fit (Keras's sample_weight). */
  sampleWeight?: Tensor;
}

/**
 * trainOnBatch's options: fit's classWeight or sampleWeight (Keras's class_weight, sample_weight).
 * @example
 * await model.trainOnBatch(xBatch, yBatch, { classWeight: { 0: 1, 1: 5 } });
 */
export type TrainOnBatchArgs = Pick<FitArgs, 'classWeight' | 'sampleWeight'>;

/**
 * Loss and metrics, e.g. `{ loss, accuracy }`.
 * @example
 * const e: Evaluation = await model.evaluate(xTest, yTest);
 * console.log(e.loss, e.accuracy);
 */
export type Evaluation = { loss: number } & Record<string, number>;

/**
 * fit's options with their defaults in place, checked.
 * @example
 * const o = checkFitArgs({ epochs: 3 }); // o.batchSize === 32, o.shuffle === true
 */
export interface FitOptions {
  epochs: number;
  batchSize: number;
  verbose: 0 | 1 | 2;
  initialEpoch: number;
  validationSplit: number;
  shuffle: boolean;
  terminateOnNaN: boolean;
  callbacks: Callback[];
}

const FIT_KEYS = [
  'epochs',
  'batchSize',
  'verbose',
  'validationSplit',
  'validationData',
  'shuffle',
  'initialEpoch',
  'callbacks',
  'terminateOnNaN',
  'classWeight',
  'sampleWeight',
];

/**
 * Checks fit's options (not the data, which the model checks) and fills in the defaults.
 * @example
 * checkFitArgs({ epochs: 2, verbose: 2 }); // { epochs: 2, batchSize: 32, verbose: 2, … }
 * checkFitArgs({ batch_size: 8 } as never); // ValueError: fit: unknown option 'batch_size'; …
 */
export function checkFitArgs(args: FitArgs): FitOptions {
  checkKeys('fit', args, FIT_KEYS);
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  const verbose = args.verbose ?? 1;
  const initialEpoch = args.initialEpoch ?? 0;
  checkInt('fit', 'epochs', epochs, 0);
  checkInt('fit', 'batchSize', batchSize, 1);
  checkInt('fit', 'initialEpoch', initialEpoch, 0);
  if (verbose !== 0 && verbose !== 1 && verbose !== 2)
    throw new ValueError(`fit: verbose must be 0, 1 or 2, got ${String(verbose)}.`);
  const split = args.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) {
    throw new ValueError(`fit: validationSplit must be a number in [0, 1), got ${String(split)}.`);
  }
  const callbacks =
    args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  return {
    epochs,
    batchSize,
    verbose,
    initialEpoch,
    validationSplit: split,
    shuffle: args.shuffle !== false,
    terminateOnNaN: args.terminateOnNaN !== false,
    callbacks,
  };
}

/**
 * Checks fit's `validationData`: [xVal, yVal] or [xVal, yVal, sampleWeightVal].
 * @example
 * const [xVal, yVal, wVal] = checkValidationData(args.validationData);
 */
export function checkValidationData(vd: unknown): [unknown, unknown, unknown] {
  if (!Array.isArray(vd) || (vd.length !== 2 && vd.length !== 3)) {
    throw new ValueError(
      'fit: validationData must be [xVal, yVal] or [xVal, yVal, sampleWeightVal], ' +
        `got ${Array.isArray(vd) ? `an array of ${vd.length}` : typeof vd}.`,
    );
  }
  return [vd[0], vd[1], vd[2]];
}

/**
 * What a value given where a Tensor belongs is, for an error message; for an array, what to write
 * instead (a TF.js or NumPy habit is to pass the plain array).
 * @example
 * notATensor([[0, 1]]); // 'an Array; wrap it with tensor(array) (nested arrays give their shape) or …'
 * notATensor(null); // 'null'
 */
export function notATensor(v: unknown): string {
  if (Array.isArray(v))
    return 'an Array; wrap it with tensor(array) (nested arrays give their shape) or tensor(flat, shape)';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}; wrap it with tensor(values, shape)`;
  return v === null ? 'null' : typeof v;
}

/**
 * Checks targets y against inputs x (as many samples) and against what the loss takes of outputs of
 * sample shape `outputShape`; returns y.
 * @example
 * checkTargets(tensor([0, 1]), x, getLoss('mse'), [1], 'fit'); // ShapeError unless x has 2 samples
 */
export function checkTargets(y: unknown, x: Tensor, loss: Loss, outputShape: number[], where: string): Tensor {
  if (!isTensor(y)) throw new ValueError(`${where}: y must be a Tensor, got ${notATensor(y)}.`);
  if (y.rank === 0 || y.shape[0] !== x.shape[0]) {
    throw new ShapeError(
      `${where}: x has ${x.shape[0]} samples but y has shape ${formatShape(y.shape)}; expected ${x.shape[0]} targets.`,
    );
  }
  loss.checkTargets(y, outputShape, where);
  return y;
}
