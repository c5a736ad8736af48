/**
 * ReLU: y = max(x, 0) elementwise, as a layer (Keras's ReLU with its defaults).
 *
 *   x, y  [batch, ...]     dx = dy where y > 0, else 0
 */
import { ActivationLayer } from './activation.js';
import type { LayerArgs } from '../layer.js';
import { registerLayer } from '../registry.js';

/**
 * Keras's ReLU layer: max(x, 0) element-wise, NaN passed through as TensorFlow does; the same as
 * `new Activation('relu')`, for a network that puts BatchNormalization between a product and its
 * activation.
 *
 * @example
 * ```ts
 * new Sequential([
 *   new Dense(128, { useBias: false, inputShape: [784] }),
 *   new BatchNormalization(),
 *   new ReLU(),
 * ]);
 * ```
 */
export class ReLU extends ActivationLayer {
  static override readonly className: string = 'ReLU';

  constructor(args: LayerArgs = {}) {
    super('relu', args);
  }
}

registerLayer(ReLU, {
  fromConfig: (c) => new ReLU(c),
  keras: {
    className: 'ReLU',
    toKeras: () => ({ max_value: null }),
    fromKeras: (k, require) => {
      require(k.max_value === null || k.max_value === undefined, `max_value ${JSON.stringify(k.max_value)}`);
      require(!k.negative_slope, `negative_slope ${JSON.stringify(k.negative_slope)}`);
      require(!k.threshold, `threshold ${JSON.stringify(k.threshold)}`);
      return {};
    },
  },
});
