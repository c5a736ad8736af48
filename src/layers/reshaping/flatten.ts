/**
 * Flatten: x [batch, d1, d2, ...] → y [batch, d1·d2·…]. Row-major data is already in that order,
 * so both passes are reshapes that share the buffer. On x [batch, d] it is the identity, which
 * TensorFlow.js's Flatten refuses (it asks for two sample dimensions or more): its export leaves it out.
 */
import { shapeSize, type FloatTensor } from '../../tensor/tensor.js';
import { Layer, type BackwardOptions, type ForwardContext } from '../layer.js';
import { registerLayer } from '../registry.js';
import { requireChannelsLast } from '../window.js';

/**
 * Keras's Flatten: each sample as one row, [batch, d1, d2, …] → [batch, d1·d2·…], a view of the same data.
 *
 * @example
 * ```ts
 * new Flatten({ inputShape: [28, 28] }); // [batch, 28, 28] → [batch, 784]
 * ```
 */
export class Flatten extends Layer {
  static override readonly className: string = 'Flatten';

  computeOutputShape(inputShape: number[]): number[] {
    return [shapeSize(inputShape)];
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

registerLayer(Flatten, {
  fromConfig: (c) => new Flatten(c),
  keras: {
    className: 'Flatten',
    tfjsIdentity: (layer) =>
      layer.inputShape?.length === 1
        ? "on samples of one dimension it is the identity, and TensorFlow.js's Flatten refuses them"
        : undefined,
    toKeras: () => ({}),
    fromKeras: (k, require) => {
      requireChannelsLast(k, require);
      return {};
    },
  },
});
