/**
 * Add: the elementwise sum of two or more inputs of one shape (Keras's Add).
 *
 *   x₀ … xₙ₋₁, y  [batch, ...s]   y = Σᵢ xᵢ
 *   dxᵢ = dy for each input (a copy each: every input gets its own buffer)
 *
 * Inputs of different shapes are refused, not broadcast (merge.ts).
 */
import type { FloatTensor } from '../../tensor/tensor.js';
import { registerLayer } from '../registry.js';
import { Merge, sumInto, type MergeArgs } from './merge.js';

/**
 * Keras's Add: the elementwise sum of a list of inputs of one shape, as in a residual connection.
 *
 * @example
 * ```ts
 * const x = Input({ shape: [64] });
 * const h = new Dense(64, { activation: 'relu' }).apply(x);
 * const y = new Add().apply([x, h]); // y.shape: [null, 64]
 * ```
 */
export class Add extends Merge {
  static override readonly className: string = 'Add';

  constructor(args: MergeArgs = {}) {
    super(args);
  }

  protected merge(xs: FloatTensor[], y: FloatTensor): void {
    sumInto(xs, y);
  }

  protected mergeBackward(dy: FloatTensor, _xs: FloatTensor[], dxs: FloatTensor[]): void {
    for (const dx of dxs) dx.data.set(dy.data);
  }
}

registerLayer(Add, {
  fromConfig: (c) => new Add(c),
  keras: { className: 'Add', toKeras: () => ({}), fromKeras: () => ({}) },
});
