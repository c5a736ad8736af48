/**
 * Sequential: a stack of layers with Keras's training API. A training step is
 *   forward through every layer → loss and dL/d(output) → backward in reverse → optimizer step;
 * when the last layer ends in softmax and the loss is a cross-entropy, the loss takes the logits
 * and the backward pass starts from dL/dlogits = (p − y)/n.
 */
import { ShapeError, ValueError, checkKeys, formatShape } from '../errors.js';
import type { FloatArray, FloatDType } from '../tensor/kernels.js';
import { Rng } from '../tensor/random.js';
import { Tensor, reuse, shapeSize } from '../tensor/tensor.js';
import { getOptimizer, type Optimizer } from '../optim/index.js';
import { History, ProgbarLogger, type Callback, type Logs } from './callbacks.js';
import { Layer, rowsOf, sameShape, uniqueName, type ForwardContext } from './layer.js';
import { getLoss, type Loss, type LossName } from './losses.js';
import { layerToConfig } from './serialization.js';
import type { SaveOptions } from '../io/serialize.js';
import { getMetric, parseMetricName, type Metric } from './metrics.js';

export interface SequentialArgs {
  /** Fixes weight initialisation, shuffles and dropout masks: the same seed gives the same run, bit for bit. */
  seed?: number;
  /** Precision of weights and computation; default 'float32' ('float64' is for gradient checks). */
  dtype?: FloatDType;
  name?: string;
}

export interface CompileArgs {
  /** An Optimizer, or 'adam' | 'rmsprop' | 'sgd' with Keras's defaults. */
  optimizer: Optimizer | string;
  loss: LossName | string;
  /** E.g. ['accuracy']; a single name is accepted too, as Keras accepts it. */
  metrics?: string[] | string;
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
  /** Validation samples [x, y]; takes precedence over validationSplit. */
  validationData?: [Tensor, Tensor];
  /** Shuffle the training samples before each epoch; default true. */
  shuffle?: boolean;
  /** Epoch to start counting from (History and logs number epochs from here); with a loaded model, resumes its run. */
  initialEpoch?: number;
  callbacks?: Callback[] | Callback;
  /** Stop with an error naming the epoch and batch when the loss becomes NaN or infinite (Keras's TerminateOnNaN); default true. */
  terminateOnNaN?: boolean;
}

export interface EvaluateArgs {
  /** Default 32. */
  batchSize?: number;
}

type FileSaver = (model: Sequential, path: string, options: SaveOptions) => Promise<void>;
let fileSaver: FileSaver | undefined;
/**
 * Sets what `model.save(path)` writes with. io/save.ts sets it when loaded, so the Node entry and
 * the CLI can save; the browser entry never loads it (it would pull in node:fs).
 * @internal
 */
export function setFileSaver(saver: FileSaver): void {
  fileSaver = saver;
}

/** Loss and metrics, e.g. `{ loss, accuracy }`. */
export type Evaluation = { loss: number } & Record<string, number>;

interface Compiled {
  optimizer: Optimizer;
  loss: Loss;
  metrics: string[];
}

const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

export class Sequential {
  readonly name: string;
  readonly layers: Layer[] = [];
  readonly dtype: FloatDType;
  /** Set to true (e.g. from a callback) to stop `fit` after the current batch. */
  stopTraining = false;
  private readonly rng: Rng;
  private compiled?: Compiled;
  private inputShape?: number[];
  private dOut?: Tensor;
  private xBatch?: Tensor;

  constructor(layers: Layer[] = [], args: SequentialArgs = {}) {
    checkKeys('Sequential', args, ['seed', 'dtype', 'name']);
    this.name = args.name ?? uniqueName('sequential');
    this.dtype = args.dtype ?? 'float32';
    if (this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new ValueError(`Sequential: dtype must be 'float32' or 'float64', got '${String(this.dtype)}'.`);
    }
    this.rng = new Rng(args.seed);
    for (const l of layers) this.add(l);
  }

  /** Appends a layer; builds the model as soon as the first layer's inputShape is known. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) {
      throw new ValueError(`Sequential.add: expected a Layer, got ${String((layer as object)?.constructor?.name ?? layer)}.`);
    }
    if (this.layers.includes(layer)) throw new ValueError(`Sequential.add: ${layer.describe()} is already in the model.`);
    if (this.layers.length > 0 && layer.declaredInputShape && !this.inputShape) {
      throw new ShapeError(`${layer.describe()} declares an inputShape but is not the first layer.`);
    }
    if (this.inputShape) {
      const prev = this.layers.length > 0 ? this.layers[this.layers.length - 1].outputShape! : this.inputShape;
      this.buildLayer(layer, prev);
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

  /** Creates every layer's weights for inputs of shape `[null, ...sample]` (the batch dimension may be null or a number). */
  build(inputShape: (number | null)[]): void {
    if (this.layers.length === 0) throw new ValueError(`${this.describe()}: cannot build a model with no layers.`);
    const sample = inputShape.slice(1) as number[];
    if (inputShape.length < 2 || sample.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ShapeError(`${this.describe()}.build: expected a batch shape like [null, 784], got ${formatShape(inputShape)}.`);
    }
    if (this.inputShape) {
      if (!sameShape(this.inputShape, sample)) {
        throw new ShapeError(`${this.describe()} is built for inputs ${formatShape([null, ...this.inputShape])}, got ${formatShape(inputShape)}.`);
      }
      return;
    }
    let shape = sample;
    for (const l of this.layers) shape = this.buildLayer(l, shape);
    this.inputShape = sample;
  }

  private buildLayer(layer: Layer, inputShape: number[]): number[] {
    return layer.build(inputShape, { dtype: this.dtype, rng: this.rng });
  }

  private describe(): string {
    return `Sequential '${this.name}'`;
  }

  get built(): boolean {
    return this.inputShape !== undefined;
  }

  /** Sample shape of the output (no batch dimension). */
  get outputShape(): number[] {
    this.requireBuilt('outputShape');
    return this.layers[this.layers.length - 1].outputShape!;
  }

  compile(args: CompileArgs): void {
    checkKeys('compile', args, ['optimizer', 'loss', 'metrics']);
    const optimizer = typeof args.optimizer === 'string' ? getOptimizer(args.optimizer) : args.optimizer;
    if (!optimizer || typeof (optimizer as Optimizer).step !== 'function') {
      throw new ValueError(`${this.describe()}.compile: optimizer must be an Optimizer or a name, got ${String(args.optimizer)}.`);
    }
    const loss = getLoss(args.loss);
    const metrics = args.metrics === undefined ? [] : Array.isArray(args.metrics) ? args.metrics : [args.metrics];
    for (const m of metrics) parseMetricName(m); // unknown names fail here, not at fit
    this.compiled = { optimizer, loss, metrics };
  }

  /** Metrics resolve against the output width, which layers added after compile may change. */
  private resolveMetrics(): Metric[] {
    const c = this.compiled!;
    const units = this.outputShape[this.outputShape.length - 1];
    return c.metrics.map((m) => getMetric(m, c.loss, units));
  }

  /** The optimizer given to `compile`. */
  get optimizer(): Optimizer | undefined {
    return this.compiled?.optimizer;
  }

  /** The loss and metric names given to `compile`, for saving. */
  get compileConfig(): { loss: string; metrics: string[] } | undefined {
    return this.compiled && { loss: this.compiled.loss.name, metrics: [...this.compiled.metrics] };
  }

  /** The architecture as JSON values: what rebuilds this model, weights aside. */
  toConfig(): { name: string; dtype: FloatDType; inputShape?: number[]; layers: { className: string; config: Record<string, unknown> }[] } {
    return { name: this.name, dtype: this.dtype, ...(this.inputShape ? { inputShape: [...this.inputShape] } : {}), layers: this.layers.map(layerToConfig) };
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
   * resumes exactly. `format: 'mnist-nn'` (default) writes one file; see loadModel.
   */
  async save(path: string, options: SaveOptions = {}): Promise<void> {
    if (!fileSaver) {
      throw new ValueError(`save: writing ${JSON.stringify(path)} needs a file system, which only the Node entry has; in a browser, modelToBytes(model) gives the file's bytes.`);
    }
    await fileSaver(this, path, options);
  }

  parameters() {
    return this.layers.flatMap((l) => l.parameters());
  }

  countParams(): number {
    return this.layers.reduce((s, l) => s + l.countParams(), 0);
  }

  /** Keras's table of layers, output shapes and parameter counts; printed with `print` (default console.log) and returned. */
  summary(print: (line: string) => void = console.log): string {
    this.requireBuilt('summary');
    const widths = [29, 26, 10];
    const total = 65;
    // A cell longer than its column still leaves one space before the next.
    const row = (cells: string[]): string => ` ${cells.map((c, i) => `${c.padEnd(widths[i] - 1)} `).join('')}`.padEnd(total);
    const bytes = this.dtype === 'float64' ? 8 : 4;
    const size = (n: number): string => {
      const b = n * bytes;
      if (b === 0) return '0.00 Byte';
      const units = ['Byte', 'KB', 'MB', 'GB'];
      let v = b;
      let u = 0;
      while (v >= 1024 && u < units.length - 1) {
        v /= 1024;
        u++;
      }
      return `${v.toFixed(2)} ${units[u]}`;
    };
    const n = this.countParams();
    const lines = [
      `Model: "${this.name}"`,
      '_'.repeat(total),
      row(['Layer (type)', 'Output Shape', 'Param #']),
      '='.repeat(total),
    ];
    this.layers.forEach((l, i) => {
      lines.push(row([`${l.name} (${l.className})`, `(None, ${l.outputShape!.join(', ')})`, String(l.countParams())]));
      if (i < this.layers.length - 1) lines.push(' '.repeat(total));
    });
    lines.push(
      '='.repeat(total),
      `Total params: ${n.toLocaleString('en-US')} (${size(n)})`,
      `Trainable params: ${n.toLocaleString('en-US')} (${size(n)})`,
      `Non-trainable params: 0 (${size(0)})`,
      '_'.repeat(total),
    );
    const text = lines.join('\n');
    for (const l of lines) print(l);
    return text;
  }

  /** Trains for `epochs` over (x, y) in mini-batches; resolves to the History of per-epoch loss and metrics. */
  async fit(x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> {
    this.requireCompiled('fit');
    checkKeys('fit', args, ['epochs', 'batchSize', 'verbose', 'validationSplit', 'validationData', 'shuffle', 'initialEpoch', 'callbacks', 'terminateOnNaN']);
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

    let xs = this.prepareInput(x, 'fit');
    let ys = this.prepareTargets(y, xs, 'fit');
    let val: [Tensor, Tensor] | undefined;
    if (args.validationData !== undefined) {
      if (!Array.isArray(args.validationData) || args.validationData.length !== 2) {
        throw new ValueError(`fit: validationData must be [xVal, yVal], got ${Array.isArray(args.validationData) ? `an array of ${args.validationData.length}` : typeof args.validationData}.`);
      }
      const [xv, yv] = args.validationData;
      const xvp = this.prepareInput(xv, 'fit (validationData)');
      val = [xvp, this.prepareTargets(yv, xvp, 'fit (validationData)')];
    } else if (split > 0) {
      const at = Math.floor(xs.shape[0] * (1 - split));
      if (at === 0 || at === xs.shape[0]) {
        throw new ValueError(`fit: validationSplit ${split} of ${xs.shape[0]} samples leaves ${at === 0 ? 'no training' : 'no validation'} samples.`);
      }
      val = [xs.slice(at), ys.slice(at)];
      xs = xs.slice(0, at);
      ys = ys.slice(0, at);
    }

    const n = xs.shape[0];
    const steps = Math.ceil(n / batchSize);
    const history = new History();
    history.params = { epochs, steps, samples: n, batchSize, verbose };
    const user = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
    const callbacks: Callback[] = [history, ...(verbose ? [new ProgbarLogger(verbose, epochs, steps)] : []), ...user];
    const call = async <K extends keyof Callback>(name: K, ...a: Parameters<NonNullable<Callback[K]>>): Promise<void> => {
      for (const cb of callbacks) await (cb[name] as ((...x: unknown[]) => unknown) | undefined)?.apply(cb, a);
    };

    this.stopTraining = false;
    for (const cb of callbacks) cb.setModel?.(this);
    await call('onTrainBegin', {});
    const metrics = this.resolveMetrics();
    let lastYield = performance.now();
    for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
      await call('onEpochBegin', epoch, {});
      const order = args.shuffle === false ? null : this.rng.permutation(n);
      let lossSum = 0;
      const correct = new Array<number>(metrics.length).fill(0);
      let seen = 0;
      for (let b = 0; b < steps; b++) {
        await call('onBatchBegin', b, { batch: b, size: Math.min(batchSize, n - b * batchSize) });
        const lo = b * batchSize;
        const hi = Math.min(n, lo + batchSize);
        const idx = order ? order.subarray(lo, hi) : null;
        // The batch goes into a buffer of the backend's memory, reused across steps: no allocation,
        // and the products read it in place.
        const xb = idx ? xs.gather(idx, (this.xBatch = reuse(this.xBatch, [hi - lo, ...xs.shape.slice(1)], this.dtype))) : xs.slice(lo, hi);
        const yb = idx ? ys.gather(idx) : ys.slice(lo, hi);
        const r = this.step(xb, yb, true, metrics);
        if (!Number.isFinite(r.loss) && args.terminateOnNaN !== false) {
          throw new ValueError(
            `fit: the loss became ${r.loss} at epoch ${epoch + 1}, batch ${b + 1} of ${steps}: training diverged (try a lower learning rate). ` +
              'Pass terminateOnNaN: false to train on regardless.',
          );
        }
        seen += hi - lo;
        lossSum += r.loss * (hi - lo);
        r.correct.forEach((v, i) => (correct[i] += v));
        await call('onBatchEnd', b, this.logs(lossSum / seen, correct, seen, metrics));
        if (this.stopTraining) break;
        if (performance.now() - lastYield > 50) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      const logs = this.logs(lossSum / seen, correct, seen, metrics);
      if (val) {
        const e = this.evaluateTensors(val[0], val[1], batchSize);
        for (const [k, v] of Object.entries(e)) logs[`val_${k}`] = v;
      }
      await call('onEpochEnd', epoch, logs);
    }
    await call('onTrainEnd', {});
    return history;
  }

  /** Loss and metrics over (x, y), the mean over all samples. */
  async evaluate(x: Tensor, y: Tensor, args: EvaluateArgs = {}): Promise<Evaluation> {
    this.requireCompiled('evaluate');
    checkKeys('evaluate', args, ['batchSize']);
    const batchSize = args.batchSize ?? 32;
    checkInt('evaluate', 'batchSize', batchSize, 1);
    const xs = this.prepareInput(x, 'evaluate');
    return this.evaluateTensors(xs, this.prepareTargets(y, xs, 'evaluate'), batchSize);
  }

  /** The model's outputs for x, computed in batches in inference mode: a new tensor [n, ...outputShape]. */
  async predict(x: Tensor, args: EvaluateArgs = {}): Promise<Tensor> {
    checkKeys('predict', args, ['batchSize']);
    const batchSize = args.batchSize ?? 32;
    checkInt('predict', 'batchSize', batchSize, 1);
    const xs = this.prepareInput(x, 'predict');
    const n = xs.shape[0];
    const out = new Tensor(this.dtype === 'float64' ? new Float64Array(n * shapeSize(this.outputShape)) : new Float32Array(n * shapeSize(this.outputShape)), [n, ...this.outputShape]);
    const row = shapeSize(this.outputShape);
    for (let lo = 0; lo < n; lo += batchSize) {
      const hi = Math.min(n, lo + batchSize);
      const yb = this.forward(xs.slice(lo, hi), false);
      out.data.set(yb.data.subarray(0, (hi - lo) * row), lo * row);
    }
    return out;
  }

  /** One optimizer step on one batch; resolves to the batch's loss and metrics (before the step). */
  async trainOnBatch(x: Tensor, y: Tensor): Promise<Evaluation> {
    this.requireCompiled('trainOnBatch');
    const xs = this.prepareInput(x, 'trainOnBatch');
    const ys = this.prepareTargets(y, xs, 'trainOnBatch');
    const metrics = this.resolveMetrics();
    const r = this.step(xs, ys, true, metrics);
    return this.logs(r.loss, r.correct, xs.shape[0], metrics);
  }

  /**
   * The mean loss over the batch (x, y) and its gradient for every weight, aligned with
   * `getWeights()`. Nothing is updated. Inference mode by default (dropout off), so the result is a
   * deterministic function of the weights.
   */
  async computeGradients(x: Tensor, y: Tensor, args: { training?: boolean } = {}): Promise<{ loss: number; grads: Tensor[] }> {
    this.requireCompiled('computeGradients');
    checkKeys('computeGradients', args, ['training']);
    const xs = this.prepareInput(x, 'computeGradients');
    const ys = this.prepareTargets(y, xs, 'computeGradients');
    const r = this.step(xs, ys, args.training ?? false, [], false);
    return { loss: r.loss, grads: this.parameters().map((p) => p.grad.clone()) };
  }

  /** Copies of every weight, in Keras's order (layer by layer; Dense: kernel, then bias). */
  getWeights(): Tensor[] {
    return this.parameters().map((p) => p.value.clone());
  }

  /** Sets every weight from tensors in `getWeights()` order; checks all of them before changing any. */
  setWeights(weights: Tensor[]): void {
    const params = this.parameters();
    if (!Array.isArray(weights) || weights.length !== params.length) {
      throw new ValueError(`${this.describe()}.setWeights: expected ${params.length} tensors, got ${Array.isArray(weights) ? weights.length : String(weights)}.`);
    }
    weights.forEach((w, i) => {
      if (!(w instanceof Tensor) || !sameShape(w.shape, params[i].value.shape)) {
        throw new ShapeError(`${this.describe()}.setWeights: weight ${i} (${params[i].name}) must have shape ${formatShape(params[i].value.shape)}, got ${w instanceof Tensor ? formatShape(w.shape) : String(w)}.`);
      }
      for (let k = 0; k < w.size; k++) {
        if (!Number.isFinite(w.data[k])) throw new ValueError(`${this.describe()}.setWeights: weight ${i} (${params[i].name}) holds ${w.data[k]} at flat index ${k}.`);
      }
    });
    weights.forEach((w, i) => params[i].value.data.set(w.data));
  }

  /**
   * Runs every layer on a batch x [batch, ...inputShape] (already checked and of the model's dtype)
   * and returns the last layer's own buffer, valid until the next forward: `predict` copies it.
   */
  forward(x: Tensor, training: boolean): Tensor {
    const ctx: ForwardContext = { training, rng: this.rng };
    let h = x;
    for (const l of this.layers) h = l.forward(h, ctx);
    return h;
  }

  /** Forward, loss, backward and (when `update`) an optimizer step on one prepared batch. */
  private step(x: Tensor, y: Tensor, training: boolean, metrics: Metric[], update = true): { loss: number; correct: number[] } {
    const { loss, optimizer } = this.compiled!;
    const p = this.forward(x, training);
    const last = this.layers[this.layers.length - 1];
    const cols = p.shape[p.rank - 1];
    const rows = rowsOf(p);
    const pd = p.data as FloatArray;
    const correct = metrics.map((m) => (m.correct(pd, y.data, rows, cols) * x.shape[0]) / rows);
    const dOut = (this.dOut = reuse(this.dOut, p.shape, this.dtype));
    const fused = last.endsInSoftmax() && loss.valueFromLogits !== undefined;
    let value: number;
    if (fused) {
      value = loss.valueFromLogits!(last.logits()!.data as FloatArray, y.data, rows, cols);
      loss.gradFromLogits!(dOut.data as FloatArray, pd, y.data, rows, cols);
    } else {
      value = loss.value(pd, y.data, rows, cols);
      loss.grad(dOut.data as FloatArray, pd, y.data, rows, cols);
    }
    // Layers before the first one with weights need no gradient, and neither does its input:
    // for Flatten → Dense that skips dx = dz·Wᵀ [batch, 784], the costliest product of the step.
    const first = this.layers.findIndex((l) => l.parameters().length > 0);
    let dy: Tensor | null = dOut;
    for (let i = this.layers.length - 1; first >= 0 && i >= first && dy; i--) {
      dy = this.layers[i].backward(dy, { needInputGrad: i > first, skipSoftmax: fused && i === this.layers.length - 1 });
    }
    value += this.regularize(true);
    if (update) optimizer.step(this.parameters());
    return { loss: value, correct };
  }

  private evaluateTensors(x: Tensor, y: Tensor, batchSize: number): Evaluation {
    const { loss } = this.compiled!;
    const metrics = this.resolveMetrics();
    const last = this.layers[this.layers.length - 1];
    const fused = last.endsInSoftmax() && loss.valueFromLogits !== undefined;
    const n = x.shape[0];
    let lossSum = 0;
    const correct = new Array<number>(metrics.length).fill(0);
    for (let lo = 0; lo < n; lo += batchSize) {
      const hi = Math.min(n, lo + batchSize);
      const yb = y.slice(lo, hi).data;
      const p = this.forward(x.slice(lo, hi), false);
      const cols = p.shape[p.rank - 1];
      const rows = rowsOf(p);
      const v = fused
        ? loss.valueFromLogits!(last.logits()!.data as FloatArray, yb, rows, cols)
        : loss.value(p.data as FloatArray, yb, rows, cols);
      lossSum += v * (hi - lo);
      metrics.forEach((m, i) => (correct[i] += (m.correct(p.data as FloatArray, yb, rows, cols) * (hi - lo)) / rows));
    }
    return this.logs(lossSum / n + this.regularize(false), correct, n, metrics);
  }

  /** The weights' penalties (added to the loss), and with `grads`, their gradients added to the weights' gradients. */
  private regularize(grads: boolean): number {
    let penalty = 0;
    for (const p of this.parameters()) {
      if (!p.regularizer) continue;
      const w = p.value.data as FloatArray;
      penalty += p.regularizer.penalty(w);
      if (grads) p.regularizer.addGrad(p.grad.data as FloatArray, w);
    }
    return penalty;
  }

  /** `correct` counts samples (rows of outputs of rank ≥ 3 count as fractions of their sample). */
  private logs(loss: number, correct: number[], n: number, metrics: Metric[]): Evaluation {
    const logs: Logs = { loss };
    metrics.forEach((m, i) => (logs[m.key] = correct[i] / n));
    return logs as Evaluation;
  }

  /**
   * Checks x against the model's input shape (building the model from it when needed), rejects
   * NaN and infinities, and casts it to the model's dtype (integer pixels become floats as Keras does).
   */
  private prepareInput(x: Tensor, where: string): Tensor {
    if (!(x instanceof Tensor)) throw new ValueError(`${where}: x must be a Tensor, got ${x === null ? 'null' : typeof x}.`);
    if (this.layers.length === 0) throw new ValueError(`${where}: the model has no layers.`);
    if (x.rank < 2) throw new ShapeError(`${where}: x must have a batch dimension and a sample shape, got shape ${formatShape(x.shape)}.`);
    if (x.shape[0] === 0) throw new ShapeError(`${where}: x has no samples (shape ${formatShape(x.shape)}).`);
    if (!this.built) this.build([null, ...x.shape.slice(1)]);
    if (!sameShape(x.shape.slice(1), this.inputShape!)) {
      throw new ShapeError(`${where}: ${this.layers[0].describe()} expects input of shape ${formatShape([null, ...this.inputShape!])}, got ${formatShape(x.shape)}.`);
    }
    const d = x.data;
    if (x.dtype === 'float32' || x.dtype === 'float64') {
      for (let i = 0; i < d.length; i++) {
        if (!Number.isFinite(d[i])) throw new ValueError(`${where}: x holds ${d[i]} at flat index ${i}; inputs must be finite.`);
      }
    }
    return x.dtype === this.dtype ? x : x.cast(this.dtype);
  }

  private prepareTargets(y: Tensor, x: Tensor, where: string): Tensor {
    if (!(y instanceof Tensor)) throw new ValueError(`${where}: y must be a Tensor, got ${y === null ? 'null' : typeof y}.`);
    if (y.rank === 0 || y.shape[0] !== x.shape[0]) {
      throw new ShapeError(`${where}: x has ${x.shape[0]} samples but y has shape ${formatShape(y.shape)}; expected ${x.shape[0]} targets.`);
    }
    this.compiled!.loss.checkTargets(y, this.outputShape, where);
    return y;
  }

  private requireCompiled(where: string): Compiled {
    if (!this.compiled) throw new ValueError(`${this.describe()}: call compile({ optimizer, loss }) before ${where}().`);
    return this.compiled;
  }

  private requireBuilt(where: string): void {
    if (!this.built) {
      throw new ValueError(
        `${this.describe()} has not been built yet, so ${where} is unknown: give the first layer an inputShape, call build([null, ...shape]), or call fit/predict on data first.`,
      );
    }
  }
}

function checkInt(where: string, what: string, v: number, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ValueError(`${where}: ${what} must be an integer ≥ ${min}, got ${String(v)}.`);
  }
}
