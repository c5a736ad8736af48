/**
 * Reshape: x [batch, ...inputShape] → y [batch, ...targetShape] (one dimension may be −1), as a
 * view of the same data both ways.
 */
import { ShapeError, formatShape } from '../../errors.js';
import { shapeSize, type FloatTensor } from '../../tensor/tensor.js';
import { Layer, type BackwardOptions, type ForwardContext, type LayerArgs, type LayerConfig } from '../layer.js';
import { refuseOptionsFirst } from '../leading-arguments.js';
import { registerLayer, without } from '../registry.js';

/**
 * Keras's Reshape: each sample to `targetShape`, one dimension of which may be −1 (worked out from the
 * others); a view of the same data. The batch dimension is not part of the shape.
 *
 * @example
 * ```ts
 * new Reshape([28, 28, 1], { inputShape: [28, 28] }); // digits as one-channel images, for Conv2D
 * ```
 */
export class Reshape extends Layer {
  static override readonly className: string = 'Reshape';
  readonly targetShape: number[];

  constructor(targetShape: number[], args: LayerArgs = {}) {
    super(args);
    refuseOptionsFirst(this.describe(), 'Reshape', targetShape, ['targetShape']);
    if (
      !Array.isArray(targetShape) ||
      targetShape.some((d) => !Number.isInteger(d) || (d <= 0 && d !== -1)) ||
      targetShape.filter((d) => d === -1).length > 1
    ) {
      throw new ShapeError(
        `${this.describe()}: targetShape must be positive integers with at most one -1, got ${JSON.stringify(targetShape)}.`,
      );
    }
    this.targetShape = [...targetShape];
  }

  computeOutputShape(inputShape: number[]): number[] {
    const size = shapeSize(inputShape);
    const known = shapeSize(this.targetShape.filter((d) => d !== -1));
    const out = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (!out.every((d) => Number.isInteger(d)) || shapeSize(out) !== size) {
      throw new ShapeError(
        `${this.describe()} cannot reshape ${formatShape([null, ...inputShape])} (${size} values per sample) to ${formatShape([null, ...this.targetShape])}.`,
      );
    }
    return out;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }

  forward(x: FloatTensor, _ctx?: ForwardContext): FloatTensor {
    this.checkInput(x);
    return x.reshape([x.shape[0], ...this.shapes().outputShape]);
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    if (!opts.needInputGrad) return null;
    return dy.reshape([dy.shape[0], ...this.shapes().inputShape]);
  }
}

registerLayer(Reshape, {
  fromConfig: (c) => new Reshape(c.targetShape as number[], without(c, 'targetShape')),
  keras: {
    className: 'Reshape',
    toKeras: (c) => ({ target_shape: c.targetShape }),
    fromKeras: (k) => ({ targetShape: k.target_shape }),
  },
});
