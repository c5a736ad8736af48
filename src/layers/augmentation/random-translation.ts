/**
 * RandomTranslation (Keras 3's keras.layers.RandomTranslation): in training, each image is shifted
 * by fractions of its height and width drawn uniformly from the factors' ranges (positive: down and
 * right); at inference it is the identity. See augmentation.ts for the shared resampling, fill modes
 * and interpolation.
 *
 *   x, y  [B, H, W, C]     dy_b = H·U(heightLower, heightUpper), dx_b = W·U(widthLower, widthUpper)
 *   output pixel (i, j) reads the input point (x', y') = (j − dx_b, i − dy_b)   (not rounded: a
 *   fractional shift is interpolated, as Keras)
 *   dx = the transpose of the resampling applied to dy
 */
import type { Rng } from '../../tensor/random.js';
import {
  AffineAugmentation,
  augmentationFromKeras,
  augmentationToKeras,
  factorConfig,
  kerasFactor,
  type AugmentationArgs,
  type Factor,
} from './augmentation.js';
import type { LayerConfig } from '../layer.js';
import { refuseOptionsFirst } from '../leading-arguments.js';
import { registerLayer, without } from '../registry.js';

const BOUNDS = { min: -1, max: 1, meaning: 'fractions of the image size' };

/**
 * Keras 3's RandomTranslation: in training, shifts each image by random fractions of its height and width
 * (each a factor f for [−f, f], or [lower, upper]; positive moves down and right); the identity at
 * inference.
 *
 * @example
 * ```ts
 * new RandomTranslation(0.1, 0.1, { fillMode: 'constant', inputShape: [28, 28, 1] }); // up to ±10% each way
 * ```
 */
export class RandomTranslation extends AffineAugmentation {
  static override readonly className: string = 'RandomTranslation';
  readonly heightFactor: Factor;
  readonly widthFactor: Factor;
  private readonly heightRange: [number, number];
  private readonly widthRange: [number, number];

  /** Each factor: a fraction f of the size in [−1, 1] (the range [−|f|, |f|]), or [lower, upper] within [−1, 1]. */
  constructor(heightFactor: Factor, widthFactor: Factor, args: AugmentationArgs = {}) {
    super(args);
    refuseOptionsFirst(this.describe(), 'RandomTranslation', heightFactor, ['heightFactor', 'widthFactor']);
    this.heightRange = this.factorRange('heightFactor', heightFactor, BOUNDS);
    this.widthRange = this.factorRange('widthFactor', widthFactor, BOUNDS);
    this.heightFactor = factorConfig(heightFactor) as Factor;
    this.widthFactor = factorConfig(widthFactor) as Factor;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      heightFactor: factorConfig(this.heightFactor),
      widthFactor: factorConfig(this.widthFactor),
    };
  }

  protected drawTransform(rng: Rng, height: number, width: number, t: Float64Array, o: number): void {
    const dy = height * rng.uniform(this.heightRange[0], this.heightRange[1]);
    const dx = width * rng.uniform(this.widthRange[0], this.widthRange[1]);
    t.set([1, 0, -dx, 0, 1, -dy], o);
  }
}

registerLayer(RandomTranslation, {
  fromConfig: (c) =>
    new RandomTranslation(c.heightFactor as Factor, c.widthFactor as Factor, without(c, 'heightFactor', 'widthFactor')),
  keras: {
    className: 'RandomTranslation',
    tfjsOmits: true,
    toKeras: (c) => ({ height_factor: c.heightFactor, width_factor: c.widthFactor, ...augmentationToKeras(c) }),
    fromKeras: (k, require) => ({
      heightFactor: kerasFactor(k.height_factor),
      widthFactor: kerasFactor(k.width_factor),
      ...augmentationFromKeras(k, require),
    }),
  },
});
