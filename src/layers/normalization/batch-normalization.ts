/**
 * BatchNormalization over the last axis (features after Dense, channels after Conv2D in NHWC), as
 * Keras: in training each channel is normalized by the batch's own statistics, and moving averages
 * of them are kept for inference.
 *
 *   x, y  [N, C]   (N = every leading dimension: batch·height·width after a Conv2D)
 *   γ, β  [C]      scale and offset (trainable; γ absent when `scale` is false, β when `center` is)
 *   m, v  [C]      moving mean and variance (non-trainable)
 *
 * Training (ctx.training and the layer learning: a layer frozen at compile runs in inference mode, as Keras 3):
 *   μ = (1/N) Σ x,  σ² = (1/N) Σ (x − μ)²  (biased),  s = 1/√(σ² + ε),  x̂ = (x − μ)·s,  y = γ·x̂ + β
 *   m ← m·momentum + μ·(1 − momentum);  v ← v·momentum + σ²·(1 − momentum)   (Keras's rule)
 * Inference: the same with μ = m, σ² = v, and nothing updated.
 *
 * Backward, from dy [N, C], with S₁ = Σ dy and S₂ = Σ dy·x̂ = s·(Σ dy·x − μ·S₁) per channel:
 *   dβ = S₁;  dγ = S₂
 *   training:   dx = γ·s·(dy − S₁/N − x̂·S₂/N)   (μ and σ² depend on x)
 *   inference:  dx = γ·s·dy
 * Each map is per-channel affine in dy and x, so forward and backward are one pass each over the
 * data after the column sums: dx = dy·p + x·q + r with p = γ·s, q = −γ·s²·S₂/N, r = −p·S₁/N − q·μ.
 */
import { ShapeError, ValueError, checkBoolean, formatShape } from '../../errors.js';
import { kernels } from '../../tensor/backend.js';
import type { FloatArray } from '../../tensor/kernels.js';
import { reuse, type FloatTensor } from '../../tensor/tensor.js';
import {
  camelCase,
  getInitializer,
  initializerFromKeras,
  initializerToKeras,
} from '../../initializers/initializers.js';
import {
  Layer,
  rowsOf,
  type BackwardOptions,
  type BuildContext,
  type ForwardContext,
  type LayerArgs,
  type LayerConfig,
  type Param,
} from '../layer.js';
import { registerLayer } from '../registry.js';
import {
  getRegularizer,
  regularizerFromKeras,
  regularizerToKeras,
  type Regularizer,
  type RegularizerConfig,
  type RegularizerOption,
} from '../../regularizers/regularizers.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The axis normalized per entry; default −1. Only the last axis (channels-last) is supported. */
  axis?: number;
  /** Of the moving averages, in [0, 1); default 0.99. */
  momentum?: number;
  /** Added to the variance, > 0; default 1e-3. */
  epsilon?: number;
  /** Whether to learn an offset β; default true. */
  center?: boolean;
  /** Whether to learn a scale γ; default true. */
  scale?: boolean;
  /** Default 'zeros'. */
  betaInitializer?: string;
  /** Default 'ones'. */
  gammaInitializer?: string;
  /** Default 'zeros'. */
  movingMeanInitializer?: string;
  /** Default 'ones'. */
  movingVarianceInitializer?: string;
  betaRegularizer?: RegularizerOption;
  gammaRegularizer?: RegularizerOption;
}

/** The initializers whose values are never negative, as a moving variance's must be. */
const VARIANCE_INITIALIZERS = ['ones', 'zeros'];

const OWN_KEYS = [
  'axis',
  'momentum',
  'epsilon',
  'center',
  'scale',
  'betaInitializer',
  'gammaInitializer',
  'movingMeanInitializer',
  'movingVarianceInitializer',
  'betaRegularizer',
  'gammaRegularizer',
] as const;

/**
 * Keras's BatchNormalization over the last axis (the features after Dense, the channels after Conv2D). In
 * training it normalizes by the batch's mean and (biased) variance, then scales by γ and shifts by β, and
 * moves its moving averages by Keras's rule (`moving = moving·momentum + batch·(1 − momentum)`); at
 * inference, and when frozen (`trainable: false`, as in Keras 3), it uses the moving statistics. γ and β
 * are trainable; the moving mean and variance are non-trainable weights, saved and loaded with the rest.
 *
 * Options, with Keras's defaults: `axis` −1 (only the last axis is supported), `momentum` 0.99, `epsilon`
 * 1e-3, `center` and `scale` true, the four initializers and the two regularizers.
 *
 * @example
 * ```ts
 * new Sequential([
 *   new Conv2D(32, 3, { useBias: false, inputShape: [28, 28, 1] }),
 *   new BatchNormalization({ momentum: 0.9 }),
 *   new ReLU(),
 * ]);
 * ```
 */
export class BatchNormalization extends Layer {
  static override readonly className: string = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: string;
  readonly gammaInitializer: string;
  readonly movingMeanInitializer: string;
  readonly movingVarianceInitializer: string;
  readonly betaRegularizer?: Regularizer;
  readonly gammaRegularizer?: Regularizer;
  private gamma?: Param;
  private beta?: Param;
  private movingMean?: Param;
  private movingVariance?: Param;
  /** Per channel [C]: the statistics the last forward used (batch or moving), 1/√(σ² + ε), and scratch. */
  private mean?: FloatTensor;
  private variance?: FloatTensor;
  private invStd?: FloatTensor;
  private p?: FloatTensor;
  private q?: FloatTensor;
  private r?: FloatTensor;
  private x?: FloatTensor;
  private y?: FloatTensor;
  private dx?: FloatTensor;
  /** Whether the last forward normalized by the batch's statistics. */
  private batchStats = false;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args, OWN_KEYS);
    // null is not "absent": it is what JSON makes of NaN and Infinity, so a file holding it is refused.
    this.axis = args.axis === undefined ? -1 : args.axis;
    if (!Number.isInteger(this.axis) || this.axis === 0) {
      throw new ValueError(
        `${this.describe()}: axis must be a nonzero integer (the batch axis 0 cannot be normalized per entry), got ${JSON.stringify(args.axis)}.`,
      );
    }
    this.momentum = args.momentum === undefined ? 0.99 : args.momentum;
    if (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum < 1)) {
      throw new ValueError(`${this.describe()}: momentum must be a number in [0, 1), got ${String(args.momentum)}.`);
    }
    this.epsilon = args.epsilon === undefined ? 1e-3 : args.epsilon;
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0 && Number.isFinite(this.epsilon))) {
      throw new ValueError(`${this.describe()}: epsilon must be a finite number > 0, got ${String(args.epsilon)}.`);
    }
    this.center = args.center === undefined ? true : checkBoolean(this.describe(), 'center', args.center);
    this.scale = args.scale === undefined ? true : checkBoolean(this.describe(), 'scale', args.scale);
    this.betaInitializer = args.betaInitializer ?? 'zeros';
    this.gammaInitializer = args.gammaInitializer ?? 'ones';
    this.movingMeanInitializer = args.movingMeanInitializer ?? 'zeros';
    this.movingVarianceInitializer = args.movingVarianceInitializer ?? 'ones';
    for (const option of [
      'betaInitializer',
      'gammaInitializer',
      'movingMeanInitializer',
      'movingVarianceInitializer',
    ] as const)
      getInitializer(this[option], `${this.describe()} ${option}`);
    // A variance is ≥ 0: the random initializers draw negative values, whose square roots are NaN,
    // and the moving average keeps them negative long into training (inference would predict NaN).
    if (!VARIANCE_INITIALIZERS.includes(camelCase(this.movingVarianceInitializer))) {
      throw new ValueError(
        `${this.describe()}: movingVarianceInitializer must be 'ones' or 'zeros' (a variance is ≥ 0, and '${this.movingVarianceInitializer}' draws negative values), got ${JSON.stringify(this.movingVarianceInitializer)}.`,
      );
    }
    this.betaRegularizer = getRegularizer(args.betaRegularizer, `${this.describe()} betaRegularizer`);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer, `${this.describe()} gammaRegularizer`);
  }

  computeOutputShape(inputShape: number[]): number[] {
    const rank = inputShape.length + 1;
    if (rank < 2)
      throw new ShapeError(
        `${this.describe()} needs inputs of rank ≥ 2 (batch and features), got ${formatShape([null, ...inputShape])}.`,
      );
    if (this.axis !== -1 && this.axis !== rank - 1) {
      throw new ShapeError(
        `${this.describe()}: axis ${this.axis} of inputs ${formatShape([null, ...inputShape])} is not the last axis; only the last axis (features, or channels of NHWC images) is supported: use axis −1.`,
      );
    }
    return [...inputShape];
  }

  protected override createWeights(inputShape: number[], ctx: BuildContext): void {
    const shape = [inputShape[inputShape.length - 1]];
    const init = (name: string) => (d: FloatArray) => getInitializer(name, this.describe())(d, shape, ctx.rng);
    if (this.scale)
      this.gamma = this.addWeight('gamma', shape, ctx, init(this.gammaInitializer), {
        regularizer: this.gammaRegularizer,
      });
    if (this.center)
      this.beta = this.addWeight('beta', shape, ctx, init(this.betaInitializer), { regularizer: this.betaRegularizer });
    this.movingMean = this.addWeight('moving_mean', shape, ctx, init(this.movingMeanInitializer), { trainable: false });
    this.movingVariance = this.addWeight('moving_variance', shape, ctx, init(this.movingVarianceInitializer), {
      trainable: false,
    });
  }

  /** A moving variance must be ≥ 0 (1/√(v + ε) is NaN below −ε): setWeights and save refuse one that is not. */
  override weightValueProblem(param: Param, data: ArrayLike<number>): string | undefined {
    if (param !== this.movingVariance) return undefined;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < 0)
        return `holds ${data[i]} at flat index ${i}; a moving variance must be ≥ 0 (its square root divides the inputs)`;
    }
    return undefined;
  }

  /** Per-channel buffers [C] of the layer's dtype. */
  private channels(C: number): void {
    for (const k of ['mean', 'variance', 'invStd', 'p', 'q', 'r'] as const) this[k] = reuse(this[k], [C], this.dtype);
  }

  forward(x: FloatTensor, ctx?: ForwardContext): FloatTensor {
    this.checkInput(x);
    const K = kernels();
    const C = x.shape[x.rank - 1];
    const N = rowsOf(x);
    this.channels(C);
    const mean = this.saved(this.mean).data;
    const variance = this.saved(this.variance).data;
    const invStd = this.saved(this.invStd).data;
    const mm = this.saved(this.movingMean).value.data;
    const mv = this.saved(this.movingVariance).value.data;
    // An empty batch has no statistics: it must not turn the moving ones into NaN.
    this.batchStats = !!ctx?.training && this.learnsNow() && N > 0;
    if (this.batchStats) {
      K.colMoments(mean, variance, x.data, N, C);
      const m = this.momentum;
      for (let c = 0; c < C; c++) {
        mm[c] = mm[c] * m + mean[c] * (1 - m);
        mv[c] = mv[c] * m + variance[c] * (1 - m);
      }
    } else {
      mean.set(mm);
      variance.set(mv);
    }
    // y = x·a + b per channel, a = γ·s, b = β − μ·a.
    const a = this.saved(this.p).data;
    const b = this.saved(this.r).data;
    const gamma = this.gamma?.value.data;
    const beta = this.beta?.value.data;
    for (let c = 0; c < C; c++) {
      invStd[c] = 1 / Math.sqrt(variance[c] + this.epsilon);
      a[c] = (gamma ? gamma[c] : 1) * invStd[c];
      b[c] = (beta ? beta[c] : 0) - mean[c] * a[c];
    }
    const y = (this.y = reuse(this.y, x.shape, this.dtype));
    K.scaleShiftCols(y.data, x.data, a, null, null, b, N, C);
    this.x = x;
    return y;
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    const K = kernels();
    const x = this.saved(this.x);
    const C = x.shape[x.rank - 1];
    const N = rowsOf(x);
    const mean = this.saved(this.mean).data;
    const invStd = this.saved(this.invStd).data;
    const p = this.saved(this.p).data;
    const q = this.saved(this.q).data;
    const r = this.saved(this.r).data;
    // S₁ into p, Σ dy·x into q, then S₂ = s·(Σ dy·x − μ·S₁) into q.
    K.colDotSums(p, q, dy.data, x.data, N, C);
    for (let c = 0; c < C; c++) q[c] = invStd[c] * (q[c] - mean[c] * p[c]);
    if (opts.weightGrads !== false) {
      if (this.gamma) this.gamma.grad.data.set(q.subarray(0, C));
      if (this.beta) this.beta.grad.data.set(p.subarray(0, C));
    }
    if (!opts.needInputGrad) return null;
    const gamma = this.gamma?.value.data;
    for (let c = 0; c < C; c++) {
      const s1 = p[c];
      const s2 = q[c];
      const pc = (gamma ? gamma[c] : 1) * invStd[c];
      const qc = this.batchStats ? (-pc * invStd[c] * s2) / N : 0;
      p[c] = pc;
      q[c] = qc;
      r[c] = this.batchStats ? (-pc * s1) / N - qc * mean[c] : 0;
    }
    const dx = (this.dx = reuse(this.dx, x.shape, this.dtype));
    if (this.batchStats) K.scaleShiftCols(dx.data, dy.data, p, x.data, q, r, N, C);
    else K.scaleShiftCols(dx.data, dy.data, p, null, null, r, N, C);
    return dx;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: this.betaInitializer,
      gammaInitializer: this.gammaInitializer,
      movingMeanInitializer: this.movingMeanInitializer,
      movingVarianceInitializer: this.movingVarianceInitializer,
      ...(this.betaRegularizer
        ? { betaRegularizer: { l1: this.betaRegularizer.l1, l2: this.betaRegularizer.l2 } }
        : {}),
      ...(this.gammaRegularizer
        ? { gammaRegularizer: { l1: this.gammaRegularizer.l1, l2: this.gammaRegularizer.l2 } }
        : {}),
    };
  }
}

/**
 * A Keras moving_variance_initializer as ours: 'zeros' or 'ones' kept, any other (which may draw negative values)
 * 'ones'.
 */
function varianceInitializer(name: string): string {
  return VARIANCE_INITIALIZERS.includes(name) ? name : 'ones';
}

registerLayer(BatchNormalization, {
  fromConfig: (c) => new BatchNormalization(c as BatchNormalizationArgs),
  keras: {
    className: 'BatchNormalization',
    toKeras: (c) => ({
      axis: c.axis,
      momentum: c.momentum,
      epsilon: c.epsilon,
      center: c.center,
      scale: c.scale,
      beta_initializer: initializerToKeras(c.betaInitializer),
      gamma_initializer: initializerToKeras(c.gammaInitializer),
      moving_mean_initializer: initializerToKeras(c.movingMeanInitializer),
      moving_variance_initializer: initializerToKeras(c.movingVarianceInitializer),
      beta_regularizer: regularizerToKeras(c.betaRegularizer as RegularizerConfig | undefined),
      gamma_regularizer: regularizerToKeras(c.gammaRegularizer as RegularizerConfig | undefined),
      beta_constraint: null,
      gamma_constraint: null,
    }),
    fromKeras: (k, require) => {
      // Keras writes axis as an int (Keras 3, TF.js) or a one-entry list (tf.keras 2).
      const axis = Array.isArray(k.axis) ? k.axis : [k.axis === undefined ? -1 : k.axis];
      require(axis.length === 1, `axis ${JSON.stringify(k.axis)} (more than one axis)`);
      require(k.beta_constraint === null || k.beta_constraint === undefined, 'a beta_constraint');
      require(k.gamma_constraint === null || k.gamma_constraint === undefined, 'a gamma_constraint');
      require(!k.renorm, 'renorm');
      require(k.virtual_batch_size === null ||
        k.virtual_batch_size === undefined, `virtual_batch_size ${JSON.stringify(k.virtual_batch_size)}`);
      require(k.adjustment === null || k.adjustment === undefined, 'an adjustment');
      const betaRegularizer = regularizerFromKeras(k.beta_regularizer, require, 'beta_regularizer');
      const gammaRegularizer = regularizerFromKeras(k.gamma_regularizer, require, 'gamma_regularizer');
      return {
        axis: axis[0],
        // null (JSON's NaN or Infinity) goes to the constructor, which refuses it.
        momentum: k.momentum === undefined ? 0.99 : k.momentum,
        epsilon: k.epsilon === undefined ? 1e-3 : k.epsilon,
        center: k.center ?? true,
        scale: k.scale ?? true,
        betaInitializer: initializerFromKeras(k.beta_initializer, 'zeros'),
        gammaInitializer: initializerFromKeras(k.gamma_initializer, 'ones'),
        movingMeanInitializer: initializerFromKeras(k.moving_mean_initializer, 'zeros'),
        // Loading replaces the initial values; one that may be negative (HeNormal, …) reads as 'ones'.
        movingVarianceInitializer: varianceInitializer(initializerFromKeras(k.moving_variance_initializer, 'ones')),
        ...(betaRegularizer ? { betaRegularizer } : {}),
        ...(gammaRegularizer ? { gammaRegularizer } : {}),
      };
    },
  },
});
