/**
 * Softmax over the last axis, as a layer; stable for large logits (shifted by the row maximum).
 *
 *   x, y  [batch, ..., c]     y = e^x / Σ_c e^x
 *   dx = y ⊙ (dy − Σ_c dy ⊙ y), or dy itself when the loss fused softmax with cross-entropy
 */
import { ActivationLayer } from './activation.js';
import type { LayerArgs } from '../layer.js';
import { registerLayer } from '../registry.js';

/**
 * Keras's Softmax layer over the last axis: each row's exponentials divided by their sum, computed stably.
 * A cross-entropy loss after it is computed from the logits, as after a Dense with a softmax activation.
 *
 * @example
 * ```ts
 * new Sequential([new Dense(10, { inputShape: [784] }), new Softmax()]);
 * ```
 */
export class Softmax extends ActivationLayer {
  static override readonly className: string = 'Softmax';

  constructor(args: LayerArgs = {}) {
    super('softmax', args);
  }
}

registerLayer(Softmax, {
  fromConfig: (c) => new Softmax(c),
  keras: {
    className: 'Softmax',
    toKeras: () => ({ axis: -1 }),
    fromKeras: (k, require) => {
      require(k.axis === undefined ||
        k.axis === -1 ||
        (Array.isArray(k.axis) && k.axis.length === 1 && k.axis[0] === -1), `axis ${JSON.stringify(k.axis)}`);
      return {};
    },
  },
});
