/**
 * Dense: y = f(x · W + b) over the last axis: the affine core's activation (affine.ts) around a
 * product of the input itself with the kernel (llm.c's matmul_forward / matmul_backward).
 *
 *   x  [rows, in]     (rows = every leading dimension of the input, batch included)
 *   W  [in, units]    kernel, Keras layout
 *   b  [units]        bias
 *   y  [rows, units]  y = f(x · W + b)
 *
 * Backward, from dy [rows, units]:
 *   dz = dy ⊙ f'(z);  dW = xᵀ · dz [in, units];  db = Σ_rows dz [units];  dx = dz · Wᵀ [rows, in]
 */
import { ShapeError, ValueError, formatShape } from '../../errors.js';
import { kernels } from '../../tensor/backend.js';
import { reuse, type FloatTensor } from '../../tensor/tensor.js';
import { AffineLayer, affineFromKeras, affineToKeras, type WeightLayerArgs } from '../affine.js';
import { rowsOf, type BackwardOptions, type BuildContext, type ForwardContext, type LayerConfig } from '../layer.js';
import { refuseOptionsFirst } from '../leading-arguments.js';
import { registerLayer, without } from '../registry.js';

export type DenseArgs = WeightLayerArgs;

/**
 * Keras's Dense layer: `y = activation(x · kernel + bias)` over the last axis, with a kernel [inputDim,
 * units] (Glorot-uniform by default, Keras's layout) and a bias [units] (zeros). An input of higher rank
 * is computed row by row over its leading dimensions. The number of units comes first, as in Keras:
 * `new Dense(128, { ... })`.
 *
 * @example
 * ```ts
 * const model = new Sequential([
 *   new Flatten({ inputShape: [28, 28] }),
 *   new Dense(128, { activation: 'relu', kernelRegularizer: regularizers.l2(1e-4) }),
 *   new Dense(10, { activation: 'softmax' }),
 * ]);
 * ```
 */
export class Dense extends AffineLayer {
  static override readonly className: string = 'Dense';
  readonly units: number;
  private x?: FloatTensor;
  private dx?: FloatTensor;

  constructor(units: number, args: DenseArgs = {}) {
    super(args, []);
    refuseOptionsFirst(this.describe(), 'Dense', units, ['units']);
    if (!Number.isInteger(units) || units <= 0) {
      throw new ValueError(`${this.describe()}: units must be a positive integer, got ${String(units)}.`);
    }
    this.units = units;
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length < 1) {
      throw new ShapeError(
        `${this.describe()} needs inputs of rank ≥ 2 (batch and features), got ${formatShape([null, ...inputShape])}.`,
      );
    }
    return [...inputShape.slice(0, -1), this.units];
  }

  protected override createWeights(inputShape: number[], ctx: BuildContext): void {
    this.createKernelAndBias([inputShape[inputShape.length - 1], this.units], this.units, ctx);
  }

  forward(x: FloatTensor, _ctx?: ForwardContext): FloatTensor {
    this.checkInput(x);
    this.x = x;
    const [rows, k, n] = [rowsOf(x), x.shape[x.rank - 1], this.units];
    return this.activate([...x.shape.slice(0, -1), n], (z, w, b) => {
      const K = kernels();
      K.matmul(z, x.data, w, rows, k, n);
      if (b) K.addBias(z, b, rows, n);
    });
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    const x = this.saved(this.x);
    const [rows, k, n] = [rowsOf(x), x.shape[x.rank - 1], this.units];
    const dx = opts.needInputGrad ? (this.dx = reuse(this.dx, x.shape, this.dtype)) : null;
    this.activationGrad(dy, opts, (dz, _mask, w, dw, db) => {
      const K = kernels();
      if (dw) K.matmulTN(dw, x.data, dz, k, rows, n);
      if (db) K.colSum(db, dz, rows, n);
      if (dx) K.matmulNT(dx.data, dz, w, rows, n, k);
    });
    return dx;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), units: this.units };
  }
}

registerLayer(Dense, {
  fromConfig: (c) => new Dense(c.units as number, without(c, 'units')),
  keras: {
    className: 'Dense',
    toKeras: (c) => ({ units: c.units, ...affineToKeras(c) }),
    fromKeras: (k, require) => {
      require(!k.lora_rank, `lora_rank ${JSON.stringify(k.lora_rank)}`);
      return { units: k.units, ...affineFromKeras(k, require) };
    },
  },
});
