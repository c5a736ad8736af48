/**
 * What the merge layers share (Keras's Merge, the base of Add, Subtract, Multiply, Average, Maximum,
 * Minimum and Concatenate): they take a list of inputs, through `apply([a, b, …])` in a functional
 * model, and give one output. They have no weights.
 *
 *   x₀ … xₙ₋₁  [batch, ...sᵢ]    n ≥ 2 inputs (Subtract: exactly 2), one batch size
 *   y          [batch, ...out]   out = s₀ for the elementwise merges, which need every sᵢ equal
 *   backward: from dy [batch, ...out], one dxᵢ [batch, ...sᵢ] per input, each in its own buffer
 *
 * Keras broadcasts the elementwise merges over inputs of different shapes; we do not: unequal sample
 * shapes are a ShapeError at apply, naming every shape (a Reshape makes shapes meet). Keras 3 lets a
 * merge take one input; we, as Keras 2 and TensorFlow.js, ask for two or more.
 *
 * This base checks the count and the shapes, owns the output and gradient buffers (reused across
 * batches) and keeps the inputs for the backward pass: they are the previous layers' outputs, valid
 * until those layers' next pass, which comes after this layer's backward. Each subclass writes y
 * from the inputs (`merge`) and the dxᵢ from dy (`mergeBackward`), never into an input.
 */
import { ShapeError, ValueError, formatShape } from '../../errors.js';
import { reuse, type FloatTensor } from '../../tensor/tensor.js';
import {
  Layer,
  sameShape,
  type BackwardOptions,
  type BuildContext,
  type ForwardContext,
  type LayerArgs,
} from '../layer.js';

/** A merge layer's options: `name` and `trainable`; no `inputShape`, as its inputs' shapes come from `apply`. */
export type MergeArgs = Omit<LayerArgs, 'inputShape'>;

/** `[None, 4], [None, 5]`: sample shapes as Keras prints them, batch first. */
function shapeList(shapes: readonly (readonly number[])[]): string {
  return shapes.map((s) => formatShape([null, ...s])).join(', ');
}

/**
 * What the merge layers share: a list of inputs (`takesList`), the checks of their count and shapes,
 * the output and gradient buffers. Subclasses write `merge` (y from the inputs) and `mergeBackward` (each
 * input's gradient from dy); an elementwise merge inherits the check that all inputs have one shape,
 * Concatenate replaces it (`mergedShape`).
 *
 * @example
 * ```ts
 * class Difference extends Merge { // |x₀ − x₁|, for two inputs
 *   static override readonly className: string = 'Difference';
 *   protected override get maxInputs(): number {
 *     return 2;
 *   }
 *   protected merge([a, b]: FloatTensor[], y: FloatTensor): void {
 *     for (let i = 0; i < y.size; i++) y.data[i] = Math.abs(a.data[i] - b.data[i]);
 *   }
 *   protected mergeBackward(dy: FloatTensor, [a, b]: FloatTensor[], [da, db]: FloatTensor[]): void {
 *     for (let i = 0; i < dy.size; i++) {
 *       const s = Math.sign(a.data[i] - b.data[i]);
 *       da.data[i] = s * dy.data[i];
 *       db.data[i] = -s * dy.data[i];
 *     }
 *   }
 * }
 * registerLayer(Difference, { fromConfig: (c) => new Difference(c), keras: null });
 * ```
 */
export abstract class Merge extends Layer {
  /** The sample shape of each input (no batch), known once built. */
  inputShapes?: number[][];
  private xs?: FloatTensor[];
  private y?: FloatTensor;
  private dxs: FloatTensor[] = [];

  /** `ownKeys`: the subclass's options (Concatenate's `axis`). */
  constructor(args: MergeArgs = {}, ownKeys: readonly string[] = []) {
    super(args, ownKeys);
    if (this.declaredInputShape) {
      throw new ValueError(
        `${this.describe()} takes no inputShape: a merge layer's input shapes are those of the tensors given to apply([a, b, …]).`,
      );
    }
  }

  override get takesList(): boolean {
    return true;
  }

  /** The most inputs the layer takes (Subtract: 2); the fewest is 2. */
  protected get maxInputs(): number {
    return Infinity;
  }

  /**
   * The output sample shape for these input sample shapes, already counted: by default (the elementwise
   * merges) the one shape they all have; a ShapeError naming every shape when they differ.
   */
  protected mergedShape(inputShapes: number[][]): number[] {
    if (inputShapes.some((s) => !sameShape(s, inputShapes[0]))) {
      throw new ShapeError(
        `${this.describe()}: its inputs must have the same shape (merge layers do not broadcast), got ${shapeList(inputShapes)}.`,
      );
    }
    return [...inputShapes[0]];
  }

  /** Writes y [batch, ...outputShape] from the inputs, which it must not change. */
  protected abstract merge(xs: FloatTensor[], y: FloatTensor): void;

  /** Writes each input's gradient dxs[i] (its shape) from dy and the inputs of the last forward pass. */
  protected abstract mergeBackward(dy: FloatTensor, xs: FloatTensor[], dxs: FloatTensor[]): void;

  override outputShapeFor(inputShapes: number[][]): number[] {
    const n = inputShapes.length;
    if (n < 2 || n > this.maxInputs) {
      const count = this.maxInputs === 2 ? 'exactly 2 inputs' : 'a list of at least 2 inputs';
      throw new ValueError(`${this.describe()} takes ${count}, got ${n}: ${shapeList(inputShapes)}.`);
    }
    const built = this.inputShapes;
    if (built && !(built.length === n && built.every((s, i) => sameShape(s, inputShapes[i])))) {
      throw new ShapeError(
        `${this.describe()} is built for inputs ${shapeList(built)} but is applied to ${shapeList(inputShapes)}.`,
      );
    }
    return this.mergedShape(inputShapes);
  }

  /** Checks the input shapes and records them (there are no weights); returns the output sample shape. @internal */
  override buildOn(inputShapes: number[][], ctx: BuildContext): number[] {
    const out = this.outputShapeFor(inputShapes);
    if (this.inputShapes && this.outputShape) {
      this.checkBuiltDtype(ctx);
      return this.outputShape;
    }
    this.dtype = ctx.dtype;
    this.inputShapes = inputShapes.map((s) => [...s]);
    this.outputShape = out;
    return out;
  }

  /** Merges a batch of each input, [batch, ...sᵢ], into y [batch, ...outputShape]. @internal */
  override forwardOn(xs: FloatTensor[], _ctx?: ForwardContext): FloatTensor {
    const { inputShapes, outputShape } = this.builtShapes();
    const batch = xs[0]?.shape[0];
    if (
      xs.length !== inputShapes.length ||
      xs.some((x, i) => x.rank !== inputShapes[i].length + 1 || !sameShape(x.shape.slice(1), inputShapes[i]))
    ) {
      throw new ShapeError(
        `${this.describe()} expects inputs of shapes ${shapeList(inputShapes)}, got ${xs.map((x) => formatShape(x.shape)).join(', ')}.`,
      );
    }
    if (xs.some((x) => x.shape[0] !== batch)) {
      throw new ShapeError(
        `${this.describe()}: its inputs must have one batch size, got ${xs.map((x) => formatShape(x.shape)).join(', ')}.`,
      );
    }
    this.xs = [...xs];
    const y = (this.y = reuse(this.y, [batch, ...outputShape], this.dtype));
    this.merge(xs, y);
    return y;
  }

  /** One gradient per input, each in its own buffer; all null when `needInputGrad` is false. @internal */
  override backwardOn(dy: FloatTensor, opts: BackwardOptions): (FloatTensor | null)[] {
    const xs = this.saved(this.xs);
    if (!opts.needInputGrad) return xs.map(() => null);
    const expected = [xs[0].shape[0], ...this.builtShapes().outputShape];
    if (!sameShape(dy.shape, expected)) {
      throw new ShapeError(
        `${this.describe()}: the output gradient must have the shape of the last output, ${formatShape(expected)}, got ${formatShape(dy.shape)}.`,
      );
    }
    const dxs = xs.map((x, i) => (this.dxs[i] = reuse(this.dxs[i], x.shape, this.dtype)));
    this.mergeBackward(dy, xs, dxs);
    return dxs;
  }

  /** Refused: a merge layer's output shape depends on a list of input shapes (see `outputShapeFor`). */
  computeOutputShape(_inputShape: number[]): number[] {
    throw this.takesListError();
  }

  /** Refused: a merge layer runs on a list of inputs (see `forwardOn`). */
  forward(_x: FloatTensor, _ctx?: ForwardContext): FloatTensor {
    throw this.takesListError();
  }

  /** Refused: a merge layer gives one gradient per input (see `backwardOn`). */
  backward(_dy: FloatTensor, _opts: BackwardOptions): FloatTensor | null {
    throw this.takesListError();
  }

  private takesListError(): ValueError {
    return new ValueError(
      `${this.describe()} takes a list of inputs: apply it to an array of symbolic tensors (layer.apply([a, b])) in a functional Model; it cannot be a layer of a Sequential model, which gives each layer one input.`,
    );
  }

  private builtShapes(): { inputShapes: number[][]; outputShape: number[] } {
    if (!this.inputShapes || !this.outputShape) throw new ValueError(`${this.describe()} has not been built.`);
    return { inputShapes: this.inputShapes, outputShape: this.outputShape };
  }
}

/**
 * y = Σ xs, element by element, in input order (Add's forward; Average divides it by n).
 * @example
 * sumInto([a, b, c], y); // y = a + b + c
 */
export function sumInto(xs: readonly FloatTensor[], y: FloatTensor): void {
  const out = y.data;
  out.set(xs[0].data);
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i].data;
    for (let k = 0; k < out.length; k++) out[k] += x[k];
  }
}
