/**
 * MaxPooling2D over NHWC images: each output is the largest input in its window, per channel.
 *
 *   x  [B, H, W, C]  →  y [B, OH, OW, C];  argmax [B·OH·OW·C] = flat index in x of each maximum
 *   dx = 0, then dx[argmax[o]] += dy[o]   (the gradient goes to the input that won the window)
 */
import { kernels } from '../tensor/backend.js';
import type { WindowGeometry } from '../tensor/kernels.js';
import { reuse, type FloatTensor } from '../tensor/tensor.js';
import { Layer, type BackwardOptions, type ForwardContext, type LayerArgs, type LayerConfig } from './layer.js';
import { registerLayer, without } from './registry.js';
import { checkPadding, pair, poolFromKeras, poolToKeras, windowGeometry, type Padding } from './window.js';

export interface MaxPooling2DArgs extends LayerArgs {
  /** Default: the pool size. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
}

export class MaxPooling2D extends Layer {
  static override readonly className: string = 'MaxPooling2D';
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  private geometry?: WindowGeometry;
  private argmax?: Int32Array;
  private y?: FloatTensor;
  private dx?: FloatTensor;
  private xShape?: number[];

  /** poolSize: n or [h, w] (default 2, as in Keras). */
  constructor(poolSize: number | [number, number] = 2, args: MaxPooling2DArgs = {}) {
    super(args, ['strides', 'padding']);
    this.poolSize = pair(poolSize, 'poolSize', this.describe());
    this.strides = pair(args.strides ?? this.poolSize, 'strides', this.describe());
    this.padding = checkPadding(args.padding ?? 'valid', this.describe());
  }

  computeOutputShape(inputShape: number[]): number[] {
    const g = windowGeometry(inputShape, this.poolSize, this.strides, this.padding, this.describe());
    return [g.outH, g.outW, g.channels];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
  }

  forward(x: FloatTensor, _ctx?: ForwardContext): FloatTensor {
    this.checkInput(x);
    const g = (this.geometry = windowGeometry(this.shapes().inputShape, this.poolSize, this.strides, this.padding, this.describe(), x.shape[0]));
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
  keras: { className: 'MaxPooling2D', toKeras: poolToKeras, fromKeras: poolFromKeras },
});
