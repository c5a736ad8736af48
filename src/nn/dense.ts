/**
 * Dense: y = f(x · W + b) over the last axis.
 *
 *   x  [rows, in]     (rows = every leading dimension of the input, batch included)
 *   W  [in, units]    kernel, Keras layout
 *   b  [units]        bias
 *   z  [rows, units]  z = x · W + b
 *   y  [rows, units]  y = f(z)
 *
 * Backward, from dy [rows, units]:
 *   dz = dy ⊙ f'(z)       (dz = dy when the loss already gave the logits' gradient)
 *   dW = xᵀ · dz          [in, units]
 *   db = Σ_rows dz        [units]
 *   dx = dz · Wᵀ          [rows, in]
 */
import { ShapeError, ValueError, formatShape } from '../errors.js';
import { kernels } from '../tensor/backend.js';
import type { FloatArray } from '../tensor/kernels.js';
import { Tensor, reuse } from '../tensor/tensor.js';
import { getActivation, type Activation } from './activations.js';
import { getInitializer } from './initializers.js';
import { getRegularizer, regularizerConfigs, type Regularizer } from './regularizers.js';
import { Layer, rowsOf, type BackwardOptions, type BuildContext, type Param, type ForwardContext, type WeightLayerArgs } from './layer.js';

export type DenseArgs = WeightLayerArgs;

export class Dense extends Layer {
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  private readonly kernelInitializer: string;
  private readonly biasInitializer: string;
  private readonly regularizers: [Regularizer | undefined, Regularizer | undefined];
  private kernel?: Param;
  private bias?: Param;
  private x?: Tensor;
  private z?: Tensor;
  private y?: Tensor;
  private dz?: Tensor;
  private dx?: Tensor;

  constructor(units: number, args: DenseArgs = {}) {
    super(args, ['activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer']);
    this.regularizers = [getRegularizer(args.kernelRegularizer, this.describe()), getRegularizer(args.biasRegularizer, this.describe())];
    if (!Number.isInteger(units) || units <= 0) {
      throw new ValueError(`${this.describe()}: units must be a positive integer, got ${units}.`);
    }
    this.units = units;
    this.activation = getActivation(args.activation, this.describe());
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    getInitializer(this.kernelInitializer, this.describe());
    getInitializer(this.biasInitializer, this.describe());
  }

  override get className(): string {
    return 'Dense';
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length < 1) {
      throw new ShapeError(`${this.describe()} needs inputs of rank ≥ 2 (batch and features), got ${formatShape([null, ...inputShape])}.`);
    }
    return [...inputShape.slice(0, -1), this.units];
  }

  protected override createParams(inputShape: number[], ctx: BuildContext): void {
    const inDim = inputShape[inputShape.length - 1];
    const kInit = getInitializer(this.kernelInitializer, this.describe());
    this.kernel = this.addParam('kernel', [inDim, this.units], ctx.dtype, (d) => kInit(d, [inDim, this.units], ctx.rng), this.regularizers[0]);
    if (this.useBias) {
      const bInit = getInitializer(this.biasInitializer, this.describe());
      this.bias = this.addParam('bias', [this.units], ctx.dtype, (d) => bInit(d, [this.units], ctx.rng), this.regularizers[1]);
    }
  }

  forward(x: Tensor, _ctx?: ForwardContext): Tensor {
    this.checkInput(x);
    const K = kernels();
    const rows = rowsOf(x);
    const inDim = x.shape[x.rank - 1];
    const outShape = [...x.shape.slice(0, -1), this.units];
    this.x = x;
    const z = (this.z = reuse(this.z, outShape, this.dtype));
    K.matmul(z.data as FloatArray, x.data as FloatArray, this.kernel!.value.data as FloatArray, rows, inDim, this.units);
    if (this.bias) K.addBias(z.data as FloatArray, this.bias.value.data as FloatArray, rows, this.units);
    if (this.activation.name === 'linear') return z;
    const y = (this.y = reuse(this.y, outShape, this.dtype));
    this.activation.forward(y.data as FloatArray, z.data as FloatArray, rows, this.units);
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions): Tensor | null {
    const K = kernels();
    const x = this.x!;
    const rows = rowsOf(x);
    const inDim = x.shape[x.rank - 1];
    let dz = dy;
    const skip = this.activation.name === 'linear' || (opts.skipSoftmax && this.activation.name === 'softmax');
    if (!skip) {
      dz = this.dz = reuse(this.dz, dy.shape, this.dtype);
      this.activation.backward(dz.data as FloatArray, dy.data as FloatArray, this.y!.data as FloatArray, rows, this.units);
    }
    K.matmulTN(this.kernel!.grad.data as FloatArray, x.data as FloatArray, dz.data as FloatArray, inDim, rows, this.units);
    if (this.bias) K.colSum(this.bias.grad.data as FloatArray, dz.data as FloatArray, rows, this.units);
    if (!opts.needInputGrad) return null;
    const dx = (this.dx = reuse(this.dx, x.shape, this.dtype));
    K.matmulNT(dx.data as FloatArray, dz.data as FloatArray, this.kernel!.value.data as FloatArray, rows, this.units, inDim);
    return dx;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation.name,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
      ...regularizerConfigs(this.regularizers[0], this.regularizers[1]),
    };
  }

  override endsInSoftmax(): boolean {
    return this.activation.name === 'softmax';
  }

  override logits(): Tensor | undefined {
    return this.endsInSoftmax() ? this.z : undefined;
  }
}
