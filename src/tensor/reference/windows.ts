/**
 * The reference's sliding-window kernels over a batch of NHWC images x [batch, height, width,
 * channels], with a window kh × kw, strides sh, sw and padding (see WindowGeometry in ./operands.ts);
 * an output is [batch, outH, outW, ·]:
 *
 *   im2col:  cols [batch·outH·outW, kh·kw·channels], each row one window of x, ordered (i, j, c) like
 *            a Conv2D kernel [kh, kw, c, f], zeros where it hangs over the padding
 *            (so a convolution is cols · kernel: conv2dByProducts in ../kernels.ts)
 *   col2im:  its adjoint, dx = Σ of each row of dcols put back where it came from
 *   maxPool: y [batch, outH, outW, channels] = each window's maximum per channel (the padding
 *            skipped), argmax the flat index into x of each
 *   maxPoolBackward: dx = 0, then dx[argmax[o]] += dy[o]
 */
import type { FloatArray, WindowGeometry } from './operands.js';

/**
 * Unfolds each window of x [batch, height, width, channels] into a row of
 * cols [batch·outH·outW, kh·kw·channels], zeros where it hangs over the padding.
 */
export function im2col(cols: FloatArray, x: FloatArray, g: WindowGeometry): void {
  const { batch, height: H, width: W, channels: C, kh, kw, sh, sw, padTop, padLeft, outH, outW } = g;
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let i = 0; i < kh; i++) {
          const ih = oh * sh - padTop + i;
          for (let j = 0; j < kw; j++) {
            const iw = ow * sw - padLeft + j;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
              cols.fill(0, o, o + C);
            } else {
              const src = ((b * H + ih) * W + iw) * C;
              for (let c = 0; c < C; c++) cols[o + c] = x[src + c];
            }
            o += C;
          }
        }
      }
    }
  }
}

/**
 * The adjoint of im2col: dx [batch, height, width, channels] = Σ of each row of dcols put back
 * where it came from.
 */
export function col2im(dx: FloatArray, dcols: FloatArray, g: WindowGeometry): void {
  const { batch, height: H, width: W, channels: C, kh, kw, sh, sw, padTop, padLeft, outH, outW } = g;
  dx.fill(0, 0, batch * H * W * C);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let i = 0; i < kh; i++) {
          const ih = oh * sh - padTop + i;
          for (let j = 0; j < kw; j++) {
            const iw = ow * sw - padLeft + j;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
              const dst = ((b * H + ih) * W + iw) * C;
              for (let c = 0; c < C; c++) dx[dst + c] += dcols[o + c];
            }
            o += C;
          }
        }
      }
    }
  }
}

/**
 * Max over each window per channel into y [batch, outH, outW, channels], and in `argmax` the flat
 * index into x of each maximum. Channels are contiguous in NHWC, so each window position updates a
 * run of C maxima at once.
 */
export function maxPool(y: FloatArray, argmax: Int32Array, x: FloatArray, g: WindowGeometry): void {
  const { batch, height: H, width: W, channels: C, kh, kw, sh, sw, padTop, padLeft, outH, outW } = g;
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      const i0 = Math.max(0, oh * sh - padTop);
      const i1 = Math.min(H, oh * sh - padTop + kh);
      for (let ow = 0; ow < outW; ow++, o += C) {
        const j0 = Math.max(0, ow * sw - padLeft);
        const j1 = Math.min(W, ow * sw - padLeft + kw);
        let first = true;
        for (let ih = i0; ih < i1; ih++) {
          for (let iw = j0; iw < j1; iw++) {
            const src = ((b * H + ih) * W + iw) * C;
            if (first) {
              for (let c = 0; c < C; c++) {
                y[o + c] = x[src + c];
                argmax[o + c] = src + c;
              }
              first = false;
            } else {
              for (let c = 0; c < C; c++) {
                if (x[src + c] > y[o + c]) {
                  y[o + c] = x[src + c];
                  argmax[o + c] = src + c;
                }
              }
            }
          }
        }
      }
    }
  }
}

/** dx [batch, height, width, channels] = 0, then dx[argmax[o]] += dy[o] for every output o. */
export function maxPoolBackward(dx: FloatArray, dy: FloatArray, argmax: Int32Array, g: WindowGeometry): void {
  dx.fill(0, 0, g.batch * g.height * g.width * g.channels);
  const n = g.batch * g.outH * g.outW * g.channels;
  for (let o = 0; o < n; o++) dx[argmax[o]] += dy[o];
}
