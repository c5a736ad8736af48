/**
 * Reshape: x [batch, ...inputShape] → y [batch, ...targetShape] (one dimension may be −1), as a
 * view of the same data both ways.
 */
import { ShapeError, formatShape } from '../errors.js';
import { Tensor, shapeSize } from '../tensor/tensor.js';
import { Layer, type BackwardOptions, type ForwardContext, type LayerArgs } from './layer.js';

export class Reshape extends Layer {
  readonly targetShape: number[];

  constructor(targetShape: number[], args: LayerArgs = {}) {
    super(args);
    if (!Array.isArray(targetShape) || targetShape.some((d) => !Number.isInteger(d) || (d <= 0 && d !== -1)) || targetShape.filter((d) => d === -1).length > 1) {
      throw new ShapeError(`${this.describe()}: targetShape must be positive integers with at most one -1, got ${JSON.stringify(targetShape)}.`);
    }
    this.targetShape = [...targetShape];
  }

  override get className(): string {
    return 'Reshape';
  }

  computeOutputShape(inputShape: number[]): number[] {
    const size = shapeSize(inputShape);
    const known = shapeSize(this.targetShape.filter((d) => d !== -1));
    const out = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (!out.every((d) => Number.isInteger(d)) || shapeSize(out) !== size) {
      throw new ShapeError(`${this.describe()} cannot reshape ${formatShape([null, ...inputShape])} (${size} values per sample) to ${formatShape([null, ...this.targetShape])}.`);
    }
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }

  forward(x: Tensor, _ctx?: ForwardContext): Tensor {
    this.checkInput(x);
    return x.reshape([x.shape[0], ...this.outputShape!]);
  }

  backward(dy: Tensor, opts: BackwardOptions): Tensor | null {
    if (!opts.needInputGrad) return null;
    return dy.reshape([dy.shape[0], ...this.inputShape!]);
  }
}
