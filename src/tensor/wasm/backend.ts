/**
 * The 'wasm' backend: createWasmKernels checks its options, loads the generated module (instance.ts)
 * over a memory of its own (heap.ts), starts the scheduler and its worker pool (scheduler.ts,
 * pool.ts), and assembles the `Kernels` table from the reference kernels and the entries of each
 * kernel family (kernels/*.ts): products, convolution, windows, element-wise, channels and
 * resampling. Those run in WebAssembly SIMD, large calls split across threads; float64 arrays always
 * take the reference path. The products use fused multiply-adds where the engine validates relaxed
 * SIMD (the products' second module).
 */
import { ValueError } from '../../errors.js';
import { jsKernels, type Kernels } from '../kernels.js';
import { WasmHeap } from './heap.js';
import {
  fmaModule,
  instantiate,
  kernelModule,
  sharedMemoryWorks,
  type KernelExports,
  type ProductExports,
} from './instance.js';
import { channelKernels } from './kernels/channels.js';
import { convolutionKernels } from './kernels/convolution.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { productKernels } from './kernels/products.js';
import { resamplingKernels } from './kernels/resampling.js';
import { windowKernels } from './kernels/windows.js';
import { WorkerPool, availableCores } from './pool.js';
import type { WasmRuntime } from './runtime.js';
import { Scheduler } from './scheduler.js';
import { MIN_PARALLEL_MACS, WINOGRAD_MIN_TILES } from './tuning.js';

/**
 * The 'wasm' backend's kernels, and its controls: threads, fused multiply-adds, and the workers' end.
 *
 * @example
 * ```ts
 * import { createWasmKernels } from 'mnist-nn';
 * const wasm = createWasmKernels({ threads: 2 });
 * console.log(wasm.threads, wasm.shared); // 2 true (in Node); wasm.fma: where relaxed SIMD validates
 * wasm.setThreads(1); // the calling thread alone
 * wasm.close(); // stops the workers
 * ```
 */
export interface WasmKernels extends Kernels {
  /** Threads a large product is split across (1: the calling thread only, or a browser's workers not yet started). */
  readonly threads: number;
  /** Whether the memory is shared, so that buffers from `alloc` are views of it and calls copy nothing. */
  readonly shared: boolean;
  /** Whether the products use fused multiply-adds (relaxed SIMD's f32x4.relaxed_madd). */
  readonly fma: boolean;
  /** Turns the fused multiply-adds on or off; on throws a ValueError where the engine lacks relaxed SIMD. */
  setFma(on: boolean): void;
  /**
   * Splits calls across this many threads in all (1: the calling thread alone); starts workers when the
   * pool has fewer. An integer from 1 to MAX_THREADS, else a ValueError.
   */
  setThreads(n: number): void;
  /**
   * Tasks of the calls split across threads that each thread has run since the threads started (the
   * calling thread's first, then each worker's): a split call is a job of tasks that the threads
   * take one at a time, so a thread that is slow, busy or late takes fewer. Calls run whole on the
   * calling thread are not counted. One entry for each thread in use, including a browser's workers
   * that have not started yet (0), which `threads` does not count.
   */
  threadTasks(): number[];
  /** Stops the workers. */
  close(): void;
}

/**
 * The options of createWasmKernels.
 *
 * @example
 * ```ts
 * import { createWasmKernels } from 'mnist-nn';
 * // The calling thread alone, products without fused multiply-adds, at most 64 MiB of memory.
 * const wasm = createWasmKernels({ threads: 1, fma: false, maxPages: 1024 });
 * ```
 */
export interface WasmOptions {
  /**
   * Threads in all, the calling one included: an integer from 1 to 64 (MAX_THREADS); default every
   * core, up to 64. More than the cores run in turns (tests do so to check the splits); the package's
   * `setThreads` takes at most the cores.
   */
  threads?: number;
  /**
   * Least work split across threads (a product's m·k·n multiply-adds, another kernel's elements);
   * default 2¹⁸. Tests set 1 to split everything.
   */
  minParallelMacs?: number;
  /**
   * Fewest tiles (batch · ⌈outH/2⌉·⌈outW/2⌉) for which a 3×3 convolution goes by Winograd; default
   * 128. Tests set 1 to take it on small shapes.
   */
  winogradMinTiles?: number;
  /** false forces the plain-memory, single-thread path taken where SharedArrayBuffer is missing. */
  shared?: boolean;
  /** Cap on the memory in 64 KiB pages (default 16384, 1 GiB). */
  maxPages?: number;
  /**
   * Fused multiply-adds in the products: default on where the engine validates relaxed SIMD (Chrome
   * ≥ 114, Firefox ≥ 145, Node ≥ 22, Node 20 with --experimental-wasm-relaxed-simd). A fused
   * multiply-add rounds once where a multiply and an add round twice, so results differ in their
   * last bits between the two paths, and between processors with and without FMA.
   */
  fma?: boolean;
}

/**
 * Most threads a backend takes: a split call is a job of at most this many tasks, so a thread past
 * them could never take part.
 */
export const MAX_THREADS = WorkerPool.maxTasks;

/**
 * `n` when it is an integer from 1 to `limit`; else a ValueError `where: expected … (why), got n.`
 *
 * @example
 * ```ts
 * threadCount('setThreads', 1e6, 2, 'the cores here'); // ValueError: setThreads: expected an integer from 1 to 2 …
 * ```
 */
export function threadCount(where: string, n: unknown, limit: number, why: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > limit) {
    const given: unknown = n;
    const got = typeof given === 'string' ? `'${given}'` : String(given);
    throw new ValueError(`${where}: expected an integer from 1 to ${limit} (${why}), got ${got}.`);
  }
  return n;
}

/** Why MAX_THREADS bounds a backend's threads, as its errors say. */
const MAX_THREADS_WHY = "a split call's most tasks";

/** A threshold option: undefined, or a number ≥ 0 (a ValueError naming the option otherwise). */
function countOption(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value >= 0)) {
    const given: unknown = value; // whatever a JS caller passed, shown as String shows it (objects included)
    const got = typeof given === 'string' ? `'${given}'` : String(given);
    throw new ValueError(`${name}: expected a number ≥ 0, got ${got}.`);
  }
  return value;
}

/**
 * Creates the backend; throws where WebAssembly SIMD is unavailable, and a ValueError for a bad option
 * (before any memory or worker exists).
 *
 * @example
 * ```ts
 * import { createWasmKernels } from 'mnist-nn';
 * const wasm = createWasmKernels({ threads: 2 });
 * const c = wasm.alloc(2 * 2, 'float32'); // a view of the backend's memory
 * wasm.matmul(c, Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 0, 0, 1), 2, 2, 2); // c = [1, 2, 3, 4]
 * wasm.close();
 * ```
 */
export function createWasmKernels(options: WasmOptions = {}): WasmKernels {
  const threads =
    options.threads === undefined
      ? Math.min(availableCores(), MAX_THREADS)
      : threadCount('threads', options.threads, MAX_THREADS, MAX_THREADS_WHY);
  const minParallel = countOption('minParallelMacs', options.minParallelMacs) ?? MIN_PARALLEL_MACS;
  const winogradMinTiles = countOption('winogradMinTiles', options.winogradMinTiles) ?? WINOGRAD_MIN_TILES;
  if (options.fma !== undefined && typeof options.fma !== 'boolean') {
    throw new ValueError(`fma: expected true or false, got ${String(options.fma)}.`);
  }
  const shared = options.shared !== false && sharedMemoryWorks();
  const heap = new WasmHeap(shared, undefined, options.maxPages);
  const module = kernelModule(shared);
  const wasm = instantiate<KernelExports>(module, heap.memory);
  const fmaMod = fmaModule(shared);
  const fmaProducts = fmaMod && instantiate<ProductExports>(fmaMod, heap.memory);
  let products: ProductExports = wasm;
  const setFma = (on: boolean): void => {
    if (on && !fmaProducts) {
      const need = 'Node 20 needs --experimental-wasm-relaxed-simd';
      throw new ValueError(`fma: this WebAssembly engine does not validate relaxed SIMD (${need}).`);
    }
    products = on && fmaProducts ? fmaProducts : wasm;
  };
  setFma(options.fma ?? fmaProducts !== undefined);
  const scheduler = new Scheduler(
    { module, fmaModule: fmaMod, memory: heap.memory },
    shared,
    wasm,
    fmaProducts,
    minParallel,
  );
  scheduler.setThreads(threads);

  const rt: WasmRuntime = {
    heap,
    wasm,
    get products() {
      return products;
    },
    productOp: (name) => (products === wasm ? name : `fma_${name}`),
    scheduler,
    winogradMinTiles,
    get kernels(): Kernels {
      return self;
    },
  };
  const self: WasmKernels = {
    ...jsKernels,
    name: 'wasm',
    shared,
    get threads() {
      return scheduler.threads;
    },
    get fma() {
      return products !== wasm;
    },
    setFma,
    setThreads(n: number) {
      scheduler.setThreads(threadCount('setThreads', n, MAX_THREADS, MAX_THREADS_WHY));
    },
    threadTasks: () => scheduler.threadTasks(),
    close: () => scheduler.close(),
    alloc(n, dtype) {
      return dtype === 'float32' ? heap.allocF32(n) : new Float64Array(n);
    },
    allocIndex(n) {
      return heap.allocI32(n);
    },
    ...windowKernels(rt),
    ...resamplingKernels(rt),
    ...productKernels(rt),
    ...elementwiseKernels(rt),
    ...channelKernels(rt),
    ...convolutionKernels(rt),
  };
  return self;
}
