/**
 * RMSprop, Keras's rule (ε inside the square root, plain momentum):
 *   s ← ρ·s + (1 − ρ)·g²;  Δ = lr · g / √(s + ε)
 *   momentum = 0: w ← w − Δ;  else: u ← μ·u + Δ;  w ← w − u
 * s and u are flushed to zero below the least normal number (leastNormal in ../tensor/kernels.ts).
 */
import { leastNormal, type FloatArray } from '../tensor/kernels.js';
import { checkKeys } from '../errors.js';
import { Optimizer, checkRange, type LearningRate } from './optimizer.js';
import type { ScheduleConfig } from './schedules.js';

export interface RMSpropArgs {
  /** A number (default 0.001) or a schedule of the step count (ExponentialDecay, CosineDecay, …). */
  learningRate?: LearningRate;
  /** Default 0.9. */
  rho?: number;
  /** Default 0. */
  momentum?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

/**
 * Keras's RMSprop, with its defaults (learningRate 1e-3, rho 0.9, momentum 0, epsilon 1e-7) and its rule:
 * s ← ρ·s + (1 − ρ)·g², Δ = lr·g/√(s + ε), then w ← w − Δ, or with momentum u ← μ·u + Δ, w ← w − u.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: new RMSprop({ learningRate: 1e-3, rho: 0.9 }), loss: 'categoricalCrossentropy' });
 * ```
 */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  protected readonly slotCount: number;

  constructor(args: RMSpropArgs = {}) {
    checkKeys('RMSprop', args, ['learningRate', 'rho', 'momentum', 'epsilon']);
    super(args.learningRate, 0.001);
    this.rho = args.rho ?? 0.9;
    this.momentum = args.momentum ?? 0;
    this.epsilon = args.epsilon ?? 1e-7;
    checkRange('RMSprop', 'rho', this.rho, 0, 1, true, false);
    checkRange('RMSprop', 'momentum', this.momentum, 0, 1);
    checkRange('RMSprop', 'epsilon', this.epsilon, 0, Infinity, false); // ε = 0 gives 0/0 for a zero gradient
    this.slotCount = this.momentum > 0 ? 2 : 1;
  }

  get name(): string {
    return 'rmsprop';
  }

  getConfig(): Record<string, number | ScheduleConfig> {
    return { learningRate: this.learningRateConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon };
  }

  protected update(w: FloatArray, g: FloatArray, slots: FloatArray[], _t: number, lr: number): void {
    const { rho, momentum: mu, epsilon: eps } = this;
    const s = slots[0];
    const u = slots[1];
    const tiny = leastNormal(s);
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      s[i] = rho * s[i] + (1 - rho) * gi * gi;
      if (s[i] < tiny) s[i] = 0; // see leastNormal
      const delta = (lr * gi) / Math.sqrt(s[i] + eps);
      if (mu > 0) {
        u[i] = mu * u[i] + delta;
        if (Math.abs(u[i]) < tiny) u[i] = 0;
        w[i] -= u[i];
      } else {
        w[i] -= delta;
      }
    }
  }
}
