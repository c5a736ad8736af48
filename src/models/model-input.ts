/**
 * The check every model makes of its inputs x [batch, ...inputShape] before a forward pass: Tensors
 * with a batch of at least one sample, as many in each, of the model's input shapes (which the first
 * input fixes when a Sequential is not built yet), finite, cast to the model's dtype.
 */
import { ShapeError, ValueError, formatShape } from '../errors.js';
import type { FloatDType } from '../tensor/kernels.js';
import { Tensor, firstNonFinite, type FloatTensor } from '../tensor/tensor.js';
import { sameShape, type Layer } from '../layers/layer.js';
import { notATensor } from '../training/training-args.js';
import { byName } from '../training/named-lists.js';

/**
 * What the input check reads of a model (Model and Sequential are such).
 * @example
 * const m: InputModel = new Sequential([new Dense(2)]); // not built: the first input builds it
 */
export interface InputModel {
  readonly layers: readonly Layer[];
  readonly dtype: FloatDType;
  /** Sample shape of each input and their names, once built. */
  readonly inputShapes: number[][] | undefined;
  readonly inputNames: readonly string[] | undefined;
  build(inputShape: (number | null)[]): void;
}

/**
 * Checks the inputs (one Tensor, an array in input order, or an object by input name) against the
 * model's input shapes (a model not built yet is built from the first), with as many samples each;
 * rejects NaN and infinities; casts them to the model's dtype (integer pixels become floats, as Keras
 * casts them). Returns them in input order.
 * @example
 * prepareModelInputs(model, tensor([[1, 2, 3]]), 'predict'); // [a float32 [1, 3]] for a model of inputs [null, 3]
 */
export function prepareModelInputs(model: InputModel, x: unknown, where: string): FloatTensor[] {
  if (model.layers.length === 0) throw new ValueError(`${where}: the model has no layers.`);
  const names = model.inputNames ?? ['input'];
  const xs = byName(x, names, 'x', 'input', where);
  const out = xs.map((xi, i) => prepareOne(model, xi, i, names.length === 1 ? 'x' : `x (input '${names[i]}')`, where));
  const n = out[0].shape[0];
  out.forEach((xi, i) => {
    if (xi.shape[0] !== n) {
      throw new ShapeError(
        `${where}: the inputs have different numbers of samples: '${names[0]}' ${n}, '${names[i]}' ${xi.shape[0]}.`,
      );
    }
  });
  return out;
}

function prepareOne(model: InputModel, x: unknown, i: number, what: string, where: string): FloatTensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${where}: ${what} must be a Tensor, got ${notATensor(x)}.`);
  if (x.rank < 2) {
    const got = formatShape(x.shape);
    throw new ShapeError(`${where}: ${what} must have a batch dimension and a sample shape, got shape ${got}.`);
  }
  if (x.shape[0] === 0) throw new ShapeError(`${where}: ${what} has no samples (shape ${formatShape(x.shape)}).`);
  if (!model.inputShapes) model.build([null, ...x.shape.slice(1)]);
  const sample = model.inputShapes?.[i] ?? [];
  if (!sameShape(x.shape.slice(1), sample)) {
    const expected = formatShape([null, ...sample]);
    const first = model.inputShapes?.length === 1 ? model.layers[0].describe() : `the input '${model.inputNames?.[i]}'`;
    throw new ShapeError(`${where}: ${first} expects input of shape ${expected}, got ${formatShape(x.shape)}.`);
  }
  if (x.isFloat()) {
    const k = firstNonFinite(x.data);
    if (k >= 0) throw new ValueError(`${where}: ${what} holds ${x.data[k]} at flat index ${k}; inputs must be finite.`);
    if (x.dtype === model.dtype) return x;
  }
  return x.cast(model.dtype) as FloatTensor;
}
