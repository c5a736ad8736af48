/**
 * Minimum: the elementwise minimum of two or more inputs of one shape (Keras's Minimum).
 *
 *   x₀ … xₙ₋₁, y  [batch, ...s]   y = min(…min(min(x₀, x₁), x₂)…, xₙ₋₁)
 *   dxᵢ = dy where xᵢ is the minimum, else 0; ties go to the earlier input, as Keras's pairwise
 *   reduction with TensorFlow's gradient gives (extremum.ts)
 *
 * Inputs of different shapes are refused, not broadcast (merge.ts).
 */
import { registerLayer } from '../registry.js';
import { Extremum } from './extremum.js';
import type { MergeArgs } from './merge.js';

/**
 * Keras's Minimum: the elementwise minimum of a list of inputs of one shape. The gradient goes to the input
 * that holds the minimum, the earliest of those that tie.
 *
 * @example
 * ```ts
 * const a = Input({ shape: [8] });
 * const b = Input({ shape: [8] });
 * const y = new Minimum().apply([a, b]); // y.shape: [null, 8]
 * ```
 */
export class Minimum extends Extremum {
  static override readonly className: string = 'Minimum';

  constructor(args: MergeArgs = {}) {
    super(args);
  }

  protected wins(v: number, best: number): boolean {
    return v < best;
  }
}

registerLayer(Minimum, {
  fromConfig: (c) => new Minimum(c),
  keras: { className: 'Minimum', toKeras: () => ({}), fromKeras: () => ({}) },
});
