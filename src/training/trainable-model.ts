/**
 * What the trainer needs of a model: a forward pass over a list of inputs to a list of outputs, a
 * backward pass from dL/d(each output), and its weights. Model and Sequential are such; any model
 * that can run these two passes trains with the same Trainer, whose step is
 *   ys = model.forward(xs) → L = Σᵢ wᵢ·Lᵢ(ysᵢ, tᵢ) and dL/dysᵢ → model.backward(dL/dys) → optimizer step.
 */
import type { FloatDType } from '../tensor/kernels.js';
import type { Rng } from '../tensor/random.js';
import type { FloatTensor } from '../tensor/tensor.js';
import type { Layer, Param } from '../layers/layer.js';
import type { CallbackModel } from './callbacks.js';

/**
 * What the trainer asks of a backward pass.
 * @example
 * model.backward([dy], { fromLogits: [true], learns: (layer) => layer.trainable });
 */
export interface ModelBackwardOptions {
  /**
   * Per output: its gradient is of the logits of the output's softmax (the loss fused cross-entropy
   * with softmax into (p − y)/n), so the output's softmax derivative must not be applied again.
   */
  fromLogits: readonly boolean[];
  /**
   * Whether a layer's weight gradients are wanted (a layer frozen at compile keeps its weights).
   * Only a layer that has trainable weights is asked. Layers that neither learn nor lie on the path
   * from a learning layer to the output need no backward pass.
   */
  learns(layer: Layer): boolean;
}

/**
 * What the trainer needs of a model (Model and Sequential are such): its passes, its weights, its input check.
 * @example
 * const model: TrainableModel = new Sequential([new Dense(10, { inputShape: [784], activation: 'softmax' })]);
 * const [y] = model.forward(model.prepareInputs(x, 'mine'), false); // [n, 10]
 */
export interface TrainableModel extends CallbackModel {
  /** Every layer that may hold weights, each once: the trainer records which are trainable at compile. */
  readonly layers: readonly Layer[];
  readonly dtype: FloatDType;
  /** The names of the outputs, in order: what objects of targets and per-output options are keyed by. */
  readonly outputNames: readonly string[];
  /** Sample shape of each output (no batch dimension). */
  readonly outputShapes: readonly number[][];
  /** The generator behind shuffles and dropout masks. */
  readonly rng: Rng;
  /** `Sequential 'sequential'`, for error messages. */
  describe(): string;
  /**
   * Checks the inputs (one Tensor, an array in input order, or an object by input name) against the
   * model's (building it from them when needed), casts them to the model's dtype, and returns them
   * in input order.
   */
  prepareInputs(x: unknown, where: string): FloatTensor[];
  /** The outputs [batch, ...outputShape] of prepared inputs: the model's own buffers, valid until the next forward. */
  forward(xs: readonly FloatTensor[], training: boolean): FloatTensor[];
  /** The pre-softmax values of output i of the last forward when it ends in softmax, else undefined. */
  outputLogits(i: number): FloatTensor | undefined;
  /** From dL/d(each output) of the last forward, writes the gradients of the weights of the layers that learn. */
  backward(dys: readonly FloatTensor[], options: ModelBackwardOptions): void;
  /** Every weight, in getWeights() order. */
  parameters(): Param[];
}
