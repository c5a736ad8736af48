/**
 * The 'wasm' backend: the three matrix products run in WebAssembly SIMD (src/tensor/wasm/gemm-wat.ts),
 * with fused multiply-adds where the engine validates relaxed SIMD (the products' second module);
 * the other kernels are WebAssembly ones (elementwise-wat.ts, channels-wat.ts, resample-wat.ts) or
 * the reference ones, run directly on views of the WebAssembly memory. Large calls are split across
 * a worker pool (pool.ts): products by rows (and the packing of B by panels), the window kernels and
 * the affine resampling by samples, ReLU, products of elements and bias by elements or rows, column
 * sums by columns. float64 arrays always take
 * the reference path.
 */
import { ValueError } from '../../errors.js';
import { conv2dBackwardByProducts, conv2dByProducts, jsKernels, type FloatArray, type Kernels, type ResampleGeometry, type WindowGeometry } from '../kernels.js';
import { KERNELS_PLAIN, KERNELS_SHARED, PRODUCTS_FMA_PLAIN, PRODUCTS_FMA_SHARED } from './binary.js';
import { WasmHeap } from './heap.js';
import { POOL_OPS, WorkerPool, availableCores, type PoolOp } from './pool.js';
import { DEFAULT_TILE, FILL_CODES, INTERPOLATION_CODES, winogradDwBytes, winogradForwardBytes, winogradKernelsSize } from './abi.js';

const R = DEFAULT_TILE.rows;
const W = 4 * DEFAULT_TILE.vecs;
/** Calls of less work than this (multiply-adds, or elements moved) run on one thread: waking workers costs more. */
const MIN_PARALLEL_MACS = 1 << 18;
/** Below this many rows of A, an 'nn' product skips packing B: a pass over B costs more than the product. */
const SMALL_M = 4;
/**
 * An affine resampling's work per output element, in multiply-adds, for the split threshold: the
 * point, four weights and four gathered reads cost about as much as this many multiply-adds of a product.
 */
const RESAMPLE_MACS = 16;
/** An Adam update's work per weight, in multiply-adds, for the split threshold (a square root, a division, moments). */
const ADAM_MACS = 8;
const NO_FLOATS: number[] = [];
/**
 * Most tasks a split call makes for each thread: enough that a thread which is late or slow (a
 * shared machine, a browser's page) leaves the rest to the others, few enough that each is long.
 * Tutorial 002's CNN on 2 threads, in one process, alternating (Intel Xeon): dynamic tasks against
 * one fixed part per thread 3.3% faster a step; 8 a thread 1.7% faster than 4; 16 2% slower than 8.
 */
const TASKS_PER_THREAD = 8;
/** Fewest row tiles in a product's task where there are enough (each task reads all of packed B). */
const GEMM_GRAIN = 4;
/**
 * Most rows of an 'nn' product split by B's columns rather than by rows (see `columns`), and the
 * fewest panels in each of its tasks; the route needs two tasks a thread. On 2 threads, both ways in
 * one process, alternating (Intel Xeon, FMA): 32×784·784×128 (the page's MLP, batch 32) 0.74–0.84
 * the time by rows (panels a task: 1 0.92, 4 0.79); 64 rows 0.81; 128 rows 0.95.
 */
const COLUMNS_MAX_M = 128;
const COLUMNS_GRAIN = 2;
/**
 * Samples per partial of a convolution's weight gradients (conv-wat.ts): fixed, so that the sums
 * are the same whatever the threads. A batch of 128 makes 16 partials, so 16 tasks. 8 against 16,
 * tutorial 002's CNN in one process, alternating (Intel Xeon): a step 4.5% faster on 1 thread (a
 * chunk's windows of the second convolution, 1.1 MB, fit in L2) and 6.5% on 2 (a slow thread's last
 * task is half as long); 4 was no faster than 8.
 */
const CONV_CHUNK = 8;
/** Bytes of `floats` rounded up to whole f32x4 vectors, so that each scratch area after it starts 16-byte aligned. */
const vecBytes = (floats: number): number => Math.ceil(floats / 4) * 16;
/** Fewest channels for which a 3×3 convolution goes by Winograd (winograd-wat.ts): the products' k is the channels. */
const WINOGRAD_MIN_CHANNELS = 8;
/**
 * Fewest tiles in a call (batch · tiles a sample) for Winograd: each call transforms every kernel on
 * the calling thread (about 150 ns a channel and filter in JS), which a tile pays back at some 20
 * multiply-adds a channel and filter saved (about 1.3 ns); so 128 tiles and more, 2× over.
 */
const WINOGRAD_MIN_TILES = 128;
/**
 * Whether a convolution of f filters goes by Winograd (winograd-wat.ts): 3×3 windows, stride 1,
 * channels and filters in fours, paddings of 0 to 2 (its dx's are 2 − the padding); enough tiles
 * in the call; and outputs that fill their tiles well enough that 16 multiply-adds a tile are at
 * most ¾ of the windows' 9 an output (not 1×1 or 3×3 outputs, say). So a batch below the tiles
 * goes the windows' way, whose sums round differently in the last bits.
 */
const winogradFits = (g: WindowGeometry, f: number, minTiles: number): boolean =>
  g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.channels % 4 === 0 && f % 4 === 0 && g.channels >= WINOGRAD_MIN_CHANNELS &&
  g.padTop >= 0 && g.padTop <= 2 && g.padLeft >= 0 && g.padLeft <= 2 &&
  g.batch * winogradTiles(g) >= minTiles && 16 * winogradTiles(g) * 4 <= 3 * 9 * g.outH * g.outW;
/** Winograd's tiles of a sample: 2×2 outputs each. */
const winogradTiles = (g: WindowGeometry): number => Math.ceil(g.outH / 2) * Math.ceil(g.outW / 2);
/** Bytes of a sample's v [16, tiles, C], m [16, tiles, f] and the sample zero-padded (winograd-wat.ts). */
const winogradBytes = (g: WindowGeometry, f: number): number => winogradForwardBytes(Math.ceil(g.outH / 2), Math.ceil(g.outW / 2), g.channels, f);
/**
 * For a 3×3 convolution of stride 1, its dx as a convolution: of dz [B, outH, outW, f] padded by
 * 2 − the padding, whose f channels give C outputs [B, H, W, C] (by w turned by 180°).
 */
const dxGeometry = (g: WindowGeometry, f: number): WindowGeometry => ({
  ...g,
  height: g.outH,
  width: g.outW,
  channels: f,
  padTop: 2 - g.padTop,
  padLeft: 2 - g.padLeft,
  outH: g.height,
  outW: g.width,
});

/** The two products, in the kernel module and in the fused multiply-add one. */
interface ProductExports {
  gemm_n(c: number, a: number, b: number, m: number, k: number, n: number, ars: number, acs: number, scratch: number): void;
  gemm_t(c: number, a: number, b: number, m: number, k: number, n: number, ars: number, acs: number, scratch: number): void;
  gemm_rows(c: number, a: number, b: number, m: number, k: number, n: number, scratch: number): void;
  gemm_cols(c: number, a: number, b: number, m: number, k: number, n: number, ars: number, acs: number, scratch: number, ldb: number, pack: number): void;
  conv_forward(z: number, x: number, wp: number, bias: number, relu: number, cols: number, tile: number, f: number, ...g: number[]): void;
  conv_backward(dx: number, dwp: number, dbp: number, dy: number, mask: number, x: number, wpt: number, ups: number, wdw: number, cols: number, dz: number, dzp: number, tile: number, f: number, chunk: number, ...g: number[]): void;
  conv_winograd(z: number, x: number, up: number, ups: number, bias: number, relu: number, v: number, tile: number, f: number, ...g: number[]): void;
}

interface GemmExports extends ProductExports {
  pack_b(dst: number, b: number, k: number, n: number, ldb: number): void;
  pack_bt(dst: number, b: number, k: number, n: number): void;
  relu(out: number, x: number, n: number): void;
  relu_backward(dx: number, dy: number, y: number, n: number): void;
  mul(out: number, a: number, b: number, n: number): void;
  add_bias(y: number, bias: number, rows: number, cols: number): void;
  col_sum(out: number, x: number, rows: number, cols: number, ld: number): void;
  adam(w: number, g: number, m: number, v: number, n: number, alpha: number, c1: number, c2: number, eps: number): void;
  bernoulli(out: number, n: number, state: number, threshold: number, value: number): void;
  wino_kernels(up: number, w: number, C: number, F: number, turned: number): void;
  im2col(cols: number, x: number, ...g: number[]): void;
  col2im(dx: number, dcols: number, ...g: number[]): void;
  max_pool(y: number, arg: number, x: number, first: number, ...g: number[]): void;
  max_pool_backward(dx: number, dy: number, arg: number, x0: number, nx: number, n: number): void;
  col_moments(mean: number, variance: number, x: number, rows: number, cols: number, acc: number): void;
  col_dot_sums(sumDy: number, sumDyX: number, dy: number, x: number, rows: number, cols: number, acc: number): void;
  scale_shift_cols(out: number, a: number, p: number, s: number, rows: number, cols: number): void;
  scale_shift_cols2(out: number, a: number, p: number, b: number, q: number, s: number, rows: number, cols: number): void;
  affine_resample(y: number, x: number, t: number, b: number, h: number, w: number, c: number, fill: number, interp: number, fillValue: number): void;
  affine_resample_backward(dx: number, dy: number, t: number, b: number, h: number, w: number, c: number, fill: number, interp: number): void;
}

/** Scratch for each thread of a split call: `areas` of `bytes` each, the first at the pointers among the arguments at `args`. */
interface PerThread {
  bytes: number;
  areas: number;
  args: number[];
}

/** Kernels.conv2dBackward's arguments, its arrays in this backend's memory. */
type ConvBackwardArgs = [dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, dy: Float32Array, mask: Float32Array | null, x: Float32Array, w: Float32Array, g: WindowGeometry, f: number];

/** Floats per sample of a window kernel's arrays: the image, the pooled output, and im2col's rows. */
function perSample(g: WindowGeometry): { img: number; out: number; cols: number } {
  const out = g.outH * g.outW * g.channels;
  return { img: g.height * g.width * g.channels, out, cols: out * g.kh * g.kw };
}

/** The geometry as the window kernels take it: twelve i32 arguments. */
function geometryArgs(g: WindowGeometry): number[] {
  return [g.batch, g.height, g.width, g.channels, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.outH, g.outW];
}

export interface WasmKernels extends Kernels {
  /** Threads a large product is split across (1: the calling thread only, or a browser's workers not yet started). */
  readonly threads: number;
  /** Whether the memory is shared, so that buffers from `alloc` are views of it and calls copy nothing. */
  readonly shared: boolean;
  /** Whether the products use fused multiply-adds (relaxed SIMD's f32x4.relaxed_madd). */
  readonly fma: boolean;
  /** Turns the fused multiply-adds on or off; on throws a ValueError where the engine lacks relaxed SIMD. */
  setFma(on: boolean): void;
  /** Splits calls across this many threads in all (1: the calling thread alone); starts workers when the pool has fewer. */
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

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function sharedMemoryWorks(): boolean {
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

export interface WasmOptions {
  /** Threads in all, the calling one included; default every core. */
  threads?: number;
  /** Least work split across threads (a product's m·k·n multiply-adds, another kernel's elements); default 2¹⁸. Tests set 1 to split everything. */
  minParallelMacs?: number;
  /** Fewest tiles (batch · ⌈outH/2⌉·⌈outW/2⌉) for which a 3×3 convolution goes by Winograd; default 128. Tests set 1 to take it on small shapes. */
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

/** The fused multiply-add products for this memory, or undefined where the engine does not validate relaxed SIMD. */
function fmaModule(shared: boolean): WebAssembly.Module | undefined {
  const bytes = decode(shared ? PRODUCTS_FMA_SHARED : PRODUCTS_FMA_PLAIN);
  return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : undefined;
}

/** A threshold option: undefined, or a number ≥ 0 (a ValueError naming the option otherwise). */
function countOption(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value >= 0)) throw new ValueError(`${name}: expected a number ≥ 0, got ${typeof value === 'string' ? `'${value}'` : String(value)}.`);
  return value;
}

/** Creates the backend; throws where WebAssembly SIMD is unavailable. */
export function createWasmKernels(options: WasmOptions = {}): WasmKernels {
  // The options are checked before any memory or worker exists.
  const minParallel = countOption('minParallelMacs', options.minParallelMacs) ?? MIN_PARALLEL_MACS;
  const minTiles = countOption('winogradMinTiles', options.winogradMinTiles) ?? WINOGRAD_MIN_TILES;
  if (options.fma !== undefined && typeof options.fma !== 'boolean') throw new ValueError(`fma: expected true or false, got ${String(options.fma)}.`);
  const shared = options.shared !== false && sharedMemoryWorks();
  const heap = new WasmHeap(shared, undefined, options.maxPages);
  const module = new WebAssembly.Module(decode(shared ? KERNELS_SHARED : KERNELS_PLAIN));
  const wasm = new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports as unknown as GemmExports;
  const fmaMod = fmaModule(shared);
  const fmaProducts = fmaMod && (new WebAssembly.Instance(fmaMod, { env: { memory: heap.memory } }).exports as unknown as ProductExports);
  let products: ProductExports = wasm;
  const setFma = (on: boolean): void => {
    if (on && !fmaProducts) throw new ValueError('fma: this WebAssembly engine does not validate relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd).');
    products = on && fmaProducts ? fmaProducts : wasm;
  };
  setFma(options.fma ?? fmaProducts !== undefined);
  let pool: WorkerPool | undefined;
  /**
   * Threads the calls use. Fewer than the pool has when setThreads lowered the count: the workers
   * it then leaves out sleep (Atomics.wait, no CPU) and are there again when it is raised, so that
   * switching (a bench's turns of 1 and 2 threads) does not start new workers, cold, every time.
   */
  let inUse = 1;
  /** Tasks of split calls the calling thread has run since the pool started (threadTasks). */
  let callerTasks = 0;
  const stopPool = (): void => {
    pool?.close();
    pool = undefined;
    callerTasks = 0;
  };
  const startPool = (threads: number): void => {
    inUse = threads;
    if (pool && pool.threads >= threads && !pool.failed) return;
    stopPool(); // first, so that a new pool whose workers fail to start leaves none
    if (shared && threads > 1) pool = new WorkerPool(module, fmaMod, heap.memory, threads - 1);
  };
  /** The threads a call may split across: those in use that the pool has. */
  const poolThreads = (): number => (pool ? Math.min(pool.threads, inUse) : 1);
  startPool(Math.max(1, Math.floor(options.threads ?? availableCores())));

  /**
   * Scratch for one call: `extra` bytes first (at `base`), then a copy of each operand that is not
   * in the memory. `ptr` are the operands' pointers; `finish` copies the last operand (the output)
   * back out when it had to be staged.
   */
  function stage(extra: number, ...operands: [FloatArray, number][]): { base: number; ptr: number[]; finish(): void } | null {
    const bytes = operands.map(([x, len]) => (heap.owns(x) ? 0 : len * 4));
    const base = heap.scratch(extra + bytes.reduce((s, b) => s + b, 0));
    if (base < 0) return null;
    let free = base + extra;
    const ptr = operands.map(([x, len], i) => {
      if (bytes[i] === 0) return x.byteOffset;
      const at = free;
      free += bytes[i];
      if (i < operands.length - 1) heap.f32(at, len).set(x.subarray(0, len));
      return at;
    });
    const [out, outLen] = operands[operands.length - 1];
    const outPtr = ptr[ptr.length - 1];
    const staged = bytes[bytes.length - 1] !== 0;
    return { base, ptr, finish: () => staged && out.set(heap.f32(outPtr, outLen)) };
  }

  /** The calling thread's function for each pool op, by the workers' rule (fma_…: the fused products). */
  type Fn = (...args: number[]) => void;
  const exportsOf = (x: object | undefined): Record<string, Fn> => (x ?? {}) as Record<string, Fn>;
  const localFns = new Map<PoolOp, Fn>(POOL_OPS.map((op) => [op, op.startsWith('fma_') ? exportsOf(fmaProducts)[op.slice(4)] : exportsOf(wasm)[op]]));

  /** The pool op of a function of the products' module in use (fma_…: the fused multiply-add one). */
  const productOp = (name: 'gemm_n' | 'gemm_t' | 'gemm_cols' | 'conv_forward' | 'conv_backward' | 'conv_winograd'): PoolOp => (products === wasm ? name : `fma_${name}`);

  /** How many parts `split` makes of `count` items (of `align` each) for this much work: one per thread at most. */
  function partsFor(count: number, work: number): number {
    return pool && count > 0 && work >= minParallel && pool.ready() ? Math.min(poolThreads(), count) : 1;
  }

  /**
   * Scratch of `fixed` bytes, then one `area` for each of up to `parts` parts; with no room for them
   * all, room for one (the call then runs on this thread alone: `split` takes no more threads than
   * perThread.areas). null when the memory has no room even for that.
   */
  function areas(fixed: number, area: number, parts: number): { base: number; parts: number } | null {
    for (const n of parts > 1 ? [parts, 1] : [1]) {
      const base = heap.scratch(fixed + n * area);
      if (base >= 0) return { base, parts: n };
    }
    return null;
  }

  /**
   * Runs `op` over `count` items (rows, samples, elements), split across the pool when `work`
   * (about a multiply-add's worth per item) reaches the threshold: in tasks of whole runs of `align`
   * items, at least `grain` runs each where that leaves a task per thread, up to TASKS_PER_THREAD a
   * thread, which the threads take one at a time (pool.ts), so that a slow or late thread takes
   * fewer; `args(start, n)` gives a task's arguments. Every task writes its own memory, and its sums
   * are the same on whichever thread, so the bits are too. With `perThread`, the arguments at
   * `perThread.args` point into the first of `perThread.areas` areas of scratch, `perThread.bytes`
   * apart, and each thread uses its own.
   */
  function split(op: PoolOp, count: number, work: number, args: (start: number, n: number) => number[], align = 1, floats: number[] = NO_FLOATS, perThread?: PerThread, grain = 1): void {
    const units = Math.ceil(count / align);
    const threads = Math.min(partsFor(units, work), perThread?.areas ?? Infinity);
    const fn = localFns.get(op)!;
    if (threads <= 1) {
      fn(...args(0, count), ...floats);
      return;
    }
    const tasks = Math.min(units, WorkerPool.maxTasks, threads * TASKS_PER_THREAD, Math.max(threads, Math.floor(units / grain)));
    const each = Math.ceil(units / tasks) * align;
    // No task without items: `tasks` runs of `each` can leave the last ones empty (a pack of B given
    // a negative width would copy to the end of the memory).
    const jobs = Array.from({ length: Math.ceil(count / each) }, (_, t) => args(t * each, Math.min(count, (t + 1) * each) - t * each));
    let mask = 0;
    for (const i of perThread?.args ?? []) mask |= 1 << i;
    callerTasks += pool!.run(op, jobs, floats, threads - 1, perThread?.bytes ?? 0, mask, (a) => fn(...a, ...floats));
  }

  /**
   * C[m,n] = op(A)·op(B) for the three forms: 'nn' A[m,k]·B[k,n], 'nt' A[m,k]·B[n,k]ᵀ, 'tn' A[k,m]ᵀ·B[k,n].
   * Returns false, having done nothing, when the memory has no room for the call's scratch.
   * Scratch holds one tile area per thread and B packed into panels, then the staged operands.
   */
  function product(form: 'nn' | 'nt' | 'tn', c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): boolean {
    if (m === 0 || n === 0) return true;
    if (k === 0) {
      c.fill(0, 0, m * n);
      return true;
    }
    if (form === 'nn' && m < SMALL_M) return rows(c, a, b, m, k, n);
    if (form === 'nn' && m <= COLUMNS_MAX_M && columns(c, a, b, m, k, n)) return true;
    const threads = poolThreads();
    const tileBytes = R * W * 4;
    const panels = Math.ceil(n / W);
    const packBytes = panels * W * k * 4;
    const io = stage(threads * tileBytes + packBytes, [a, m * k], [b, k * n], [c, m * n]);
    if (!io) return false;
    const base = io.base;
    const packPtr = base + threads * tileBytes;
    const [aPtr, bPtr, cPtr] = io.ptr;

    pack(form === 'nt' ? 'nt' : 'nn', packPtr, bPtr, k, n);
    const ars = form !== 'tn' ? 4 * k : 4;
    const acs = form !== 'tn' ? 4 : 4 * m;
    const op = productOp(form === 'tn' ? 'gemm_t' : 'gemm_n');
    // Tasks of whole row tiles, GEMM_GRAIN of them or more (each reads all of packed B), each thread
    // with its own tile area in the scratch.
    const perThread = { bytes: tileBytes, areas: threads, args: [8] };
    split(op, m, m * k * n, (i0, rows) => [cPtr + i0 * 4 * n, aPtr + i0 * ars, packPtr, rows, k, n, ars, acs, base], R, NO_FLOATS, perThread, GEMM_GRAIN);
    io.finish();
    return true;
  }

  /**
   * The 'nn' product of a few rows of A (at most COLUMNS_MAX_M), split by B's column panels: each
   * task packs its own panels into its thread's scratch and multiplies all of A by them (gemm_cols).
   * Each sum is the one the split by rows makes, so the bits are too. Scratch: an area per thread
   * with room for the panels of its largest task (split makes a task a thread or more, so at most
   * panels/threads of them), then a tile. Returns false, having done nothing, when the call would
   * run on one thread (too little work, or a browser's workers not started: its one task would pack
   * every panel into one thread's area), when there are fewer than two tasks' panels a thread, or
   * when the memory has no room (the split by rows may fit).
   */
  function columns(c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): boolean {
    const panels = Math.ceil(n / W);
    const threads = partsFor(panels, m * k * n); // as split will find
    if (threads < 2 || panels < 2 * COLUMNS_GRAIN * threads) return false;
    const packBytes = Math.ceil(panels / threads) * W * k * 4;
    const areaBytes = packBytes + R * W * 4;
    const io = stage(threads * areaBytes, [a, m * k], [b, k * n], [c, m * n]);
    if (!io) return false;
    const [aPtr, bPtr, cPtr] = io.ptr;
    const perThread = { bytes: areaBytes, areas: threads, args: [8, 10] };
    split(productOp('gemm_cols'), panels, m * k * n, (q0, nq) => [cPtr + 4 * W * q0, aPtr, bPtr + 4 * W * q0, m, k, Math.min(n - W * q0, W * nq), 4 * k, 4, io.base + packBytes, n, io.base], 1, NO_FLOATS, perThread, COLUMNS_GRAIN);
    io.finish();
    return true;
  }

  /** The 'nn' product for a few rows of A, without packing B (one digit's prediction); scratch holds a row's list of nonzeros. */
  function rows(c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): boolean {
    const io = stage(8 * k, [a, m * k], [b, k * n], [c, m * n]);
    if (!io) return false;
    products.gemm_rows(io.ptr[2], io.ptr[0], io.ptr[1], m, k, n, io.base);
    io.finish();
    return true;
  }

  /** B packed into panels at `dst` by pack_b ('nn': B [k,n] row-major) or pack_bt ('nt': B [n,k] read transposed), split by panels. */
  function pack(form: 'nn' | 'nt', dst: number, bPtr: number, k: number, n: number): void {
    const panels = Math.ceil(n / W);
    if (form === 'nt') split('pack_bt', panels, k * n, (q0, nq) => [dst + 4 * W * k * q0, bPtr + 4 * W * k * q0, k, Math.min(n - W * q0, W * nq)]);
    else split('pack_b', panels, k * n, (q0, nq) => [dst + 4 * W * k * q0, bPtr + 4 * W * q0, k, Math.min(n - W * q0, W * nq), n]);
  }

  /** out[c] = Σ_r x[r,c] over [rows, cols] at these pointers, split by columns (each column sums its rows in order, whatever the threads). */
  function colSums(out: number, x: number, rows: number, cols: number): void {
    split('col_sum', cols, rows * cols, (c0, n) => [out + 4 * c0, x + 4 * c0, rows, n, cols], 4);
  }

  /**
   * The convolution's forward pass: by Winograd where winogradFits, else by conv-wat.ts, split by
   * samples; scratch: w packed, then each part's area (a sample's windows and a tile). Returns
   * false, having done nothing, when the memory has no room for it, or when (not by Winograd) there
   * are fewer samples than threads: the products over the whole batch then split by rows instead
   * (conv2dByProducts: the same sums in the same order, so the same bits).
   */
  function convolve(z: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, g: WindowGeometry, f: number, relu: boolean): boolean {
    if (winogradFits(g, f, minTiles)) return winograd(z.byteOffset, x.byteOffset, w, false, b?.byteOffset ?? 0, relu, g, f);
    const rows = g.outH * g.outW;
    const depth = g.kh * g.kw * g.channels;
    const { img } = perSample(g);
    const work = g.batch * rows * depth * f;
    const parts = partsFor(g.batch, work);
    if (parts < partsFor(Infinity, work)) return false;
    const packBytes = Math.ceil(f / W) * W * depth * 4;
    const area = vecBytes(rows * depth) + R * W * 4;
    const room = areas(packBytes, area, parts);
    if (!room) return false;
    const { base } = room;
    pack('nn', base, w.byteOffset, depth, f);
    const perThread = { bytes: area, areas: room.parts, args: [5, 6] };
    split(productOp('conv_forward'), g.batch, work, (s0, n) => {
      const cols = base + packBytes;
      return [z.byteOffset + 4 * rows * f * s0, x.byteOffset + 4 * img * s0, base, b?.byteOffset ?? 0, relu ? 1 : 0, cols, cols + vecBytes(rows * depth), f, ...geometryArgs({ ...g, batch: n })];
    }, 1, NO_FLOATS, perThread);
    return true;
  }

  /**
   * A 3×3 convolution of stride 1 by Winograd's F(2×2, 3×3) (winograd-wat.ts) between pointers:
   * out [B, outH, outW, f] from inp [B, H, W, C] (g), with the kernels of w, or (turned, for a
   * convolution's dx) of w [3, 3, f, C] turned by 180° with its channels and filters swapped; bias 0:
   * none. Split by samples, for any batch: a sample's sums are the same on whichever thread, so the
   * bits are the same on any number of threads. Scratch: the kernels' transforms, then each part's
   * area (a sample's v and m, a tile). Returns false, having done nothing, when the memory has no room.
   */
  function winograd(out: number, inp: number, w: Float32Array, turned: boolean, bias: number, relu: boolean, g: WindowGeometry, f: number): boolean {
    const C = g.channels;
    const upFloats = winogradKernelsSize(C, f);
    const work = g.batch * winogradTiles(g) * 16 * C * f;
    const area = winogradBytes(g, f) + R * W * 4;
    const room = areas(vecBytes(upFloats), area, partsFor(g.batch, work));
    if (!room) return false;
    const { base } = room;
    wasm.wino_kernels(base, w.byteOffset, C, f, turned ? 1 : 0);
    const perThread = { bytes: area, areas: room.parts, args: [6, 7] };
    split(productOp('conv_winograd'), g.batch, work, (s0, n) => {
      const v = base + vecBytes(upFloats);
      return [out + 4 * g.outH * g.outW * f * s0, inp + 4 * g.height * g.width * C * s0, base, (upFloats / 16) * 4, bias, relu ? 1 : 0, v, v + winogradBytes(g, f), f,
        n, g.height, g.width, C, g.padTop, g.padLeft, g.outH, g.outW];
    }, 1, NO_FLOATS, perThread);
    return true;
  }

  /**
   * The convolution's backward pass (conv-wat.ts), split by chunks of CONV_CHUNK samples, then the
   * chunks' partial weight gradients summed in chunk order. Scratch: wᵀ packed or its Winograd
   * transforms (for dx), the partials of dw and db, then each part's area (a chunk's windows or
   * Winograd's tiles, its dz and dz packed, a tile). Returns false, having done nothing, when the
   * memory has no room for it.
   *
   * One chunk is all there is, on several threads: dx goes by Winograd split by samples, or by the
   * products over the batch split by rows; dw and db by the chunk's kernel on this thread where dw
   * goes by Winograd, else by those products. Each way gives the sums of one thread's
   * conv_backward, in the same order, so the same bits.
   */
  function convolveBackward(...args: ConvBackwardArgs): boolean {
    const [dx, dw, db, dy, mask, x, w, g, f] = args;
    if (!dx && !dw && !db) return true;
    const chunks = Math.ceil(g.batch / CONV_CHUNK);
    const work = g.batch * g.outH * g.outW * g.kh * g.kw * g.channels * f * ((dw ? 1 : 0) + (dx ? 1 : 0));
    if (chunks > 1 || partsFor(Infinity, work) === 1) return chunked(true, ...args);
    const { dxg, turned, byTiles } = routes(dx, dw, g, f);
    if (!turned && !byTiles) return false;
    // Wherever this route lacks memory, the chunk goes on this thread (the same bits again).
    const n = g.batch * g.outH * g.outW * f;
    let dz = dy;
    if (mask) {
      dz = heap.allocF32(n);
      if (!heap.owns(dz)) return chunked(true, ...args);
      self.reluBackward(dz, dy, mask, n);
    }
    if (byTiles) {
      if (!chunked(false, null, dw, db, dz, null, x, w, g, f)) return chunked(true, ...args);
    } else if (dw || db) conv2dBackwardByProducts(self, null, dw, db, dz, null, x, w, g, f);
    if (!dx) return true;
    if (turned) return winograd(dx.byteOffset, dz.byteOffset, w, true, 0, false, dxg, g.channels) || chunked(true, ...args);
    conv2dBackwardByProducts(self, dx, null, null, dz, null, x, w, g, f);
    return true;
  }

  /**
   * Which of a convolution's gradients go by Winograd: dx (`turned`) as the convolution of dz over
   * dxg (see winograd); dw (`byTiles`) by F(3×3, 2×2) over each chunk's tiles.
   */
  function routes(dx: Float32Array | null, dw: Float32Array | null, g: WindowGeometry, f: number): { dxg: WindowGeometry; turned: boolean; byTiles: boolean } {
    const dxg = dxGeometry(g, f);
    return { dxg, turned: dx !== null && winogradFits(dxg, g.channels, minTiles), byTiles: dw !== null && winogradFits(g, f, minTiles) };
  }

  /** The chunks of convolveBackward, across the pool when `threads`, else on this thread. */
  function chunked(threads: boolean, ...[dx, dw, db, dy, mask, x, w, g, f]: ConvBackwardArgs): boolean {
    const rows = g.outH * g.outW;
    const depth = g.kh * g.kw * g.channels;
    const { img } = perSample(g);
    const chunks = Math.ceil(g.batch / CONV_CHUNK);
    const work = threads ? g.batch * rows * depth * f * ((dw ? 1 : 0) + (dx ? 1 : 0)) : 0;
    const { dxg, turned, byTiles } = routes(dx, dw, g, f);
    const upFloats = turned ? winogradKernelsSize(f, g.channels) : 0;
    const packBytes = turned ? vecBytes(upFloats) : dx ? Math.ceil(depth / W) * W * f * 4 : 0;
    const dwBytes = dw ? vecBytes(chunks * depth * f) : 0;
    const dbBytes = db ? vecBytes(chunks * f) : 0;
    const chunkRows = Math.min(CONV_CHUNK, g.batch) * rows;
    const tiles = byTiles ? winogradDwBytes(Math.min(CONV_CHUNK, g.batch), Math.ceil(g.outH / 2), Math.ceil(g.outW / 2), g.channels, f) : null;
    // cols: a chunk's windows (dw) or v and m (dw by Winograd), its dcols (dx by products) or a
    // sample's v and m (dx by Winograd).
    const colsBytes = Math.max((dw && !byTiles) || (dx && !turned) ? vecBytes(chunkRows * depth) : 0, turned ? winogradBytes(dxg, g.channels) : 0, tiles?.vm ?? 0);
    const dzBytes = mask ? vecBytes(chunkRows * f) : 0;
    // dz packed (dw by products), or its tiles' transforms packed (dw by Winograd).
    const dzpBytes = tiles ? tiles.dzp : dw ? Math.ceil(f / W) * W * chunkRows * 4 : 0;
    const area = colsBytes + dzBytes + dzpBytes + R * W * 4;
    const room = areas(packBytes + dwBytes + dbBytes, area, partsFor(chunks, work));
    if (!room) return false;
    const { base } = room;
    const dwp = base + packBytes;
    const dbp = dwp + dwBytes;
    if (turned) wasm.wino_kernels(base, w.byteOffset, f, g.channels, 1);
    else if (dx) pack('nt', base, w.byteOffset, f, depth);
    const perThread = { bytes: area, areas: room.parts, args: [9, 10, 11, 12] };
    split(productOp('conv_backward'), chunks, work, (c0, nc) => {
      const s0 = c0 * CONV_CHUNK;
      const cols = dbp + dbBytes;
      return [
        dx ? dx.byteOffset + 4 * img * s0 : 0,
        dw ? dwp + 4 * depth * f * c0 : 0,
        db ? dbp + 4 * f * c0 : 0,
        dy.byteOffset + 4 * rows * f * s0,
        mask ? mask.byteOffset + 4 * rows * f * s0 : 0,
        x.byteOffset + 4 * img * s0,
        base,
        turned ? (upFloats / 16) * 4 : 0,
        byTiles ? 1 : 0,
        cols,
        cols + colsBytes,
        cols + colsBytes + dzBytes,
        cols + colsBytes + dzBytes + dzpBytes,
        f,
        CONV_CHUNK,
        ...geometryArgs({ ...g, batch: Math.min(g.batch, (c0 + nc) * CONV_CHUNK) - s0 }),
      ];
    }, 1, NO_FLOATS, perThread);
    if (dw) colSums(dw.byteOffset, dwp, chunks, depth * f);
    if (db) colSums(db.byteOffset, dbp, chunks, f);
    return true;
  }

  /**
   * The affine resampling (op 2) or its backward (op 3) of `from` into `to` (f32 arrays; staged in
   * scratch when outside the memory, as a product's operands are), the transforms copied into
   * scratch first; large batches split by samples across the pool, each thread a run of whole
   * samples (a sample's taps stay within its own image, so the runs touch disjoint memory). Returns
   * false, having done nothing, when the memory has no room for the call's scratch.
   */
  function resample(op: 2 | 3, to: Float32Array, from: Float32Array, t: Float64Array, g: ResampleGeometry): boolean {
    const { batch: B, height: H, width: W, channels: C } = g;
    const per = H * W * C;
    const io = stage(48 * B, [from, B * per], [to, B * per]);
    if (!io) return false;
    heap.f64(io.base, 6 * B).set(t.subarray(0, 6 * B));
    const [fromPtr, toPtr] = io.ptr;
    split(
      op === 2 ? 'affine_resample' : 'affine_resample_backward',
      B,
      B * per * RESAMPLE_MACS,
      (s0, n) => [toPtr + 4 * per * s0, fromPtr + 4 * per * s0, io.base + 48 * s0, n, H, W, C, FILL_CODES[g.fillMode], INTERPOLATION_CODES[g.interpolation]],
      1,
      op === 2 ? [g.fillValue] : NO_FLOATS,
    );
    io.finish();
    return true;
  }

  const f32 = (...xs: FloatArray[]): boolean => xs.every((x) => x instanceof Float32Array);
  // Element-wise kernels run in wasm when every array is an f32 view of the memory, else on the reference.
  const here = (...xs: (FloatArray | Int32Array)[]): boolean => xs.every((x) => (x instanceof Float32Array || x instanceof Int32Array) && heap.owns(x));

  const self: WasmKernels = {
    ...jsKernels,
    name: 'wasm',
    shared,
    get threads() {
      // A browser's workers count once they have started (until then the caller runs every job).
      return pool?.ready() ? poolThreads() : 1;
    },
    get fma() {
      return products !== wasm;
    },
    setFma,
    setThreads(n: number) {
      startPool(Math.max(1, Math.floor(n)));
    },
    threadTasks() {
      return [callerTasks, ...(pool?.workerTasks().slice(0, poolThreads() - 1) ?? [])];
    },
    close: stopPool,
    alloc(n, dtype) {
      return dtype === 'float32' ? heap.allocF32(n) : new Float64Array(n);
    },
    allocIndex(n) {
      return heap.allocI32(n);
    },
    im2col(cols, x, g) {
      if (!here(cols, x)) return jsKernels.im2col(cols, x, g);
      const { img, cols: row } = perSample(g);
      split('im2col', g.batch, g.batch * row, (s0, n) => [cols.byteOffset + 4 * row * s0, x.byteOffset + 4 * img * s0, ...geometryArgs({ ...g, batch: n })]);
    },
    col2im(dx, dcols, g) {
      if (!here(dx, dcols)) return jsKernels.col2im(dx, dcols, g);
      const { img, cols: row } = perSample(g);
      split('col2im', g.batch, g.batch * row, (s0, n) => [dx.byteOffset + 4 * img * s0, dcols.byteOffset + 4 * row * s0, ...geometryArgs({ ...g, batch: n })]);
    },
    maxPool(y, argmax, x, g) {
      if (!here(y, argmax, x)) return jsKernels.maxPool(y, argmax, x, g);
      const { img, out } = perSample(g);
      split('max_pool', g.batch, g.batch * out * g.kh * g.kw, (s0, n) => [
        y.byteOffset + 4 * out * s0,
        argmax.byteOffset + 4 * out * s0,
        x.byteOffset + 4 * img * s0,
        img * s0, // the indices stay the whole batch's
        ...geometryArgs({ ...g, batch: n }),
      ]);
    },
    maxPoolBackward(dx, dy, argmax, g) {
      if (!here(dx, dy, argmax)) return jsKernels.maxPoolBackward(dx, dy, argmax, g);
      const { img, out } = perSample(g);
      split('max_pool_backward', g.batch, g.batch * (img + out), (s0, n) => [dx.byteOffset, dy.byteOffset + 4 * out * s0, argmax.byteOffset + 4 * out * s0, img * s0, img * n, out * n]);
    },
    affineResample(y, x, transforms, g) {
      if (!(y instanceof Float32Array && x instanceof Float32Array && resample(2, y, x, transforms, g))) jsKernels.affineResample(y, x, transforms, g);
    },
    affineResampleBackward(dx, dy, transforms, g) {
      if (!(dx instanceof Float32Array && dy instanceof Float32Array && resample(3, dx, dy, transforms, g))) jsKernels.affineResampleBackward(dx, dy, transforms, g);
    },
    matmul(c, a, b, m, k, n) {
      if (!(f32(c, a, b) && product('nn', c, a, b, m, k, n))) jsKernels.matmul(c, a, b, m, k, n);
    },
    matmulNT(c, a, b, m, k, n) {
      if (!(f32(c, a, b) && product('nt', c, a, b, m, k, n))) jsKernels.matmulNT(c, a, b, m, k, n);
    },
    matmulTN(c, a, b, m, k, n) {
      if (!(f32(c, a, b) && product('tn', c, a, b, m, k, n))) jsKernels.matmulTN(c, a, b, m, k, n);
    },
    relu(out, x, n) {
      if (!here(out, x)) return jsKernels.relu(out, x, n);
      split('relu', n, n, (i, len) => [out.byteOffset + 4 * i, x.byteOffset + 4 * i, len], 4);
    },
    reluBackward(dx, dy, y, n) {
      if (!here(dx, dy, y)) return jsKernels.reluBackward(dx, dy, y, n);
      split('relu_backward', n, n, (i, len) => [dx.byteOffset + 4 * i, dy.byteOffset + 4 * i, y.byteOffset + 4 * i, len], 4);
    },
    bernoulli(out, n, p, value, state) {
      const at = here(out) ? heap.scratch(16) : -1;
      if (at < 0) return jsKernels.bernoulli(out, n, p, value, state);
      const words = new Uint32Array(heap.memory.buffer, at, 4);
      words.set(state);
      wasm.bernoulli(out.byteOffset, n, at, p * 4294967296, value);
      state.set(words);
    },
    mul(out, a, b, n) {
      if (!here(out, a, b)) return jsKernels.mul(out, a, b, n);
      split('mul', n, n, (i, len) => [out.byteOffset + 4 * i, a.byteOffset + 4 * i, b.byteOffset + 4 * i, len], 4);
    },
    addBias(y, bias, rows, cols) {
      if (!here(y, bias)) return jsKernels.addBias(y, bias, rows, cols);
      split('add_bias', rows, rows * cols, (r, len) => [y.byteOffset + 4 * cols * r, bias.byteOffset, len, cols]);
    },
    colSum(out, x, rows, cols) {
      if (!here(out, x)) return jsKernels.colSum(out, x, rows, cols);
      colSums(out.byteOffset, x.byteOffset, rows, cols);
    },
    conv2d(z, x, w, b, g, filters, relu) {
      const ok = here(z, x, w) && (!b || here(b)) && convolve(z as Float32Array, x as Float32Array, w as Float32Array, b as Float32Array | null, g, filters, relu);
      if (!ok) conv2dByProducts(self, z, x, w, b, g, filters, relu);
    },
    conv2dBackward(dx, dw, db, dy, mask, x, w, g, filters) {
      type F = Float32Array | null;
      const present = [dx, dw, db, dy, mask, x, w].filter((a): a is FloatArray => a !== null);
      const ok = here(...present) && convolveBackward(dx as F, dw as F, db as F, dy as Float32Array, mask as F, x as Float32Array, w as Float32Array, g, filters);
      if (!ok) conv2dBackwardByProducts(self, dx, dw, db, dy, mask, x, w, g, filters);
    },
    colMoments(mean, variance, x, rows, cols) {
      // Two float64 sums of cols each, in the call's scratch.
      const acc = here(mean, variance, x) ? heap.scratch(16 * cols) : -1;
      if (acc >= 0) wasm.col_moments(mean.byteOffset, variance.byteOffset, x.byteOffset, rows, cols, acc);
      else jsKernels.colMoments(mean, variance, x, rows, cols);
    },
    colDotSums(sumDy, sumDyX, dy, x, rows, cols) {
      const acc = here(sumDy, sumDyX, dy, x) ? heap.scratch(16 * cols) : -1;
      if (acc >= 0) wasm.col_dot_sums(sumDy.byteOffset, sumDyX.byteOffset, dy.byteOffset, x.byteOffset, rows, cols, acc);
      else jsKernels.colDotSums(sumDy, sumDyX, dy, x, rows, cols);
    },
    scaleShiftCols(out, a, p, b, q, s, rows, cols) {
      if (b && q) {
        if (here(out, a, p, b, q, s)) wasm.scale_shift_cols2(out.byteOffset, a.byteOffset, p.byteOffset, b.byteOffset, q.byteOffset, s.byteOffset, rows, cols);
        else jsKernels.scaleShiftCols(out, a, p, b, q, s, rows, cols);
      } else if (here(out, a, p, s)) wasm.scale_shift_cols(out.byteOffset, a.byteOffset, p.byteOffset, s.byteOffset, rows, cols);
      else jsKernels.scaleShiftCols(out, a, p, null, null, s, rows, cols);
    },
    adamUpdate(w, g, m, v, n, alpha, beta1, beta2, epsilon) {
      if (here(w, g, m, v)) {
        const [wp, gp, mp, vp] = [w.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset];
        split('adam', n, ADAM_MACS * n, (i, len) => [wp + 4 * i, gp + 4 * i, mp + 4 * i, vp + 4 * i, len], 4, [alpha, 1 - beta1, 1 - beta2, epsilon]);
      } else jsKernels.adamUpdate(w, g, m, v, n, alpha, beta1, beta2, epsilon);
    },
  };
  return self;
}
