/**
 * GlobalAveragePooling2D over NHWC images: the mean of each channel over the whole image.
 *
 *   x  [B, H, W, C]  →  y [B, C]       y[b, c] = (1/HW) Σ_{h,w} x[b, h, w, c]
 *   dx[b, h, w, c] = dy[b, c] / HW     (every position gets an equal share)
 *
 * Per sample, x[b] is a matrix [H·W, C]: the forward pass is its column sums, and the backward pass
 * adds the row dy[b]/HW to every row of a zeroed dx[b] (the bias kernel).
 */
import { ShapeError, formatShape } from '../../errors.js';
import { kernels } from '../../tensor/backend.js';
import { reuse, type FloatTensor } from '../../tensor/tensor.js';
import { Layer, type BackwardOptions, type ForwardContext } from '../layer.js';
import { globalPoolingKeras } from './pooling.js';
import { registerLayer } from '../registry.js';

/**
 * Keras's GlobalAveragePooling2D: the mean of each channel over the whole image, [batch, height, width,
 * channels] → [batch, channels].
 *
 * @example
 * ```ts
 * const model = new Sequential([
 *   new Conv2D(32, 3, { activation: 'relu', inputShape: [28, 28, 1] }),
 *   new GlobalAveragePooling2D(), // [batch, 26, 26, 32] → [batch, 32]
 *   new Dense(10, { activation: 'softmax' }),
 * ]);
 * ```
 */
export class GlobalAveragePooling2D extends Layer {
  static override readonly className: string = 'GlobalAveragePooling2D';
  private y?: FloatTensor;
  private g?: FloatTensor;
  private dx?: FloatTensor;

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) {
      throw new ShapeError(
        `${this.describe()} expects images [batch, height, width, channels], got ${formatShape([null, ...inputShape])}.`,
      );
    }
    return [inputShape[2]];
  }

  forward(x: FloatTensor, _ctx?: ForwardContext): FloatTensor {
    this.checkInput(x);
    const K = kernels();
    const [B, H, W, C] = x.shape;
    const y = (this.y = reuse(this.y, [B, C], this.dtype));
    for (let b = 0; b < B; b++)
      K.colSum(y.data.subarray(b * C, (b + 1) * C), x.data.subarray(b * H * W * C, (b + 1) * H * W * C), H * W, C);
    K.scale(y.data, y.data, 1 / (H * W), B * C);
    return y;
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    if (!opts.needInputGrad) return null;
    const K = kernels();
    const [H, W, C] = this.shapes().inputShape;
    const B = dy.shape[0];
    const g = (this.g = reuse(this.g, [B, C], this.dtype));
    K.scale(g.data, dy.data, 1 / (H * W), B * C);
    const dx = (this.dx = reuse(this.dx, [B, H, W, C], this.dtype));
    dx.data.fill(0);
    for (let b = 0; b < B; b++)
      K.addBias(dx.data.subarray(b * H * W * C, (b + 1) * H * W * C), g.data.subarray(b * C, (b + 1) * C), H * W, C);
    return dx;
  }
}

registerLayer(GlobalAveragePooling2D, {
  fromConfig: (c) => new GlobalAveragePooling2D(c),
  keras: globalPoolingKeras('GlobalAveragePooling2D'),
});
