/**
 * Conv2D over NHWC images: im2col, then the affine core (affine.ts) on the windows, then col2im
 * for the input's gradient.
 *
 *   x     [B, H, W, C]
 *   K     [kh, kw, C, F]   kernel, Keras layout; read as a matrix [kh·kw·C, F]
 *   b     [F]
 *   cols  [B·OH·OW, kh·kw·C]   im2col(x): each output position's window as a row
 *   y     [B, OH, OW, F]       y = f(cols · K + b)   (as a matrix [B·OH·OW, F])
 *
 * Backward, from dy [B, OH, OW, F]:
 *   dz = dy ⊙ f'(z);  dK = colsᵀ · dz;  db = Σ_rows dz;  dcols = dz · Kᵀ;  dx = col2im(dcols)
 */
import { ValueError } from '../errors.js';
import { kernels } from '../tensor/backend.js';
import type { WindowGeometry } from '../tensor/kernels.js';
import { reuse, type FloatTensor } from '../tensor/tensor.js';
import { AffineLayer, affineFromKeras, affineToKeras, type WeightLayerArgs } from './affine.js';
import type { BackwardOptions, BuildContext, ForwardContext, LayerConfig } from './layer.js';
import { registerLayer, without } from './registry.js';
import { checkPadding, pair, windowFromKeras, windowGeometry, type Padding } from './window.js';

export interface Conv2DArgs extends WeightLayerArgs {
  /** Default 1. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
}

export class Conv2D extends AffineLayer {
  static override readonly className: string = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  private geometry?: WindowGeometry;
  private x?: FloatTensor;
  private cols?: FloatTensor;
  private dcols?: FloatTensor;
  private dx?: FloatTensor;

  constructor(filters: number, kernelSize: number | [number, number], args: Conv2DArgs = {}) {
    super(args, ['strides', 'padding']);
    if (!Number.isInteger(filters) || filters <= 0) throw new ValueError(`${this.describe()}: filters must be a positive integer, got ${String(filters)}.`);
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
    const g = (this.geometry = windowGeometry(this.shapes().inputShape, this.kernelSize, this.strides, this.padding, this.describe(), x.shape[0]));
    const rows = g.batch * g.outH * g.outW;
    const depth = g.kh * g.kw * g.channels;
    this.x = x;
    const cols = (this.cols = reuse(this.cols, [rows, depth], this.dtype));
    kernels().im2col(cols.data, x.data, g);
    return this.affine(cols.data, rows, depth, [g.batch, g.outH, g.outW, this.filters]);
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    const g = this.saved(this.geometry);
    const rows = g.batch * g.outH * g.outW;
    const depth = g.kh * g.kw * g.channels;
    const dcols = opts.needInputGrad ? (this.dcols = reuse(this.dcols, [rows, depth], this.dtype)) : null;
    this.affineGrad(dy, this.saved(this.cols).data, rows, depth, dcols?.data ?? null, opts);
    if (!dcols) return null;
    const dx = (this.dx = reuse(this.dx, this.saved(this.x).shape, this.dtype));
    kernels().col2im(dx.data, dcols.data, g);
    return dx;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding };
  }
}

registerLayer(Conv2D, {
  fromConfig: (c) => new Conv2D(c.filters as number, c.kernelSize as [number, number], without(c, 'filters', 'kernelSize')),
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
      require(d === undefined || d === 1 || (Array.isArray(d) && d.every((v) => v === 1)), `dilation_rate ${JSON.stringify(d)}`);
      require(k.groups === undefined || k.groups === 1, `groups ${JSON.stringify(k.groups)}`);
      return { filters: k.filters, kernelSize: k.kernel_size, ...windowFromKeras(k, require, 1), ...affineFromKeras(k, require) };
    },
  },
});
