/**
 * The base of every layer (micrograd's Module): it knows its parameters and output shape, runs a
 * forward pass that keeps what its backward pass needs, and a backward pass that writes the
 * gradients of its parameters and returns the gradient of its input.
 *
 * Shapes given to `build` and `computeOutputShape` exclude the batch dimension; tensors given to
 * `forward` and `backward` include it. A layer's returned tensors are its own buffers, valid until
 * its next forward or backward call.
 */
import { ShapeError, checkKeys, formatShape } from '../errors.js';
import type { FloatDType } from '../tensor/kernels.js';
import type { Rng } from '../tensor/random.js';
import type { Regularizer } from './regularizers.js';
import type { ActivationName } from './activations.js';
import type { InitializerName } from './initializers.js';
import { Tensor, bufferZeros, shapeSize } from '../tensor/tensor.js';

/** A trainable weight and the gradient the last backward pass wrote for it (same shape). */
export interface Param {
  name: string;
  value: Tensor;
  grad: Tensor;
  /** A penalty on this weight, added to the loss and its gradient by the model. */
  regularizer?: Regularizer;
}

export interface BuildContext {
  dtype: FloatDType;
  rng: Rng;
}

export interface ForwardContext {
  /** Training mode: dropout is active. */
  training: boolean;
  rng: Rng;
}

export interface BackwardOptions {
  /** Whether the caller needs the input gradient (the first layer's is never used). */
  needInputGrad: boolean;
  /**
   * `dy` is already the gradient of the logits: the loss fused softmax with cross-entropy into
   * (p − y)/n, so a layer ending in softmax must not apply softmax's derivative again.
   */
  skipSoftmax?: boolean;
}

/** The options of a layer with a kernel and a bias (Dense, Conv2D). */
export interface WeightLayerArgs extends LayerArgs {
  /** Activation applied to the output; default linear. */
  activation?: ActivationName;
  /** Whether to add a bias; default true. */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerName | string;
  /** Default 'zeros'. */
  biasInitializer?: InitializerName | string;
  /** A penalty on the kernel: a Regularizer, or Keras's names with 0.01. */
  kernelRegularizer?: Regularizer | 'l1' | 'l2' | 'l1_l2';
  biasRegularizer?: Regularizer | 'l1' | 'l2' | 'l1_l2';
}

export interface LayerArgs {
  /** Unique name; by default the class name in snake case with a counter, as Keras names layers. */
  name?: string;
  /** Shape of one sample (no batch dimension), for a model's first layer. */
  inputShape?: number[];
}

const nameCounts = new Map<string, number>();

/** `dense`, `dense_1`, `dense_2`, … as Keras numbers layers of one kind. */
export function uniqueName(base: string): string {
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** Keras's to_snake_case: Dense → dense, MaxPooling2D → max_pooling2d, ReLU → re_lu. */
function snakeCase(s: string): string {
  return s.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

export abstract class Layer {
  readonly name: string;
  /** The sample shape the user declared, if any. */
  readonly declaredInputShape?: number[];
  /** Sample shapes (no batch), known once built. */
  inputShape?: number[];
  outputShape?: number[];
  dtype: FloatDType = 'float32';
  protected params: Param[] = [];

  /** `ownKeys`: the options this layer takes besides `name` and `inputShape`, which all layers take. */
  constructor(args: LayerArgs = {}, ownKeys: readonly string[] = []) {
    checkKeys(this.className, args, ['name', 'inputShape', ...ownKeys]);
    this.name = args.name ?? uniqueName(snakeCase(this.className));
    if (args.inputShape) {
      for (const d of args.inputShape) {
        if (!Number.isInteger(d) || d <= 0) {
          throw new ShapeError(`${this.describe()}: inputShape must be positive integers, got ${formatShape(args.inputShape)}.`);
        }
      }
      this.declaredInputShape = [...args.inputShape];
    }
  }

  /** The class name Keras prints in `summary()` (a getter, so it survives minification). */
  get className(): string {
    return 'Layer';
  }

  /** `Dense 'dense_1'`, for error messages. */
  describe(): string {
    return `${this.className} '${this.name}'`;
  }

  get built(): boolean {
    return this.outputShape !== undefined;
  }

  /** Output sample shape for an input sample shape; throws ShapeError when the input cannot fit. */
  abstract computeOutputShape(inputShape: number[]): number[];

  /** Creates the weights for this input shape. */
  protected createParams(_inputShape: number[], _ctx: BuildContext): void {}

  /** Checks the input shape, creates the weights, and returns the output sample shape. */
  build(inputShape: number[], ctx: BuildContext): number[] {
    if (this.declaredInputShape && !sameShape(this.declaredInputShape, inputShape)) {
      throw new ShapeError(
        `${this.describe()} was declared with inputShape ${formatShape([null, ...this.declaredInputShape])} but receives ${formatShape([null, ...inputShape])}.`,
      );
    }
    if (this.built) {
      if (!sameShape(this.inputShape!, inputShape)) {
        throw new ShapeError(`${this.describe()} is built for input ${formatShape([null, ...this.inputShape!])} but receives ${formatShape([null, ...inputShape])}.`);
      }
      return this.outputShape!;
    }
    const out = this.computeOutputShape(inputShape);
    this.dtype = ctx.dtype;
    this.params = [];
    this.createParams(inputShape, ctx);
    this.inputShape = [...inputShape];
    this.outputShape = out;
    return out;
  }

  /** Runs the layer on a batch x [batch, ...inputShape]. */
  abstract forward(x: Tensor, ctx: ForwardContext): Tensor;

  /** Given dL/dy of the last forward, writes each param's grad and returns dL/dx (null if not needed). */
  abstract backward(dy: Tensor, opts: BackwardOptions): Tensor | null;

  /** True when the layer's output is a softmax, so a cross-entropy loss can use its logits. */
  endsInSoftmax(): boolean {
    return false;
  }

  /** The pre-softmax values of the last forward pass (only for layers that end in softmax). */
  logits(): Tensor | undefined {
    return undefined;
  }

  parameters(): Param[] {
    return this.params;
  }

  /**
   * The arguments that rebuild this layer (Keras's get_config): `name`, the declared `inputShape`,
   * and each subclass's own. Plain JSON values only.
   */
  getConfig(): Record<string, unknown> {
    return { name: this.name, ...(this.declaredInputShape ? { inputShape: [...this.declaredInputShape] } : {}) };
  }

  countParams(): number {
    return this.params.reduce((s, p) => s + p.value.size, 0);
  }

  /** Creates a weight and its gradient buffer, filled by `init`. */
  protected addParam(name: string, shape: number[], dtype: FloatDType, init: (data: Float32Array | Float64Array) => void, regularizer?: Regularizer): Param {
    const value = bufferZeros(shape, dtype);
    init(value.data as Float32Array | Float64Array);
    const p: Param = { name: `${this.name}/${name}`, value, grad: bufferZeros(shape, dtype), regularizer };
    this.params.push(p);
    return p;
  }

  /** Throws a ShapeError naming this layer when a batch does not have the built sample shape. */
  protected checkInput(x: Tensor): void {
    const s = this.inputShape;
    if (!s || x.rank !== s.length + 1 || !sameShape(x.shape.slice(1), s)) {
      throw new ShapeError(`${this.describe()} expects input of shape ${formatShape([null, ...(s ?? [])])}, got ${formatShape(x.shape)}.`);
    }
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Rows of a [batch, ..., last] tensor seen as a matrix [rows, last]. */
export function rowsOf(t: Tensor): number {
  const last = t.shape[t.shape.length - 1];
  return last === 0 ? 0 : shapeSize(t.shape) / last;
}
