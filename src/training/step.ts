/**
 * One training step and one evaluation step (Keras's train_step and test_step), over any
 * TrainableModel. For a batch x [n, …] with targets t and optional sample weights w [n]:
 *   y = forward(x)                             [n, ...outputShape], `rows` rows of `cols` (rows = n · positions)
 *   L = Σ_r w_r · l(y_r, t_r) / rows + Σ penalties of the weights that learn
 *   dL/dy [rows, cols], each row scaled by w_r   → backward → dL/dθ (+ the penalties' gradients)
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
 * What a step reports: the batch's loss (with the regularization penalties) and its metrics' tallies.
 * @example
 * const { loss, tallies } = step.train(x, y, { training: true, update: true, metrics: [] });
 */
export interface StepResult {
  loss: number;
  tallies: Tally[];
}

/**
 * A training step's options: `training` mode (dropout on), `update` (an optimizer step; without it
 * every trainable weight's gradient is written, frozen layers' too), the metrics to tally, and the
 * per-sample weights of the loss.
 * @example
 * const options: StepOptions = { training: true, update: true, metrics, weights: batch.weights };
 */
export interface StepOptions {
  training: boolean;
  update: boolean;
  metrics: Tracked[];
  weights?: Float64Array;
}

/**
 * The steps of one compiled model: the loss, the optimizer, and which layers learn.
 * @example
 * const step = new Step(model, getLoss('mse'), new SGD(), (layer) => layer.trainable);
 * step.train(x, y, { training: true, update: true, metrics: [] }); // one SGD step on (x, y)
 */
export class Step {
  /** dL/d(output), one buffer reused across steps. */
  private dOut?: FloatTensor;

  constructor(
    private readonly model: TrainableModel,
    private readonly loss: Loss,
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

  /** Forward, loss, backward and (when `update`) an optimizer step on one prepared batch x, y. */
  train(x: FloatTensor, y: Tensor, o: StepOptions): StepResult {
    const model = this.model;
    // A schedule's rate is checked before the forward pass, which moves BatchNormalization's statistics.
    if (o.update) this.optimizer.checkScheduledRate();
    const p = this.forwardAsCompiled(x, o.training);
    const rows = rowsOf(p);
    const cols = p.shape[p.rank - 1];
    const w = o.weights && rowWeights(o.weights, rows);
    const tallies = tally(o.metrics, p.data, y.data, rows, cols, x.shape[0], w);
    const dOut = (this.dOut = reuse(this.dOut, p.shape, model.dtype));
    const out = this.outputLoss(p, y.data, rows, cols, dOut.data, w);
    // Without an update (computeGradients), frozen layers' gradients are wanted too.
    model.backward(dOut, { fromLogits: out.fused, learns: (l) => !o.update || this.learns(l) });
    const learning = this.trainableParams();
    const penalty = this.regularize(learning);
    if (o.update) this.optimizer.step(learning);
    return { loss: out.value + penalty, tallies };
  }

  /**
   * The model's forward pass with each layer told whether it learns in this step: a layer frozen or
   * unfrozen since compile trains as the optimizer sees it (BatchNormalization's statistics too).
   */
  private forwardAsCompiled(x: FloatTensor, training: boolean): FloatTensor {
    const layers = this.model.layers;
    for (const l of layers) l.learnsInStep = this.learns(l);
    try {
      return this.model.forward(x, training);
    } finally {
      for (const l of layers) l.learnsInStep = undefined;
    }
  }

  /** The loss (without penalties, which an evaluation adds once) and tallies of a batch in inference mode. */
  test(x: FloatTensor, y: Tensor, metrics: Tracked[], weights?: Float64Array): StepResult {
    const p = this.model.forward(x, false);
    const cols = p.shape[p.rank - 1];
    const rows = rowsOf(p);
    const w = weights && rowWeights(weights, rows);
    return {
      loss: this.outputLoss(p, y.data, rows, cols, null, w).value,
      tallies: tally(metrics, p.data, y.data, rows, cols, x.shape[0], w),
    };
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
   * The loss of outputs p [rows, cols] against targets y, and with `grad`, dL/d(output) into it;
   * from the output's logits when the loss has that form. With per-row weights w [rows], the loss
   * is Σ_r w_r l_r / rows and each gradient row is scaled by w_r, on either path.
   */
  private outputLoss(
    p: FloatTensor,
    y: TypedArray,
    rows: number,
    cols: number,
    grad: FloatArray | null,
    w?: RowWeights,
  ): { value: number; fused: boolean } {
    const logits = this.model.outputLogits();
    const { loss } = this;
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
