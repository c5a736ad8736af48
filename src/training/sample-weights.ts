/**
 * Per-sample weights of the loss, as Keras 3 takes them in fit(..., { classWeight, sampleWeight }):
 *   sampleWeight  a Tensor [n] or [n, 1], one finite weight ≥ 0 per sample;
 *   classWeight   { class: weight }, turned into sample weights from the targets as Keras's
 *                 class_weight_to_sample_weights does (labels [n] or [n, 1] rounded, one-hot rows by
 *                 argmax; a class the map does not name weighs 1).
 * The weighted loss is Σ wᵢ·lᵢ / n (Keras's reduction 'sum_over_batch_size': divided by the batch
 * size, not by Σ wᵢ), so its gradient is each sample's scaled by wᵢ.
 */
import { ShapeError, ValueError, formatShape } from '../errors.js';
import { Tensor, isTensor } from '../tensor/tensor.js';
import type { Loss } from '../losses/losses.js';

/**
 * `{ 0: 1, 1: 5 }`: the weight of each class (an integer from 0 to the output's units − 1).
 * @example
 * await model.fit(x, y, { classWeight: { 0: 1, 1: 5 } }); // mistakes on class 1 cost five times as much
 */
export type ClassWeight = Record<number, number>;

/**
 * The per-sample weights of the loss that `classWeight` or `sampleWeight` give targets y [n, …]
 * (undefined when neither is given); both at once is a ValueError, as Keras refuses it.
 * @example
 * lossWeights({ classWeight: { 1: 5 } }, tensor([0, 1, 1]), loss, [2], 'fit'); // Float64Array [1, 5, 5]
 */
export function lossWeights(
  args: { classWeight?: ClassWeight; sampleWeight?: Tensor },
  y: Tensor,
  loss: Loss,
  outputShape: number[],
  where: string,
): Float64Array | undefined {
  if (args.classWeight !== undefined && args.sampleWeight !== undefined) {
    throw new ValueError(
      `${where}: classWeight and sampleWeight cannot be given together (as in Keras); turn the class weights into sample weights and multiply.`,
    );
  }
  if (args.sampleWeight !== undefined) return checkSampleWeight(args.sampleWeight, y.shape[0], where);
  return args.classWeight === undefined ? undefined : classWeightsOf(args.classWeight, y, loss, outputShape, where);
}

/**
 * fit's check of the training weights (after validationSplit took its share): all of them 0 would
 * train on a loss of 0, learning nothing while the optimizer's steps and state advance.
 * @example
 * checkSomeWeight(new Float64Array([0, 0]), {}, 'fit'); // ValueError: fit: sampleWeight is 0 for every one…
 */
export function checkSomeWeight(w: Float64Array | undefined, args: { classWeight?: unknown }, where: string): void {
  if (w === undefined || w.length === 0 || w.some((v) => v > 0)) return;
  throw new ValueError(
    args.classWeight !== undefined
      ? `${where}: classWeight gives every training sample the weight 0 (the classes in the targets all weigh 0), so nothing would be learnt.`
      : `${where}: sampleWeight is 0 for every one of the ${w.length} training samples, so nothing would be learnt.`,
  );
}

/**
 * Checks a sampleWeight for n samples: a Tensor [n] or [n, 1] of finite numbers ≥ 0; returns its values.
 * @example
 * checkSampleWeight(tensor([1, 0.5, 2]), 3, 'fit'); // Float64Array [1, 0.5, 2]
 */
export function checkSampleWeight(sw: unknown, n: number, where: string): Float64Array {
  if (!isTensor(sw)) {
    const hint = Array.isArray(sw) ? ' (an Array): wrap it with tensor(weights)' : '';
    const got = `${sw === null ? 'null' : typeof sw}${hint}`;
    throw new ValueError(`${where}: sampleWeight must be a Tensor of ${n} weights, got ${got}.`);
  }
  if (!((sw.rank === 1 || (sw.rank === 2 && sw.shape[1] === 1)) && sw.shape[0] === n)) {
    throw new ShapeError(
      `${where}: sampleWeight must have shape [${n}] or [${n}, 1] (one weight per sample), got ${formatShape(sw.shape)}.`,
    );
  }
  const w = Float64Array.from(sw.data);
  w.forEach((v, i) => {
    if (!Number.isFinite(v) || v < 0)
      throw new ValueError(`${where}: sampleWeight holds ${v} at index ${i}; weights must be finite numbers ≥ 0.`);
  });
  return w;
}

/**
 * The sample weights that classWeight gives targets y. The classes are those of the model's output
 * (0 … units − 1, or 0 and 1 for a single sigmoid unit): a key outside them, a fractional key, or a
 * weight that is not a finite number ≥ 0 is a ValueError (Keras would silently ignore an unknown class).
 * @example
 * classWeightsOf({ 0: 2 }, tensor([0, 1, 0]), getLoss('sparseCategoricalCrossentropy'), [2], 'fit'); // [2, 1, 2]
 */
export function classWeightsOf(
  classWeight: unknown,
  y: Tensor,
  loss: Loss,
  outputShape: number[],
  where: string,
): Float64Array {
  // A Map (or any object of another class) has no own entries to read: it would weigh nothing, silently.
  const proto: unknown =
    typeof classWeight === 'object' && classWeight !== null ? Object.getPrototypeOf(classWeight) : undefined;
  if (
    typeof classWeight !== 'object' ||
    classWeight === null ||
    Array.isArray(classWeight) ||
    (proto !== Object.prototype && proto !== null)
  ) {
    const got = Array.isArray(classWeight)
      ? 'an array'
      : classWeight instanceof Map
        ? 'a Map (write { 0: 1, 1: 5 })'
        : proto
          ? `a ${(proto as { constructor?: { name?: string } }).constructor?.name ?? 'non-plain object'}`
          : String(classWeight);
    throw new ValueError(
      `${where}: classWeight must be an object mapping classes to weights, e.g. { 0: 1, 1: 5 }, got ${got}.`,
    );
  }
  if (outputShape.length !== 1) {
    throw new ValueError(
      `${where}: classWeight needs one class per sample, but the model's outputs are ${formatShape([null, ...outputShape])}; use sampleWeight.`,
    );
  }
  const units = outputShape[0];
  const classes = units === 1 ? 2 : units;
  const table = new Map<number, number>();
  for (const [key, w] of Object.entries(classWeight)) {
    const c = Number(key);
    // "01" would name class 1 a second time: a class is written as an integer is.
    if (!/^\d+$/.test(key) || String(c) !== key || c >= classes) {
      throw new ValueError(
        `${where}: classWeight has the class ${JSON.stringify(key)}, but the model's classes are the integers 0 to ${classes - 1}.`,
      );
    }
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw new ValueError(
        `${where}: classWeight gives class ${key} the weight ${String(w)}; weights must be finite numbers ≥ 0.`,
      );
    table.set(c, w);
  }
  const n = y.shape[0];
  const cols = loss.sparse || units === 1 ? 1 : units;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let label = 0;
    if (cols === 1) label = Math.round(y.data[i]);
    else for (let c = 1; c < cols; c++) if (y.data[i * cols + c] > y.data[i * cols + label]) label = c;
    out[i] = table.get(label) ?? 1;
  }
  return out;
}
