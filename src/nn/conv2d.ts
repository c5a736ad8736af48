/**
 * Conv2D over NHWC images, lowered to matrix products by im2col.
 *
 *   x     [B, H, W, C]
 *   K     [kh, kw, C, F]   kernel, Keras layout; read as a matrix [kh·kw·C, F]
 *   b     [F]
 *   cols  [B·OH·OW, kh·kw·C]   im2col(x): each output position's window as a row
 *   z     [B, OH, OW, F]       z = cols · K + b   (as a matrix [B·OH·OW, F])
 *   y     = f(z)
 *
 * Backward, from dy [B, OH, OW, F]:
 *   dz = dy ⊙ f'(z);  dK = colsᵀ · dz;  db = Σ_rows dz;  dcols = dz · Kᵀ;  dx = col2im(dcols)
 */
import { ValueError } from '../errors.js';
import { kernels } from '../tensor/backend.js';
import type { FloatArray, WindowGeometry } from '../tensor/kernels.js';
import { Tensor, reuse } from '../tensor/tensor.js';
import { getActivation, type Activation } from './activations.js';
import { getInitializer } from './initializers.js';
import { Layer, type BackwardOptions, type BuildContext, type ForwardContext, type Param, type WeightLayerArgs } from './layer.js';
import { getRegularizer, regularizerConfigs, type Regularizer } from './regularizers.js';
import { checkPadding, pair, windowGeometry, type Padding } from './window.js';

export interface Conv2DArgs extends WeightLayerArgs {
  /** Default 1. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
}

export class Conv2D extends Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly activation: Activation;
  readonly useBias: boolean;
  private readonly args: Conv2DArgs;
  private kernel?: Param;
  private bias?: Param;
  private geometry?: WindowGeometry;
  private x?: Tensor;
  private cols?: Tensor;
  private z?: Tensor;
  private y?: Tensor;
  private dz?: Tensor;
  private dcols?: Tensor;
  private dx?: Tensor;

  constructor(filters: number, kernelSize: number | [number, number], args: Conv2DArgs = {}) {
    super(args, ['strides', 'padding', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer']);
    if (!Number.isInteger(filters) || filters <= 0) throw new ValueError(`${this.describe()}: filters must be a positive integer, got ${filters}.`);
    this.filters = filters;
    this.kernelSize = pair(kernelSize, 'kernelSize', this.describe());
    this.strides = pair(args.strides ?? 1, 'strides', this.describe());
    this.padding = checkPadding(args.padding ?? 'valid', this.describe());
    this.activation = getActivation(args.activation, this.describe());
    this.useBias = args.useBias ?? true;
    this.args = {
      ...args,
      kernelRegularizer: getRegularizer(args.kernelRegularizer, this.describe()),
      biasRegularizer: getRegularizer(args.biasRegularizer, this.describe()),
    };
    getInitializer(args.kernelInitializer ?? 'glorotUniform', this.describe());
    getInitializer(args.biasInitializer ?? 'zeros', this.describe());
  }

  override get className(): string {
    return 'Conv2D';
  }

  computeOutputShape(inputShape: number[]): number[] {
    const g = windowGeometry(inputShape, this.kernelSize, this.strides, this.padding, this.describe());
    return [g.outH, g.outW, this.filters];
  }

  protected override createParams(inputShape: number[], ctx: BuildContext): void {
    const [kh, kw] = this.kernelSize;
    const shape = [kh, kw, inputShape[2], this.filters];
    const kInit = getInitializer(this.args.kernelInitializer ?? 'glorotUniform', this.describe());
    this.kernel = this.addParam('kernel', shape, ctx.dtype, (d) => kInit(d, shape, ctx.rng), this.args.kernelRegularizer as Regularizer | undefined);
    if (this.useBias) {
      const bInit = getInitializer(this.args.biasInitializer ?? 'zeros', this.describe());
      this.bias = this.addParam('bias', [this.filters], ctx.dtype, (d) => bInit(d, [this.filters], ctx.rng), this.args.biasRegularizer as Regularizer | undefined);
    }
  }

  forward(x: Tensor, _ctx?: ForwardContext): Tensor {
    this.checkInput(x);
    const K = kernels();
    const batch = x.shape[0];
    const g = (this.geometry = windowGeometry(this.inputShape!, this.kernelSize, this.strides, this.padding, this.describe(), batch));
    const rows = batch * g.outH * g.outW;
    const depth = g.kh * g.kw * g.channels;
    this.x = x;
    const cols = (this.cols = reuse(this.cols, [rows, depth], this.dtype));
    K.im2col(cols.data as FloatArray, x.data as FloatArray, g);
    const outShape = [batch, g.outH, g.outW, this.filters];
    const z = (this.z = reuse(this.z, outShape, this.dtype));
    K.matmul(z.data as FloatArray, cols.data as FloatArray, this.kernel!.value.data as FloatArray, rows, depth, this.filters);
    if (this.bias) K.addBias(z.data as FloatArray, this.bias.value.data as FloatArray, rows, this.filters);
    if (this.activation.name === 'linear') return z;
    const y = (this.y = reuse(this.y, outShape, this.dtype));
    this.activation.forward(y.data as FloatArray, z.data as FloatArray, rows, this.filters);
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions): Tensor | null {
    const K = kernels();
    const g = this.geometry!;
    const rows = g.batch * g.outH * g.outW;
    const depth = g.kh * g.kw * g.channels;
    let dz = dy;
    if (!(this.activation.name === 'linear' || (opts.skipSoftmax && this.activation.name === 'softmax'))) {
      dz = this.dz = reuse(this.dz, dy.shape, this.dtype);
      this.activation.backward(dz.data as FloatArray, dy.data as FloatArray, this.y!.data as FloatArray, rows, this.filters);
    }
    K.matmulTN(this.kernel!.grad.data as FloatArray, this.cols!.data as FloatArray, dz.data as FloatArray, depth, rows, this.filters);
    if (this.bias) K.colSum(this.bias.grad.data as FloatArray, dz.data as FloatArray, rows, this.filters);
    if (!opts.needInputGrad) return null;
    const dcols = (this.dcols = reuse(this.dcols, [rows, depth], this.dtype));
    K.matmulNT(dcols.data as FloatArray, dz.data as FloatArray, this.kernel!.value.data as FloatArray, rows, this.filters, depth);
    const dx = (this.dx = reuse(this.dx, this.x!.shape, this.dtype));
    K.col2im(dx.data as FloatArray, dcols.data as FloatArray, g);
    return dx;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      activation: this.activation.name,
      useBias: this.useBias,
      kernelInitializer: this.args.kernelInitializer ?? 'glorotUniform',
      biasInitializer: this.args.biasInitializer ?? 'zeros',
      ...regularizerConfigs(this.args.kernelRegularizer as Regularizer | undefined, this.args.biasRegularizer as Regularizer | undefined),
    };
  }

  override endsInSoftmax(): boolean {
    return this.activation.name === 'softmax';
  }

  override logits(): Tensor | undefined {
    return this.endsInSoftmax() ? this.z : undefined;
  }
}
