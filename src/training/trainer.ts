/**
 * The training loop (Keras's Trainer): what `compile` chose, and `fit`, `evaluate`, `predict`,
 * `trainOnBatch` and `computeGradients` over any TrainableModel. fit is the loop
 *   for each epoch: for each batch (epoch-iterator.ts): step (step.ts) → callbacks (callback-list.ts)
 *                   then the validation figures and the epoch's callbacks, until the epochs end or a
 *                   callback sets `stopTraining`;
 * a step being forward → loss → backward → optimizer update.
 */
import { ValueError, checkInt, checkKeys } from '../errors.js';
import { getOptimizer, type Optimizer } from '../optimizers/index.js';
import { Tensor, firstNonFinite, floatArray, shapeSize, zeros } from '../tensor/tensor.js';
import type { Layer, Param } from '../layers/layer.js';
import type { History } from './callbacks.js';
import { CallbackList } from './callback-list.js';
import { BatchBuffer, EpochIterator, splitValidation, type SampleData } from './epoch-iterator.js';
import { RunningLogs, logsOf, type Tracked } from './metric-logs.js';
import { byName } from './named-lists.js';
import { compileHeads, headMetrics, outputLossKeys, type OutputHead } from './output-heads.js';
import { checkSampleWeight, checkSomeWeight, lossWeights, type ClassWeight } from './sample-weights.js';
import { Step } from './step.js';
import type { TrainableModel } from './trainable-model.js';
import {
  checkFitArgs,
  checkTargets,
  checkValidationData,
  type CompileArgs,
  type EvaluateArgs,
  type Evaluation,
  type FitArgs,
  type TrainOnBatchArgs,
} from './training-args.js';

/**
 * Lets the event loop run between batches (a Stop message, a browser's kernel workers starting):
 * Node's setImmediate; elsewhere a message to ourselves, not setTimeout(0), which browsers hold to at
 * least 4 ms when nested. A channel for each yield, closed once its message is in: an open port
 * would keep a process (Deno's, Node's) from ending.
 * @example
 * for (const job of jobs) { job(); await yieldToEventLoop(); } // a Stop button's click gets through
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

/** Yields to the event loop once 50 ms have passed since the last yield: often enough for a Stop, at no cost. */
function eventLoopPacer(): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    if (performance.now() - last <= 50) return undefined;
    return yieldToEventLoop().then(() => void (last = performance.now()));
  };
}

/**
 * What `compile` makes: the optimizer, loss and metrics of a model, and the loops that train and
 * evaluate it. Sequential's compile, fit, evaluate, trainOnBatch and computeGradients hand their
 * work to it.
 * @example
 * const trainer = new Trainer(model, { optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
 * const history = await trainer.fit(x, y, { epochs: 2 });
 */
export class Trainer {
  readonly optimizer: Optimizer;
  /** Each output's loss, loss weight and metrics, in output order. */
  readonly heads: OutputHead[];
  private readonly step: Step;
  private readonly batchBuffer = new BatchBuffer();

  constructor(
    private readonly model: TrainableModel,
    args: CompileArgs,
  ) {
    checkKeys('compile', args, ['optimizer', 'loss', 'lossWeights', 'metrics', 'weightedMetrics']);
    const optimizer = typeof args.optimizer === 'string' ? getOptimizer(args.optimizer) : args.optimizer;
    if (!optimizer || typeof optimizer.step !== 'function') {
      const given: unknown = args.optimizer; // whatever a JS caller passed, shown as String shows it (objects included)
      throw new ValueError(
        `${model.describe()}.compile: optimizer must be an Optimizer or a name, got ${String(given)}.`,
      );
    }
    this.optimizer = optimizer;
    this.heads = compileHeads(model.outputNames, args, 'compile');
    // Keras freezes `trainable` at compile: a later change waits for the next compile; a layer added
    // since learns by its own.
    const trainableAtCompile = new Map<Layer, boolean>(model.layers.map((l) => [l, l.trainable]));
    this.step = new Step(model, this.heads, optimizer, (l) => trainableAtCompile.get(l) ?? l.trainable);
  }

  /** The weights the optimizer updates: the trainable weights of the layers that learn. */
  trainableParams(): Param[] {
    return this.step.trainableParams();
  }

  /** Trains for `epochs` over (x, y) in mini-batches; resolves to the History of per-epoch loss and metrics. */
  async fit(x: unknown, y: unknown, args: FitArgs = {}): Promise<History> {
    const o = checkFitArgs(args);
    const model = this.model;
    const { train, val } = this.fitData(x, y, args, o.validationSplit);
    const shuffle = o.shuffle ? model.rng : undefined;
    const data = new EpochIterator(train, { batchSize: o.batchSize, shuffle, buffer: this.batchBuffer });
    const { epochs, batchSize, verbose } = o;
    const { steps, samples } = data;
    const callbacks = new CallbackList(o.callbacks, { epochs, steps, samples, batchSize, verbose });
    model.stopTraining = false;
    const metrics = this.resolveMetrics();
    const lossKeys = outputLossKeys(this.heads);
    model.epochLogNames = epochLogNames(lossKeys, metrics.flat(), val !== undefined);
    callbacks.setModel(model);
    await callbacks.onTrainBegin();
    const pace = eventLoopPacer();
    for (let epoch = o.initialEpoch; epoch < o.epochs && !model.stopTraining; epoch++) {
      await callbacks.onEpochBegin(epoch);
      const running = new RunningLogs(metrics.flat(), lossKeys);
      for (const batch of data.epoch()) {
        await callbacks.onBatchBegin(batch.index, { batch: batch.index, size: batch.size });
        const r = this.step.train(batch.xs, batch.ys, {
          training: true,
          update: true,
          metrics,
          weights: batch.weights,
        });
        if (o.terminateOnNaN) checkLossFinite(r.loss, epoch, batch.index, data.steps);
        running.add(r.loss, r.tallies, batch.size, r.outputLosses);
        await callbacks.onBatchEnd(batch.index, running.logs());
        if (model.stopTraining) break;
        await pace();
      }
      // The loss check sees an update only through the next batch's loss: the epoch's last is checked here.
      if (o.terminateOnNaN) this.checkWeightsFinite(epoch);
      const logs = running.logs();
      if (val) for (const [k, v] of Object.entries(this.evaluateData(val, o.batchSize))) logs[`val_${k}`] = v;
      // The rate in effect, read before any callback (ReduceLROnPlateau) changes it; Keras 3's key.
      logs.learning_rate = this.optimizer.learningRate;
      await callbacks.onEpochEnd(epoch, logs);
    }
    await callbacks.onTrainEnd();
    return callbacks.history;
  }

  /** fit's training samples, and its validation samples when it has any, checked and weighted. */
  private fitData(x: unknown, y: unknown, args: FitArgs, split: number): { train: SampleData; val?: SampleData } {
    const all = this.samples(x, y, args, 'fit');
    let data: { train: SampleData; val?: SampleData } = { train: all };
    if (args.validationData !== undefined) {
      const [xv, yv, wv] = checkValidationData(args.validationData);
      const where = 'fit (validationData)';
      const xs = this.model.prepareInputs(xv, where);
      const weights = wv === undefined ? undefined : checkSampleWeight(wv, xs[0].shape[0], where);
      data = { train: all, val: { xs, ys: this.targets(yv, xs, where), weights } };
    } else if (split > 0) {
      // Keras splits (x, y, sampleWeight) alike; class weights, made for training only, never reach validation.
      data = splitValidation(all, split, args.sampleWeight !== undefined);
    }
    checkSomeWeight(data.train.weights, args, 'fit');
    return data;
  }

  /** Inputs, targets and loss weights, checked, for fit, evaluate, trainOnBatch and computeGradients. */
  private samples(
    x: unknown,
    y: unknown,
    args: { classWeight?: ClassWeight; sampleWeight?: Tensor },
    where: string,
  ): SampleData {
    const xs = this.model.prepareInputs(x, where);
    const ys = this.targets(y, xs, where);
    if (this.heads.length > 1 && args.classWeight !== undefined) {
      throw new ValueError(
        `${where}: classWeight weighs the classes of one output, and the model has ${this.heads.length} (as Keras, it is refused); give sampleWeight instead.`,
      );
    }
    const first = this.heads[0];
    return { xs, ys, weights: lossWeights(args, ys[0], first.loss, this.model.outputShapes[0], where) };
  }

  /**
   * Every weight, non-trainable ones too: BatchNormalization's moving variance overflows on huge
   * inputs while the loss, normalized by the batch's own statistics, stays finite.
   */
  private checkWeightsFinite(epoch: number): void {
    for (const p of this.model.parameters()) {
      const i = firstNonFinite(p.value.data);
      if (i < 0) continue;
      const what =
        p.trainable === false
          ? `the non-trainable weight ${p.name} became ${p.value.data[i]} (flat index ${i}) by the end of epoch ` +
            `${epoch + 1}: the statistics of the layer's inputs overflowed (scale the inputs down, e.g. to [0, 1]) ` +
            'or training diverged. '
          : `the weight ${p.name} became ${p.value.data[i]} (flat index ${i}) ` +
            `in the last update of epoch ${epoch + 1}: training diverged (try a lower learning rate). `;
      throw new ValueError(`fit: ${what}Pass terminateOnNaN: false to train on regardless.`);
    }
  }

  /** Loss and metrics over (x, y), the mean over all samples. */
  evaluate(x: unknown, y: unknown, args: EvaluateArgs = {}): Evaluation {
    checkKeys('evaluate', args, ['batchSize', 'sampleWeight']);
    const batchSize = args.batchSize ?? 32;
    checkInt('evaluate', 'batchSize', batchSize, 1);
    return this.evaluateData(this.samples(x, y, args, 'evaluate'), batchSize);
  }

  /** The mean loss (with the penalties of the weights that learn) and metrics over prepared samples. */
  private evaluateData(data: SampleData, batchSize: number): Evaluation {
    const metrics = this.resolveMetrics();
    const running = new RunningLogs(metrics.flat(), outputLossKeys(this.heads));
    for (const b of new EpochIterator(data, { batchSize }).epoch()) {
      const r = this.step.test(b.xs, b.ys, metrics, b.weights);
      running.add(r.loss, r.tallies, b.size, r.outputLosses);
    }
    return running.logs(this.step.regularize(this.trainableParams(), false));
  }

  /** One optimizer step on one batch: the batch's loss and metrics (before the step); weighted as fit's. */
  trainOnBatch(x: unknown, y: unknown, args: TrainOnBatchArgs = {}): Evaluation {
    checkKeys('trainOnBatch', args, ['classWeight', 'sampleWeight']);
    const { xs, ys, weights } = this.samples(x, y, args, 'trainOnBatch');
    const metrics = this.resolveMetrics();
    const r = this.step.train(xs, ys, { training: true, update: true, metrics, weights });
    const keys = outputLossKeys(this.heads);
    return logsOf(
      r.loss,
      r.tallies,
      metrics.flat(),
      keys.map((key, i) => ({ key, value: r.outputLosses[i] })),
    );
  }

  /**
   * The mean loss over the batch (x, y) and its gradient for every weight, aligned with the model's
   * `getWeights()` (frozen layers' weights included; a non-trainable weight, which has no gradient,
   * gets zeros). No weight is updated. Inference mode unless `training`: then, as a Keras model
   * called with training=True, dropout and the augmentation layers draw from the model's generator
   * and BatchNormalization moves its moving statistics (a custom training loop needs that); with
   * `sampleWeight`, the weighted loss of fit.
   */
  computeGradients(
    x: unknown,
    y: unknown,
    args: { training?: boolean; sampleWeight?: Tensor } = {},
  ): { loss: number; grads: Tensor[] } {
    checkKeys('computeGradients', args, ['training', 'sampleWeight']);
    const { xs, ys, weights } = this.samples(x, y, args, 'computeGradients');
    const r = this.step.train(xs, ys, {
      training: args.training ?? false,
      update: false,
      metrics: this.heads.map(() => []),
      weights,
    });
    const grads = this.model
      .parameters()
      .map((p) => (p.trainable !== false ? p.grad.clone() : zeros(p.value.shape, this.model.dtype)));
    return { loss: r.loss, grads };
  }

  /** Metrics resolve against the outputs' widths, which layers added after compile may change. */
  private resolveMetrics(): Tracked[][] {
    return headMetrics(this.heads, this.model.outputShapes);
  }

  /** Each output's targets, checked against its loss and shape and the inputs' number of samples. */
  private targets(y: unknown, xs: Tensor[], where: string): Tensor[] {
    const names = this.model.outputNames;
    const ys = byName(y, names, 'y', 'output', where);
    return ys.map((yi, i) =>
      checkTargets(
        yi,
        xs[0],
        this.heads[i].loss,
        this.model.outputShapes[i],
        names.length === 1 ? where : `${where} (output '${names[i]}')`,
      ),
    );
  }
}

/**
 * The model's outputs for x, computed in batches in inference mode: a new tensor [n, ...outputShape]
 * for each output. Needs no compile.
 * @example
 * const [p] = predict(model, xTest, { batchSize: 256 }); // [10000, 10]
 */
export function predict(model: TrainableModel, x: unknown, args: Pick<EvaluateArgs, 'batchSize'> = {}): Tensor[] {
  checkKeys('predict', args, ['batchSize']);
  const batchSize = args.batchSize ?? 32;
  checkInt('predict', 'batchSize', batchSize, 1);
  const xs = model.prepareInputs(x, 'predict');
  const n = xs[0].shape[0];
  const rows = model.outputShapes.map((s) => shapeSize(s));
  const outs = model.outputShapes.map((s, i) => new Tensor(floatArray(n * rows[i], model.dtype), [n, ...s]));
  for (let lo = 0; lo < n; lo += batchSize) {
    const hi = Math.min(n, lo + batchSize);
    const ybs = model.forward(
      xs.map((xi) => xi.slice(lo, hi)),
      false,
    );
    ybs.forEach((yb, i) => outs[i].data.set(yb.data.subarray(0, (hi - lo) * rows[i]), lo * rows[i]));
  }
  return outs;
}

/** What every epoch's logs will hold: loss and metrics, their `val_` forms with validation data, the learning rate. */
function epochLogNames(lossKeys: string[], metrics: Tracked[], validation: boolean): string[] {
  const keys = ['loss', ...lossKeys, ...metrics.map((m) => m.key)];
  return [...keys, ...(validation ? keys.map((k) => `val_${k}`) : []), 'learning_rate'];
}

/** Keras's TerminateOnNaN, as an error that says where and what to try. */
function checkLossFinite(loss: number, epoch: number, batch: number, steps: number): void {
  if (Number.isFinite(loss)) return;
  throw new ValueError(
    `fit: the loss became ${loss} at epoch ${epoch + 1}, batch ${batch + 1} of ${steps}: ` +
      'training diverged (try a lower learning rate). ' +
      'Pass terminateOnNaN: false to train on regardless.',
  );
}
