/**
 * Losses, each the mean over the batch of a per-sample loss, with its gradient.
 *
 *   p  [rows, cols]  the model's output (probabilities for the cross-entropies)
 *   y  [rows]        integer labels (sparse), or [rows, cols] targets
 *
 * The cross-entropies also have a fused form used when the model ends in softmax: loss and gradient
 * are taken from the logits z, as log-softmax, so they stay finite and exact for any z:
 *   L = mean_r (Σ_c y_rc) · logsumexp(z_r) − Σ_c y_rc z_rc       dL/dz = (p · Σ_c y − y) / rows
 * Without softmax, each row is first divided by its sum S and then clipped, as Keras does:
 *   q = clip(p / S, ε, 1 − ε)  (ε = 1e-7)      L = −mean_r Σ_c y_rc log q_rc
 *   dL/dp_j = −(y_j u_j / q_j − Σ_c y_c u_c) / (S · rows)   with u_c = 0 where q_c was clipped, else 1
 *
 * Binary cross-entropy treats every output as its own probability (a sigmoid's), clipped but not
 * renormalised, and averages over the last axis (c = cols), as Keras's binary_crossentropy does:
 *   q = clip(p, ε, 1 − ε)      L = −mean_r (1/c) Σ_c [y_rc log q_rc + (1 − y_rc) log(1 − q_rc)]
 *   dL/dp_rc = u_rc (q_rc − y_rc) / (q_rc (1 − q_rc) · rows · c)   with u = 0 where p was clipped, else 1
 *
 * Sample weights w [rows] (fit's classWeight / sampleWeight) weigh each row's loss, divided by the
 * row count as Keras's 'sum_over_batch_size' reduction: L = Σ_r w_r l_r / rows. A row's loss
 * depends on that row's outputs only, so the weighted gradient is the unweighted one with row r
 * scaled by w_r: `value` takes w, and {@link weighRows} scales any of the gradients.
 */
import { ShapeError, ValueError, formatShape } from '../errors.js';
import type { FloatArray } from '../tensor/kernels.js';
import type { Tensor, TypedArray } from '../tensor/tensor.js';

export type LossName =
  'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';

const EPSILON = 1e-7;

export interface Loss {
  readonly name: LossName;
  /** Whether targets are integer labels, one per sample. */
  readonly sparse: boolean;
  /** Throws when targets y (all samples) cannot go with outputs of sample shape `outputShape`. */
  checkTargets(y: Tensor, outputShape: number[], where: string): void;
  /** Mean loss over the rows of p, each row's weighted by w[r] when w is given. */
  value(p: FloatArray, y: TypedArray, rows: number, cols: number, w?: RowWeights): number;
  /** dp = dL/dp. */
  grad(dp: FloatArray, p: FloatArray, y: TypedArray, rows: number, cols: number): void;
  /** Mean loss from logits z (cross-entropies only), each row's weighted by w[r] when w is given. */
  valueFromLogits?(z: FloatArray, y: TypedArray, rows: number, cols: number, w?: RowWeights): number;
  /** dz = dL/dz given p = softmax(z) (cross-entropies only). */
  gradFromLogits?(dz: FloatArray, p: FloatArray, y: TypedArray, rows: number, cols: number): void;
}

/** One weight per row of the outputs [rows, cols]. */
export type RowWeights = ArrayLike<number>;

/** Row r of a weight (w absent: 1). Multiplying by 1 is exact, so unweighted losses are as before, bit for bit. */
const weightOf = (w: RowWeights | undefined, r: number): number => (w ? w[r] : 1);

/**
 * The gradient of the weighted loss from the unweighted one dp [rows, cols]: row r times w[r].
 *
 * @example
 * ```ts
 * weighRows(dp, [2, 1, 0.5], 3, 10); // rows 0, 1 and 2 of dp [3, 10] times 2, 1 and 0.5
 * ```
 */
export function weighRows(dp: FloatArray, w: RowWeights, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const k = w[r];
    for (let c = 0, o = r * cols; c < cols; c++) dp[o + c] *= k;
  }
}

function checkFinite(y: Tensor, where: string): void {
  const d = y.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]))
      throw new ValueError(`${where}: targets contain ${d[i]} at flat index ${i}; expected finite values.`);
  }
}

function logSumExp(z: FloatArray, o: number, cols: number): number {
  let max = -Infinity;
  for (let c = 0; c < cols; c++) if (z[o + c] > max) max = z[o + c];
  let s = 0;
  for (let c = 0; c < cols; c++) s += Math.exp(z[o + c] - max);
  return max + Math.log(s);
}

/**
 * Keras's cross-entropy on probabilities, one row: −Σ_c y_c log q_c with q = clip(p / S). With `dp`,
 * also writes dL/dp scaled by `scale`. `label` ≥ 0 stands for one-hot targets at that index.
 */
function crossEntropyRow(
  p: FloatArray,
  o: number,
  cols: number,
  y: TypedArray,
  label: number,
  dp?: FloatArray,
  scale = 1,
): number {
  let sum = 0;
  for (let c = 0; c < cols; c++) sum += p[o + c];
  const S = sum > EPSILON ? sum : EPSILON; // an all-zero row would divide 0 by 0
  const target = (c: number): number => (label >= 0 ? (c === label ? 1 : 0) : y[o + c]);
  let loss = 0;
  let yu = 0; // Σ_c y_c u_c
  for (let c = 0; c < cols; c++) {
    const t = target(c);
    const q = p[o + c] / S;
    const clipped = q < EPSILON || q > 1 - EPSILON;
    if (t !== 0) loss -= t * Math.log(clipped ? (q < EPSILON ? EPSILON : 1 - EPSILON) : q);
    if (!clipped) yu += t;
  }
  if (dp) {
    for (let c = 0; c < cols; c++) {
      const q = p[o + c] / S;
      const u = q < EPSILON || q > 1 - EPSILON ? 0 : 1;
      dp[o + c] = (-(u * target(c)) / (u ? q : 1) + yu) * (scale / S);
    }
  }
  return loss;
}

/**
 * Cross-entropy against integer labels y [rows] (one per output row): −mean log p[label]. After a softmax
 * it is computed from the logits, exact and finite for any of them.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' }); // labels 0–9, outputs [n, 10]
 * ```
 */
export const sparseCategoricalCrossentropy: Loss = {
  name: 'sparseCategoricalCrossentropy',
  sparse: true,
  checkTargets(y, outputShape, where) {
    // One label per position of the output's last axis: y [n, ...outputShape without its last], or with a trailing 1.
    const want = [y.shape[0], ...outputShape.slice(0, -1)];
    const fits = (s: number[]) => s.length === y.rank && s.every((d, i) => d === y.shape[i]);
    if (!(fits(want) || fits([...want, 1]))) {
      throw new ShapeError(
        `${where}: sparseCategoricalCrossentropy expects integer labels of shape ${formatShape(want)} or ${formatShape([...want, 1])} for model outputs ${formatShape([null, ...outputShape])}, got ${formatShape(y.shape)}.`,
      );
    }
    const classes = outputShape[outputShape.length - 1];
    const d = y.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new ValueError(
          `${where}: label ${v} at index ${i} is not an integer in [0, ${classes}) (the model has ${classes} outputs).`,
        );
      }
    }
  },
  value(p, y, rows, cols, w) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += weightOf(w, r) * crossEntropyRow(p, r * cols, cols, y, y[r]);
    return s / rows;
  },
  grad(dp, p, y, rows, cols) {
    for (let r = 0; r < rows; r++) crossEntropyRow(p, r * cols, cols, y, y[r], dp, 1 / rows);
  },
  valueFromLogits(z, y, rows, cols, w) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += weightOf(w, r) * (logSumExp(z, r * cols, cols) - z[r * cols + y[r]]);
    return s / rows;
  },
  gradFromLogits(dz, p, y, rows, cols) {
    const inv = 1 / rows;
    for (let i = 0; i < rows * cols; i++) dz[i] = p[i] * inv;
    for (let r = 0; r < rows; r++) dz[r * cols + y[r]] -= inv;
  },
};

/**
 * Cross-entropy against one-hot (or soft) targets y [rows, classes]: −mean Σ y·log p. After a softmax it
 * is computed from the logits, exact and finite for any of them.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
 * await model.fit(x, toCategorical(labels, 10));
 * ```
 */
export const categoricalCrossentropy: Loss = {
  name: 'categoricalCrossentropy',
  sparse: false,
  checkTargets(y, outputShape, where) {
    if (y.rank !== outputShape.length + 1 || !outputShape.every((d, i) => d === y.shape[i + 1])) {
      throw new ShapeError(
        `${where}: categoricalCrossentropy expects one-hot targets of shape [${y.shape[0]}, ${outputShape.join(', ')}] matching the model's output ${formatShape([null, ...outputShape])}, got ${formatShape(y.shape)}` +
          (y.rank === 1 ? ' (integer labels need sparseCategoricalCrossentropy, or toCategorical first).' : '.'),
      );
    }
    checkFinite(y, where);
  },
  value(p, y, rows, cols, w) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += weightOf(w, r) * crossEntropyRow(p, r * cols, cols, y, -1);
    return s / rows;
  },
  grad(dp, p, y, rows, cols) {
    for (let r = 0; r < rows; r++) crossEntropyRow(p, r * cols, cols, y, -1, dp, 1 / rows);
  },
  valueFromLogits(z, y, rows, cols, w) {
    let s = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let ySum = 0;
      let yz = 0;
      for (let c = 0; c < cols; c++) {
        ySum += y[o + c];
        if (y[o + c] !== 0) yz += y[o + c] * z[o + c];
      }
      s += weightOf(w, r) * (ySum * logSumExp(z, o, cols) - yz);
    }
    return s / rows;
  },
  gradFromLogits(dz, p, y, rows, cols) {
    const inv = 1 / rows;
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let ySum = 0;
      for (let c = 0; c < cols; c++) ySum += y[o + c];
      for (let c = 0; c < cols; c++) dz[o + c] = (p[o + c] * ySum - y[o + c]) * inv;
    }
  },
};

/**
 * Binary cross-entropy, each output a probability of its own (a sigmoid's) against a target in [0, 1]:
 * −mean (y·log p + (1 − y)·log(1 − p)) over the last axis, then over the rows, with p clipped to
 * [1e-7, 1 − 1e-7] as Keras clips it (no gradient where clipped). Targets have the output's shape;
 * for outputs [n, 1], labels [n] are taken too. Soft targets (0.9, say) are allowed, as in Keras.
 *
 * @example
 * ```ts
 * const model = new Sequential([new Dense(1, { inputShape: [784], activation: 'sigmoid' })]);
 * model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
 * await model.fit(x, isEven); // isEven: 0s and 1s, [n] or [n, 1]
 * ```
 */
export const binaryCrossentropy: Loss = {
  name: 'binaryCrossentropy',
  sparse: false,
  checkTargets(y, outputShape, where) {
    const want = [y.shape[0], ...outputShape];
    const fits = (s: number[]) => s.length === y.rank && s.every((d, i) => d === y.shape[i]);
    // As Keras's squeeze_or_expand_to_same_rank: a trailing axis of 1 may be left out of the targets.
    const short = outputShape.length > 0 && outputShape[outputShape.length - 1] === 1 ? want.slice(0, -1) : null;
    if (!(fits(want) || (short && fits(short)))) {
      throw new ShapeError(
        `${where}: binaryCrossentropy expects targets of shape ${formatShape(want)}${short ? ` or ${formatShape(short)}` : ''} matching the model's output ${formatShape([null, ...outputShape])}, got ${formatShape(y.shape)}.`,
      );
    }
    const d = y.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      // NaN fails both comparisons, so it is refused here too.
      if (!(v >= 0 && v <= 1)) {
        throw new ValueError(
          `${where}: binaryCrossentropy target ${v} at flat index ${i} is not in [0, 1] (targets are probabilities).`,
        );
      }
    }
  },
  value(p, y, rows, cols, w) {
    let s = 0;
    for (let r = 0; r < rows; r++) {
      let l = 0;
      for (let i = r * cols; i < (r + 1) * cols; i++) {
        const q = p[i] < EPSILON ? EPSILON : p[i] > 1 - EPSILON ? 1 - EPSILON : p[i];
        l -= y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q);
      }
      s += weightOf(w, r) * l;
    }
    return s / (rows * cols);
  },
  grad(dp, p, y, rows, cols) {
    const k = 1 / (rows * cols);
    for (let i = 0; i < rows * cols; i++) {
      const q = p[i];
      // Keras's clip passes no gradient outside [ε, 1 − ε].
      dp[i] = q < EPSILON || q > 1 - EPSILON ? 0 : (k * (q - y[i])) / (q * (1 - q));
    }
  },
};

/**
 * Mean squared error over every output: mean (p − y)². `'mse'` names it too.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'sgd', loss: 'mse' });
 * ```
 */
export const meanSquaredError: Loss = {
  name: 'meanSquaredError',
  sparse: false,
  checkTargets(y, outputShape, where) {
    if (y.rank !== outputShape.length + 1 || !outputShape.every((d, i) => d === y.shape[i + 1])) {
      throw new ShapeError(
        `${where}: meanSquaredError expects targets of shape ${formatShape([y.shape[0], ...outputShape])} matching the model's output, got ${formatShape(y.shape)}.`,
      );
    }
    checkFinite(y, where);
  },
  // Mean over the last axis, then over the batch: the mean over every element.
  value(p, y, rows, cols, w) {
    let s = 0;
    for (let r = 0; r < rows; r++) {
      const k = weightOf(w, r);
      for (let i = r * cols; i < (r + 1) * cols; i++) {
        const d = p[i] - y[i];
        s += k * (d * d);
      }
    }
    return s / (rows * cols);
  },
  grad(dp, p, y, rows, cols) {
    const k = 2 / (rows * cols);
    for (let i = 0; i < rows * cols; i++) dp[i] = k * (p[i] - y[i]);
  },
};

const LOSSES: Record<LossName, Loss> = {
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
  meanSquaredError,
};
const ALIASES: Record<string, LossName> = { mse: 'meanSquaredError' };

/**
 * Accepts camelCase (`sparseCategoricalCrossentropy`) and Keras's snake_case
 * (`sparse_categorical_crossentropy`).
 *
 * The loss `compile` takes by name: categorical, sparse categorical or binary cross-entropy, or mean
 * squared error (`mse`).
 *
 * @example
 * ```ts
 * getLoss('sparse_categorical_crossentropy') === sparseCategoricalCrossentropy; // true
 * ```
 */
export function getLoss(
  // `string & {}`: any name is accepted (and checked here) while editors still offer the known ones.
  name: LossName | (string & {}),
): Loss {
  const camel = String(name).replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const key = ALIASES[camel] ?? camel;
  if (!Object.hasOwn(LOSSES, key)) {
    throw new ValueError(
      `Unknown loss '${String(name)}'; expected one of ${Object.keys(LOSSES)
        .map((k) => `'${k}'`)
        .join(', ')} (or their snake_case spellings).`,
    );
  }
  return LOSSES[key];
}
