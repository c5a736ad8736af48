/**
 * What the random affine augmentation layers share (RandomRotation, RandomTranslation, RandomZoom,
 * after Keras 3's keras/src/layers/preprocessing/image_preprocessing/): each draws one transform
 * per sample and resamples the image through it, in training only; at inference it is the identity.
 *
 *   x, y  [B, H, W, C] (NHWC)     t [B, 6] (float64), drawn from the model's generator (ctx.rng)
 *   y[b] = x[b] read at the input point t[b] maps each output pixel to (Kernels.affineResample)
 *   dx = the transpose of that resampling applied to dy (affineResampleBackward): y is linear in x
 *        for fixed t (affine under fillMode 'constant'), so the gradient is exact and the layer may
 *        sit anywhere in a network.
 *
 * Each subclass only says how to draw a sample's transform (`drawTransform`): one resampling
 * kernel serves all three. The draws come from the model's generator, so a seeded fit repeats bit
 * for bit; Keras's per-layer `seed` is not used (as Dropout's is not).
 *
 * A sample must be an image [height, width, channels]: a [height, width] sample is refused rather
 * than read as one channel, because Keras reads a rank-3 tensor as one unbatched image, so a
 * [batch, 28, 28] model would mean something else there (reshape to [28, 28, 1], as the seed CNN does).
 */
import { ShapeError, ValueError, formatShape } from '../../errors.js';
import { kernels } from '../../tensor/backend.js';
import type { FillMode, Interpolation, ResampleGeometry } from '../../tensor/kernels.js';
import type { Rng } from '../../tensor/random.js';
import { reuse, type FloatTensor } from '../../tensor/tensor.js';
import { Layer, type BackwardOptions, type ForwardContext, type LayerArgs, type LayerConfig } from '../layer.js';
import type { Json, Require } from '../registry.js';
import { requireChannelsLast } from '../window.js';

const FILL_MODES: readonly FillMode[] = ['reflect', 'wrap', 'constant', 'nearest'];
const INTERPOLATIONS: readonly Interpolation[] = ['bilinear', 'nearest'];

export interface AugmentationArgs extends LayerArgs {
  /** How points outside the image are read (Keras's fill_mode); default 'reflect', as Keras. */
  fillMode?: FillMode;
  /** 'bilinear' (default, as Keras) or 'nearest'. */
  interpolation?: Interpolation;
  /** What fillMode 'constant' reads outside the image; default 0. */
  fillValue?: number;
}

/** A factor as Keras takes it: a number f (the range [−|f|, |f|]) or [lower, upper]. */
export type Factor = number | [lower: number, upper: number];

/** The closed (or, at the bottom, open) interval a factor's bounds must lie in. */
export interface FactorBounds {
  min: number;
  max: number;
  /** The bound min itself is refused (RandomZoom: a zoom of 1 + (−1) = 0 would read one point). */
  minOpen?: boolean;
  /** What the factor means, for the error message. */
  meaning: string;
}

/**
 * What RandomRotation, RandomTranslation and RandomZoom share: in training, one affine transform drawn per
 * image from the model's seeded generator and applied by one resampling kernel (with an exact backward
 * pass); the identity at inference. Their options are Keras's: `fillMode` (`'reflect'` by default,
 * `'constant'` with `fillValue`, `'wrap'`, `'nearest'`) and `interpolation` (`'bilinear'` by default,
 * `'nearest'`). Images are [batch, height, width, channels].
 *
 * @example
 * ```ts
 * new RandomRotation(0.1, { fillMode: 'constant', fillValue: 0, interpolation: 'nearest' });
 * ```
 */
export abstract class AffineAugmentation extends Layer {
  readonly fillMode: FillMode;
  readonly interpolation: Interpolation;
  readonly fillValue: number;
  private transforms?: Float64Array;
  private y?: FloatTensor;
  private dx?: FloatTensor;
  /** Whether the last forward pass resampled (training mode). */
  private active = false;

  /** `ownKeys`: the subclass's options besides the three shared ones. */
  constructor(args: AugmentationArgs = {}, ownKeys: readonly string[] = []) {
    super(args, ['fillMode', 'interpolation', 'fillValue', ...ownKeys]);
    // null is refused rather than read as absent (JSON writes NaN and Infinity as null).
    const fillMode = args.fillMode === undefined ? 'reflect' : args.fillMode;
    if (!FILL_MODES.includes(fillMode)) {
      throw new ValueError(
        `${this.describe()}: fillMode must be one of ${FILL_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(fillMode)}.`,
      );
    }
    const interpolation = args.interpolation === undefined ? 'bilinear' : args.interpolation;
    if (!INTERPOLATIONS.includes(interpolation)) {
      throw new ValueError(
        `${this.describe()}: interpolation must be one of ${INTERPOLATIONS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(interpolation)}.`,
      );
    }
    const fillValue = args.fillValue === undefined ? 0 : args.fillValue;
    if (typeof fillValue !== 'number' || !Number.isFinite(fillValue)) {
      throw new ValueError(
        `${this.describe()}: fillValue must be a finite number, got ${typeof fillValue === 'number' ? String(fillValue) : JSON.stringify(fillValue)}.`,
      );
    }
    this.fillMode = fillMode;
    this.interpolation = interpolation;
    this.fillValue = fillValue;
  }

  /**
   * Draws sample's transform for an image of height × width into t[o .. o + 6): [a0, a1, a2, b0, b1, b2],
   * the map from an output pixel (row i, column j) to the input point (a0·j + a1·i + a2, b0·j + b1·i + b2),
   * as Keras builds its transform matrices (pixel centres at integers).
   */
  protected abstract drawTransform(rng: Rng, height: number, width: number, t: Float64Array, o: number): void;

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      fillMode: this.fillMode,
      interpolation: this.interpolation,
      fillValue: this.fillValue,
    };
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) {
      throw new ShapeError(
        `${this.describe()} expects images [batch, height, width, channels], got input ${formatShape([null, ...inputShape])}` +
          (inputShape.length === 2 ? ' (a [height, width] sample: reshape it to [height, width, 1]).' : '.'),
      );
    }
    return [...inputShape];
  }

  forward(x: FloatTensor, ctx?: ForwardContext): FloatTensor {
    this.checkInput(x);
    this.active = !!ctx?.training;
    if (!this.active) return x;
    const rng = this.saved(ctx).rng;
    const [B, H, W] = x.shape;
    const t =
      this.transforms && this.transforms.length >= 6 * B
        ? this.transforms
        : (this.transforms = new Float64Array(6 * B));
    for (let b = 0; b < B; b++) this.drawTransform(rng, H, W, t, 6 * b);
    const y = (this.y = reuse(this.y, x.shape, this.dtype));
    kernels().affineResample(y.data, x.data, t, this.geometry(B));
    return y;
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    if (!opts.needInputGrad) return null;
    if (!this.active) return dy;
    const dx = (this.dx = reuse(this.dx, dy.shape, this.dtype));
    kernels().affineResampleBackward(dx.data, dy.data, this.saved(this.transforms), this.geometry(dy.shape[0]));
    return dx;
  }

  private geometry(batch: number): ResampleGeometry {
    const [height, width, channels] = this.shapes().inputShape;
    return {
      batch,
      height,
      width,
      channels,
      fillMode: this.fillMode,
      interpolation: this.interpolation,
      fillValue: this.fillValue,
    };
  }

  /**
   * A factor's range, checked as Keras checks it: a number f gives [−|f|, |f|]; a pair is
   * [lower, upper]. Every bound must lie in `bounds`. Keras sorts a pair given upside down; here it is
   * refused, as the likely slip it is (the Keras file reader sorts it, see `kerasFactor`).
   */
  protected factorRange(option: string, value: unknown, bounds: FactorBounds): [number, number] {
    const { min, max, minOpen, meaning } = bounds;
    const inside = (v: unknown): v is number => typeof v === 'number' && (minOpen ? v > min : v >= min) && v <= max;
    const interval = `${minOpen ? '(' : '['}${min}, ${max}]`;
    const fail = (why: string): never => {
      throw new ValueError(
        `${this.describe()}: ${option} must be a number in ${interval} or [lower, upper] with lower ≤ upper, both in ${interval} (${meaning}); ${why}.`,
      );
    };
    if (typeof value === 'number') {
      if (!inside(value)) fail(`got ${String(value)}`);
      return [-Math.abs(value), Math.abs(value)];
    }
    if (!Array.isArray(value) || value.length !== 2) return fail(`got ${JSON.stringify(value) ?? String(value)}`);
    const [lo, hi] = value as unknown[];
    if (!inside(lo) || !inside(hi)) fail(`got [${String(lo)}, ${String(hi)}]`);
    if ((lo as number) > (hi as number))
      fail(
        `got [${String(lo)}, ${String(hi)}], whose lower bound is above its upper one (write [${String(hi)}, ${String(lo)}])`,
      );
    return [lo as number, hi as number];
  }
}

/**
 * A factor as given, copied for a config (a pair as a new array).
 *
 * @example
 * ```ts
 * factorConfig([-0.1, 0.2]); // a new [-0.1, 0.2]
 * ```
 */
export function factorConfig(f: unknown): unknown {
  return Array.isArray(f) ? [...(f as unknown[])] : f;
}

/**
 * A factor from a Keras config: a pair sorted, as Keras sorts it (RandomRotation's config always
 * holds its sorted [lower, upper]); anything else as it came, for the layer to check.
 *
 * @example
 * ```ts
 * kerasFactor([0.2, -0.1]); // [-0.1, 0.2]
 * ```
 */
export function kerasFactor(f: unknown): unknown {
  return Array.isArray(f) && f.length === 2 && f.every((v) => typeof v === 'number') ? [...f].sort((a, b) => a - b) : f;
}

/**
 * The shared options in Keras's spelling; the per-layer seed is null (ours come from the model's
 * generator).
 *
 * @example
 * ```ts
 * augmentationToKeras(new RandomZoom(0.1).getConfig()); // { fill_mode: 'reflect', interpolation: 'bilinear', … }
 * ```
 */
export function augmentationToKeras(c: LayerConfig): Json {
  return {
    fill_mode: c.fillMode,
    interpolation: c.interpolation,
    fill_value: c.fillValue,
    seed: null,
    data_format: 'channels_last',
  };
}

/**
 * The shared options from a Keras config (Keras's defaults where absent); channels-first data is refused.
 *
 * @example
 * ```ts
 * augmentationFromKeras({ fill_mode: 'constant', fill_value: 0 }, require); // { fillMode: 'constant', … }
 * ```
 */
export function augmentationFromKeras(k: Json, require: Require): LayerConfig {
  requireChannelsLast(k, require);
  // null kept, for the layer to refuse
  const or = (v: unknown, fallback: unknown): unknown => (v === undefined ? fallback : v);
  return {
    fillMode: or(k.fill_mode, 'reflect'),
    interpolation: or(k.interpolation, 'bilinear'),
    fillValue: or(k.fill_value, 0),
  };
}
