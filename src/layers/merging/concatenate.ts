/**
 * Concatenate: two or more inputs joined along one axis (Keras's Concatenate). The axis counts the
 * batch dimension, as Keras's does: −1 (the default) is the last, 1 the first after the batch; 0,
 * the batch itself, is refused. Every other dimension must match. Keras's files keep the axis as
 * given; TensorFlow.js's is given an axis below −1 counted from the front (`toTfjs` below).
 *
 *   xᵢ  [batch, ...pre, aᵢ, ...post]   y  [batch, ...pre, Σᵢ aᵢ, ...post]
 *   seen as rows: xᵢ [outer, aᵢ·inner] with outer = batch·Π pre and inner = Π post; each row of y
 *   is the rows of x₀, x₁, … side by side
 *   dxᵢ = the block of dy's rows that xᵢ filled
 */
import { ShapeError, ValueError, formatShape } from '../../errors.js';
import { shapeSize, type FloatTensor } from '../../tensor/tensor.js';
import type { LayerConfig } from '../layer.js';
import { registerLayer } from '../registry.js';
import { Merge, type MergeArgs } from './merge.js';

export interface ConcatenateArgs extends MergeArgs {
  /**
   * The axis to join along, counting the batch dimension as Keras does: −1 (default) for the last,
   * negative counts from the end; 0 (the batch) is refused.
   */
  axis?: number;
}

/**
 * Keras's Concatenate: a list of inputs joined along `axis` (default −1, the last; the batch dimension is
 * axis 0, as Keras counts), the other dimensions matching.
 *
 * @example
 * ```ts
 * const image = Input({ shape: [28, 28, 1] });
 * const a = new Conv2D(8, 3, { padding: 'same' }).apply(image);
 * const b = new Conv2D(4, 5, { padding: 'same' }).apply(image);
 * const y = new Concatenate({ axis: -1 }).apply([a, b]); // y.shape: [null, 28, 28, 12]
 * ```
 */
export class Concatenate extends Merge {
  static override readonly className: string = 'Concatenate';
  /** The axis joined along, as given (counting the batch dimension). */
  readonly axis: number;

  constructor(args: ConcatenateArgs = {}) {
    super(args, ['axis']);
    // null is refused rather than read as absent, as every option is.
    const axis = args.axis === undefined ? -1 : args.axis;
    if (typeof axis !== 'number' || !Number.isInteger(axis)) {
      throw new ValueError(
        `${this.describe()}: axis must be an integer (counting the batch dimension, −1 for the last), got ${JSON.stringify(axis)}.`,
      );
    }
    if (axis === 0) {
      throw new ValueError(
        `${this.describe()}: axis 0 is the batch dimension, which ${this.className} does not join: give a sample axis (1 for the first after the batch, −1 for the last).`,
      );
    }
    this.axis = axis;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }

  protected override mergedShape(inputShapes: number[][]): number[] {
    const list = inputShapes.map((s) => formatShape([null, ...s])).join(', ');
    const rank = inputShapes[0].length;
    if (inputShapes.some((s) => s.length !== rank)) {
      throw new ShapeError(`${this.describe()}: its inputs must have the same rank, got ${list}.`);
    }
    const a = this.axis < 0 ? this.axis + rank + 1 : this.axis;
    if (a === 0) {
      throw new ShapeError(
        `${this.describe()}: axis ${this.axis} is the batch dimension of inputs ${list}; join along a sample axis, 1 … ${rank} or −${rank} … −1.`,
      );
    }
    if (a < 0 || a > rank) {
      throw new ShapeError(
        `${this.describe()}: axis ${this.axis} is out of range for inputs ${list}; expected 1 … ${rank} or −${rank} … −1 (counting the batch dimension).`,
      );
    }
    const ax = a - 1;
    if (inputShapes.some((s) => s.some((d, j) => j !== ax && d !== inputShapes[0][j]))) {
      throw new ShapeError(
        `${this.describe()}: its inputs must have the same shape except along axis ${this.axis}, got ${list}.`,
      );
    }
    const out = [...inputShapes[0]];
    out[ax] = inputShapes.reduce((sum, s) => sum + s[ax], 0);
    return out;
  }

  /** The axis in the tensors' shapes (batch included): 1 … rank − 1. */
  private tensorAxis(): number {
    const rank = this.outputShape!.length + 1;
    return this.axis < 0 ? this.axis + rank : this.axis;
  }

  protected merge(xs: FloatTensor[], y: FloatTensor): void {
    const ax = this.tensorAxis();
    const outer = shapeSize(y.shape.slice(0, ax));
    const width = shapeSize(y.shape.slice(ax));
    const blocks = xs.map((x) => shapeSize(x.shape.slice(ax)));
    for (let o = 0; o < outer; o++) {
      let at = o * width;
      xs.forEach((x, i) => {
        const b = blocks[i];
        y.data.set(x.data.subarray(o * b, (o + 1) * b), at);
        at += b;
      });
    }
  }

  protected mergeBackward(dy: FloatTensor, _xs: FloatTensor[], dxs: FloatTensor[]): void {
    const ax = this.tensorAxis();
    const outer = shapeSize(dy.shape.slice(0, ax));
    const width = shapeSize(dy.shape.slice(ax));
    const blocks = dxs.map((dx) => shapeSize(dx.shape.slice(ax)));
    for (let o = 0; o < outer; o++) {
      let at = o * width;
      dxs.forEach((dx, i) => {
        const b = blocks[i];
        dx.data.set(dy.data.subarray(at, at + b), o * b);
        at += b;
      });
    }
  }
}

registerLayer(Concatenate, {
  fromConfig: (c) => new Concatenate(c as ConcatenateArgs),
  keras: {
    className: 'Concatenate',
    toKeras: (c) => ({ axis: c.axis }),
    // An absent axis is Keras's default, −1; null is kept, for the layer to refuse.
    fromKeras: (k) => (k.axis === undefined ? {} : { axis: k.axis }),
    // TensorFlow.js reads a negative axis other than −1 one way for the output's shape and another
    // when it joins (its concat fails), so it is given such an axis counted from the front.
    toTfjs: (k, layer) => {
      const axis = k.axis as number;
      return axis < -1 ? { ...k, axis: axis + layer.outputShape!.length + 1 } : k;
    },
  },
});
