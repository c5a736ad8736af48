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
  for (const [name, v] of [
    ['l1', l1],
    ['l2', l2],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new ValueError(`regularizers: ${name} must be a finite number ≥ 0, got ${String(v)}.`);
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

/** A regularizer's config, as getConfig writes it and layers accept it: `{ l1, l2 }`. */
export interface RegularizerConfig {
  l1?: number;
  l2?: number;
}

/** How a regularizer option may be given: a Regularizer, its config `{ l1, l2 }`, or Keras's names (factor 0.01). */
export type RegularizerOption = Regularizer | RegularizerConfig | 'l1' | 'l2' | 'l1_l2';

/**
 * A layer's regularizer argument: a Regularizer, its config `{ l1, l2 }`, or a name as Keras users
 * write it ('l1', 'l2', 'l1_l2', with 0.01); anything else is a ValueError naming the layer.
 *
 * @example
 * ```ts
 * getRegularizer('l2', 'my layer');             // l2(0.01)
 * getRegularizer({ l1: 0, l2: 1e-4 }, 'my layer'); // l2(1e-4)
 * ```
 */
export function getRegularizer(
  r: Regularizer | RegularizerConfig | string | null | undefined,
  where: string,
): Regularizer | undefined {
  if (r === undefined || r === null) return undefined;
  if (typeof r === 'string') {
    const key = r.replace(/_/g, '').toLowerCase();
    if (key === 'l1') return regularizers.l1();
    if (key === 'l2') return regularizers.l2();
    if (key === 'l1l2') return regularizers.l1l2();
  } else if (
    typeof r === 'object' &&
    'penalty' in r &&
    typeof r.penalty === 'function' &&
    typeof r.addGrad === 'function'
  ) {
    return r;
  } else if (typeof r === 'object' && Object.keys(r).every((k) => k === 'l1' || k === 'l2')) {
    return make(r.l1 ?? 0, r.l2 ?? 0);
  }
  throw new ValueError(
    `${where}: a regularizer must be regularizers.l1/l2/l1l2(…) or 'l1', 'l2', 'l1_l2', got ${JSON.stringify(r)}.`,
  );
}

/**
 * A regularizer as Keras writes it in a config (`L1L2` with both factors), or null.
 *
 * @example
 * ```ts
 * regularizerToKeras({ l1: 0, l2: 1e-4 }); // { class_name: 'L1L2', config: { l1: 0, l2: 1e-4 } }
 * ```
 */
export function regularizerToKeras(
  r: RegularizerConfig | undefined,
): { class_name: 'L1L2'; config: { l1: number; l2: number } } | null {
  return r ? { class_name: 'L1L2', config: { l1: r.l1 ?? 0, l2: r.l2 ?? 0 } } : null;
}

/**
 * A Keras regularizer (L1L2, L1 or L2 with their factors, or the names 'l1', 'l2', 'l1_l2' with 0.01)
 * as our config, or undefined for none. `require` refuses any other kind (an OrthogonalRegularizer,
 * say): dropping it would train a different network.
 *
 * @example
 * ```ts
 * const require = (ok: boolean, what: string) => { if (!ok) throw new Error(what); };
 * regularizerFromKeras({ class_name: 'L2', config: { l2: 1e-4 } }, require, 'kernel_regularizer');
 * // { l1: 0, l2: 1e-4 }
 * ```
 */
export function regularizerFromKeras(
  r: unknown,
  require: (ok: boolean, what: string) => void,
  what: string,
): RegularizerConfig | undefined {
  if (r === null || r === undefined) return undefined;
  if (typeof r === 'string') {
    const named = getRegularizer(['l1', 'l2', 'l1_l2'].includes(r) ? r : undefined, what);
    require(named !== undefined, `the ${what} ${JSON.stringify(r)}`);
    return named && { l1: named.l1, l2: named.l2 };
  }
  const { class_name: cls, config } = r as { class_name?: unknown; config?: RegularizerConfig };
  require(cls === 'L1L2' || cls === 'L1' || cls === 'L2', `the ${what} ${JSON.stringify(cls)}`);
  return { l1: config?.l1 ?? 0, l2: config?.l2 ?? 0 };
}

/**
 * Keras's `keras.regularizers`: `regularizers.l2(0.001)` and so on. Defaults are 0.01, as tf.keras 2
 * and TensorFlow.js have them (Keras 3's `L1L2` class defaults to 0).
 *
 * @example
 * ```ts
 * new Dense(64, {
 *   kernelRegularizer: regularizers.l2(1e-4),
 *   biasRegularizer: regularizers.l1l2({ l1: 1e-5, l2: 1e-4 }),
 * });
 * ```
 */
export const regularizers = {
  l1: (l1 = 0.01): Regularizer => make(l1, 0),
  l2: (l2 = 0.01): Regularizer => make(0, l2),
  l1l2: ({ l1 = 0.01, l2 = 0.01 }: { l1?: number; l2?: number } = {}): Regularizer => make(l1, l2),
};
