/**
 * RandomRotation (Keras 3's keras.layers.RandomRotation): in training, each image is rotated about
 * its centre by an angle drawn uniformly from [lower, upper] full turns (factor 0.1: ±36°; positive
 * turns counter-clockwise); at inference it is the identity. See augmentation.ts for the shared
 * resampling, fill modes and interpolation.
 *
 *   x, y  [B, H, W, C]     θ_b ~ U(2π·lower, 2π·upper), centre (cx, cy) = ((W − 1)/2, (H − 1)/2)
 *   output pixel (i, j) reads the input point
 *     x' = cos θ·j − sin θ·i + cx − cx·cos θ + cy·sin θ
 *     y' = sin θ·j + cos θ·i + cy − cx·sin θ − cy·cos θ
 *   (Keras's _compute_affine_matrix with no translation, unit scale and no shear)
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

/**
 * Keras 3's RandomRotation: in training, rotates each image about its centre by a random fraction of a
 * full turn, drawn from [−factor, factor] or from [lower, upper] (positive is counter-clockwise); the
 * identity at inference.
 *
 * @example
 * ```ts
 * new Sequential([
 *   new RandomRotation(10 / 360, { fillMode: 'constant', inputShape: [28, 28, 1] }), // up to ±10°
 *   new Conv2D(32, 3, { activation: 'relu' }),
 * ]);
 * ```
 */
export class RandomRotation extends AffineAugmentation {
  static override readonly className: string = 'RandomRotation';
  /** The factor as given. */
  readonly factor: Factor;
  /** The range of turns, [lower, upper]. */
  private readonly range: [number, number];

  /** `factor`: a fraction of a full turn f in [−1, 1] (the range [−|f|, |f|]), or [lower, upper] within [−1, 1]. */
  constructor(factor: Factor, args: AugmentationArgs = {}) {
    super(args);
    refuseOptionsFirst(this.describe(), 'RandomRotation', factor, ['factor']);
    // Keras's own check lets a pair such as [−2, 0.5] through (it tests only factor[0] ≤ 1 and
    // factor[1] ≥ −1); here both bounds must be within one turn either way.
    this.range = this.factorRange('factor', factor, { min: -1, max: 1, meaning: 'fractions of a full turn' });
    this.factor = factorConfig(factor) as Factor;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), factor: factorConfig(this.factor) };
  }

  protected drawTransform(rng: Rng, height: number, width: number, t: Float64Array, o: number): void {
    const theta = 2 * Math.PI * rng.uniform(this.range[0], this.range[1]);
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const cx = (width - 1) / 2;
    const cy = (height - 1) / 2;
    t[o] = cos;
    t[o + 1] = -sin;
    t[o + 2] = cx - cx * cos + cy * sin;
    t[o + 3] = sin;
    t[o + 4] = cos;
    t[o + 5] = cy - cx * sin - cy * cos;
  }
}

registerLayer(RandomRotation, {
  fromConfig: (c) => new RandomRotation(c.factor as Factor, without(c, 'factor')),
  keras: {
    className: 'RandomRotation',
    tfjsOmits: true,
    toKeras: (c) => ({ factor: c.factor, ...augmentationToKeras(c) }),
    fromKeras: (k, require) => ({ factor: kerasFactor(k.factor), ...augmentationFromKeras(k, require) }),
  },
});
