/**
 * What Maximum and Minimum share: each output element is the input element that wins (the largest,
 * or the smallest), and the gradient goes to that input alone.
 *
 *   x₀ … xₙ₋₁, y  [batch, ...s]   w[k] = the first i whose xᵢ[k] wins;  y[k] = x_w[k][k]
 *   dxᵢ[k] = dy[k] where i = w[k], else 0
 *
 * Ties go to the earlier input: Keras reduces pairwise, max(max(x₀, x₁), x₂), and TensorFlow's (and
 * TensorFlow.js's) gradient of max(a, b) goes to a where a = b, so the earliest tied input gets it all.
 * The winners are recorded in the forward pass, so the backward pass does not read the inputs again.
 */
import type { FloatTensor } from '../../tensor/tensor.js';
import { Merge } from './merge.js';

/**
 * The base of Maximum and Minimum: the winning input per element, and the gradient routed to it (ties to
 * the earlier input). A subclass says which value wins (`wins`).
 *
 * @example
 * ```ts
 * class LargestMagnitude extends Extremum { // the input farthest from 0
 *   static override readonly className: string = 'LargestMagnitude';
 *   protected wins(v: number, best: number): boolean {
 *     return Math.abs(v) > Math.abs(best);
 *   }
 * }
 * ```
 */
export abstract class Extremum extends Merge {
  /** Which input won each element of the last forward pass. */
  private winners = new Int32Array(0);

  /** Whether `v` takes the place of `best`, the winner so far among the earlier inputs (strictly: ties stay). */
  protected abstract wins(v: number, best: number): boolean;

  protected merge(xs: FloatTensor[], y: FloatTensor): void {
    const out = y.data;
    if (this.winners.length < out.length) this.winners = new Int32Array(out.length);
    const w = this.winners;
    out.set(xs[0].data);
    w.fill(0, 0, out.length);
    for (let i = 1; i < xs.length; i++) {
      const x = xs[i].data;
      for (let k = 0; k < out.length; k++) {
        if (this.wins(x[k], out[k])) {
          out[k] = x[k];
          w[k] = i;
        }
      }
    }
  }

  protected mergeBackward(dy: FloatTensor, _xs: FloatTensor[], dxs: FloatTensor[]): void {
    const g = dy.data;
    const w = this.winners;
    dxs.forEach((dx, i) => {
      const d = dx.data;
      for (let k = 0; k < d.length; k++) d[k] = w[k] === i ? g[k] : 0;
    });
  }
}
