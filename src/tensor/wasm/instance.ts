/**
 * The generated WebAssembly modules as the runtime loads and calls them: their exports' signatures
 * (pointers are byte offsets into the kernels' memory), and their compilation from the base64 text
 * of binary.ts. The kernel module holds every kernel; the fused multiply-add module only the
 * products and convolutions, built with relaxed SIMD, which not every engine validates.
 */
import { KERNELS_PLAIN, KERNELS_SHARED, PRODUCTS_FMA_PLAIN, PRODUCTS_FMA_SHARED } from './binary.js';

/** The products and convolutions, in the kernel module and in the fused multiply-add one. */
export interface ProductExports {
  gemm_n(
    c: number,
    a: number,
    b: number,
    m: number,
    k: number,
    n: number,
    ars: number,
    acs: number,
    tile: number,
  ): void;
  gemm_t(
    c: number,
    a: number,
    b: number,
    m: number,
    k: number,
    n: number,
    ars: number,
    acs: number,
    tile: number,
  ): void;
  gemm_rows(c: number, a: number, b: number, m: number, k: number, n: number, scratch: number): void;
  gemm_cols(
    c: number,
    a: number,
    b: number,
    m: number,
    k: number,
    n: number,
    ars: number,
    acs: number,
    tile: number,
    ldb: number,
    pack: number,
  ): void;
  conv_forward(
    z: number,
    x: number,
    wp: number,
    bias: number,
    relu: number,
    cols: number,
    tile: number,
    f: number,
    ...g: number[]
  ): void;
  conv_backward(
    dx: number,
    dwp: number,
    dbp: number,
    dy: number,
    mask: number,
    x: number,
    wpt: number,
    ups: number,
    wdw: number,
    cols: number,
    dz: number,
    dzp: number,
    tile: number,
    f: number,
    chunk: number,
    ...g: number[]
  ): void;
  conv_winograd(
    z: number,
    x: number,
    up: number,
    ups: number,
    bias: number,
    relu: number,
    v: number,
    tile: number,
    f: number,
    ...g: number[]
  ): void;
}

/** The kernel module's exports: the products, and every other kernel. */
export interface KernelExports extends ProductExports {
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
  scale_shift_cols2(
    out: number,
    a: number,
    p: number,
    b: number,
    q: number,
    s: number,
    rows: number,
    cols: number,
  ): void;
  affine_resample(
    y: number,
    x: number,
    t: number,
    b: number,
    h: number,
    w: number,
    c: number,
    fill: number,
    interp: number,
    fillValue: number,
  ): void;
  affine_resample_backward(
    dx: number,
    dy: number,
    t: number,
    b: number,
    h: number,
    w: number,
    c: number,
    fill: number,
    interp: number,
  ): void;
}

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Whether this engine makes shared WebAssembly memories (SharedArrayBuffer, so threads). */
export function sharedMemoryWorks(): boolean {
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** The kernel module for a shared or a plain memory. */
export function kernelModule(shared: boolean): WebAssembly.Module {
  return new WebAssembly.Module(decode(shared ? KERNELS_SHARED : KERNELS_PLAIN));
}

/** The fused multiply-add products for this memory, or undefined where the engine does not validate relaxed SIMD. */
export function fmaModule(shared: boolean): WebAssembly.Module | undefined {
  const bytes = decode(shared ? PRODUCTS_FMA_SHARED : PRODUCTS_FMA_PLAIN);
  return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : undefined;
}

/** A module's exports over `memory`, as `T`. */
export function instantiate<T>(module: WebAssembly.Module, memory: WebAssembly.Memory): T {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as T;
}
