/**
 * The affine resampling's entries (affineResample and its backward, for the random rotations,
 * translations and zooms), split by samples: a sample's taps stay within its own image, so the runs
 * touch disjoint memory. float64 arrays, or a memory with no room, take the reference path.
 */
import { jsKernels, type Kernels, type ResampleGeometry } from '../../kernels.js';
import { FILL_CODES, INTERPOLATION_CODES } from '../abi.js';
import type { WasmRuntime } from '../runtime.js';
import { NO_FLOATS } from '../scheduler.js';
import { stage } from '../staging.js';
import { RESAMPLE_MACS } from '../tuning.js';

/**
 * The affine resampling (op 2) or its backward (op 3) of `from` into `to` (f32 arrays; staged in
 * scratch when outside the memory, as a product's operands are), the transforms copied into
 * scratch first; large batches split by samples across the pool, each thread a run of whole
 * samples. Returns false, having done nothing, when the memory has no room for the call's scratch.
 */
function resample(
  rt: WasmRuntime,
  op: 2 | 3,
  to: Float32Array,
  from: Float32Array,
  t: Float64Array,
  g: ResampleGeometry,
): boolean {
  const { batch: B, height: H, width: W, channels: C } = g;
  const per = H * W * C;
  const io = stage(rt.heap, 48 * B, [from, B * per], [to, B * per]);
  if (!io) return false;
  rt.heap.f64(io.base, 6 * B).set(t.subarray(0, 6 * B));
  const [fromPtr, toPtr] = io.ptr;
  rt.scheduler.split(
    op === 2 ? 'affine_resample' : 'affine_resample_backward',
    B,
    B * per * RESAMPLE_MACS,
    (s0, n) => [
      toPtr + 4 * per * s0,
      fromPtr + 4 * per * s0,
      io.base + 48 * s0,
      n,
      H,
      W,
      C,
      FILL_CODES[g.fillMode],
      INTERPOLATION_CODES[g.interpolation],
    ],
    1,
    op === 2 ? [g.fillValue] : NO_FLOATS,
  );
  io.finish();
  return true;
}

/** The resampling's entries. */
export function resamplingKernels(rt: WasmRuntime): Pick<Kernels, 'affineResample' | 'affineResampleBackward'> {
  return {
    affineResample(y, x, transforms, g) {
      if (!(y instanceof Float32Array && x instanceof Float32Array && resample(rt, 2, y, x, transforms, g))) {
        jsKernels.affineResample(y, x, transforms, g);
      }
    },
    affineResampleBackward(dx, dy, transforms, g) {
      if (!(dx instanceof Float32Array && dy instanceof Float32Array && resample(rt, 3, dx, dy, transforms, g))) {
        jsKernels.affineResampleBackward(dx, dy, transforms, g);
      }
    },
  };
}
