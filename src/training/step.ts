/**
 * One training step and one evaluation step (Keras's train_step and test_step), over any
 * TrainableModel. For a batch of inputs xs [n, …] with targets tᵢ per output and optional sample
 * weights w [n]:
 *   ys = forward(xs)                      yᵢ [n, ...outputShapeᵢ], `rows` rows of `cols` (rows = n · positions)
 *   Lᵢ = Σ_r w_r · lᵢ(yᵢ_r, tᵢ_r) / rows,  L = Σᵢ λᵢ·Lᵢ + Σ penalties of the weights that learn  (λ: lossWeights)
 *   dL/dyᵢ [rows, cols] = λᵢ · dLᵢ/dyᵢ, each row scaled by w_r  → backward → dL/dθ (+ the penalties' gradients)
 *   θ ← optimizer step(θ, dL/dθ)
 * When the output ends in softmax and the loss has a logits form (cross-entropy), L and dL/dlogits
 * = (p − t)/rows come from the logits: exact for any logits. That choice is made in `outputLoss`.
 */
import type { Optimizer } from '../optimizers/index.js';
import type { FloatArray } from '../tensor/kernels.js';
import { reuse, type FloatTensor, type Tensor, type TypedArray } from '../tensor/tensor.js';
import { rowsOf, type Layer, type Param } from '../layers/layer.js';
import { weighRows, type Loss, type RowWeights } from '../losses/losses.js';
import { tally, type Tally, type Tracked } from './metric-logs.js';
import type { TrainableModel } from './trainable-model.js';

/**
 * What a step reports: the batch's loss (with the regularization penalties), each output's own loss
 * (unweighted), and its metrics' tallies (output by output).
 * @example
 * const { loss, tallies } = step.train(xs, ys, { training: true, update: true, metrics: [[]] });
 */
export interface StepResult {
  loss: number;
  outputLosses: number[];
  tallies: Tally[];
}

/**
 * A training step's options: `training` mode (dropout on), `update` (an optimizer step; without it
 * every trainable weight's gradient is written, frozen layers' too), the metrics to tally for each
 * output, and the per-sample weights of the loss.
 * @example
 * const options: StepOptions = { training: true, update: true, metrics, weights: batch.weights };
 */
export interface StepOptions {
  training: boolean;
  update: boolean;
  metrics: Tracked[][];
  weights?: Float64Array;
}

/**
 * The steps of one compiled model: each output's loss and weight, the optimizer, and which layers learn.
 * @example
 * const step = new Step(model, [{ loss: getLoss('mse'), weight: 1 }], new SGD(), (layer) => layer.trainable);
 * step.train([x], [y], { training: true, update: true, metrics: [[]] }); // one SGD step on (x, y)
 */
export class Step {
  /** dL/d(each output), buffers reused across steps. */
  private readonly dOut: (FloatTensor | undefined)[] = [];

  constructor(
    private readonly model: TrainableModel,
    private readonly heads: readonly { loss: Loss; weight: number }[],
    private readonly optimizer: Optimizer,
    /** Whether a layer's weights are learnt (its `trainable` at compile). */
    private readonly learns: (layer: Layer) => boolean,
  ) {}

  /** The weights the optimizer updates: the trainable weights of the layers that learn. */
  trainableParams(): Param[] {
    return this.model.layers.flatMap((l) =>
      this.learns(l) ? l.parameters().filter((p) => p.trainable !== false) : [],
    );
  }

  /** Forward, loss, backward and (when `update`) an optimizer step on one prepared batch xs, ys. */
  train(xs: FloatTensor[], ys: Tensor[], o: StepOptions): StepResult {
    const model = this.model;
    // A schedule's rate is checked before the forward pass, which moves BatchNormalization's statistics.
    if (o.update) this.optimizer.checkScheduledRate();
    const outs = this.forwardAsCompiled(xs, o.training);
    const n = xs[0].shape[0];
    const tallies: Tally[] = [];
    const outputLosses: number[] = [];
    const fromLogits: boolean[] = [];
    let loss = 0;
    const dOut = outs.map((p, i) => {
      const rows = rowsOf(p);
      const cols = p.shape[p.rank - 1];
      const w = o.weights && rowWeights(o.weights, rows);
      tallies.push(...tally(o.metrics[i], p.data, ys[i].data, rows, cols, n, w));
      const d = (this.dOut[i] = reuse(this.dOut[i], p.shape, model.dtype));
      const out = this.outputLoss(i, p, ys[i].data, rows, cols, d.data, w);
      const lambda = this.heads[i].weight;
      if (lambda !== 1) for (let k = 0; k < d.data.length; k++) d.data[k] *= lambda;
      fromLogits.push(out.fused);
      outputLosses.push(out.value);
      loss += lambda === 1 ? out.value : lambda * out.value;
      return d;
    });
    // Without an update (computeGradients), frozen layers' gradients are wanted too.
    model.backward(dOut, { fromLogits, learns: (l) => !o.update || this.learns(l) });
    const learning = this.trainableParams();
    const penalty = this.regularize(learning);
    if (o.update) this.optimizer.step(learning);
    return { loss: loss + penalty, outputLosses, tallies };
  }

  /**
   * The model's forward pass with each layer told whether it learns in this step: a layer frozen or
   * unfrozen since compile trains as the optimizer sees it (BatchNormalization's statistics too).
   */
  private forwardAsCompiled(xs: FloatTensor[], training: boolean): FloatTensor[] {
    const layers = this.model.layers;
    for (const l of layers) l.learnsInStep = this.learns(l);
    try {
      return this.model.forward(xs, training);
    } finally {
      for (const l of layers) l.learnsInStep = undefined;
    }
  }

  /** The loss (without penalties, which an evaluation adds once) and tallies of a batch in inference mode. */
  test(xs: FloatTensor[], ys: Tensor[], metrics: Tracked[][], weights?: Float64Array): StepResult {
    const outs = this.model.forward(xs, false);
    const n = xs[0].shape[0];
    const tallies: Tally[] = [];
    const outputLosses: number[] = [];
    let loss = 0;
    outs.forEach((p, i) => {
      const cols = p.shape[p.rank - 1];
      const rows = rowsOf(p);
      const w = weights && rowWeights(weights, rows);
      const value = this.outputLoss(i, p, ys[i].data, rows, cols, null, w).value;
      const lambda = this.heads[i].weight;
      outputLosses.push(value);
      loss += lambda === 1 ? value : lambda * value;
      tallies.push(...tally(metrics[i], p.data, ys[i].data, rows, cols, n, w));
    });
    return { loss, outputLosses, tallies };
  }

  /**
   * The penalties of the weights that learn (Keras 3 counts the regularization losses of trainable
   * weights only, so a frozen layer's penalty leaves the loss); with `grads`, their gradients are
   * added to those weights' gradients too.
   */
  regularize(learning: readonly Param[] = this.trainableParams(), grads = true): number {
    let penalty = 0;
    for (const p of learning) {
      if (!p.regularizer) continue;
      penalty += p.regularizer.penalty(p.value.data);
      if (grads) p.regularizer.addGrad(p.grad.data, p.value.data);
    }
    return penalty;
  }

  /**
   * The loss of output i, p [rows, cols], against targets y, and with `grad`, dL/d(output) into it;
   * from the output's logits when the loss has that form. With per-row weights w [rows], the loss
   * is Σ_r w_r l_r / rows and each gradient row is scaled by w_r, on either path.
   */
  private outputLoss(
    i: number,
    p: FloatTensor,
    y: TypedArray,
    rows: number,
    cols: number,
    grad: FloatArray | null,
    w?: RowWeights,
  ): { value: number; fused: boolean } {
    const logits = this.model.outputLogits(i);
    const { loss } = this.heads[i];
    const fused = !!(logits && loss.valueFromLogits && loss.gradFromLogits);
    if (grad) {
      if (fused) loss.gradFromLogits!(grad, p.data, y, rows, cols);
      else loss.grad(grad, p.data, y, rows, cols);
      if (w) weighRows(grad, w, rows, cols);
    }
    return {
      value: fused ? loss.valueFromLogits!(logits.data, y, rows, cols, w) : loss.value(p.data, y, rows, cols, w),
      fused,
    };
  }
}

/** Sample weights w [n] for outputs of `rows` rows (n · positions): each sample's weight on each of its rows. */
function rowWeights(w: Float64Array, rows: number): Float64Array {
  if (rows === w.length) return w;
  const k = rows / w.length;
  return Float64Array.from({ length: rows }, (_, r) => w[Math.floor(r / k)]);
}
