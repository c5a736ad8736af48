/**
 * AveragePooling2D over NHWC images: each output is the mean of its window, per channel. As in
 * Keras (TensorFlow's avg_pool), with 'same' padding a window hanging over the edge averages only
 * the positions inside the image.
 *
 *   x  [B, H, W, C]  →  y [B, OH, OW, C]
 *   y[b, oh, ow, c] = (1/n) Σ_{(h, w) ∈ window(oh, ow)} x[b, h, w, c],   n = the window's positions inside the image
 *   dx[b, h, w, c] = Σ_{windows holding (h, w)} dy[b, oh, ow, c] / n
 */
import type { FloatArray, WindowGeometry } from '../../tensor/kernels.js';
import type { FloatTensor } from '../../tensor/tensor.js';
import type { BackwardOptions, ForwardContext } from '../layer.js';
import { Pooling2D, poolingKeras, type Pooling2DArgs } from './pooling.js';
import { registerLayer, without } from '../registry.js';

export type AveragePooling2DArgs = Pooling2DArgs;

/**
 * Calls `visit(o, i, n)` for every output position o and every input position i of its window (n of them), as flat
 * pixel indices.
 */
function eachWindow(g: WindowGeometry, visit: (o: number, i: number, n: number) => void): void {
  for (let b = 0; b < g.batch; b++) {
    for (let oh = 0; oh < g.outH; oh++) {
      const h0 = oh * g.sh - g.padTop;
      const hs = Math.max(h0, 0);
      const he = Math.min(h0 + g.kh, g.height);
      for (let ow = 0; ow < g.outW; ow++) {
        const w0 = ow * g.sw - g.padLeft;
        const ws = Math.max(w0, 0);
        const we = Math.min(w0 + g.kw, g.width);
        const o = (b * g.outH + oh) * g.outW + ow;
        const n = (he - hs) * (we - ws);
        for (let h = hs; h < he; h++) for (let w = ws; w < we; w++) visit(o, (b * g.height + h) * g.width + w, n);
      }
    }
  }
}

/**
 * Keras's AveragePooling2D over channels-last images: the mean of each `poolSize` window (default 2), per
 * channel. With `'same'` padding a window over the edge averages only what is inside it, as Keras does.
 *
 * @example
 * ```ts
 * new AveragePooling2D(2, { padding: 'same' }); // [batch, 7, 7, 64] → [batch, 4, 4, 64]
 * ```
 */
export class AveragePooling2D extends Pooling2D {
  static override readonly className: string = 'AveragePooling2D';

  forward(x: FloatTensor, _ctx?: ForwardContext): FloatTensor {
    const { g, y } = this.forwardWindows(x);
    const C = g.channels;
    const yd: FloatArray = y.data.fill(0);
    const xd = x.data;
    eachWindow(g, (o, i, n) => {
      for (let c = 0; c < C; c++) yd[o * C + c] += xd[i * C + c] / n;
    });
    return y;
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    if (!opts.needInputGrad) return null;
    const { g, dx } = this.backwardWindows();
    const C = g.channels;
    const dxd: FloatArray = dx.data.fill(0);
    const dyd = dy.data;
    eachWindow(g, (o, i, n) => {
      for (let c = 0; c < C; c++) dxd[i * C + c] += dyd[o * C + c] / n;
    });
    return dx;
  }
}

registerLayer(AveragePooling2D, {
  fromConfig: (c) => new AveragePooling2D(c.poolSize as [number, number], without(c, 'poolSize')),
  keras: poolingKeras('AveragePooling2D'),
});
