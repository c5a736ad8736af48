/**
 * The base of every layer (micrograd's Module): it knows its weights and output shape, runs a
 * forward pass that keeps what its backward pass needs, and a backward pass that writes the
 * gradients of its trainable weights and returns the gradient of its input.
 *
 * Shapes given to `build` and `computeOutputShape` exclude the batch dimension; tensors given to
 * `forward` and `backward` include it. A layer's returned tensors are its own buffers, valid until
 * its next forward or backward call.
 *
 * Each layer class names itself once, in `static className`, and registers itself at the foot of
 * its file (registry.ts): that is how files, the TensorFlow.js bridge and the tests find it.
 */
import { FormatError, ShapeError, ValueError, checkKeys, formatShape } from '../errors.js';
import type { FloatDType } from '../tensor/kernels.js';
import type { Rng } from '../tensor/random.js';
import type { Regularizer } from '../regularizers/regularizers.js';
import { bufferZeros, shapeSize, type FloatTensor } from '../tensor/tensor.js';
import { GraphNode, SymbolicTensor } from './symbolic.js';

/** A weight and the gradient the last backward pass wrote for it (same shape). */
export interface Param {
  name: string;
  value: FloatTensor;
  grad: FloatTensor;
  /**
   * False for a weight that is not learnt by gradients (BatchNormalization's moving statistics):
   * it gets no gradient and is never given to the optimizer, but is saved, loaded and counted.
   * Absent means true.
   */
  trainable?: boolean;
  /** A penalty on this weight, added to the loss and its gradient by the model. */
  regularizer?: Regularizer;
}

export interface BuildContext {
  dtype: FloatDType;
  rng: Rng;
  /**
   * The most weight elements this build may still create, counted down as weights are made: a file
   * being loaded sets what it holds, so a hostile header cannot make us allocate more than that.
   */
  budget?: { remaining: number };
  /**
   * Build a twin of a layer applied at several places (models/graph.ts): each weight is the layer's
   * own (matched by name), with a gradient buffer the graph gives, so nothing is allocated.
   */
  shared?: { params: readonly Param[]; grads: ReadonlyMap<string, FloatTensor> };
}

export interface ForwardContext {
  /** Training mode: dropout and the augmentation layers (RandomRotation, …) are active. */
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
  /**
   * Whether to write the gradients of the layer's trainable weights (default true). False for a
   * frozen layer (`trainable = false`), which still passes the input gradient on.
   */
  weightGrads?: boolean;
}

export interface LayerArgs {
  /** Unique name; by default the class name in snake case with a counter, as Keras names layers. */
  name?: string;
  /** Shape of one sample (no batch dimension), for a model's first layer. */
  inputShape?: number[];
  /** False freezes the layer's weights, as Keras's `trainable=False`; default true. */
  trainable?: boolean;
}

/** A layer's config: what `getConfig` returns and a registration's `fromConfig` takes. Plain JSON values. */
export type LayerConfig = Record<string, unknown>;

const nameCounts = new Map<string, number>();

/**
 * `dense`, `dense_1`, `dense_2`, … as Keras numbers layers of one kind.
 *
 * @example
 * ```ts
 * uniqueName('dense'); // 'dense', then 'dense_1', 'dense_2', …
 * ```
 */
export function uniqueName(base: string): string {
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** Keras's to_snake_case: Dense → dense, MaxPooling2D → max_pooling2d, ReLU → re_lu. */
function snakeCase(s: string): string {
  return s
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * The base of every layer: it knows its weights and output shape, runs a forward pass that keeps what its
 * backward pass needs, and a backward pass that writes the gradients of its trainable weights and returns
 * the gradient of its input. Every layer takes `name`, `inputShape` (for a model's first layer) and
 * `trainable`.
 *
 * Extend it for a layer of your own: `computeOutputShape`, `createWeights` (with `addWeight`), `forward`,
 * `backward`, a `static className`, and `registerLayer` so that files can rebuild it (the guide "Writing
 * your own layer" walks through one).
 *
 * @example
 * ```ts
 * class Scale extends Layer {
 *   static override readonly className: string = 'Scale';
 *   private gamma?: Param;
 *   private x?: FloatTensor;
 *   computeOutputShape(inputShape: number[]): number[] {
 *     return [...inputShape];
 *   }
 *   protected override createWeights(inputShape: number[], ctx: BuildContext): void {
 *     this.gamma = this.addWeight('gamma', [inputShape[inputShape.length - 1]], ctx, (d) => d.fill(1));
 *   }
 *   forward(x: FloatTensor): FloatTensor { // y = x ⊙ γ over the last axis
 *     this.x = x;
 *     const g = this.gamma!.value.data, y = zeros(x.shape, this.dtype);
 *     for (let i = 0; i < x.size; i++) y.data[i] = x.data[i] * g[i % g.length];
 *     return y;
 *   }
 *   backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null { // dγ = Σ dy ⊙ x, dx = dy ⊙ γ
 *     const x = this.x!, { value, grad } = this.gamma!, n = value.size;
 *     grad.data.fill(0);
 *     for (let i = 0; i < x.size; i++) grad.data[i % n] += dy.data[i] * x.data[i];
 *     if (!opts.needInputGrad) return null;
 *     const dx = zeros(x.shape, this.dtype);
 *     for (let i = 0; i < x.size; i++) dx.data[i] = dy.data[i] * value.data[i % n];
 *     return dx;
 *   }
 * }
 * registerLayer(Scale, { fromConfig: (c) => new Scale(c), keras: null });
 * ```
 */
export abstract class Layer {
  /** The class name, as Keras prints it in `summary()` and files store it (a static, so it survives minification). */
  static readonly className: string = 'Layer';

  readonly name: string;
  /** The sample shape the user declared, if any. */
  readonly declaredInputShape?: number[];
  /** Sample shapes (no batch), known once built. */
  inputShape?: number[];
  outputShape?: number[];
  dtype: FloatDType = 'float32';
  /**
   * False freezes the layer: its weights get no gradients and the optimizer does not see them. As in
   * Keras, set it before `compile`; a change after takes effect at the next `compile`.
   */
  trainable: boolean;
  /**
   * Set by the trainer for the length of a training step: whether the step updates this layer's
   * weights (its `trainable` at the model's compile); undefined outside a step. Read it through `learnsNow()`.
   * @internal
   */
  learnsInStep?: boolean;
  private ownWeights: Param[] = [];
  /** The input sample shapes of the first `apply`, which later ones must match. */
  private appliedTo?: number[][];
  /** The context of the build under way, for the deprecated addParam. */
  private building?: BuildContext;

  /** `ownKeys`: the options this layer takes besides `name`, `inputShape` and `trainable`, which all layers take. */
  constructor(args: LayerArgs = {}, ownKeys: readonly string[] = []) {
    // null is not "no options" (checkKeys lets it by): refused here rather than a TypeError below.
    if (args === null) throw new ValueError(`${this.className}: options must be an object, got null.`);
    checkKeys(this.className, args, ['name', 'inputShape', 'trainable', ...ownKeys]);
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name.length === 0)) {
      throw new ValueError(`${this.className}: name must be a non-empty string, got ${JSON.stringify(args.name)}.`);
    }
    this.name = args.name ?? uniqueName(snakeCase(this.className));
    if (args.trainable !== undefined && typeof args.trainable !== 'boolean') {
      throw new ValueError(
        `${this.describe()}: trainable must be true or false, got ${JSON.stringify(args.trainable)}.`,
      );
    }
    this.trainable = args.trainable ?? true;
    if (args.inputShape) {
      if (!Array.isArray(args.inputShape) || args.inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
        throw new ShapeError(
          `${this.describe()}: inputShape must be positive integers, got ${JSON.stringify(args.inputShape)}.`,
        );
      }
      this.declaredInputShape = [...args.inputShape];
    }
  }

  /** The class name of this layer's class (see the static `className`). */
  get className(): string {
    return (this.constructor as typeof Layer).className;
  }

  /** `Dense 'dense_1'`, for error messages. */
  describe(): string {
    return `${this.className} '${this.name}'`;
  }

  /**
   * Whether the layer learns now: in a training step, its `trainable` at compile (a change waits for
   * the next compile); elsewhere `trainable`. A layer whose training-mode forward differs when frozen
   * (BatchNormalization) asks this, so that it stays in step with the optimizer.
   */
  protected learnsNow(): boolean {
    return this.learnsInStep ?? this.trainable;
  }

  get built(): boolean {
    return this.outputShape !== undefined;
  }

  /** Output sample shape for an input sample shape; throws ShapeError when the input cannot fit. */
  abstract computeOutputShape(inputShape: number[]): number[];

  /** Creates the weights for this input shape (with `addWeight`). */
  protected createWeights(inputShape: number[], ctx: BuildContext): void {
    this.createParams(inputShape, ctx);
  }

  /** @deprecated The name before 0.2: override `createWeights`. Still called by the default `createWeights`. */
  protected createParams(_inputShape: number[], _ctx: BuildContext): void {}

  /** @deprecated The name before 0.2: the weights, in `parameters()` order. */
  protected get params(): Param[] {
    return this.ownWeights;
  }

  /** @deprecated The signature before 0.2: use `addWeight(name, shape, ctx, init, { regularizer })`. */
  protected addParam(
    name: string,
    shape: number[],
    dtype: FloatDType,
    init: (data: Float32Array | Float64Array) => void,
    regularizer?: Regularizer,
  ): Param {
    return this.addWeight(name, shape, { ...this.building, dtype }, init, { regularizer });
  }

  /** Checks the input shape, creates the weights, and returns the output sample shape. */
  build(inputShape: number[], ctx: BuildContext): number[] {
    this.checkBuildShape(inputShape);
    if (this.inputShape && this.outputShape) {
      this.checkBuiltDtype(ctx);
      return this.outputShape;
    }
    const out = this.computeOutputShape(inputShape);
    this.dtype = ctx.dtype;
    this.ownWeights = [];
    this.building = ctx;
    try {
      this.createWeights(inputShape, ctx);
    } finally {
      this.building = undefined;
    }
    this.inputShape = [...inputShape];
    this.outputShape = out;
    return out;
  }

  /**
   * Calls the layer on symbolic tensors (Keras's functional API): one, or a list for a layer that
   * takes several (Add, Concatenate, …). Checks the shapes now and returns the symbolic output; a
   * Model built on it creates the weights. A layer applied twice is one layer with one set of weights.
   * @example
   * const x = Input({ shape: [784] });
   * const h = new Dense(64, { activation: 'relu' }).apply(x); // h.shape: [null, 64]
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    const list = Array.isArray(inputs);
    const xs = list ? inputs : [inputs];
    if (xs.length === 0 || xs.some((x) => !(x instanceof SymbolicTensor))) {
      throw new ValueError(
        `${this.describe()}.apply: expected a symbolic tensor (from Input or another layer's apply) or an array of them, got ${describeValue(inputs)}.`,
      );
    }
    if (list !== this.takesList) {
      throw new ValueError(
        this.takesList
          ? `${this.describe()}.apply takes an array of symbolic tensors, got one.`
          : `${this.describe()}.apply takes one symbolic tensor, got an array of ${xs.length}.`,
      );
    }
    const shapes = xs.map((x) => [...x.sampleShape]);
    const before = this.appliedTo;
    if (before && !(before.length === shapes.length && before.every((s, i) => sameShape(s, shapes[i])))) {
      throw new ShapeError(
        `${this.describe()} is applied to ${shapes.map((s) => formatShape([null, ...s])).join(', ')} but was applied to ${before.map((s) => formatShape([null, ...s])).join(', ')} before: a layer applied twice shares its weights, so it needs the same input shapes.`,
      );
    }
    const out = this.outputShapeFor(shapes);
    this.appliedTo = shapes;
    return new GraphNode(this, xs, [out], list).outputs[0];
  }

  /**
   * Whether the layer takes a list of inputs (the merge layers) rather than one tensor. A model's
   * graph calls every layer through the list forms below, which the merge layers override.
   */
  get takesList(): boolean {
    return false;
  }

  /**
   * The output sample shape for these input sample shapes, checked against the shape the layer was
   * built or declared for; throws a ShapeError naming the layer and the shapes.
   */
  outputShapeFor(inputShapes: number[][]): number[] {
    const [shape] = inputShapes;
    this.checkBuildShape(shape);
    return this.computeOutputShape(shape);
  }

  /** `build` over a list of input sample shapes (one, but for a merge layer). @internal */
  buildOn(inputShapes: number[][], ctx: BuildContext): number[] {
    return this.build(inputShapes[0], ctx);
  }

  /** `forward` over a list of inputs (one, but for a merge layer). @internal */
  forwardOn(xs: FloatTensor[], ctx: ForwardContext): FloatTensor {
    return this.forward(xs[0], ctx);
  }

  /** `backward` giving one gradient per input (null where not needed). @internal */
  backwardOn(dy: FloatTensor, opts: BackwardOptions): (FloatTensor | null)[] {
    return [this.backward(dy, opts)];
  }

  /** A layer built in one model's dtype cannot join a model of another (its weights are of the first). */
  protected checkBuiltDtype(ctx: BuildContext): void {
    if (ctx.dtype !== this.dtype) {
      throw new ValueError(
        `${this.describe()} is built in ${this.dtype} (in another model) and cannot join a ${ctx.dtype} model; make a new layer for it.`,
      );
    }
  }

  /** Throws a ShapeError when the layer was declared or built for another input shape. */
  private checkBuildShape(inputShape: number[]): void {
    if (this.declaredInputShape && !sameShape(this.declaredInputShape, inputShape)) {
      throw new ShapeError(
        `${this.describe()} was declared with inputShape ${formatShape([null, ...this.declaredInputShape])} but receives ${formatShape([null, ...inputShape])}.`,
      );
    }
    if (this.inputShape && this.outputShape && !sameShape(this.inputShape, inputShape)) {
      throw new ShapeError(
        `${this.describe()} is built for input ${formatShape([null, ...this.inputShape])} but receives ${formatShape([null, ...inputShape])}.`,
      );
    }
  }

  /** Runs the layer on a batch x [batch, ...inputShape]. */
  abstract forward(x: FloatTensor, ctx: ForwardContext): FloatTensor;

  /** Given dL/dy of the last forward, writes each trainable weight's grad and returns dL/dx (null if not needed). */
  abstract backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null;

  /** True when the layer's output is a softmax, so a cross-entropy loss can use its logits. */
  endsInSoftmax(): boolean {
    return false;
  }

  /** The pre-softmax values of the last forward pass (only for layers that end in softmax). */
  logits(): FloatTensor | undefined {
    return undefined;
  }

  /** Every weight, in Keras's order: the trainable ones as created, then the non-trainable ones. */
  parameters(): Param[] {
    return this.ownWeights;
  }

  /** The weights the optimizer updates: none when the layer is frozen. */
  get trainableWeights(): Param[] {
    return this.trainable ? this.ownWeights.filter((p) => p.trainable !== false) : [];
  }

  /** The weights the optimizer leaves alone: the non-trainable ones, or all of a frozen layer's. */
  get nonTrainableWeights(): Param[] {
    return this.trainable ? this.ownWeights.filter((p) => p.trainable === false) : [...this.ownWeights];
  }

  /**
   * The arguments that rebuild this layer (Keras's get_config): `name`, the declared `inputShape`,
   * `trainable` when false, and each subclass's own. Plain JSON values only.
   */
  getConfig(): LayerConfig {
    return {
      name: this.name,
      ...(this.declaredInputShape ? { inputShape: [...this.declaredInputShape] } : {}),
      ...(this.trainable ? {} : { trainable: false }),
    };
  }

  /**
   * What is wrong with `data` as the value of this layer's weight `param`, beyond not being finite
   * (which setWeights and save check for every weight), or undefined when nothing is:
   * BatchNormalization refuses a negative moving variance. setWeights (and so every file loader) and
   * save ask it, so a value the layer cannot compute with is neither loaded nor written.
   */
  weightValueProblem(_param: Param, _data: ArrayLike<number>): string | undefined {
    return undefined;
  }

  countParams(): number {
    return this.ownWeights.reduce((s, p) => s + p.value.size, 0);
  }

  /** Creates a weight and its gradient buffer, filled by `init`, keeping Keras's order (see `parameters`). */
  protected addWeight(
    name: string,
    shape: number[],
    ctx: Pick<BuildContext, 'dtype' | 'budget' | 'shared'>,
    init: (data: Float32Array | Float64Array) => void,
    opts: { trainable?: boolean; regularizer?: Regularizer } = {},
  ): Param {
    if (ctx.shared) return this.addSharedWeight(`${this.name}/${name}`, shape, ctx.shared, opts);
    const size = shapeSize(shape);
    if (ctx.budget) {
      if (size > ctx.budget.remaining) {
        // Only a file being loaded sets a budget: going over it is the file's fault.
        throw new FormatError(
          `${this.describe()}: its ${name} ${formatShape(shape)} would need ${size} values, more than the ${ctx.budget.remaining} left to build with.`,
        );
      }
      ctx.budget.remaining -= size;
    }
    const value = bufferZeros(shape, ctx.dtype);
    init(value.data);
    const trainable = opts.trainable ?? true;
    const p: Param = {
      name: `${this.name}/${name}`,
      value,
      grad: bufferZeros(trainable ? shape : [0], ctx.dtype),
      trainable,
      regularizer: opts.regularizer,
    };
    const firstFixed = this.ownWeights.findIndex((q) => q.trainable === false);
    if (trainable && firstFixed >= 0) this.ownWeights.splice(firstFixed, 0, p);
    else this.ownWeights.push(p);
    return p;
  }

  /** A twin's weight: the shared layer's value of that name, the gradient buffer given. */
  private addSharedWeight(
    name: string,
    shape: number[],
    shared: NonNullable<BuildContext['shared']>,
    opts: { trainable?: boolean; regularizer?: Regularizer },
  ): Param {
    const source = shared.params.find((q) => q.name === name);
    if (!source || !sameShape(source.value.shape, shape)) {
      throw new ValueError(
        `${this.describe()}: its twin asks for a weight ${name} ${formatShape(shape)} the layer does not have.`,
      );
    }
    const trainable = opts.trainable ?? true;
    const grad = shared.grads.get(name) ?? bufferZeros([0], source.value.dtype as FloatDType);
    const p: Param = { name, value: source.value, grad, trainable, regularizer: opts.regularizer };
    this.ownWeights.push(p);
    return p;
  }

  /** Throws a ShapeError naming this layer when a batch does not have the built sample shape. */
  protected checkInput(x: FloatTensor): void {
    const s = this.inputShape;
    if (!s || x.rank !== s.length + 1 || !sameShape(x.shape.slice(1), s)) {
      throw new ShapeError(
        `${this.describe()} expects input of shape ${formatShape([null, ...(s ?? [])])}, got ${formatShape(x.shape)}.`,
      );
    }
  }

  /** What the last forward pass kept for the backward pass; a ValueError when there was none. */
  protected saved<T>(value: T | undefined): T {
    if (value === undefined) throw new ValueError(`${this.describe()}: backward called before forward.`);
    return value;
  }

  /** The built sample shapes; a ValueError when the layer has not been built. */
  protected shapes(): { inputShape: number[]; outputShape: number[] } {
    if (!this.inputShape || !this.outputShape) throw new ValueError(`${this.describe()} has not been built.`);
    return { inputShape: this.inputShape, outputShape: this.outputShape };
  }
}

/** A value as an error message shows what came instead of a symbolic tensor. */
function describeValue(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.map((e) => describeValue(e)).join(', ')}`;
  if (v === null || typeof v !== 'object') return String(v);
  return `a ${v.constructor?.name ?? 'object'}`;
}

/**
 * Whether two shapes are the same, dimension by dimension.
 *
 * @example
 * ```ts
 * sameShape([28, 28], [28, 28]); // true
 * ```
 */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Rows of a [batch, ..., last] tensor seen as a matrix [rows, last].
 *
 * @example
 * ```ts
 * rowsOf(zeros([32, 10, 64])); // 320: a Dense over the last axis computes 320 rows of 64
 * ```
 */
export function rowsOf(t: FloatTensor): number {
  const last = t.shape[t.shape.length - 1];
  return last === 0 ? 0 : shapeSize(t.shape) / last;
}
