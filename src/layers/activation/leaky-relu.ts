/**
 * LeakyReLU({ alpha }): relu with a slope α for negative inputs, elementwise (Keras's LeakyReLU;
 * default α = 0.3 as Keras and TensorFlow.js; Keras 3 calls the option negative_slope).
 *
 *   x, y  [batch, ...]     y = x for x ≥ 0, α · x otherwise (NaN passes through)
 *   dx = dy where x > 0, α · dy otherwise
 */
import { ActivationLayer } from './activation.js';
import { leakyRelu } from '../../activations/activations.js';
import type { LayerArgs, LayerConfig } from '../layer.js';
import { registerLayer } from '../registry.js';

export interface LeakyReLUArgs extends LayerArgs {
  /** The slope for negative inputs: a finite number ≥ 0; default 0.3. */
  alpha?: number;
}

/**
 * Keras's LeakyReLU: x for x ≥ 0 and alpha·x below (alpha ≥ 0, default 0.3, as Keras and TensorFlow.js;
 * Keras 3's files call it negative_slope, which is read as alpha).
 *
 * @example
 * ```ts
 * new Sequential([
 *   new Dense(128, { inputShape: [784] }),
 *   new LeakyReLU({ alpha: 0.1 }),
 *   new Dense(10, { activation: 'softmax' }),
 * ]);
 * ```
 */
export class LeakyReLU extends ActivationLayer {
  static override readonly className: string = 'LeakyReLU';
  readonly alpha: number;

  constructor(args: LeakyReLUArgs = {}) {
    // null is refused, not read as absent: it is what JSON makes of a NaN or infinite slope.
    const alpha = args?.alpha === undefined ? 0.3 : args.alpha;
    super((where) => leakyRelu(alpha, where), args, ['alpha']);
    this.alpha = alpha;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

registerLayer(LeakyReLU, {
  fromConfig: (c) => new LeakyReLU(c as LeakyReLUArgs),
  keras: {
    className: 'LeakyReLU',
    // TensorFlow.js's LeakyReLU reads `alpha`; Keras 3 writes `negative_slope` (and reads `alpha` too).
    toKeras: (c) => ({ alpha: c.alpha }),
    fromKeras: (k, require) => {
      require(k.alpha === undefined ||
        k.negative_slope === undefined ||
        k.alpha ===
          k.negative_slope, `both alpha ${JSON.stringify(k.alpha)} and negative_slope ${JSON.stringify(k.negative_slope)}`);
      const alpha = k.alpha !== undefined ? k.alpha : k.negative_slope; // null kept, for the layer to refuse
      return alpha === undefined ? {} : { alpha };
    },
  },
});
