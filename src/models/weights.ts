/**
 * Setting a model's weights from tensors, checked first: how many, their shapes, finite values, and
 * what each layer accepts (BatchNormalization refuses a negative variance), so that a bad list
 * changes nothing.
 */
import { ShapeError, ValueError, formatShape } from '../errors.js';
import { Tensor, firstNonFinite } from '../tensor/tensor.js';
import { sameShape, type Layer } from '../layers/layer.js';

/**
 * Sets the weights of `layers` (in getWeights() order: layer by layer, each layer's parameters) from
 * `weights`, after checking every one of them; `where` begins the error messages.
 * @example
 * setLayerWeights(model.layers, other.getWeights(), "Sequential 'sequential'.setWeights");
 */
export function setLayerWeights(layers: readonly Layer[], weights: Tensor[], where: string): void {
  const params = layers.flatMap((l) => l.parameters());
  const owners = layers.flatMap((l) => l.parameters().map(() => l));
  if (!Array.isArray(weights) || weights.length !== params.length) {
    throw new ValueError(
      `${where}: expected ${params.length} tensors, got ${Array.isArray(weights) ? weights.length : String(weights)}.`,
    );
  }
  weights.forEach((w, i) => {
    const at = `${where}: weight ${i} (${params[i].name})`;
    if (!(w instanceof Tensor) || !sameShape(w.shape, params[i].value.shape)) {
      throw new ShapeError(
        `${at} must have shape ${formatShape(params[i].value.shape)}, ` +
          `got ${w instanceof Tensor ? formatShape(w.shape) : String(w)}.`,
      );
    }
    const k = firstNonFinite(w.data);
    if (k >= 0) throw new ValueError(`${at} holds ${w.data[k]} at flat index ${k}.`);
    const why = owners[i].weightValueProblem(params[i], w.data);
    if (why !== undefined) throw new ValueError(`${at} ${why}.`);
  });
  weights.forEach((w, i) => params[i].value.data.set(w.data));
}
