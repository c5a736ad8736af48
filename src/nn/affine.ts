/**
 * The affine core that Dense and Conv2D share (llm.c's matmul_forward / matmul_backward): a product
 * with a kernel, a bias and an activation, forward and backward, over explicit buffers.
 *
 *   x  [rows, k]   (Dense: every leading dimension of the input; Conv2D: im2col's windows)
 *   W  [k, n]      kernel (Conv2D's [kh, kw, c, f] read as [kh·kw·c, f])
 *   b  [n]         bias, or none
 *   z  [rows, n]   z = x · W + b
 *   y  [rows, n]   y = f(z)
 *
 * Backward, from dy [rows, n]:
 *   dz = dy ⊙ f'(z)   (dz = dy when f is linear, or softmax whose gradient the loss already fused)
 *   dW = xᵀ · dz      [k, n]
 *   db = Σ_rows dz    [n]
 *   dx = dz · Wᵀ      [rows, k]
 */
import { ValueError } from '../errors.js';
import { kernels } from '../tensor/backend.js';
import type { FloatArray } from '../tensor/kernels.js';
import { reuse, type FloatTensor } from '../tensor/tensor.js';
import { activationFromKeras, getActivation, type Activation, type ActivationName } from './activations.js';
import { getInitializer, initializerFromKeras, initializerToKeras } from './initializers.js';
import { Layer, type BackwardOptions, type BuildContext, type LayerArgs, type LayerConfig, type Param } from './layer.js';
import type { Json, Require } from './registry.js';
import { getRegularizer, regularizerFromKeras, regularizerToKeras, type Regularizer, type RegularizerConfig, type RegularizerOption } from './regularizers.js';

/**
 * z = x · W (+ b), then y = f(z) unless f is linear (y may then be null: the output is z).
 * z, y [rows, n]; x [rows, k]; w [k, n]; b [n] or null.
 */
export function affineForward(z: FloatArray, y: FloatArray | null, x: FloatArray, w: FloatArray, b: FloatArray | null, rows: number, k: number, n: number, f: Activation): void {
  const K = kernels();
  K.matmul(z, x, w, rows, k, n);
  if (b) K.addBias(z, b, rows, n);
  if (y && f.name !== 'linear') f.forward(y, z, rows, n);
}

/**
 * From dy [rows, n] writes dW [k, n] and db [n] (each when not null) and dx [rows, k] (when not
 * null). `dz` is scratch for dy ⊙ f'(z), used unless `skipActivation` (f linear, or softmax fused
 * into the loss); z [rows, n] and y = f(z) [rows, n] are the forward pass's, from which f' is
 * computed (each activation reads the one its derivative needs: see activations.ts).
 */
export function affineBackward(
  dx: FloatArray | null,
  dw: FloatArray | null,
  db: FloatArray | null,
  dz: FloatArray,
  dy: FloatArray,
  x: FloatArray,
  w: FloatArray,
  z: FloatArray,
  y: FloatArray,
  rows: number,
  k: number,
  n: number,
  f: Activation,
  skipActivation: boolean,
): void {
  const K = kernels();
  let g = dy;
  if (!skipActivation) {
    f.backward(dz, dy, z, y, rows, n);
    g = dz;
  }
  if (dw) K.matmulTN(dw, x, g, k, rows, n);
  if (db) K.colSum(db, g, rows, n);
  if (dx) K.matmulNT(dx, g, w, rows, n, k);
}

/** The options of a layer with a kernel and a bias (Dense, Conv2D). */
export interface WeightLayerArgs extends LayerArgs {
  /** Activation applied to the output; default linear. */
  activation?: ActivationName;
  /** Whether to add a bias; default true. */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: string;
  /** Default 'zeros'. */
  biasInitializer?: string;
  /** A penalty on the kernel. */
  kernelRegularizer?: RegularizerOption;
  biasRegularizer?: RegularizerOption;
}

const WEIGHT_KEYS = ['activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer'] as const;

/**
 * A layer whose output is affineForward of some view of its input: it owns the kernel and bias,
 * their options, and the z / y / dz buffers. Subclasses say what x is (Dense: the input itself;
 * Conv2D: its im2col windows).
 */
export abstract class AffineLayer extends Layer {
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: string;
  readonly biasInitializer: string;
  readonly kernelRegularizer?: Regularizer;
  readonly biasRegularizer?: Regularizer;
  private kernel?: Param;
  private bias?: Param;
  private z?: FloatTensor;
  private y?: FloatTensor;
  private dz?: FloatTensor;

  constructor(args: WeightLayerArgs, ownKeys: readonly string[]) {
    super(args, [...WEIGHT_KEYS, ...ownKeys]);
    this.activation = getActivation(args.activation, this.describe());
    if (args.useBias !== undefined && typeof args.useBias !== 'boolean') {
      throw new ValueError(`${this.describe()}: useBias must be true or false, got ${JSON.stringify(args.useBias)}.`);
    }
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    getInitializer(this.kernelInitializer, this.describe());
    getInitializer(this.biasInitializer, this.describe());
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, this.describe());
    this.biasRegularizer = getRegularizer(args.biasRegularizer, this.describe());
  }

  /** Creates the kernel (Keras's layout `kernelShape`, read as [k, units]) and the bias [units]. */
  protected createKernelAndBias(kernelShape: number[], units: number, ctx: BuildContext): void {
    const kInit = getInitializer(this.kernelInitializer, this.describe());
    this.kernel = this.addWeight('kernel', kernelShape, ctx, (d) => kInit(d, kernelShape, ctx.rng), { regularizer: this.kernelRegularizer });
    if (this.useBias) {
      const bInit = getInitializer(this.biasInitializer, this.describe());
      this.bias = this.addWeight('bias', [units], ctx, (d) => bInit(d, [units], ctx.rng), { regularizer: this.biasRegularizer });
    }
  }

  /** y = f(x · W + b) for x [rows, k], as a tensor of `outShape` (rows·units values): the layer's own buffer. */
  protected affine(x: FloatArray, rows: number, k: number, outShape: number[]): FloatTensor {
    const kernel = this.saved(this.kernel);
    const units = kernel.value.shape[kernel.value.rank - 1];
    const z = (this.z = reuse(this.z, outShape, this.dtype));
    const linear = this.activation.name === 'linear';
    const y = linear ? z : (this.y = reuse(this.y, outShape, this.dtype));
    affineForward(z.data, linear ? null : y.data, x, kernel.value.data, this.bias?.value.data ?? null, rows, k, units, this.activation);
    return y;
  }

  /**
   * The backward pass of `affine`: the weights' gradients (unless `opts.weightGrads` is false) and,
   * when `dx` is given, the gradient of x into it. x is what the forward pass was given.
   */
  protected affineGrad(dy: FloatTensor, x: FloatArray, rows: number, k: number, dx: FloatArray | null, opts: BackwardOptions): void {
    const kernel = this.saved(this.kernel);
    const units = kernel.value.shape[kernel.value.rank - 1];
    const z = this.saved(this.z);
    const skip = this.activation.name === 'linear' || (!!opts.skipSoftmax && this.activation.name === 'softmax');
    const dz = skip ? dy : (this.dz = reuse(this.dz, dy.shape, this.dtype));
    const y = skip ? z : this.saved(this.y);
    const weights = opts.weightGrads !== false;
    affineBackward(dx, weights ? kernel.grad.data : null, weights ? (this.bias?.grad.data ?? null) : null, dz.data, dy.data, x, kernel.value.data, z.data, y.data, rows, k, units, this.activation, skip);
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      activation: this.activation.name,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
      ...(this.kernelRegularizer ? { kernelRegularizer: { l1: this.kernelRegularizer.l1, l2: this.kernelRegularizer.l2 } } : {}),
      ...(this.biasRegularizer ? { biasRegularizer: { l1: this.biasRegularizer.l1, l2: this.biasRegularizer.l2 } } : {}),
    };
  }

  override endsInSoftmax(): boolean {
    return this.activation.name === 'softmax';
  }

  override logits(): FloatTensor | undefined {
    return this.endsInSoftmax() ? this.z : undefined;
  }
}

/** The affine options in Keras's spelling, for a registration's `toKeras`. */
export function affineToKeras(c: LayerConfig): Json {
  return {
    activation: c.activation,
    use_bias: c.useBias,
    kernel_initializer: initializerToKeras(c.kernelInitializer),
    bias_initializer: initializerToKeras(c.biasInitializer),
    kernel_regularizer: regularizerToKeras(c.kernelRegularizer as RegularizerConfig | undefined),
    bias_regularizer: regularizerToKeras(c.biasRegularizer as RegularizerConfig | undefined),
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  };
}

/** The affine options from Keras's spelling, for a registration's `fromKeras`; refuses what changes the function. */
export function affineFromKeras(k: Json, require: Require): LayerConfig {
  require(k.activity_regularizer === null || k.activity_regularizer === undefined, 'an activity_regularizer');
  require(k.kernel_constraint === null || k.kernel_constraint === undefined, 'a kernel_constraint');
  require(k.bias_constraint === null || k.bias_constraint === undefined, 'a bias_constraint');
  const kernelRegularizer = regularizerFromKeras(k.kernel_regularizer, require, 'kernel_regularizer');
  const biasRegularizer = regularizerFromKeras(k.bias_regularizer, require, 'bias_regularizer');
  return {
    activation: activationFromKeras(k.activation),
    useBias: k.use_bias ?? true,
    kernelInitializer: initializerFromKeras(k.kernel_initializer, 'glorotUniform'),
    biasInitializer: initializerFromKeras(k.bias_initializer, 'zeros'),
    ...(kernelRegularizer ? { kernelRegularizer } : {}),
    ...(biasRegularizer ? { biasRegularizer } : {}),
  };
}
