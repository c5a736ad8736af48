/**
 * The per-column (per-channel) entries: column sums, the moments and dot sums of batch
 * normalization, and its scale and shift. Each column sums its rows in order, whatever the threads.
 * Arrays outside the memory take the reference path.
 */
import { jsKernels, type Kernels } from '../../kernels.js';
import { here, type WasmRuntime } from '../runtime.js';

/**
 * out[c] = Σ_r x[r,c] over [rows, cols] at these pointers, split by columns (each column sums its
 * rows in order, whatever the threads).
 */
export function colSums(rt: WasmRuntime, out: number, x: number, rows: number, cols: number): void {
  rt.scheduler.split('col_sum', cols, rows * cols, (c0, n) => [out + 4 * c0, x + 4 * c0, rows, n, cols], 4);
}

/** The per-column entries. */
export function channelKernels(
  rt: WasmRuntime,
): Pick<Kernels, 'colSum' | 'colMoments' | 'colDotSums' | 'scaleShiftCols'> {
  const { heap, wasm } = rt;
  return {
    colSum(out, x, rows, cols) {
      if (!here(heap, out, x)) return jsKernels.colSum(out, x, rows, cols);
      colSums(rt, out.byteOffset, x.byteOffset, rows, cols);
    },
    colMoments(mean, variance, x, rows, cols) {
      // Two float64 sums of cols each, in the call's scratch.
      const acc = here(heap, mean, variance, x) ? heap.scratch(16 * cols) : -1;
      if (acc >= 0) wasm.col_moments(mean.byteOffset, variance.byteOffset, x.byteOffset, rows, cols, acc);
      else jsKernels.colMoments(mean, variance, x, rows, cols);
    },
    colDotSums(sumDy, sumDyX, dy, x, rows, cols) {
      const acc = here(heap, sumDy, sumDyX, dy, x) ? heap.scratch(16 * cols) : -1;
      if (acc >= 0) {
        wasm.col_dot_sums(sumDy.byteOffset, sumDyX.byteOffset, dy.byteOffset, x.byteOffset, rows, cols, acc);
      } else jsKernels.colDotSums(sumDy, sumDyX, dy, x, rows, cols);
    },
    scaleShiftCols(out, a, p, b, q, s, rows, cols) {
      if (b && q) {
        if (here(heap, out, a, p, b, q, s)) {
          wasm.scale_shift_cols2(
            out.byteOffset,
            a.byteOffset,
            p.byteOffset,
            b.byteOffset,
            q.byteOffset,
            s.byteOffset,
            rows,
            cols,
          );
        } else jsKernels.scaleShiftCols(out, a, p, b, q, s, rows, cols);
      } else if (here(heap, out, a, p, s))
        wasm.scale_shift_cols(out.byteOffset, a.byteOffset, p.byteOffset, s.byteOffset, rows, cols);
      else jsKernels.scaleShiftCols(out, a, p, null, null, s, rows, cols);
    },
  };
}
