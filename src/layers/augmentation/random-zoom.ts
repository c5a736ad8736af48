/**
 * RandomZoom (Keras 3's keras.layers.RandomZoom): in training, each image is scaled about its centre
 * by 1 + z, z drawn uniformly per axis from the factors' ranges; a positive z zooms out (the image
 * shrinks), a negative one zooms in, as Keras. With no widthFactor (null) both axes take the height's
 * draw, keeping the aspect ratio. At inference it is the identity. See augmentation.ts for the
 * shared resampling, fill modes and interpolation.
 *
 *   x, y  [B, H, W, C]     zy_b = 1 + U(heightLower, heightUpper), zx_b = 1 + U(widthLower, widthUpper) (or zy_b)
 *   output pixel (i, j) reads the input point
 *     x' = zx·j + (W − 1)/2·(1 − zx),   y' = zy·i + (H − 1)/2·(1 − zy)     (Keras's _get_zoom_matrix)
 *   dx = the transpose of the resampling applied to dy
 */
import { ValueError } from '../../errors.js';
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

// Keras refuses −1 itself: a zoom of 1 + (−1) = 0 would read one point for the whole image. A single
// factor of 1 still gives the range [−1, 1], as in Keras.
const BOUNDS = {
  min: -1,
  max: 1,
  minOpen: true,
  meaning: 'fractions of the size to zoom out (positive) or in (negative)',
};

/**
 * Keras 3's RandomZoom: in training, scales each image about its centre by 1 + a random factor per axis
 * (positive zooms out, negative in); with `widthFactor` null, both axes take the height's factor. The
 * identity at inference.
 *
 * @example
 * ```ts
 * new RandomZoom(0.1, null, { fillMode: 'constant', inputShape: [28, 28, 1] }); // 0.9 to 1.1 times, both axes alike
 * ```
 */
export class RandomZoom extends AffineAugmentation {
  static override readonly className: string = 'RandomZoom';
  readonly heightFactor: Factor;
  /** null: the width zooms as the height does. */
  readonly widthFactor: Factor | null;
  private readonly heightRange: [number, number];
  private readonly widthRange: [number, number] | null;

  /**
   * Each factor: a fraction f in (−1, 1] (the range [−|f|, |f|]) or [lower, upper] within (−1, 1];
   * widthFactor null or absent keeps the aspect ratio (one draw for both axes).
   */
  constructor(heightFactor: Factor, widthFactor: Factor | null = null, args: AugmentationArgs = {}) {
    super(args);
    refuseOptionsFirst(this.describe(), 'RandomZoom', heightFactor, ['heightFactor', 'widthFactor']);
    this.heightRange = this.factorRange('heightFactor', heightFactor, BOUNDS);
    if (widthFactor !== null && typeof widthFactor === 'object' && !Array.isArray(widthFactor)) {
      throw new ValueError(
        `${this.describe()}: widthFactor must be a number, [lower, upper] or null (the height's zoom on both axes), got an object; the options go third: new RandomZoom(heightFactor, null, { … }).`,
      );
    }
    this.widthRange =
      widthFactor === null || widthFactor === undefined ? null : this.factorRange('widthFactor', widthFactor, BOUNDS);
    this.heightFactor = factorConfig(heightFactor) as Factor;
    this.widthFactor = this.widthRange ? (factorConfig(widthFactor) as Factor) : null;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      heightFactor: factorConfig(this.heightFactor),
      widthFactor: factorConfig(this.widthFactor),
    };
  }

  protected drawTransform(rng: Rng, height: number, width: number, t: Float64Array, o: number): void {
    const zy = 1 + rng.uniform(this.heightRange[0], this.heightRange[1]);
    const zx = this.widthRange ? 1 + rng.uniform(this.widthRange[0], this.widthRange[1]) : zy;
    t.set([zx, 0, ((width - 1) / 2) * (1 - zx), 0, zy, ((height - 1) / 2) * (1 - zy)], o);
  }
}

registerLayer(RandomZoom, {
  fromConfig: (c) =>
    new RandomZoom(
      c.heightFactor as Factor,
      (c.widthFactor ?? null) as Factor | null,
      without(c, 'heightFactor', 'widthFactor'),
    ),
  keras: {
    className: 'RandomZoom',
    tfjsOmits: true,
    toKeras: (c) => ({ height_factor: c.heightFactor, width_factor: c.widthFactor ?? null, ...augmentationToKeras(c) }),
    fromKeras: (k, require) => ({
      heightFactor: kerasFactor(k.height_factor),
      widthFactor: kerasFactor(k.width_factor ?? null),
      ...augmentationFromKeras(k, require),
    }),
  },
});
