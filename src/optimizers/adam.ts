/**
 * Adam, Keras's rule (ε is added to √v̂ outside the bias correction, as Keras does):
 *   m ← m + (1 − β1)(g − m);  v ← v + (1 − β2)(g² − v)
 *   α = lr · √(1 − β2ᵗ) / (1 − β1ᵗ);  w ← w − α · m / (√v + ε)
 */
import { kernels } from '../tensor/backend.js';
import type { FloatArray } from '../tensor/kernels.js';
import { checkKeys } from '../errors.js';
import { Optimizer, checkRange, type LearningRate } from './optimizer.js';
import type { ScheduleConfig } from './schedules.js';

export interface AdamArgs {
  /** A number (default 0.001) or a schedule of the step count (ExponentialDecay, CosineDecay, …). */
  learningRate?: LearningRate;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

/**
 * Keras's Adam, with its defaults (learningRate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7) and its rule:
 * m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², w ← w − lr·√(1 − β2ᵗ)/(1 − β1ᵗ) · m/(√v + ε). The moments
 * are flushed to zero below the least normal float, as TensorFlow's CPU kernels do. `learningRate` takes a
 * schedule too.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: new Adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy' });
 * // or on a schedule:
 * new Adam({ learningRate: new CosineDecay({ initialLearningRate: 1e-3, decaySteps: 10_000 }) });
 * ```
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected readonly slotCount = 2;

  constructor(args: AdamArgs = {}) {
    checkKeys('Adam', args, ['learningRate', 'beta1', 'beta2', 'epsilon']);
    super(args.learningRate, 0.001);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
    // β = 1 divides by zero in the bias correction (β1) or never trains (β2); ε = 0 gives 0/0 for a zero gradient.
    checkRange('Adam', 'beta1', this.beta1, 0, 1, true, false);
    checkRange('Adam', 'beta2', this.beta2, 0, 1, true, false);
    checkRange('Adam', 'epsilon', this.epsilon, 0, Infinity, false);
  }

  get name(): string {
    return 'adam';
  }

  getConfig(): Record<string, number | ScheduleConfig> {
    return { learningRate: this.learningRateConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  protected update(w: FloatArray, g: FloatArray, [m, v]: FloatArray[], t: number, lr: number): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    kernels().adamUpdate(w, g, m, v, w.length, alpha, b1, b2, eps);
  }
}
