/**
 * Conv2D over NHWC images: the affine core's activation (affine.ts) around a convolution, computed
 * a sample at a time over its im2col windows (the kernels' conv2d and conv2dBackward).
 *
 *   x     [B, H, W, C]
 *   K     [kh, kw, C, F]   kernel, Keras layout; read as a matrix [kh·kw·C, F]
 *   b     [F]
 *   cols  [OH·OW, kh·kw·C] im2col(x) for a sample (8 samples' rows at a time backward): each
 *                          output position's window as a row
 *   y     [B, OH, OW, F]   y = f(cols · K + b)   (as a matrix [B·OH·OW, F])
 *
 * Backward, from dy [B, OH, OW, F]:
 *   dz = dy ⊙ f'(z);  dK = Σ_samples colsᵀ · dz;  db = Σ_rows dz;  dx = col2im(dz · Kᵀ)
 * (ReLU itself is applied inside conv2d, and its f' inside conv2dBackward, on rows still in cache.)
 */
import { ValueError } from '../../errors.js';
import { kernels } from '../../tensor/backend.js';
import type { WindowGeometry } from '../../tensor/kernels.js';
import { reuse, type FloatTensor } from '../../tensor/tensor.js';
import { AffineLayer, affineFromKeras, affineToKeras, type WeightLayerArgs } from '../affine.js';
import type { BackwardOptions, BuildContext, ForwardContext, LayerConfig } from '../layer.js';
import { refuseOptionsFirst } from '../leading-arguments.js';
import { registerLayer, without } from '../registry.js';
import { checkPadding, pair, windowFromKeras, windowGeometry, type Padding } from '../window.js';

export interface Conv2DArgs extends WeightLayerArgs {
  /** Default 1. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
}

/**
 * Keras's Conv2D over channels-last images [batch, height, width, channels]: `filters` kernels of
 * `kernelSize` (n or [h, w]), moved by `strides` with `'valid'` (default) or `'same'` padding, then the
 * bias and the activation. The kernel is [kh, kw, inChannels, filters], as Keras stores it. A 2-D
 * convolution is all it does: no dilation, groups or channels-first data.
 *
 * @example
 * ```ts
 * const model = new Sequential([
 *   new Conv2D(32, 3, { activation: 'relu', padding: 'same', inputShape: [28, 28, 1] }),
 *   new MaxPooling2D(2),
 *   new Conv2D(64, [3, 3], { activation: 'relu' }),
 *   new Flatten(),
 *   new Dense(10, { activation: 'softmax' }),
 * ]);
 * ```
 */
export class Conv2D extends AffineLayer {
  static override readonly className: string = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  private geometry?: WindowGeometry;
  private x?: FloatTensor;
  private dx?: FloatTensor;

  constructor(filters: number, kernelSize: number | [number, number], args: Conv2DArgs = {}) {
    super(args, ['strides', 'padding']);
    refuseOptionsFirst(this.describe(), 'Conv2D', filters, ['filters', 'kernelSize']);
    if (!Number.isInteger(filters) || filters <= 0)
      throw new ValueError(`${this.describe()}: filters must be a positive integer, got ${String(filters)}.`);
    this.filters = filters;
    this.kernelSize = pair(kernelSize, 'kernelSize', this.describe());
    this.strides = pair(args.strides ?? 1, 'strides', this.describe());
    this.padding = checkPadding(args.padding ?? 'valid', this.describe());
  }

  computeOutputShape(inputShape: number[]): number[] {
    const g = windowGeometry(inputShape, this.kernelSize, this.strides, this.padding, this.describe());
    return [g.outH, g.outW, this.filters];
  }

  protected override createWeights(inputShape: number[], ctx: BuildContext): void {
    this.createKernelAndBias([...this.kernelSize, inputShape[2], this.filters], this.filters, ctx);
  }

  forward(x: FloatTensor, _ctx?: ForwardContext): FloatTensor {
    this.checkInput(x);
    const g = (this.geometry = windowGeometry(
      this.shapes().inputShape,
      this.kernelSize,
      this.strides,
      this.padding,
      this.describe(),
      x.shape[0],
    ));
    this.x = x;
    return this.activate(
      [g.batch, g.outH, g.outW, this.filters],
      (z, w, b, relu) => kernels().conv2d(z, x.data, w, b, g, this.filters, relu),
      true,
    );
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    const g = this.saved(this.geometry);
    const x = this.saved(this.x);
    const dx = opts.needInputGrad ? (this.dx = reuse(this.dx, x.shape, this.dtype)) : null;
    this.activationGrad(
      dy,
      opts,
      (dz, mask, w, dw, db) => kernels().conv2dBackward(dx?.data ?? null, dw, db, dz, mask, x.data, w, g, this.filters),
      true,
    );
    return dx;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
    };
  }
}

registerLayer(Conv2D, {
  fromConfig: (c) =>
    new Conv2D(c.filters as number, c.kernelSize as [number, number], without(c, 'filters', 'kernelSize')),
  keras: {
    className: 'Conv2D',
    toKeras: (c) => ({
      filters: c.filters,
      kernel_size: c.kernelSize,
      strides: c.strides,
      padding: c.padding,
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      ...affineToKeras(c),
    }),
    fromKeras: (k, require) => {
      const d = k.dilation_rate;
      require(d === undefined ||
        d === 1 ||
        (Array.isArray(d) && d.every((v) => v === 1)), `dilation_rate ${JSON.stringify(d)}`);
      require(k.groups === undefined || k.groups === 1, `groups ${JSON.stringify(k.groups)}`);
      return {
        filters: k.filters,
        kernelSize: k.kernel_size,
        ...windowFromKeras(k, require, 1),
        ...affineFromKeras(k, require),
      };
    },
  },
});
