/**
 * Classification figures from predicted and true labels: the confusion matrix and per-class precision, recall and F1.
 */
import { ValueError } from '../errors.js';

/** Per-class figures; 0 where a ratio is undefined (no predictions, no samples). */
export interface ClassFigures {
  precision: number;
  recall: number;
  f1: number;
  /** How many samples truly belong to the class. */
  support: number;
}

/**
 * `m[t][p]`: how many samples of true class `t` were predicted as `p`. Labels outside [0, classes) are a
 * ValueError, raised before the matrix is allocated.
 *
 * @example
 * ```ts
 * confusionMatrix([0, 1, 1], [0, 1, 0], 2); // [[1, 0], [1, 1]]
 * ```
 */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: number): number[][] {
  if (yTrue.length !== yPred.length)
    throw new ValueError(`confusionMatrix: ${yTrue.length} true labels but ${yPred.length} predictions.`);
  if (!Number.isInteger(classes) || classes < 1)
    throw new ValueError(`confusionMatrix: classes must be a positive integer, got ${classes}.`);
  const ok = (v: number) => Number.isInteger(v) && v >= 0 && v < classes;
  for (let i = 0; i < yTrue.length; i++) {
    if (!(ok(yTrue[i]) && ok(yPred[i]))) {
      throw new ValueError(
        `confusionMatrix: sample ${i} has label ${yTrue[i]} and prediction ${yPred[i]}; ` +
          `both must be integers in [0, ${classes}).`,
      );
    }
  }
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]][yPred[i]]++;
  return m;
}

/**
 * Precision, recall, F1 and support of each class of a confusion matrix (rows true, columns predicted).
 *
 * @example
 * ```ts
 * perClass([[1, 0], [1, 1]]);
 * // [{ precision: 0.5, recall: 1, f1: 0.667, support: 1 }, { precision: 1, recall: 0.5, f1: 0.667, support: 2 }]
 * ```
 */
export function perClass(confusion: number[][]): ClassFigures[] {
  const k = confusion.length;
  return confusion.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let r = 0; r < k; r++) predicted += confusion[r][c];
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support };
  });
}

/**
 * The fraction of the matrix on its diagonal (0 for an empty matrix).
 *
 * @example
 * ```ts
 * accuracyOf([[1, 0], [1, 1]]); // 2/3
 * ```
 */
export function accuracyOf(confusion: number[][]): number {
  let right = 0;
  let all = 0;
  confusion.forEach((row, t) => row.forEach((v, p) => ((all += v), t === p && (right += v))));
  return all > 0 ? right / all : 0;
}
