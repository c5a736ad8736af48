/**
 * Weight penalties, as Keras defines them: l1(λ) adds λ·Σ|w| to the loss, l2(λ) adds λ·Σw², l1l2
 * both. The model adds each penalty to the loss it reports and its gradient (λ·sign(w), 2λ·w) to the
 * weight's gradient, in training and evaluation alike.
 */
import { ValueError } from '../errors.js';
import type { FloatArray } from '../tensor/kernels.js';

export interface Regularizer {
  readonly l1: number;
  readonly l2: number;
  /** The penalty for weights w. */
  penalty(w: FloatArray): number;
  /** g += the penalty's gradient at w. */
  addGrad(g: FloatArray, w: FloatArray): void;
}

function make(l1: number, l2: number): Regularizer {
  for (const [name, v] of [['l1', l1], ['l2', l2]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ValueError(`regularizers: ${name} must be a finite number ≥ 0, got ${String(v)}.`);
  }
  return {
    l1,
    l2,
    penalty(w) {
      let a = 0;
      let s = 0;
      for (let i = 0; i < w.length; i++) {
        a += Math.abs(w[i]);
        s += w[i] * w[i];
      }
      return l1 * a + l2 * s;
    },
    addGrad(g, w) {
      for (let i = 0; i < w.length; i++) g[i] += l1 * Math.sign(w[i]) + 2 * l2 * w[i];
    },
  };
}

/** Keras's `keras.regularizers`: `regularizers.l2(0.001)` and so on (defaults 0.01, as in Keras). */
export const regularizers = {
  l1: (l1 = 0.01): Regularizer => make(l1, 0),
  l2: (l2 = 0.01): Regularizer => make(0, l2),
  l1l2: ({ l1 = 0.01, l2 = 0.01 }: { l1?: number; l2?: number } = {}): Regularizer => make(l1, l2),
};
