/**
 * What the trainer needs of a model: a forward pass, a backward pass from dL/d(output), and its
 * weights. Sequential is one (a stack of layers); any model that can run these two passes, a graph
 * of layers too, trains with the same Trainer, whose step is
 *   y = model.forward(x) → L(y, t) and dL/dy → model.backward(dL/dy) → optimizer step.
 */
import type { FloatDType } from '../tensor/kernels.js';
import type { Rng } from '../tensor/random.js';
import type { FloatTensor, Tensor } from '../tensor/tensor.js';
import type { Layer, Param } from '../layers/layer.js';
import type { CallbackModel } from './callbacks.js';

/**
 * What the trainer asks of a backward pass.
 * @example
 * model.backward(dy, { fromLogits: true, learns: (layer) => layer.trainable });
 */
export interface ModelBackwardOptions {
  /**
   * `dy` is the gradient of the logits of the output's softmax (the loss fused cross-entropy with
   * softmax into (p − y)/n), so the output's softmax derivative must not be applied again.
   */
  fromLogits: boolean;
  /**
   * Whether a layer's weight gradients are wanted (a layer frozen at compile keeps its weights).
   * Only a layer that has trainable weights is asked. Layers that neither learn nor lie on the path
   * from a learning layer to the output need no backward pass.
   */
  learns(layer: Layer): boolean;
}

/**
 * What the trainer needs of a model (Sequential is one): its passes, its weights, its input check.
 * @example
 * const model: TrainableModel = new Sequential([new Dense(10, { inputShape: [784], activation: 'softmax' })]);
 * const y = model.forward(model.prepareInput(x, 'mine'), false); // [n, 10]
 */
export interface TrainableModel extends CallbackModel {
  /** Every layer, each once: the trainer records which are trainable at compile. */
  readonly layers: readonly Layer[];
  readonly dtype: FloatDType;
  /** Sample shape of the output (no batch dimension). */
  readonly outputShape: number[];
  /** The generator behind shuffles and dropout masks. */
  readonly rng: Rng;
  /** `Sequential 'sequential'`, for error messages. */
  describe(): string;
  /** Checks x against the model's input (building the model from it when needed) and casts it to the model's dtype. */
  prepareInput(x: Tensor, where: string): FloatTensor;
  /** The outputs [batch, ...outputShape] of a prepared batch: the model's own buffer, valid until the next forward. */
  forward(x: FloatTensor, training: boolean): FloatTensor;
  /** The pre-softmax values of the last forward when the output ends in softmax, else undefined. */
  outputLogits(): FloatTensor | undefined;
  /** From dL/d(output) of the last forward, writes the gradients of the weights of the layers that learn. */
  backward(dy: FloatTensor, options: ModelBackwardOptions): void;
  /** Every weight, in getWeights() order. */
  parameters(): Param[];
}
