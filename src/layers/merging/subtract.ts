/**
 * Subtract: the first input minus the second, elementwise (Keras's Subtract); exactly two inputs of
 * one shape.
 *
 *   x₀, x₁, y  [batch, ...s]   y = x₀ − x₁
 *   dx₀ = dy;  dx₁ = −dy
 *
 * Inputs of different shapes are refused, not broadcast (merge.ts). TensorFlow.js has no Subtract,
 * so its export refuses a model holding one (`tfjsLacks`).
 */
import type { FloatTensor } from '../../tensor/tensor.js';
import { registerLayer } from '../registry.js';
import { Merge, type MergeArgs } from './merge.js';

/**
 * Keras's Subtract: `x₀ − x₁` for exactly two inputs of one shape.
 *
 * @example
 * ```ts
 * const a = Input({ shape: [16] });
 * const b = Input({ shape: [16] });
 * const d = new Subtract().apply([a, b]); // a − b, d.shape: [null, 16]
 * ```
 */
export class Subtract extends Merge {
  static override readonly className: string = 'Subtract';

  constructor(args: MergeArgs = {}) {
    super(args);
  }

  protected override get maxInputs(): number {
    return 2;
  }

  protected merge([a, b]: FloatTensor[], y: FloatTensor): void {
    const out = y.data;
    for (let k = 0; k < out.length; k++) out[k] = a.data[k] - b.data[k];
  }

  protected mergeBackward(dy: FloatTensor, _xs: FloatTensor[], [da, db]: FloatTensor[]): void {
    const g = dy.data;
    da.data.set(g);
    for (let k = 0; k < g.length; k++) db.data[k] = -g[k];
  }
}

registerLayer(Subtract, {
  fromConfig: (c) => new Subtract(c),
  // tfjs-layers 4.22 has Add, Multiply, Average, Maximum, Minimum and Concatenate, but no Subtract.
  keras: { className: 'Subtract', tfjsLacks: true, toKeras: () => ({}), fromKeras: () => ({}) },
});
