/**
 * The training loop (Keras's Trainer): what `compile` chose, and `fit`, `evaluate`, `trainOnBatch`
 * and `computeGradients` over a model's layers. A training step is
 *   forward through every layer → loss and dL/d(output) → backward in reverse → optimizer step.
 * Whether the loss takes the logits of a final softmax (cross-entropy fused with softmax, whose
 * backward pass starts from dL/dlogits = (p − y)/n) is decided in one place, `outputLoss`.
 */
import { ShapeError, ValueError, checkInt, checkKeys, formatShape } from '../errors.js';
import { getOptimizer, type Optimizer } from '../optimizers/index.js';
import type { FloatArray, FloatDType } from '../tensor/kernels.js';
import type { Rng } from '../tensor/random.js';
import { Tensor, firstNonFinite, reuse, zeros, type FloatTensor, type TypedArray } from '../tensor/tensor.js';
import { History, ProgbarLogger, type Callback, type CallbackModel, type Logs } from './callbacks.js';
import { rowsOf, type Layer, type Param } from '../layers/layer.js';
import { getLoss, weighRows, type Loss, type LossName, type RowWeights } from '../losses/losses.js';
import { getMetric, parseMetricName, type Metric } from '../metrics/metrics.js';
import { checkSampleWeight, checkSomeWeight, lossWeights, type ClassWeight } from './sample-weights.js';

export interface CompileArgs {
  /** An Optimizer, or 'adam' | 'rmsprop' | 'sgd' with Keras's defaults. */
  optimizer: Optimizer | string;
  loss: LossName | string;
  /** E.g. ['accuracy']; a single name is accepted too, as Keras accepts it. Never weighted (Keras 3). */
  metrics?: string[] | string;
  /**
   * Metrics weighted by fit's and evaluate's sample weights (class weights too), as Keras 3's
   * weighted_metrics: Σ wᵢ·correctᵢ / Σ wᵢ. Logged under the metric's key, or `weighted_<key>` when
   * `metrics` has it already (as Keras names them).
   */
  weightedMetrics?: string[] | string;
}

export interface FitArgs {
  /** Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** 0 silent, 1 progress bar (default), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Fraction of the samples, taken from the end before shuffling as Keras does, held out for validation. */
  validationSplit?: number;
  /** Validation samples [x, y], or [x, y, sampleWeight] for a weighted val_loss; takes precedence over validationSplit. */
  validationData?: [Tensor, Tensor] | [Tensor, Tensor, Tensor];
  /** Shuffle the training samples before each epoch; default true. */
  shuffle?: boolean;
  /** Epoch to start counting from (History and logs number epochs from here); with a loaded model, resumes its run. */
  initialEpoch?: number;
  callbacks?: Callback[] | Callback;
  /** Stop with an error naming the epoch and batch when the loss becomes NaN or infinite (Keras's TerminateOnNaN); default true. */
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

export interface EvaluateArgs {
  /** Default 32. */
  batchSize?: number;
  /** One weight per sample for the loss and weightedMetrics, as in fit (Keras's sample_weight). */
  sampleWeight?: Tensor;
}

/** trainOnBatch's options: fit's classWeight or sampleWeight (Keras's class_weight, sample_weight). */
export type TrainOnBatchArgs = Pick<FitArgs, 'classWeight' | 'sampleWeight'>;

/** Loss and metrics, e.g. `{ loss, accuracy }`. */
export type Evaluation = { loss: number } & Record<string, number>;

/** What the trainer needs of a model (Sequential is one). */
export interface TrainableModel extends CallbackModel {
  readonly layers: readonly Layer[];
  readonly dtype: FloatDType;
  /** Sample shape of the output (no batch dimension). */
  readonly outputShape: number[];
  /** The generator behind shuffles and dropout masks. */
  readonly rng: Rng;
  describe(): string;
  /** Checks x against the model's input (building the model from it when needed) and casts it to the model's dtype. */
  prepareInput(x: Tensor, where: string): FloatTensor;
  forward(x: FloatTensor, training: boolean): FloatTensor;
}

/**
 * Lets the event loop run between batches (a Stop message, a browser's kernel workers starting):
 * Node's setImmediate; elsewhere a message to ourselves, not setTimeout(0). Browsers hold a nested
 * timeout to at least 4 ms, and fit yields from within the task its last yield resumed, so every
 * yield after the fifth waited 3.5–3.7 ms (a Chromium worker), 7% of a page's training at one yield
 * per 50 ms; a message comes back in well under a millisecond. A channel for each yield, closed once
 * its message is in: an open port would keep a process (Deno's, Node's) from ending.
 */
export const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => {
    if (typeof setImmediate === 'function') return void setImmediate(resolve);
    if (typeof MessageChannel !== 'function') return void setTimeout(resolve, 0);
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });

export class Trainer {
  readonly optimizer: Optimizer;
  readonly loss: Loss;
  /** The metric names given to `compile`. */
  readonly metrics: string[];
  /** The weighted metric names given to `compile`. */
  readonly weightedMetrics: string[];
  /** Each layer's `trainable` as it was at `compile` (Keras: a later change waits for the next compile). */
  private readonly trainableAtCompile: Map<Layer, boolean>;
  private dOut?: FloatTensor;
  private xBatch?: FloatTensor;

  constructor(
    private readonly model: TrainableModel,
    args: CompileArgs,
  ) {
    checkKeys('compile', args, ['optimizer', 'loss', 'metrics', 'weightedMetrics']);
    const optimizer = typeof args.optimizer === 'string' ? getOptimizer(args.optimizer) : args.optimizer;
    if (!optimizer || typeof (optimizer as Optimizer).step !== 'function') {
      throw new ValueError(`${model.describe()}.compile: optimizer must be an Optimizer or a name, got ${String(args.optimizer)}.`);
    }
    this.optimizer = optimizer;
    this.loss = getLoss(args.loss);
    const names = (m: string[] | string | undefined): string[] => (m === undefined ? [] : Array.isArray(m) ? [...m] : [m]);
    this.metrics = names(args.metrics);
    this.weightedMetrics = names(args.weightedMetrics);
    // Unknown names fail here, not at fit.
    for (const m of this.metrics) parseMetricName(m, 'compile: metrics');
    for (const m of this.weightedMetrics) parseMetricName(m, 'compile: weightedMetrics');
    this.trainableAtCompile = new Map(model.layers.map((l) => [l, l.trainable]));
  }

  /** Whether a layer's weights are learnt (its `trainable` at compile; a layer added since, its own). */
  private learns(layer: Layer): boolean {
    return this.trainableAtCompile.get(layer) ?? layer.trainable;
  }

  /** The weights the optimizer updates: the trainable weights of the layers that learn. */
  trainableParams(): Param[] {
    return this.model.layers.flatMap((l) => (this.learns(l) ? l.parameters().filter((p) => p.trainable !== false) : []));
  }

  /** Metrics resolve against the output width, which layers added after compile may change. */
  private resolveMetrics(): Tracked[] {
    const units = this.model.outputShape[this.model.outputShape.length - 1];
    const plain = this.metrics.map((m) => ({ ...getMetric(m, this.loss, units), weighted: false }));
    const keys = new Set(plain.map((m) => m.key));
    const weighted = this.weightedMetrics.map((name) => {
      const m = getMetric(name, this.loss, units);
      const key = keys.has(m.key) ? `weighted_${m.key}` : m.key;
      keys.add(key);
      return { ...m, key, weighted: true };
    });
    return [...plain, ...weighted];
  }

  /** Trains for `epochs` over (x, y) in mini-batches; resolves to the History of per-epoch loss and metrics. */
  async fit(x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> {
    checkKeys('fit', args, ['epochs', 'batchSize', 'verbose', 'validationSplit', 'validationData', 'shuffle', 'initialEpoch', 'callbacks', 'terminateOnNaN', 'classWeight', 'sampleWeight']);
    const model = this.model;
    const epochs = args.epochs ?? 1;
    const batchSize = args.batchSize ?? 32;
    const verbose = args.verbose ?? 1;
    const initialEpoch = args.initialEpoch ?? 0;
    checkInt('fit', 'epochs', epochs, 0);
    checkInt('fit', 'batchSize', batchSize, 1);
    checkInt('fit', 'initialEpoch', initialEpoch, 0);
    if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new ValueError(`fit: verbose must be 0, 1 or 2, got ${String(verbose)}.`);
    const split = args.validationSplit ?? 0;
    if (typeof split !== 'number' || !(split >= 0 && split < 1)) {
      throw new ValueError(`fit: validationSplit must be a number in [0, 1), got ${String(split)}.`);
    }

    let xs = model.prepareInput(x, 'fit');
    let ys = this.prepareTargets(y, xs, 'fit');
    let weights = lossWeights(args, ys, this.loss, model.outputShape, 'fit');
    let val: [FloatTensor, Tensor, Float64Array?] | undefined;
    if (args.validationData !== undefined) {
      const vd = args.validationData as unknown[];
      if (!Array.isArray(vd) || (vd.length !== 2 && vd.length !== 3)) {
        throw new ValueError(`fit: validationData must be [xVal, yVal] or [xVal, yVal, sampleWeightVal], got ${Array.isArray(vd) ? `an array of ${vd.length}` : typeof vd}.`);
      }
      const xvp = model.prepareInput(vd[0] as Tensor, 'fit (validationData)');
      const wv = vd[2] === undefined ? undefined : checkSampleWeight(vd[2], xvp.shape[0], 'fit (validationData)');
      val = [xvp, this.prepareTargets(vd[1] as Tensor, xvp, 'fit (validationData)'), wv];
    } else if (split > 0) {
      const at = Math.floor(xs.shape[0] * (1 - split));
      if (at === 0 || at === xs.shape[0]) {
        throw new ValueError(`fit: validationSplit ${split} of ${xs.shape[0]} samples leaves ${at === 0 ? 'no training' : 'no validation'} samples.`);
      }
      // Keras splits (x, y, sampleWeight) alike; class weights, made for training only, never reach validation.
      val = [xs.slice(at), ys.slice(at), args.sampleWeight === undefined ? undefined : weights?.subarray(at)];
      xs = xs.slice(0, at);
      ys = ys.slice(0, at);
      weights = weights?.subarray(0, at);
    }
    checkSomeWeight(weights, args, 'fit');

    const n = xs.shape[0];
    const steps = Math.ceil(n / batchSize);
    const history = new History();
    history.params = { epochs, steps, samples: n, batchSize, verbose };
    const user = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
    const callbacks: Callback[] = [history, ...(verbose ? [new ProgbarLogger(verbose, epochs, steps)] : []), ...user];
    const call = async <K extends keyof Callback>(name: K, ...a: Parameters<NonNullable<Callback[K]>>): Promise<void> => {
      for (const cb of callbacks) await (cb[name] as ((...x: unknown[]) => unknown) | undefined)?.apply(cb, a);
    };

    model.stopTraining = false;
    const metrics = this.resolveMetrics();
    // What each epoch's logs will hold, for the callbacks that check their monitor before training.
    const keys = ['loss', ...metrics.map((m) => m.key)];
    model.epochLogNames = [...keys, ...(val ? keys.map((k) => `val_${k}`) : []), 'learning_rate'];
    for (const cb of callbacks) cb.setModel?.(model);
    await call('onTrainBegin', {});
    let lastYield = performance.now();
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      await call('onEpochBegin', epoch, {});
      const order = args.shuffle === false ? null : model.rng.permutation(n);
      let lossSum = 0;
      const tallies = metrics.map((): Tally => [0, 0]);
      let seen = 0;
      for (let b = 0; b < steps; b++) {
        await call('onBatchBegin', b, { batch: b, size: Math.min(batchSize, n - b * batchSize) });
        const lo = b * batchSize;
        const hi = Math.min(n, lo + batchSize);
        const idx = order ? order.subarray(lo, hi) : null;
        // The batch goes into a buffer of the backend's memory, reused across steps: no allocation,
        // and the products read it in place.
        const xb = idx ? xs.gather(idx, (this.xBatch = reuse(this.xBatch, [hi - lo, ...xs.shape.slice(1)], model.dtype))) : xs.slice(lo, hi);
        const yb = idx ? ys.gather(idx) : ys.slice(lo, hi);
        const wb = weights && (idx ? Float64Array.from(idx, (i) => weights[i]) : weights.subarray(lo, hi));
        const r = this.step(xb, yb, { training: true, update: true, metrics, weights: wb });
        if (!Number.isFinite(r.loss) && args.terminateOnNaN !== false) {
          throw new ValueError(
            `fit: the loss became ${r.loss} at epoch ${epoch + 1}, batch ${b + 1} of ${steps}: training diverged (try a lower learning rate). ` +
              'Pass terminateOnNaN: false to train on regardless.',
          );
        }
        seen += hi - lo;
        lossSum += r.loss * (hi - lo);
        addTallies(tallies, r.tallies);
        await call('onBatchEnd', b, logsOf(lossSum / seen, tallies, metrics));
        if (model.stopTraining) break;
        if (performance.now() - lastYield > 50) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      // The loss check above sees each update only through the next batch's loss: the epoch's last
      // update is checked here, so fit never returns with weights that are not numbers.
      if (args.terminateOnNaN !== false) this.checkWeightsFinite(epoch);
      const logs = logsOf(lossSum / seen, tallies, metrics);
      if (val) {
        const e = this.evaluateTensors(val[0], val[1], batchSize, val[2]);
        for (const [k, v] of Object.entries(e)) logs[`val_${k}`] = v;
      }
      // The rate in effect, read before any callback (ReduceLROnPlateau) changes it; Keras 3's key.
      logs.learning_rate = this.optimizer.learningRate;
      await call('onEpochEnd', epoch, logs);
    }
    await call('onTrainEnd', {});
    return history;
  }

  private checkWeightsFinite(epoch: number): void {
    for (const p of this.trainableParams()) {
      const i = firstNonFinite(p.value.data);
      if (i >= 0) {
        throw new ValueError(
          `fit: the weight ${p.name} became ${p.value.data[i]} (flat index ${i}) in the last update of epoch ${epoch + 1}: training diverged (try a lower learning rate). ` +
            'Pass terminateOnNaN: false to train on regardless.',
        );
      }
    }
  }

  /** Loss and metrics over (x, y), the mean over all samples. */
  evaluate(x: Tensor, y: Tensor, args: EvaluateArgs = {}): Evaluation {
    checkKeys('evaluate', args, ['batchSize', 'sampleWeight']);
    const batchSize = args.batchSize ?? 32;
    checkInt('evaluate', 'batchSize', batchSize, 1);
    const xs = this.model.prepareInput(x, 'evaluate');
    const ys = this.prepareTargets(y, xs, 'evaluate');
    return this.evaluateTensors(xs, ys, batchSize, lossWeights(args, ys, this.loss, this.model.outputShape, 'evaluate'));
  }

  /** One optimizer step on one batch: the batch's loss and metrics (before the step); weighted as fit's. */
  trainOnBatch(x: Tensor, y: Tensor, args: TrainOnBatchArgs = {}): Evaluation {
    checkKeys('trainOnBatch', args, ['classWeight', 'sampleWeight']);
    const xs = this.model.prepareInput(x, 'trainOnBatch');
    const ys = this.prepareTargets(y, xs, 'trainOnBatch');
    const weights = lossWeights(args, ys, this.loss, this.model.outputShape, 'trainOnBatch');
    const metrics = this.resolveMetrics();
    const r = this.step(xs, ys, { training: true, update: true, metrics, weights });
    return logsOf(r.loss, r.tallies, metrics);
  }

  /**
   * The mean loss over the batch (x, y) and its gradient for every weight, aligned with the model's
   * `getWeights()` (frozen layers' weights included; a non-trainable weight, which has no gradient,
   * gets zeros). No weight is updated. Inference mode unless `training`: then, as a Keras model
   * called with training=True, dropout and the augmentation layers draw from the model's generator
   * and BatchNormalization moves its moving statistics (a custom training loop needs that); with
   * `sampleWeight`, the weighted loss of fit.
   */
  computeGradients(x: Tensor, y: Tensor, args: { training?: boolean; sampleWeight?: Tensor } = {}): { loss: number; grads: Tensor[] } {
    checkKeys('computeGradients', args, ['training', 'sampleWeight']);
    const xs = this.model.prepareInput(x, 'computeGradients');
    const ys = this.prepareTargets(y, xs, 'computeGradients');
    const weights = lossWeights(args, ys, this.loss, this.model.outputShape, 'computeGradients');
    const r = this.step(xs, ys, { training: args.training ?? false, update: false, metrics: [], weights });
    const params = this.model.layers.flatMap((l) => l.parameters());
    return { loss: r.loss, grads: params.map((p) => (p.trainable !== false ? p.grad.clone() : zeros(p.value.shape, this.model.dtype))) };
  }

  /**
   * Forward, loss, backward and (when `update`) an optimizer step on one prepared batch. Without
   * `update` every trainable weight's gradient is written, frozen layers' too (computeGradients).
   */
  private step(x: FloatTensor, y: Tensor, o: { training: boolean; update: boolean; metrics: Tracked[]; weights?: Float64Array }): { loss: number; tallies: Tally[] } {
    const model = this.model;
    // A schedule's rate is checked before the forward pass, which moves BatchNormalization's statistics.
    if (o.update) this.optimizer.checkScheduledRate();
    const p = model.forward(x, o.training);
    const rows = rowsOf(p);
    const cols = p.shape[p.rank - 1];
    const w = o.weights && rowWeights(o.weights, rows);
    const tallies = tally(o.metrics, p.data, y.data, rows, cols, x.shape[0], w);
    const dOut = (this.dOut = reuse(this.dOut, p.shape, model.dtype));
    const out = this.outputLoss(p, y.data, rows, cols, dOut.data, w);
    // Layers before the first one that learns need no gradient, and neither does its input: for
    // Flatten → Dense that skips dx = dz·Wᵀ [batch, 784], the costliest product of the step.
    const layers = model.layers;
    const learns = layers.map((l) => l.parameters().some((q) => q.trainable !== false) && (!o.update || this.learns(l)));
    const first = learns.indexOf(true);
    let dy: FloatTensor | null = dOut;
    for (let i = layers.length - 1; first >= 0 && i >= first && dy; i--) {
      dy = layers[i].backward(dy, { needInputGrad: i > first, skipSoftmax: out.fused && i === layers.length - 1, weightGrads: learns[i] });
    }
    const learning = this.trainableParams();
    const penalty = this.regularize(learning);
    if (o.update) this.optimizer.step(learning);
    return { loss: out.value + penalty, tallies };
  }

  /**
   * The loss of outputs p [rows, cols] against targets y, and with `grad`, dL/d(output) into it.
   * When the last layer ends in softmax and the loss has a logits form (cross-entropy), both come
   * from the logits: exact for any logits, and the gradient is that of the logits ((p − y)/n).
   * With per-row weights w [rows], the loss is Σ_r w_r l_r / rows and each gradient row is scaled by
   * w_r, on either path.
   */
  private outputLoss(p: FloatTensor, y: TypedArray, rows: number, cols: number, grad: FloatArray | null, w?: RowWeights): { value: number; fused: boolean } {
    const last = this.model.layers[this.model.layers.length - 1];
    const logits = last.endsInSoftmax() ? last.logits() : undefined;
    const { loss } = this;
    const fused = !!(logits && loss.valueFromLogits && loss.gradFromLogits);
    if (grad) {
      if (fused) loss.gradFromLogits!(grad, p.data, y, rows, cols);
      else loss.grad(grad, p.data, y, rows, cols);
      if (w) weighRows(grad, w, rows, cols);
    }
    return { value: fused ? loss.valueFromLogits!(logits!.data, y, rows, cols, w) : loss.value(p.data, y, rows, cols, w), fused };
  }

  private evaluateTensors(x: FloatTensor, y: Tensor, batchSize: number, w?: Float64Array): Evaluation {
    const metrics = this.resolveMetrics();
    const n = x.shape[0];
    let lossSum = 0;
    const tallies = metrics.map((): Tally => [0, 0]);
    for (let lo = 0; lo < n; lo += batchSize) {
      const hi = Math.min(n, lo + batchSize);
      const yb = y.slice(lo, hi).data;
      const p = this.model.forward(x.slice(lo, hi), false);
      const cols = p.shape[p.rank - 1];
      const rows = rowsOf(p);
      const wb = w && rowWeights(w.subarray(lo, hi), rows);
      lossSum += this.outputLoss(p, yb, rows, cols, null, wb).value * (hi - lo);
      addTallies(tallies, tally(metrics, p.data, yb, rows, cols, hi - lo, wb));
    }
    const penalty = this.regularize(this.trainableParams(), false);
    return logsOf(lossSum / n + penalty, tallies, metrics);
  }

  /**
   * The penalties of the weights that learn (Keras 3 counts the regularization losses of trainable
   * weights only, so a frozen layer's penalty leaves the loss), added to the loss; with `grads`,
   * their gradients are added to those weights' gradients too.
   */
  private regularize(learning: readonly Param[], grads = true): number {
    let penalty = 0;
    for (const p of learning) {
      if (!p.regularizer) continue;
      penalty += p.regularizer.penalty(p.value.data);
      if (grads) p.regularizer.addGrad(p.grad.data, p.value.data);
    }
    return penalty;
  }

  private prepareTargets(y: Tensor, x: Tensor, where: string): Tensor {
    if (!(y instanceof Tensor)) throw new ValueError(`${where}: y must be a Tensor, got ${y === null ? 'null' : typeof y}.`);
    if (y.rank === 0 || y.shape[0] !== x.shape[0]) {
      throw new ShapeError(`${where}: x has ${x.shape[0]} samples but y has shape ${formatShape(y.shape)}; expected ${x.shape[0]} targets.`);
    }
    this.loss.checkTargets(y, this.model.outputShape, where);
    return y;
  }
}

/** Sample weights w [n] for outputs of `rows` rows: each sample's weight on each of its rows (rows = n · positions). */
function rowWeights(w: Float64Array, rows: number): Float64Array {
  if (rows === w.length) return w;
  const k = rows / w.length;
  return Float64Array.from({ length: rows }, (_, r) => w[Math.floor(r / k)]);
}

/** A metric as fit tracks it: its key in the logs, and whether sample weights weigh it. */
type Tracked = Metric & { weighted: boolean };

/**
 * A metric's [correct, out of], in samples (rows of outputs of rank ≥ 3 count as fractions of their
 * sample): unweighted, [correct samples, samples]; weighted, [Σ w of the correct, Σ w].
 */
type Tally = [number, number];

/** The tallies of a batch of n samples, outputs p [rows, cols], per-row weights w if any. */
function tally(metrics: Tracked[], p: FloatArray, y: TypedArray, rows: number, cols: number, n: number, w?: Float64Array): Tally[] {
  return metrics.map((m): Tally => {
    if (!(m.weighted && w)) return [(m.correct(p, y, rows, cols) * n) / rows, n];
    let total = 0;
    for (let r = 0; r < rows; r++) total += w[r];
    return [(m.correct(p, y, rows, cols, w) * n) / rows, (total * n) / rows];
  });
}

function addTallies(into: Tally[], add: Tally[]): void {
  add.forEach(([c, n], i) => ((into[i][0] += c), (into[i][1] += n)));
}

/** Logs from the loss and each metric's tally (all weights 0: 0, as Keras's divide_no_nan). */
function logsOf(loss: number, tallies: Tally[], metrics: Tracked[]): Evaluation {
  const logs: Logs = { loss };
  metrics.forEach((m, i) => (logs[m.key] = tallies[i][1] > 0 ? tallies[i][0] / tallies[i][1] : 0));
  return logs as Evaluation;
}
