/**
 * Data helpers with the behaviour of their Keras and scikit-learn namesakes, so that code ported from
 * Python gives the same sizes and encodings here.
 */
import { ShapeError, ValueError, formatShape } from '../errors.js';
import { Rng } from '../tensor/random.js';
import { Tensor, floatArray } from '../tensor/tensor.js';

/** The labels of `y` as a flat array, for shape `[n]` or `[n, 1]`; anything else is a ShapeError. */
function labelColumn(y: Tensor, fn: string): Tensor['data'] {
  if (y.rank === 1 || (y.rank === 2 && y.shape[1] === 1)) return y.data;
  throw new ShapeError(`${fn}: expected labels of shape [n] or [n, 1], got ${formatShape(y.shape)}.`);
}

function checkLabel(v: number, i: number, fn: string): void {
  if (Number.isNaN(v)) throw new ValueError(`${fn}: label at index ${i} is NaN: expected a non-negative integer.`);
  if (!Number.isInteger(v) || v < 0) {
    throw new ValueError(`${fn}: label ${v} at index ${i} is not a non-negative integer.`);
  }
}

/**
 * One-hot encodes integer class labels, like Keras's `to_categorical`: `y[i] = k` becomes row `i` with
 * a 1 in column `k` and 0 elsewhere, the target form `categoricalCrossentropy` takes.
 *
 * @param y labels, shape `[n]` or `[n, 1]`, any dtype, values integers in `[0, numClasses)`.
 * @param numClasses number of columns; default `max(y) + 1` (pass it when a batch may lack the top class).
 * @returns float32 `[n, numClasses]`.
 * @throws ValueError naming the value and index of a label that is NaN, negative, not an integer or
 *   `>= numClasses`, or for a `numClasses` that is not a positive integer.
 *
 * @example
 * ```ts
 * toCategorical(tensor([2, 0]), 3).toArray(); // [[0, 0, 1], [1, 0, 0]]
 * ```
 */
export function toCategorical(y: Tensor, numClasses?: number): Tensor {
  const fn = 'toCategorical';
  const labels = labelColumn(y, fn);
  const n = labels.length;
  let max = -1;
  for (let i = 0; i < n; i++) {
    checkLabel(labels[i], i, fn);
    if (labels[i] > max) max = labels[i];
  }
  let classes: number;
  if (numClasses === undefined) {
    if (n === 0) throw new ValueError(`${fn}: cannot infer numClasses from zero labels; pass numClasses.`);
    classes = max + 1;
  } else {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new ValueError(`${fn}: numClasses must be a positive integer, got ${numClasses}.`);
    }
    classes = numClasses;
    if (max >= classes) {
      const i = Array.prototype.findIndex.call(labels, (v: number) => v >= classes);
      throw new ValueError(
        `${fn}: label ${labels[i]} at index ${i} is out of range: expected 0..${classes - 1} (numClasses = ${classes}).`,
      );
    }
  }
  const out = floatArray(n * classes, 'float32');
  for (let i = 0; i < n; i++) out[i * classes + labels[i]] = 1;
  return new Tensor(out, [n, classes]);
}

/** Options of {@link trainTestSplit}. */
export interface TrainTestSplitOptions {
  /**
   * Size of the test set: a fraction in (0, 1), giving `ceil(testSize · n)` test rows as scikit-learn
   * does, or an integer count in [1, n − 1]. Default 0.25.
   */
  testSize?: number;
  /** Seed of the shuffle, so a split can be repeated; without it the split differs on every call. */
  seed?: number;
  /** Shuffle before splitting (default true); when false the test rows are the last ones. */
  shuffle?: boolean;
}

/** The four parts of a split; each tensor is a fresh copy, sharing no data with the inputs. */
export interface TrainTestSplit {
  /** `[nTrain, ...x.shape.slice(1)]` */
  xTrain: Tensor;
  /** `[nTest, ...x.shape.slice(1)]` */
  xTest: Tensor;
  /** `[nTrain, ...y.shape.slice(1)]` */
  yTrain: Tensor;
  /** `[nTest, ...y.shape.slice(1)]` */
  yTest: Tensor;
}

/**
 * Splits rows into a training and a test set, like scikit-learn's `train_test_split` (for example to
 * carve a validation set out of the MNIST training data). Row `i` of `x` stays paired with row `i`
 * of `y`. With shuffling, the rows are drawn by a permutation from `Rng(seed)`: the first `nTest`
 * entries of the permutation are the test rows, the rest the training rows, in permutation order.
 *
 * @param x inputs, `[n, ...]`.
 * @param y targets, `[n, ...]` (labels `[n]` or one-hot `[n, C]`).
 * @throws ShapeError when `x` and `y` have different first dimensions (or either is a scalar).
 * @throws ValueError for a `testSize` that is not a fraction in (0, 1) or an integer in [1, n − 1],
 *   or that leaves the training set empty, or for a non-integer `seed`.
 *
 * @example
 * ```ts
 * const { xTrain, xTest, yTrain, yTest } = trainTestSplit(x, y, { testSize: 0.2, seed: 0 });
 * ```
 */
export function trainTestSplit(x: Tensor, y: Tensor, options: TrainTestSplitOptions = {}): TrainTestSplit {
  const { testSize = 0.25, seed, shuffle = true } = options;
  if (x.rank === 0 || y.rank === 0) {
    throw new ShapeError(
      `trainTestSplit: x and y need a first (sample) dimension, got shapes ${formatShape(x.shape)} and ${formatShape(y.shape)}.`,
    );
  }
  const n = x.shape[0];
  if (y.shape[0] !== n) {
    throw new ShapeError(
      `trainTestSplit: x and y must have the same number of rows, got x ${formatShape(x.shape)} and y ${formatShape(y.shape)}.`,
    );
  }
  let nTest: number;
  if (typeof testSize !== 'number' || Number.isNaN(testSize)) {
    throw new ValueError(
      `trainTestSplit: expected testSize to be a fraction in (0, 1) or an integer count, got ${String(testSize)}.`,
    );
  } else if (Number.isInteger(testSize)) {
    if (testSize < 1 || testSize >= n) {
      throw new ValueError(
        `trainTestSplit: expected an integer testSize in [1, ${n - 1}] for ${n} rows, got ${testSize}.`,
      );
    }
    nTest = testSize;
  } else {
    if (!(testSize > 0 && testSize < 1)) {
      throw new ValueError(
        `trainTestSplit: expected testSize to be a fraction in (0, 1) or an integer count, got ${testSize}.`,
      );
    }
    nTest = Math.ceil(testSize * n);
  }
  const nTrain = n - nTest;
  if (nTrain <= 0) {
    throw new ValueError(
      `trainTestSplit: with ${n} rows and testSize ${testSize} the training set would be empty: expected a smaller testSize.`,
    );
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw new ValueError(`trainTestSplit: expected an integer seed, got ${seed}.`);
  }
  let testIdx: Int32Array;
  let trainIdx: Int32Array;
  if (shuffle) {
    const perm = new Rng(seed).permutation(n);
    testIdx = perm.subarray(0, nTest);
    trainIdx = perm.subarray(nTest);
  } else {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    trainIdx = all.subarray(0, nTrain);
    testIdx = all.subarray(nTrain);
  }
  return {
    xTrain: x.gather(trainIdx),
    xTest: x.gather(testIdx),
    yTrain: y.gather(trainIdx),
    yTest: y.gather(testIdx),
  };
}

/**
 * How many samples each class has, like `np.unique(y, return_counts=True)`: to check a data set or a
 * split for balance.
 *
 * @param y integer labels `[n]` (or `[n, 1]`), or one-hot / probability rows `[n, C]` with C > 1,
 *   which are counted by their argmax.
 * @returns label → count, keys in ascending order; classes with no samples are absent.
 * @throws ValueError naming the value and index of a label that is NaN or not an integer.
 *
 * @example
 * ```ts
 * classCounts(tensor([1, 0, 1, 1])); // Map { 0 => 1, 1 => 3 }
 * ```
 */
export function classCounts(y: Tensor): Map<number, number> {
  let labels: Tensor['data'];
  if (y.rank === 2 && y.shape[1] > 1) {
    labels = y.argMax(-1).data;
  } else {
    labels = labelColumn(y, 'classCounts');
  }
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v)) {
      throw new ValueError(`classCounts: label ${v} at index ${i} is not an integer.`);
    }
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return new Map([...counts.entries()].sort((a, b) => a[0] - b[0]));
}
