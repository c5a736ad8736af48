/**
 * The scheduler: whether a kernel call runs whole on the calling thread or splits across the worker
 * pool (pool.ts), and into which tasks; and the pool's life (started, resized, stopped). A split
 * call is a job of tasks, each a run of whole items (rows, samples, panels, elements) that writes
 * its own memory and sums in the same order on whichever thread, so the bits are the same on any
 * number of threads.
 */
import { POOL_OPS, type PoolOp } from './control.js';
import { WorkerPool } from './pool.js';
import { TASKS_PER_THREAD } from './tuning.js';

/** No float arguments. */
export const NO_FLOATS: number[] = [];

/** A kernel export as the scheduler calls it: i32 arguments, then the job's floats. */
type Fn = (...args: number[]) => void;

/**
 * Scratch for each thread of a split call: `areas` of `bytes` each, the first at the pointers among
 * the arguments at `args`.
 */
export interface PerThread {
  bytes: number;
  areas: number;
  args: number[];
}

/** What the workers instantiate: the kernel module, the fused multiply-add one, over the shared memory. */
export interface PoolModules {
  module: WebAssembly.Module;
  fmaModule: WebAssembly.Module | undefined;
  memory: WebAssembly.Memory;
}

/** Splits kernel calls across a worker pool, which it starts, resizes and stops. */
export class Scheduler {
  private pool: WorkerPool | undefined;
  /**
   * Threads the calls use. Fewer than the pool has when setThreads lowered the count: the workers
   * it then leaves out sleep (Atomics.wait, no CPU) and are there again when it is raised, so that
   * switching (a bench's turns of 1 and 2 threads) does not start new workers, cold, every time.
   */
  private inUse = 1;
  /** Tasks of split calls the calling thread has run since the pool started (threadTasks). */
  private callerTasks = 0;
  /** The calling thread's function for each pool op, by the workers' rule (fma_…: the fused products). */
  private readonly localFns: Map<PoolOp, Fn>;

  /**
   * `kernels` and `fma` are the calling thread's instances of the modules in `modules` (a shared
   * memory gets a pool, a plain one none); calls of less work than `minParallel` run whole.
   */
  constructor(
    private readonly modules: PoolModules,
    private readonly shared: boolean,
    kernels: object,
    fma: object | undefined,
    private readonly minParallel: number,
  ) {
    const exportsOf = (x: object | undefined): Record<string, Fn> => (x ?? {}) as Record<string, Fn>;
    this.localFns = new Map(
      POOL_OPS.map((op) => [op, op.startsWith('fma_') ? exportsOf(fma)[op.slice(4)] : exportsOf(kernels)[op]]),
    );
  }

  /** Splits calls across this many threads in all (the caller included); starts workers when the pool has fewer. */
  setThreads(threads: number): void {
    this.inUse = threads;
    const pool = this.pool;
    if (pool && pool.threads >= threads && !pool.failed) return;
    this.close(); // first, so that a new pool whose workers fail to start leaves none
    if (this.shared && threads > 1) {
      this.pool = new WorkerPool(this.modules.module, this.modules.fmaModule, this.modules.memory, threads - 1);
    }
  }

  /** Stops the workers; the tasks' count starts again. */
  close(): void {
    this.pool?.close();
    this.pool = undefined;
    this.callerTasks = 0;
  }

  /** Threads calls split across once the pool is ready (a browser's workers count once they have started). */
  get threads(): number {
    return this.pool?.ready() ? this.poolThreads() : 1;
  }

  /** The threads a call may split across: those in use that the pool has. */
  poolThreads(): number {
    return this.pool ? Math.min(this.pool.threads, this.inUse) : 1;
  }

  /** Tasks of split calls each thread has run: the caller's, then each worker's in use. */
  threadTasks(): number[] {
    return [this.callerTasks, ...(this.pool?.workerTasks().slice(0, this.poolThreads() - 1) ?? [])];
  }

  /** How many parts `split` makes of `count` items for this much work: one per thread at most. */
  partsFor(count: number, work: number): number {
    const pool = this.pool;
    return pool && count > 0 && work >= this.minParallel && pool.ready() ? Math.min(this.poolThreads(), count) : 1;
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
  split(
    op: PoolOp,
    count: number,
    work: number,
    args: (start: number, n: number) => number[],
    align = 1,
    floats: number[] = NO_FLOATS,
    perThread?: PerThread,
    grain = 1,
  ): void {
    const units = Math.ceil(count / align);
    const threads = Math.min(this.partsFor(units, work), perThread?.areas ?? Infinity);
    const fn = this.localFns.get(op)!;
    if (threads <= 1) {
      fn(...args(0, count), ...floats);
      return;
    }
    const tasks = Math.min(
      units,
      WorkerPool.maxTasks,
      threads * TASKS_PER_THREAD,
      Math.max(threads, Math.floor(units / grain)),
    );
    const each = Math.ceil(units / tasks) * align;
    // No task without items: `tasks` runs of `each` can leave the last ones empty (a pack of B given
    // a negative width would copy to the end of the memory).
    const jobs = Array.from({ length: Math.ceil(count / each) }, (_, t) =>
      args(t * each, Math.min(count, (t + 1) * each) - t * each),
    );
    let mask = 0;
    for (const i of perThread?.args ?? []) mask |= 1 << i;
    this.callerTasks += this.pool!.run(op, jobs, floats, threads - 1, perThread?.bytes ?? 0, mask, (a) =>
      fn(...a, ...floats),
    );
  }
}
