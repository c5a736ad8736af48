/**
 * MaxPooling2D over NHWC images: each output is the largest input in its window, per channel.
 *
 *   x  [B, H, W, C]  →  y [B, OH, OW, C];  argmax [B·OH·OW·C] = flat index in x of each maximum
 *   dx = 0, then dx[argmax[o]] += dy[o]   (the gradient goes to the input that won the window)
 */
import { kernels } from '../../tensor/backend.js';
import type { FloatTensor } from '../../tensor/tensor.js';
import type { BackwardOptions, ForwardContext } from '../layer.js';
import { Pooling2D, poolingKeras, type Pooling2DArgs } from './pooling.js';
import { registerLayer, without } from '../registry.js';

export type MaxPooling2DArgs = Pooling2DArgs;

/**
 * Keras's MaxPooling2D over channels-last images: the largest value of each `poolSize` window (default 2),
 * per channel, the windows moved by `strides` (default: the pool size) with `'valid'` or `'same'` padding.
 * The gradient goes to the input that won the window.
 *
 * @example
 * ```ts
 * new MaxPooling2D(2);                                   // [batch, 28, 28, 32] → [batch, 14, 14, 32]
 * new MaxPooling2D([3, 3], { strides: 2, padding: 'same' });
 * ```
 */
export class MaxPooling2D extends Pooling2D {
  static override readonly className: string = 'MaxPooling2D';
  private argmax?: Int32Array;

  forward(x: FloatTensor, _ctx?: ForwardContext): FloatTensor {
    const { g, y } = this.forwardWindows(x);
    const n = g.batch * g.outH * g.outW * g.channels;
    if (!this.argmax || this.argmax.length < n) this.argmax = kernels().allocIndex(n);
    kernels().maxPool(y.data, this.argmax, x.data, g);
    return y;
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    if (!opts.needInputGrad) return null;
    const { g, dx } = this.backwardWindows();
    kernels().maxPoolBackward(dx.data, dy.data, this.saved(this.argmax), g);
    return dx;
  }
}

registerLayer(MaxPooling2D, {
  fromConfig: (c) => new MaxPooling2D(c.poolSize as [number, number], without(c, 'poolSize')),
  keras: poolingKeras('MaxPooling2D'),
});
