/**
 * Multiply: the elementwise product of two or more inputs of one shape (Keras's Multiply).
 *
 *   x₀ … xₙ₋₁, y  [batch, ...s]   y = Πᵢ xᵢ
 *   dxᵢ = dy ⊙ Π_{j≠i} xⱼ   (the product of the others, not y / xᵢ, which fails where xᵢ = 0)
 *
 * Inputs of different shapes are refused, not broadcast (merge.ts).
 */
import type { FloatTensor } from '../../tensor/tensor.js';
import { registerLayer } from '../registry.js';
import { Merge, type MergeArgs } from './merge.js';

/**
 * Keras's Multiply: the elementwise product of a list of inputs of one shape, as in a gate.
 *
 * @example
 * ```ts
 * const x = Input({ shape: [32] });
 * const gate = new Dense(32, { activation: 'sigmoid' }).apply(x);
 * const y = new Multiply().apply([x, gate]); // y.shape: [null, 32]
 * ```
 */
export class Multiply extends Merge {
  static override readonly className: string = 'Multiply';

  constructor(args: MergeArgs = {}) {
    super(args);
  }

  protected merge(xs: FloatTensor[], y: FloatTensor): void {
    const out = y.data;
    out.set(xs[0].data);
    for (let i = 1; i < xs.length; i++) {
      const x = xs[i].data;
      for (let k = 0; k < out.length; k++) out[k] *= x[k];
    }
  }

  protected mergeBackward(dy: FloatTensor, xs: FloatTensor[], dxs: FloatTensor[]): void {
    dxs.forEach((dx, i) => {
      const d = dx.data;
      d.set(dy.data);
      xs.forEach((x, j) => {
        if (j === i) return;
        for (let k = 0; k < d.length; k++) d[k] *= x.data[k];
      });
    });
  }
}

registerLayer(Multiply, {
  fromConfig: (c) => new Multiply(c),
  keras: { className: 'Multiply', toKeras: () => ({}), fromKeras: () => ({}) },
});
