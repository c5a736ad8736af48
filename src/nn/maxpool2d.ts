/**
 * MaxPooling2D over NHWC images: each output is the largest input in its window, per channel.
 *
 *   x  [B, H, W, C]  →  y [B, OH, OW, C];  argmax [B·OH·OW·C] = flat index in x of each maximum
 *   dx = 0, then dx[argmax[o]] += dy[o]   (the gradient goes to the input that won the window)
 */
import { kernels } from '../tensor/backend.js';
import type { WindowGeometry } from '../tensor/kernels.js';
import { reuse, type FloatTensor } from '../tensor/tensor.js';
import type { BackwardOptions, ForwardContext } from './layer.js';
import { Pooling2D, poolingKeras, type Pooling2DArgs } from './pooling.js';
import { registerLayer, without } from './registry.js';

export type MaxPooling2DArgs = Pooling2DArgs;

export class MaxPooling2D extends Pooling2D {
  static override readonly className: string = 'MaxPooling2D';
  private geometry?: WindowGeometry;
  private argmax?: Int32Array;
  private y?: FloatTensor;
  private dx?: FloatTensor;
  private xShape?: number[];

  forward(x: FloatTensor, _ctx?: ForwardContext): FloatTensor {
    this.checkInput(x);
    const g = (this.geometry = this.geometryOf(x));
    const n = g.batch * g.outH * g.outW * g.channels;
    if (!this.argmax || this.argmax.length < n) this.argmax = kernels().allocIndex(n);
    this.xShape = x.shape;
    const y = (this.y = reuse(this.y, [g.batch, g.outH, g.outW, g.channels], this.dtype));
    kernels().maxPool(y.data, this.argmax, x.data, g);
    return y;
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    if (!opts.needInputGrad) return null;
    const dx = (this.dx = reuse(this.dx, this.saved(this.xShape), this.dtype));
    kernels().maxPoolBackward(dx.data, dy.data, this.saved(this.argmax), this.saved(this.geometry));
    return dx;
  }
}

registerLayer(MaxPooling2D, {
  fromConfig: (c) => new MaxPooling2D(c.poolSize as [number, number], without(c, 'poolSize')),
  keras: poolingKeras('MaxPooling2D'),
});
