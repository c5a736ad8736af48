/**
 * The element-wise entries: ReLU and its gradient, products of elements, the bias added to rows,
 * Adam's update (split by runs of whole f32x4 vectors, or by rows), and dropout's Bernoulli mask
 * (one call: its random stream is sequential). Arrays outside the memory take the reference path.
 */
import { jsKernels, type Kernels } from '../../kernels.js';
import { here, type WasmRuntime } from '../runtime.js';
import { ADAM_MACS } from '../tuning.js';

/** The element-wise entries. */
export function elementwiseKernels(
  rt: WasmRuntime,
): Pick<Kernels, 'relu' | 'reluBackward' | 'bernoulli' | 'mul' | 'addBias' | 'adamUpdate'> {
  const { heap, wasm, scheduler } = rt;
  return {
    relu(out, x, n) {
      if (!here(heap, out, x)) return jsKernels.relu(out, x, n);
      scheduler.split('relu', n, n, (i, len) => [out.byteOffset + 4 * i, x.byteOffset + 4 * i, len], 4);
    },
    reluBackward(dx, dy, y, n) {
      if (!here(heap, dx, dy, y)) return jsKernels.reluBackward(dx, dy, y, n);
      scheduler.split(
        'relu_backward',
        n,
        n,
        (i, len) => [dx.byteOffset + 4 * i, dy.byteOffset + 4 * i, y.byteOffset + 4 * i, len],
        4,
      );
    },
    bernoulli(out, n, p, value, state) {
      const at = here(heap, out) ? heap.scratch(16) : -1;
      if (at < 0) return jsKernels.bernoulli(out, n, p, value, state);
      const words = new Uint32Array(heap.memory.buffer, at, 4);
      words.set(state);
      wasm.bernoulli(out.byteOffset, n, at, p * 4294967296, value);
      state.set(words);
    },
    mul(out, a, b, n) {
      if (!here(heap, out, a, b)) return jsKernels.mul(out, a, b, n);
      scheduler.split(
        'mul',
        n,
        n,
        (i, len) => [out.byteOffset + 4 * i, a.byteOffset + 4 * i, b.byteOffset + 4 * i, len],
        4,
      );
    },
    addBias(y, bias, rows, cols) {
      if (!here(heap, y, bias)) return jsKernels.addBias(y, bias, rows, cols);
      scheduler.split('add_bias', rows, rows * cols, (r, len) => [
        y.byteOffset + 4 * cols * r,
        bias.byteOffset,
        len,
        cols,
      ]);
    },
    adamUpdate(w, g, m, v, n, alpha, beta1, beta2, epsilon) {
      if (here(heap, w, g, m, v)) {
        const [wp, gp, mp, vp] = [w.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset];
        const args = (i: number, len: number): number[] => [wp + 4 * i, gp + 4 * i, mp + 4 * i, vp + 4 * i, len];
        scheduler.split('adam', n, ADAM_MACS * n, args, 4, [alpha, 1 - beta1, 1 - beta2, epsilon]);
      } else jsKernels.adamUpdate(w, g, m, v, n, alpha, beta1, beta2, epsilon);
    },
  };
}
