/**
 * Dropout (inverted, as Keras): in training each element is kept with probability 1 − rate and
 * scaled by 1/(1 − rate), so inference is the identity.
 *
 *   x, mask, y  [batch, ...]   y = x ⊙ mask, mask ∈ {0, 1/(1 − rate)}
 *   dx = dy ⊙ mask
 */
import { ValueError } from '../../errors.js';
import { kernels } from '../../tensor/backend.js';
import { reuse, type FloatTensor } from '../../tensor/tensor.js';
import { Layer, type BackwardOptions, type ForwardContext, type LayerArgs, type LayerConfig } from '../layer.js';
import { refuseOptionsFirst } from '../leading-arguments.js';
import { registerLayer, without } from '../registry.js';

/**
 * Keras's Dropout, inverted: in training each value is dropped with probability `rate` and the others are
 * scaled by 1/(1 − rate); at inference it is the identity. The masks come from the model's seeded
 * generator, so a seeded `fit` repeats bit for bit.
 *
 * @example
 * ```ts
 * const model = new Sequential([
 *   new Dense(128, { activation: 'relu', inputShape: [784] }),
 *   new Dropout(0.2),
 *   new Dense(10, { activation: 'softmax' }),
 * ]);
 * ```
 */
export class Dropout extends Layer {
  static override readonly className: string = 'Dropout';
  readonly rate: number;
  private mask?: FloatTensor;
  private y?: FloatTensor;
  private dx?: FloatTensor;
  /** Whether the last forward pass dropped anything (training mode with rate > 0). */
  private active = false;

  constructor(rate: number, args: LayerArgs = {}) {
    super(args);
    refuseOptionsFirst(this.describe(), 'Dropout', rate, ['rate']);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new ValueError(`${this.describe()}: rate must be a number in [0, 1), got ${String(rate)}.`);
    }
    this.rate = rate;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate };
  }

  computeOutputShape(inputShape: number[]): number[] {
    return [...inputShape];
  }

  forward(x: FloatTensor, ctx?: ForwardContext): FloatTensor {
    this.checkInput(x);
    this.active = !!ctx?.training && this.rate > 0;
    if (!this.active) return x;
    const mask = (this.mask = reuse(this.mask, x.shape, this.dtype));
    const m = mask.data;
    const keep = 1 - this.rate;
    const scale = 1 / keep;
    const rng = this.saved(ctx).rng;
    rng.bernoulli(m, m.length, keep, scale, kernels());
    const y = (this.y = reuse(this.y, x.shape, this.dtype));
    kernels().mul(y.data, x.data, m, x.size);
    return y;
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    if (!opts.needInputGrad) return null;
    if (!this.active) return dy;
    const dx = (this.dx = reuse(this.dx, dy.shape, this.dtype));
    kernels().mul(dx.data, dy.data, this.saved(this.mask).data, dy.size);
    return dx;
  }
}

registerLayer(Dropout, {
  fromConfig: (c) => new Dropout(c.rate as number, without(c, 'rate')),
  keras: {
    className: 'Dropout',
    toKeras: (c) => ({ rate: c.rate, noise_shape: null, seed: null }),
    fromKeras: (k, require) => {
      require(k.noise_shape === null || k.noise_shape === undefined, `noise_shape ${JSON.stringify(k.noise_shape)}`);
      return { rate: k.rate };
    },
  },
});
