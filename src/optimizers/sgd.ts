/**
 * SGD with optional momentum, Keras's rule:
 *   momentum = 0:  w ← w − lr·g
 *   else:          v ← m·v − lr·g;  w ← w + v            (nesterov: w ← w + m·v − lr·g)
 * v is flushed to zero below the least normal number (leastNormal in ../tensor/kernels.ts).
 */
import { leastNormal, type FloatArray } from '../tensor/kernels.js';
import { checkKeys } from '../errors.js';
import { Optimizer, checkRange, type LearningRate } from './optimizer.js';
import type { ScheduleConfig } from './schedules.js';

export interface SGDArgs {
  /** A number (default 0.01) or a schedule of the step count (ExponentialDecay, CosineDecay, …). */
  learningRate?: LearningRate;
  /** Default 0. */
  momentum?: number;
  /** Default false. */
  nesterov?: boolean;
}

/**
 * Keras's SGD, with its defaults (learningRate 0.01, no momentum) and its rule: w ← w − lr·g; with
 * momentum m, v ← m·v − lr·g and w ← w + v (Nesterov: w ← w + m·v − lr·g).
 *
 * @example
 * ```ts
 * model.compile({ optimizer: new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), loss: 'mse' });
 * ```
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  protected readonly slotCount: number;

  constructor(args: SGDArgs = {}) {
    checkKeys('SGD', args, ['learningRate', 'momentum', 'nesterov']);
    super(args.learningRate, 0.01);
    this.momentum = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
    checkRange('SGD', 'momentum', this.momentum, 0, 1);
    this.slotCount = this.momentum > 0 ? 1 : 0;
  }

  get name(): string {
    return 'sgd';
  }

  getConfig(): Record<string, number | boolean | ScheduleConfig> {
    return { learningRate: this.learningRateConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }

  protected update(w: FloatArray, g: FloatArray, slots: FloatArray[], _t: number, lr: number): void {
    const m = this.momentum;
    if (m === 0) {
      for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
      return;
    }
    const v = slots[0];
    const tiny = leastNormal(v);
    for (let i = 0; i < w.length; i++) {
      v[i] = m * v[i] - lr * g[i];
      if (Math.abs(v[i]) < tiny) v[i] = 0; // see leastNormal
      w[i] += this.nesterov ? m * v[i] - lr * g[i] : v[i];
    }
  }
}
