/**
 * Average: the elementwise mean of two or more inputs of one shape (Keras's Average).
 *
 *   x₀ … xₙ₋₁, y  [batch, ...s]   y = (Σᵢ xᵢ) / n
 *   dxᵢ = dy / n
 *
 * Inputs of different shapes are refused, not broadcast (merge.ts).
 */
import type { FloatTensor } from '../../tensor/tensor.js';
import { registerLayer } from '../registry.js';
import { Merge, sumInto, type MergeArgs } from './merge.js';

/**
 * Keras's Average: the elementwise mean of a list of inputs of one shape, as in an ensemble of heads.
 *
 * @example
 * ```ts
 * const x = Input({ shape: [784] });
 * const p = new Dense(10, { activation: 'softmax' }).apply(x);
 * const q = new Dense(10, { activation: 'softmax' }).apply(x);
 * const y = new Average().apply([p, q]); // y.shape: [null, 10]
 * ```
 */
export class Average extends Merge {
  static override readonly className: string = 'Average';

  constructor(args: MergeArgs = {}) {
    super(args);
  }

  protected merge(xs: FloatTensor[], y: FloatTensor): void {
    sumInto(xs, y);
    const out = y.data;
    const n = xs.length;
    for (let k = 0; k < out.length; k++) out[k] /= n;
  }

  protected mergeBackward(dy: FloatTensor, xs: FloatTensor[], dxs: FloatTensor[]): void {
    const n = xs.length;
    for (const dx of dxs) {
      const d = dx.data;
      for (let k = 0; k < d.length; k++) d[k] = dy.data[k] / n;
    }
  }
}

registerLayer(Average, {
  fromConfig: (c) => new Average(c),
  keras: { className: 'Average', toKeras: () => ({}), fromKeras: () => ({}) },
});
