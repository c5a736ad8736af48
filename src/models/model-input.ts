/**
 * The check every model makes of its input x [batch, ...inputShape] before a forward pass: a Tensor
 * with a batch of at least one sample, of the model's input shape (which the first input fixes
 * when the model is not built yet), finite, cast to the model's dtype.
 */
import { ShapeError, ValueError, formatShape } from '../errors.js';
import type { FloatDType } from '../tensor/kernels.js';
import { Tensor, firstNonFinite, type FloatTensor } from '../tensor/tensor.js';
import { sameShape, type Layer } from '../layers/layer.js';
import { notATensor } from '../training/training-args.js';

/**
 * What the input check reads of a model (Sequential is one).
 * @example
 * const m: InputModel = new Sequential([new Dense(2)]); // not built: the first input builds it
 */
export interface InputModel {
  readonly layers: readonly Layer[];
  readonly dtype: FloatDType;
  /** Sample shape of the input, once built. */
  readonly inputShape: number[] | undefined;
  build(inputShape: (number | null)[]): void;
}

/**
 * Checks x against the model's input shape (building the model from it when needed), rejects NaN
 * and infinities, and casts it to the model's dtype (integer pixels become floats, as Keras casts them).
 * @example
 * prepareModelInput(model, tensor([[1, 2, 3]]), 'predict'); // a float32 [1, 3] for a model of inputs [null, 3]
 */
export function prepareModelInput(model: InputModel, x: Tensor, where: string): FloatTensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${where}: x must be a Tensor, got ${notATensor(x)}.`);
  if (model.layers.length === 0) throw new ValueError(`${where}: the model has no layers.`);
  if (x.rank < 2) {
    const got = formatShape(x.shape);
    throw new ShapeError(`${where}: x must have a batch dimension and a sample shape, got shape ${got}.`);
  }
  if (x.shape[0] === 0) throw new ShapeError(`${where}: x has no samples (shape ${formatShape(x.shape)}).`);
  if (!model.inputShape) model.build([null, ...x.shape.slice(1)]);
  const sample = model.inputShape ?? [];
  if (!sameShape(x.shape.slice(1), sample)) {
    const expected = formatShape([null, ...sample]);
    const first = model.layers[0].describe();
    throw new ShapeError(`${where}: ${first} expects input of shape ${expected}, got ${formatShape(x.shape)}.`);
  }
  if (x.isFloat()) {
    const i = firstNonFinite(x.data);
    if (i >= 0) throw new ValueError(`${where}: x holds ${x.data[i]} at flat index ${i}; inputs must be finite.`);
    if (x.dtype === model.dtype) return x;
  }
  return x.cast(model.dtype) as FloatTensor;
}
