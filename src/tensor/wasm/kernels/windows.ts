/**
 * The window kernels' entries: im2col and col2im (a convolution by products), max pooling and its
 * backward, split by samples (a sample's windows stay within its own image and rows). Arrays
 * outside the memory take the reference path. Also the geometry as the window kernels take it.
 */
import { jsKernels, type Kernels, type WindowGeometry } from '../../kernels.js';
import { here, type WasmRuntime } from '../runtime.js';

/** Floats per sample of a window kernel's arrays: the image, the pooled output, and im2col's rows. */
export function perSample(g: WindowGeometry): { img: number; out: number; cols: number } {
  const out = g.outH * g.outW * g.channels;
  return { img: g.height * g.width * g.channels, out, cols: out * g.kh * g.kw };
}

/** The geometry as the window kernels take it: twelve i32 arguments. */
export function geometryArgs(g: WindowGeometry): number[] {
  return [g.batch, g.height, g.width, g.channels, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.outH, g.outW];
}

/** The window kernels' entries. */
export function windowKernels(rt: WasmRuntime): Pick<Kernels, 'im2col' | 'col2im' | 'maxPool' | 'maxPoolBackward'> {
  const { heap, scheduler } = rt;
  return {
    im2col(cols, x, g) {
      if (!here(heap, cols, x)) return jsKernels.im2col(cols, x, g);
      const { img, cols: row } = perSample(g);
      const args = (s0: number, n: number): number[] => [
        cols.byteOffset + 4 * row * s0,
        x.byteOffset + 4 * img * s0,
        ...geometryArgs({ ...g, batch: n }),
      ];
      scheduler.split('im2col', g.batch, g.batch * row, args);
    },
    col2im(dx, dcols, g) {
      if (!here(heap, dx, dcols)) return jsKernels.col2im(dx, dcols, g);
      const { img, cols: row } = perSample(g);
      const args = (s0: number, n: number): number[] => [
        dx.byteOffset + 4 * img * s0,
        dcols.byteOffset + 4 * row * s0,
        ...geometryArgs({ ...g, batch: n }),
      ];
      scheduler.split('col2im', g.batch, g.batch * row, args);
    },
    maxPool(y, argmax, x, g) {
      if (!here(heap, y, argmax, x)) return jsKernels.maxPool(y, argmax, x, g);
      const { img, out } = perSample(g);
      scheduler.split('max_pool', g.batch, g.batch * out * g.kh * g.kw, (s0, n) => [
        y.byteOffset + 4 * out * s0,
        argmax.byteOffset + 4 * out * s0,
        x.byteOffset + 4 * img * s0,
        img * s0, // the indices stay the whole batch's
        ...geometryArgs({ ...g, batch: n }),
      ]);
    },
    maxPoolBackward(dx, dy, argmax, g) {
      if (!here(heap, dx, dy, argmax)) return jsKernels.maxPoolBackward(dx, dy, argmax, g);
      const { img, out } = perSample(g);
      const args = (s0: number, n: number): number[] => [
        dx.byteOffset,
        dy.byteOffset + 4 * out * s0,
        argmax.byteOffset + 4 * out * s0,
        img * s0,
        img * n,
        out * n,
      ];
      scheduler.split('max_pool_backward', g.batch, g.batch * (img + out), args);
    },
  };
}
