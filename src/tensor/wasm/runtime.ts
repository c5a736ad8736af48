/**
 * What the kernel families (kernels/*.ts) are given to build their entries of the backend's table:
 * the memory, the module's exports, the scheduler, and the table itself for kernels that fall back
 * to composites of others. backend.ts makes one for each backend it creates.
 */
import type { FloatArray, Kernels } from '../kernels.js';
import type { WasmHeap } from './heap.js';
import type { KernelExports, ProductExports } from './instance.js';
import type { PoolOp } from './control.js';
import type { Scheduler } from './scheduler.js';

/** A function of the products' module, by which the scheduler runs it in whichever module is in use. */
export type ProductOp = 'gemm_n' | 'gemm_t' | 'gemm_cols' | 'conv_forward' | 'conv_backward' | 'conv_winograd';

/** One backend's runtime, as its kernel families use it. */
export interface WasmRuntime {
  /** The kernels' memory and its allocator. */
  readonly heap: WasmHeap;
  /** The kernel module's exports on the calling thread. */
  readonly wasm: KernelExports;
  /** The products in use: the kernel module's, or the fused multiply-add module's. */
  readonly products: ProductExports;
  /** The pool op of a function of the products in use (fma_…: the fused multiply-add one). */
  productOp(name: ProductOp): PoolOp;
  /** Splits calls across threads. */
  readonly scheduler: Scheduler;
  /** Fewest tiles for which a 3×3 convolution goes by Winograd (WasmOptions.winogradMinTiles). */
  readonly winogradMinTiles: number;
  /** The backend's whole table, for kernels built from others (a convolution by products). */
  readonly kernels: Kernels;
}

/** Whether every array is float32 (a kernel of this backend stages the others, or leaves them to the reference). */
export const f32 = (...xs: FloatArray[]): boolean => xs.every((x) => x instanceof Float32Array);

/**
 * Whether every array is an f32 or i32 view of the memory: an element-wise kernel then runs in wasm,
 * else on the reference.
 */
export const here = (heap: WasmHeap, ...xs: (FloatArray | Int32Array)[]): boolean =>
  xs.every((x) => (x instanceof Float32Array || x instanceof Int32Array) && heap.owns(x));
