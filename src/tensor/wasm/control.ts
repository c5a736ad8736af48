/**
 * What the worker pool's caller (pool.ts) and its workers (worker.ts) agree on: the ops a job can
 * name, the layout of the shared control words, and what a worker is started with.
 *
 * The control words are one shared Int32Array: the job's header (HEADER words), the task table
 * (MAX_TASKS rows of MAX_ARGS words), then each worker's slot (SLOT words, a 64-byte line of its own).
 * A job is one op over several tasks, each with its own i32 arguments; every thread, the caller and
 * each worker it woke, takes the next task by Atomics.add on NEXT until none is left, so a worker that
 * wakes late, or a core that runs slow (shared machines, a browser's page wanting the cores), takes
 * fewer tasks instead of holding up the call.
 */

/**
 * What a worker can run: exports of the kernel module, and (fma_…) of the fused multiply-add
 * products. A job names one by its index here.
 */
export const POOL_OPS = [
  'gemm_n',
  'gemm_t',
  'fma_gemm_n',
  'fma_gemm_t',
  'gemm_cols',
  'fma_gemm_cols',
  'conv_forward',
  'conv_backward',
  'fma_conv_forward',
  'fma_conv_backward',
  'conv_winograd',
  'fma_conv_winograd',
  'pack_b',
  'pack_bt',
  'affine_resample',
  'affine_resample_backward',
  'im2col',
  'col2im',
  'max_pool',
  'max_pool_backward',
  'relu',
  'relu_backward',
  'mul',
  'add_bias',
  'col_sum',
  'adam',
] as const;
/** One of POOL_OPS. */
export type PoolOp = (typeof POOL_OPS)[number];

// The header's words.
export const OP = 0; // index in POOL_OPS; −1: exit
export const NARGS = 1; // i32 arguments of each task
export const NFLOATS = 2; // float arguments after them, as f64 at FLOATS… (Adam's four), the same for every task
export const NTASKS = 3;
export const NEXT = 4; // the next task to take
export const AREA = 5; // bytes between threads' areas of scratch: thread t adds t·AREA to the arguments in MASK
export const MASK = 6; // bit i: argument i points into the calling thread's area
export const FLOATS = 8; // words 8–15: four f64 (8-byte aligned)
export const MAX_FLOATS = 4;
export const HEADER = 16;

// A worker's slot's words.
export const SLOT = 16;
export const SEQ = 0; // job number, written by the caller
export const DONE = 1; // number of the last job finished, written by the worker
export const ERR = 2; // 1 when a task of the worker's last job threw
// 1 while the worker sleeps in Atomics.wait for a job, and while the caller sleeps waiting for it:
// the other side calls Atomics.notify (a lock and a wake-up in V8) only then, not after every job
// of a training step, which the spinning side sees within microseconds. Both check the flag after
// their own store, with sequentially consistent atomics, so a wake-up is never lost.
export const WORKER_SLEEPS = 3;
export const CALLER_SLEEPS = 4;
// Whether the worker came to the job: 0 until then, 1 the worker did, 2 the caller ran out of tasks
// first and closed it (compareExchange from 0). A worker that comes to a closed job runs nothing of
// it; one that came must be waited for, since it may be running a task.
export const CLAIM = 5;
// Tasks the worker has run, all jobs together (only it writes the word): how the work split.
export const TASKS_RUN = 6;
// 1 once the worker has stopped (pool.ts's watcher saw its port close): the caller waiting for it gives up.
export const GONE = 7;

// The task table, and where the slots start.
export const MAX_ARGS = 28;
export const MAX_TASKS = 64;
export const TASKS = HEADER;
export const SLOTS = TASKS + MAX_TASKS * MAX_ARGS;

/** What a worker starts with: workerData in Node, the first message in a browser. */
export interface WorkerInit {
  /** The kernel module, instantiated over `memory`. */
  module: WebAssembly.Module;
  /** The fused multiply-add products, where the engine validates them. */
  fmaModule: WebAssembly.Module | undefined;
  /** The kernels' shared memory. */
  memory: WebAssembly.Memory;
  /** The control words. */
  ctl: Int32Array;
  /** The worker's slot, from 0. */
  slot: number;
  /** POOL_OPS, by whose indices a job names its op. */
  ops: readonly string[];
  /** Node: a port the worker holds and never uses, whose close tells the pool's watcher that it stopped. */
  alive?: unknown;
}
