/**
 * Maximum: the elementwise maximum of two or more inputs of one shape (Keras's Maximum).
 *
 *   x₀ … xₙ₋₁, y  [batch, ...s]   y = max(…max(max(x₀, x₁), x₂)…, xₙ₋₁)
 *   dxᵢ = dy where xᵢ is the maximum, else 0; ties go to the earlier input, as Keras's pairwise
 *   reduction with TensorFlow's gradient gives (extremum.ts)
 *
 * Inputs of different shapes are refused, not broadcast (merge.ts).
 */
import { registerLayer } from '../registry.js';
import { Extremum } from './extremum.js';
import type { MergeArgs } from './merge.js';

/**
 * Keras's Maximum: the elementwise maximum of a list of inputs of one shape. The gradient goes to the input
 * that holds the maximum, the earliest of those that tie.
 *
 * @example
 * ```ts
 * const a = Input({ shape: [8] });
 * const b = Input({ shape: [8] });
 * const y = new Maximum().apply([a, b]); // y.shape: [null, 8]
 * ```
 */
export class Maximum extends Extremum {
  static override readonly className: string = 'Maximum';

  constructor(args: MergeArgs = {}) {
    super(args);
  }

  protected wins(v: number, best: number): boolean {
    return v > best;
  }
}

registerLayer(Maximum, {
  fromConfig: (c) => new Maximum(c),
  keras: { className: 'Maximum', toKeras: () => ({}), fromKeras: () => ({}) },
});
