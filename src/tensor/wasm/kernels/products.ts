/**
 * The matrix products' entries (matmul, matmulNT, matmulTN) and their routes: a few rows without
 * packing B ('nn' only), few rows split by B's column panels, else B packed into panels and the rows
 * split across threads in tiles. Every route sums each output in the order p = 0, 1, …, so a row
 * comes out the same whichever route it takes. float64 operands, or a memory with no room, take the
 * reference path.
 */
import { jsKernels, type FloatArray, type Kernels } from '../../kernels.js';
import { DEFAULT_TILE } from '../abi.js';
import type { WasmRuntime } from '../runtime.js';
import { f32 } from '../runtime.js';
import { NO_FLOATS } from '../scheduler.js';
import { stage } from '../staging.js';
import { COLUMNS_GRAIN, COLUMNS_MAX_M, GEMM_GRAIN, SMALL_M } from '../tuning.js';

/** Rows of the products' register tile. */
export const R = DEFAULT_TILE.rows;
/** Columns of the register tile, and of a panel of packed B. */
export const W = 4 * DEFAULT_TILE.vecs;

/** A product's form: 'nn' A[m,k]·B[k,n], 'nt' A[m,k]·B[n,k]ᵀ, 'tn' A[k,m]ᵀ·B[k,n]. */
type Form = 'nn' | 'nt' | 'tn';

/**
 * B packed into panels at `dst` by pack_b ('nn': B [k,n] row-major) or pack_bt ('nt': B [n,k] read
 * transposed), split by panels.
 */
export function pack(rt: WasmRuntime, form: 'nn' | 'nt', dst: number, bPtr: number, k: number, n: number): void {
  const panels = Math.ceil(n / W);
  const { scheduler } = rt;
  if (form === 'nt') {
    scheduler.split('pack_bt', panels, k * n, (q0, nq) => [
      dst + 4 * W * k * q0,
      bPtr + 4 * W * k * q0,
      k,
      Math.min(n - W * q0, W * nq),
    ]);
  } else {
    scheduler.split('pack_b', panels, k * n, (q0, nq) => [
      dst + 4 * W * k * q0,
      bPtr + 4 * W * q0,
      k,
      Math.min(n - W * q0, W * nq),
      n,
    ]);
  }
}

/**
 * C[m,n] = op(A)·op(B) for the three forms. Returns false, having done nothing, when the memory has
 * no room for the call's scratch: one tile area per thread and B packed into panels, then the staged
 * operands.
 */
function product(
  rt: WasmRuntime,
  form: Form,
  c: FloatArray,
  a: FloatArray,
  b: FloatArray,
  m: number,
  k: number,
  n: number,
): boolean {
  if (m === 0 || n === 0) return true;
  if (k === 0) {
    c.fill(0, 0, m * n);
    return true;
  }
  if (form === 'nn' && m < SMALL_M) return rows(rt, c, a, b, m, k, n);
  if (form === 'nn' && m <= COLUMNS_MAX_M && columns(rt, c, a, b, m, k, n)) return true;
  const threads = rt.scheduler.poolThreads();
  const tileBytes = R * W * 4;
  const panels = Math.ceil(n / W);
  const packBytes = panels * W * k * 4;
  const io = stage(rt.heap, threads * tileBytes + packBytes, [a, m * k], [b, k * n], [c, m * n]);
  if (!io) return false;
  const base = io.base;
  const packPtr = base + threads * tileBytes;
  const [aPtr, bPtr, cPtr] = io.ptr;

  pack(rt, form === 'nt' ? 'nt' : 'nn', packPtr, bPtr, k, n);
  const ars = form !== 'tn' ? 4 * k : 4;
  const acs = form !== 'tn' ? 4 : 4 * m;
  const op = rt.productOp(form === 'tn' ? 'gemm_t' : 'gemm_n');
  // Tasks of whole row tiles, GEMM_GRAIN of them or more (each reads all of packed B), each thread
  // with its own tile area in the scratch.
  const perThread = { bytes: tileBytes, areas: threads, args: [8] };
  const args = (i0: number, rows: number): number[] => [
    cPtr + i0 * 4 * n,
    aPtr + i0 * ars,
    packPtr,
    rows,
    k,
    n,
    ars,
    acs,
    base,
  ];
  rt.scheduler.split(op, m, m * k * n, args, R, NO_FLOATS, perThread, GEMM_GRAIN);
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
function columns(
  rt: WasmRuntime,
  c: FloatArray,
  a: FloatArray,
  b: FloatArray,
  m: number,
  k: number,
  n: number,
): boolean {
  const panels = Math.ceil(n / W);
  const threads = rt.scheduler.partsFor(panels, m * k * n); // as split will find
  if (threads < 2 || panels < 2 * COLUMNS_GRAIN * threads) return false;
  const packBytes = Math.ceil(panels / threads) * W * k * 4;
  const areaBytes = packBytes + R * W * 4;
  const io = stage(rt.heap, threads * areaBytes, [a, m * k], [b, k * n], [c, m * n]);
  if (!io) return false;
  const [aPtr, bPtr, cPtr] = io.ptr;
  const perThread = { bytes: areaBytes, areas: threads, args: [8, 10] };
  const args = (q0: number, nq: number): number[] => [
    cPtr + 4 * W * q0,
    aPtr,
    bPtr + 4 * W * q0,
    m,
    k,
    Math.min(n - W * q0, W * nq),
    4 * k,
    4,
    io.base + packBytes,
    n,
    io.base,
  ];
  rt.scheduler.split(rt.productOp('gemm_cols'), panels, m * k * n, args, 1, NO_FLOATS, perThread, COLUMNS_GRAIN);
  io.finish();
  return true;
}

/**
 * The 'nn' product for a few rows of A, without packing B (one digit's prediction); scratch holds a
 * row's list of nonzeros.
 */
function rows(rt: WasmRuntime, c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): boolean {
  const io = stage(rt.heap, 8 * k, [a, m * k], [b, k * n], [c, m * n]);
  if (!io) return false;
  rt.products.gemm_rows(io.ptr[2], io.ptr[0], io.ptr[1], m, k, n, io.base);
  io.finish();
  return true;
}

/** The products' entries: in wasm for float32 operands where the memory has room, else the reference. */
export function productKernels(rt: WasmRuntime): Pick<Kernels, 'matmul' | 'matmulNT' | 'matmulTN'> {
  return {
    matmul(c, a, b, m, k, n) {
      if (!(f32(c, a, b) && product(rt, 'nn', c, a, b, m, k, n))) jsKernels.matmul(c, a, b, m, k, n);
    },
    matmulNT(c, a, b, m, k, n) {
      if (!(f32(c, a, b) && product(rt, 'nt', c, a, b, m, k, n))) jsKernels.matmulNT(c, a, b, m, k, n);
    },
    matmulTN(c, a, b, m, k, n) {
      if (!(f32(c, a, b) && product(rt, 'tn', c, a, b, m, k, n))) jsKernels.matmulTN(c, a, b, m, k, n);
    },
  };
}
