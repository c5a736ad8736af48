/**
 * The affine core that Dense and Conv2D share: a kernel, a bias and an activation around a product
 * that the layer supplies (Dense: x · W; Conv2D: a convolution, the same product over im2col's
 * windows), forward and backward, over explicit buffers.
 *
 *   x  [rows, k]   (Dense: every leading dimension of the input; Conv2D: im2col's windows)
 *   W  [k, n]      kernel (Conv2D's [kh, kw, c, f] read as [kh·kw·c, f])
 *   b  [n]         bias, or none
 *   z  [rows, n]   z = x · W + b   (the layer's product, bias included, as llm.c's matmul_forward)
 *   y  [rows, n]   y = f(z)
 *
 * Backward, from dy [rows, n]:
 *   dz = dy ⊙ f'(z)   (dz = dy when f is linear, or softmax whose gradient the loss already fused)
 *   then the layer's product backward (llm.c's matmul_backward) writes
 *   dW = xᵀ · dz [k, n],  db = Σ_rows dz [n]  and  dx = dz · Wᵀ [rows, k]
 */
import { ValueError } from '../errors.js';
import type { FloatArray } from '../tensor/kernels.js';
import { reuse, type FloatTensor } from '../tensor/tensor.js';
import {
  activationFromKeras,
  getActivation,
  type Activation,
  type ActivationName,
} from '../activations/activations.js';
import { getInitializer, initializerFromKeras, initializerToKeras } from '../initializers/initializers.js';
import {
  Layer,
  type BackwardOptions,
  type BuildContext,
  type LayerArgs,
  type LayerConfig,
  type Param,
} from './layer.js';
import type { Json, Require } from './registry.js';
import {
  getRegularizer,
  regularizerFromKeras,
  regularizerToKeras,
  type Regularizer,
  type RegularizerConfig,
  type RegularizerOption,
} from '../regularizers/regularizers.js';

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

const WEIGHT_KEYS = [
  'activation',
  'useBias',
  'kernelInitializer',
  'biasInitializer',
  'kernelRegularizer',
  'biasRegularizer',
] as const;

/**
 * A layer whose output is an activation of an affine product of its input: it owns the kernel and
 * bias, their options, and the z / y / dz buffers. Subclasses supply the product and its backward
 * (Dense: a matrix product; Conv2D: a convolution).
 *
 * @example
 * ```ts
 * // Dense and Conv2D take the options this base owns:
 * new Dense(64, {
 *   activation: 'relu',
 *   useBias: true,
 *   kernelInitializer: 'heNormal',
 *   biasRegularizer: regularizers.l2(1e-4),
 * });
 * ```
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
    this.kernel = this.addWeight('kernel', kernelShape, ctx, (d) => kInit(d, kernelShape, ctx.rng), {
      regularizer: this.kernelRegularizer,
    });
    if (this.useBias) {
      const bInit = getInitializer(this.biasInitializer, this.describe());
      this.bias = this.addWeight('bias', [units], ctx, (d) => bInit(d, [units], ctx.rng), {
        regularizer: this.biasRegularizer,
      });
    }
  }

  /**
   * y = f(z), where `product` writes z = x · W + b in the subclass's form (Dense: a product;
   * Conv2D: a convolution), given the kernel and the bias (or null): a tensor of `outShape` (its last
   * dimension the units), the layer's own buffer. With `fusesRelu`, a ReLU is left to `product`
   * too (its last argument true): it writes y itself, and z is not kept (ReLU's derivative reads y).
   */
  protected activate(
    outShape: number[],
    product: (z: FloatArray, w: FloatArray, b: FloatArray | null, relu: boolean) => void,
    fusesRelu = false,
  ): FloatTensor {
    const kernel = this.saved(this.kernel);
    const w = kernel.value.data;
    const b = this.bias?.value.data ?? null;
    if (fusesRelu && this.activation.name === 'relu') {
      const y = (this.z = this.y = reuse(this.y, outShape, this.dtype));
      product(y.data, w, b, true);
      return y;
    }
    const z = (this.z = reuse(this.z, outShape, this.dtype));
    product(z.data, w, b, false);
    if (this.activation.name === 'linear') return z;
    const y = (this.y = reuse(this.y, outShape, this.dtype));
    const units = outShape[outShape.length - 1];
    this.activation.forward(y.data, z.data, z.size / units, units);
    return y;
  }

  /**
   * The backward pass of `activate`, from dy: the gradient at z, g = dy ⊙ f'(z) (dy itself when f
   * is linear, or a softmax whose gradient the loss fused), goes to `grads` with the kernel and the
   * weight gradients to write (null when `opts.weightGrads` is false). With `fusesRelu`, a ReLU's
   * derivative is left to `grads` too: it gets dy and a mask, ReLU's output y (g = dy where y > 0).
   */
  protected activationGrad(
    dy: FloatTensor,
    opts: BackwardOptions,
    grads: (
      g: FloatArray,
      mask: FloatArray | null,
      w: FloatArray,
      dw: FloatArray | null,
      db: FloatArray | null,
    ) => void,
    fusesRelu = false,
  ): void {
    const kernel = this.saved(this.kernel);
    const f = this.activation;
    const weights = opts.weightGrads !== false;
    const dw = weights ? kernel.grad.data : null;
    const db = weights ? (this.bias?.grad.data ?? null) : null;
    if (f.name === 'linear' || (!!opts.skipSoftmax && f.name === 'softmax'))
      return grads(dy.data, null, kernel.value.data, dw, db);
    const y = this.saved(this.y);
    if (fusesRelu && f.name === 'relu') return grads(dy.data, y.data, kernel.value.data, dw, db);
    const dz = (this.dz = reuse(this.dz, dy.shape, this.dtype));
    const units = dy.shape[dy.rank - 1];
    f.backward(dz.data, dy.data, this.saved(this.z).data, y.data, dy.size / units, units);
    grads(dz.data, null, kernel.value.data, dw, db);
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      activation: this.activation.name,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
      ...(this.kernelRegularizer
        ? { kernelRegularizer: { l1: this.kernelRegularizer.l1, l2: this.kernelRegularizer.l2 } }
        : {}),
      ...(this.biasRegularizer
        ? { biasRegularizer: { l1: this.biasRegularizer.l1, l2: this.biasRegularizer.l2 } }
        : {}),
    };
  }

  override endsInSoftmax(): boolean {
    return this.activation.name === 'softmax';
  }

  override logits(): FloatTensor | undefined {
    return this.endsInSoftmax() ? this.z : undefined;
  }
}

/**
 * The affine options in Keras's spelling, for a registration's `toKeras`.
 *
 * @example
 * ```ts
 * affineToKeras(new Dense(10, { activation: 'softmax' }).getConfig()); // { activation: 'softmax', use_bias: true, … }
 * ```
 */
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

/**
 * The affine options from Keras's spelling, for a registration's `fromKeras`; refuses what changes the
 * function.
 *
 * @example
 * ```ts
 * affineFromKeras({ activation: 'relu', use_bias: true, kernel_constraint: null }, require);
 * // { activation: 'relu', useBias: true, … }
 * ```
 */
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
