/**
 * Dropout (inverted, as Keras): in training each element is kept with probability 1 − rate and
 * scaled by 1/(1 − rate), so inference is the identity.
 *
 *   x, mask, y  [batch, ...]   y = x ⊙ mask, mask ∈ {0, 1/(1 − rate)}
 *   dx = dy ⊙ mask
 */
import { ValueError } from '../errors.js';
import { kernels } from '../tensor/backend.js';
import type { FloatArray } from '../tensor/kernels.js';
import { Tensor, reuse } from '../tensor/tensor.js';
import { Layer, type BackwardOptions, type ForwardContext, type LayerArgs } from './layer.js';

export class Dropout extends Layer {
  readonly rate: number;
  private mask?: Tensor;
  private y?: Tensor;
  private dx?: Tensor;
  /** Whether the last forward pass dropped anything (training mode with rate > 0). */
  private active = false;

  constructor(rate: number, args: LayerArgs = {}) {
    super(args);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new ValueError(`${this.describe()}: rate must be a number in [0, 1), got ${String(rate)}.`);
    }
    this.rate = rate;
  }

  override get className(): string {
    return 'Dropout';
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }

  computeOutputShape(inputShape: number[]): number[] {
    return [...inputShape];
  }

  forward(x: Tensor, ctx?: ForwardContext): Tensor {
    this.checkInput(x);
    this.active = !!ctx?.training && this.rate > 0;
    if (!this.active) return x;
    const mask = (this.mask = reuse(this.mask, x.shape, this.dtype));
    const m = mask.data;
    const keep = 1 - this.rate;
    const scale = 1 / keep;
    const rng = ctx!.rng;
    for (let i = 0; i < m.length; i++) m[i] = rng.next() < keep ? scale : 0;
    const y = (this.y = reuse(this.y, x.shape, this.dtype));
    kernels().mul(y.data as FloatArray, x.data as FloatArray, m as FloatArray, x.size);
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions): Tensor | null {
    if (!opts.needInputGrad) return null;
    if (!this.active) return dy;
    const dx = (this.dx = reuse(this.dx, dy.shape, this.dtype));
    kernels().mul(dx.data as FloatArray, dy.data as FloatArray, this.mask!.data as FloatArray, dy.size);
    return dx;
  }
}
