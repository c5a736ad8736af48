/**
 * GlobalMaxPooling2D over NHWC images: the largest value of each channel over the whole image.
 *
 *   x  [B, H, W, C]  →  y [B, C]        y[b, c] = max_{h,w} x[b, h, w, c]
 *   argmax [B·C] = flat index in x of each maximum (the first in row-major order when values tie)
 *   dx = 0, then dx[argmax[o]] = dy[o]  (the gradient goes to the input that won)
 *
 * It is MaxPooling2D with one H×W window, so it runs on the same kernels (maxPool's output
 * [B, 1, 1, C] is y's [B, C] in memory). At a tie the maximum has no derivative: the first winner
 * takes dy, as TensorFlow's max pooling gives it (TensorFlow's reduce_max, which Keras's global
 * pooling calls, splits dy evenly among tied inputs instead; both are subgradients).
 */
import { kernels } from '../../tensor/backend.js';
import type { WindowGeometry } from '../../tensor/kernels.js';
import { reuse, type FloatTensor } from '../../tensor/tensor.js';
import { Layer, type BackwardOptions, type ForwardContext } from '../layer.js';
import { globalPoolingKeras } from './pooling.js';
import { registerLayer } from '../registry.js';
import { windowGeometry } from '../window.js';

/**
 * Keras's GlobalMaxPooling2D: the largest value of each channel over the whole image, [batch, height,
 * width, channels] → [batch, channels]; the gradient goes to the first maximum.
 *
 * @example
 * ```ts
 * const model = new Sequential([
 *   new Conv2D(32, 3, { activation: 'relu', inputShape: [28, 28, 1] }),
 *   new GlobalMaxPooling2D(), // [batch, 26, 26, 32] → [batch, 32]
 *   new Dense(10, { activation: 'softmax' }),
 * ]);
 * ```
 */
export class GlobalMaxPooling2D extends Layer {
  static override readonly className: string = 'GlobalMaxPooling2D';
  private geometry?: WindowGeometry;
  private argmax?: Int32Array;
  private y?: FloatTensor;
  private dx?: FloatTensor;

  /** One window covering a sample [H, W, C] (a ShapeError for anything but images), for `batch` samples. */
  private window(sample: number[], batch = 1): WindowGeometry {
    const size: [number, number] = [sample[0], sample[1]];
    return windowGeometry(sample, size, size, 'valid', this.describe(), batch);
  }

  computeOutputShape(inputShape: number[]): number[] {
    return [this.window(inputShape).channels];
  }

  forward(x: FloatTensor, _ctx?: ForwardContext): FloatTensor {
    this.checkInput(x);
    const g = (this.geometry = this.window(this.shapes().inputShape, x.shape[0]));
    const y = (this.y = reuse(this.y, [g.batch, g.channels], this.dtype));
    if (!this.argmax || this.argmax.length < y.size) this.argmax = kernels().allocIndex(y.size);
    kernels().maxPool(y.data, this.argmax, x.data, g);
    return y;
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    if (!opts.needInputGrad) return null;
    const g = this.saved(this.geometry);
    const dx = (this.dx = reuse(this.dx, [g.batch, g.height, g.width, g.channels], this.dtype));
    kernels().maxPoolBackward(dx.data, dy.data, this.saved(this.argmax), g);
    return dx;
  }
}

registerLayer(GlobalMaxPooling2D, {
  fromConfig: (c) => new GlobalMaxPooling2D(c),
  keras: globalPoolingKeras('GlobalMaxPooling2D'),
});
