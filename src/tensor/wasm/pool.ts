/**
 * Worker threads that share the kernels' memory and take part in a large kernel call. A call is a
 * job of tasks (runs of the rows of a product, of the samples of a window or resampling kernel, of
 * elements), synchronous: the caller writes the tasks into a shared control array, wakes the
 * workers, and takes tasks itself as they do, one at a time from a shared counter, until none is
 * left; then it waits (Atomics.wait) for each worker that came to the job to finish its last task.
 * Only where threads can block (Node's main thread and workers; not a browser's main thread) and
 * SharedArrayBuffer exists; elsewhere the pool has no workers and everything runs on the calling
 * thread. The workers run worker.ts, bundled into worker-source.ts; control.ts holds what the two
 * sides agree on.
 */

import {
  AREA,
  CALLER_SLEEPS,
  CLAIM,
  DONE,
  ERR,
  FLOATS,
  GONE,
  MASK,
  MAX_ARGS,
  MAX_FLOATS,
  MAX_TASKS,
  NARGS,
  NEXT,
  NFLOATS,
  NTASKS,
  OP,
  POOL_OPS,
  SEQ,
  SLOT,
  SLOTS,
  TASKS,
  TASKS_RUN,
  WORKER_SLEEPS,
  type PoolOp,
  type WorkerInit,
} from './control.js';
import { BackendError } from '../../errors.js';
import { CALLER_SPIN, JOB_TIMEOUT_MS, START_TIMEOUT_MS } from './tuning.js';
import { WATCHER_SOURCE, WORKER_SOURCE } from './worker-source.js';

interface NodeWorker {
  unref(): void;
  on(event: 'error' | 'exit', listener: (e: unknown) => void): void;
  terminate(): Promise<number>;
}
type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown; transferList?: unknown[] }) => NodeWorker;
type ChannelCtor = new () => { port1: unknown; port2: unknown };

/** A browser's dedicated Worker, as far as the pool uses it. */
interface WebWorker {
  postMessage(data: unknown): void;
  terminate(): void;
}
type WebWorkerCtor = new (url: string) => WebWorker;

/**
 * The browser's Worker class where a pool of them can run: SharedArrayBuffer (a cross-origin
 * isolated page) and a thread that may block in Atomics.wait, which a page's main thread may not
 * (so a pool runs inside a worker, such as the page's training worker, and spawns its own).
 */
function webWorker(): WebWorkerCtor | undefined {
  const g = globalThis as {
    Worker?: WebWorkerCtor;
    crossOriginIsolated?: boolean;
    WorkerGlobalScope?: abstract new () => unknown;
  };
  const inWorker = typeof g.WorkerGlobalScope === 'function' && globalThis instanceof g.WorkerGlobalScope;
  return g.crossOriginIsolated === true && inWorker && typeof g.Worker === 'function' ? g.Worker : undefined;
}

/**
 * A Node built-in module, fetched without a static import so that bundles for browsers do not pull
 * it in; undefined elsewhere.
 */
function nodeBuiltin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(id) as T | undefined;
}

/** Node's Worker and MessageChannel classes. */
function nodeThreads(): { Worker: WorkerCtor; MessageChannel: ChannelCtor } | undefined {
  const threads = nodeBuiltin<{ Worker?: WorkerCtor; MessageChannel?: ChannelCtor }>('node:worker_threads');
  return threads?.Worker && threads.MessageChannel
    ? { Worker: threads.Worker, MessageChannel: threads.MessageChannel }
    : undefined;
}

/** Cores available here (Node), else navigator.hardwareConcurrency, else 1. */
export function availableCores(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number }>('node:os');
  return (
    os?.availableParallelism?.() ??
    (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ??
    1
  );
}

/**
 * The calling thread's helpers for split kernel calls: worker threads over the kernels' shared
 * memory, to which `run` hands a job's tasks (the scheduler, scheduler.ts, decides the tasks).
 */
export class WorkerPool {
  private readonly workers: { terminate(): unknown }[] = [];
  /** Node: the thread that marks a worker GONE once it stops (watcher.ts). */
  private watcher: NodeWorker | undefined;
  private readonly ctl: Int32Array;
  /** The same control words as f64, for a job's float arguments. */
  private readonly ctlF64: Float64Array;
  private seq = 0;
  /** Whether every worker has instantiated the kernels (browser workers start after the caller yields). */
  private started = false;
  /** A worker stopped in a job or overran JOB_TIMEOUT_MS: from then on every call runs on the calling thread alone. */
  private broken = false;

  /**
   * Starts `count` workers (fewer, or none, where threads are unavailable), each with the kernel
   * module and the fused multiply-add products if any. Node's start within the constructor; a
   * browser's start only once the calling thread returns to its event loop, so until `ready()` the
   * caller runs every job itself.
   */
  constructor(
    module: WebAssembly.Module,
    fmaModule: WebAssembly.Module | undefined,
    memory: WebAssembly.Memory,
    count: number,
  ) {
    const node = nodeThreads();
    const NodeWorkerClass = node?.Worker;
    const WebWorkerClass = NodeWorkerClass ? undefined : webWorker();
    const canShare = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
    this.ctl = new Int32Array(
      canShare ? new SharedArrayBuffer(4 * (SLOTS + SLOT * count)) : new ArrayBuffer(4 * SLOTS),
    );
    this.ctlF64 = new Float64Array(this.ctl.buffer);
    if (!canShare || !(NodeWorkerClass || WebWorkerClass)) return;
    const init = (slot: number): WorkerInit => ({ module, fmaModule, memory, ctl: this.ctl, slot, ops: POOL_OPS });
    const url = WebWorkerClass && URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const watched: unknown[] = [];
    for (let slot = 0; slot < count; slot++) {
      this.ctl[SLOTS + slot * SLOT + DONE] = -1; // the worker sets 0 once it has instantiated the kernels
      if (NodeWorkerClass) {
        const { port1, port2 } = new node.MessageChannel();
        watched.push(port1);
        const workerData = { ...init(slot), alive: port2 };
        const w = new NodeWorkerClass(WORKER_SOURCE, { eval: true, workerData, transferList: [port2] });
        w.unref(); // idle workers must not keep the process alive
        // Heard only while the caller is not blocked in a job; the watcher hears it then.
        const gone = (): void => {
          Atomics.store(this.ctl, SLOTS + slot * SLOT + GONE, 1);
        };
        w.on('error', gone);
        w.on('exit', gone);
        this.workers.push(w);
      } else {
        const w = new WebWorkerClass!(url!);
        w.postMessage(init(slot));
        this.workers.push(w);
      }
    }
    if (url) setTimeout(() => URL.revokeObjectURL(url), 60_000); // the workers have fetched it by then
    if (!NodeWorkerClass) return;
    const ctl = this.ctl;
    this.watcher = new NodeWorkerClass(WATCHER_SOURCE, {
      eval: true,
      workerData: { ctl, ports: watched },
      transferList: watched,
    });
    this.watcher.unref();
    this.watcher.on('error', () => {}); // were it to fail, a dead worker's job would end by JOB_TIMEOUT_MS
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (let slot = 0; slot < count; slot++) {
      const base = SLOTS + slot * SLOT;
      // In slices, so that a worker that stops while starting fails the start at once.
      while (Atomics.load(ctl, base + DONE) === -1 && !Atomics.load(ctl, base + GONE) && Date.now() < deadline) {
        Atomics.wait(ctl, base + DONE, -1, 50);
      }
      if (Atomics.load(ctl, base + DONE) === -1) {
        this.close();
        const why = `did not start within ${START_TIMEOUT_MS / 1000} s`;
        throw new BackendError(
          `wasm backend: kernel worker ${slot} ${Atomics.load(ctl, base + GONE) ? 'stopped' : why}.`,
        );
      }
    }
    this.started = true;
  }

  /**
   * Whether the workers can take jobs: all have started (at once in Node; in a browser, soon after
   * creation), and none has overrun a job (it may still be writing; its slot is not reused).
   */
  ready(): boolean {
    if (this.broken) return false;
    if (!this.started && this.workers.length > 0) {
      this.started = this.workers.every((_, i) => Atomics.load(this.ctl, SLOTS + i * SLOT + DONE) !== -1);
    }
    return this.started;
  }

  /** Whether a worker stopped in a job or overran it, so that the pool runs nothing more on its workers. */
  get failed(): boolean {
    return this.broken;
  }

  /** Threads a call is split across: the workers and the calling thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Most tasks a job may have. */
  static readonly maxTasks = MAX_TASKS;

  /**
   * Runs `op` once for each task's i32 arguments (then `floats`, as f64, the same for all) on the
   * calling thread and `workers` of the pool, each thread taking the next task until none is left;
   * returns when every task has run, throwing the first failure (the calling thread's own first).
   * Thread t (0 the caller, then the workers) adds t·`area` bytes to the arguments whose bit is set
   * in `mask`: its own scratch. `local` runs a task on the calling thread, area 0. Returns how many
   * of the tasks the calling thread ran.
   */
  run(
    op: PoolOp,
    tasks: number[][],
    floats: number[],
    workers: number,
    area: number,
    mask: number,
    local: (args: number[]) => void,
  ): number {
    const nargs = tasks[0].length;
    if (tasks.length > MAX_TASKS || nargs > MAX_ARGS || floats.length > MAX_FLOATS) {
      const has = `${tasks.length} tasks of ${nargs} + ${floats.length} arguments`;
      throw new Error(`wasm backend: ${op} has ${has}, the pool takes ${MAX_TASKS} of ${MAX_ARGS} + ${MAX_FLOATS}`);
    }
    const ctl = this.ctl;
    // The header and the tasks first, then each worker's claim reset and its job number: a worker
    // reads the job only once it has claimed it (see CLAIM).
    ctl[OP] = POOL_OPS.indexOf(op);
    ctl[NARGS] = nargs;
    ctl[NFLOATS] = floats.length;
    ctl[NTASKS] = tasks.length;
    ctl[AREA] = area;
    ctl[MASK] = mask;
    this.ctlF64.set(floats, FLOATS / 2);
    tasks.forEach((args, t) => ctl.set(args, TASKS + t * MAX_ARGS));
    Atomics.store(ctl, NEXT, 0);
    const woken = Math.min(workers, this.workers.length);
    for (let w = 0; w < woken; w++) {
      const base = SLOTS + w * SLOT;
      Atomics.store(ctl, base + CLAIM, 0);
      Atomics.store(ctl, base + SEQ, ++this.seq);
      if (Atomics.load(ctl, base + WORKER_SLEEPS)) Atomics.notify(ctl, base + SEQ);
    }
    let failure: unknown;
    let ran = 0;
    for (let t = Atomics.add(ctl, NEXT, 1); t < tasks.length; t = Atomics.add(ctl, NEXT, 1)) {
      try {
        local(tasks[t]);
        ran++;
      } catch (e) {
        failure ??= e;
      }
    }
    // No task is left to take. A worker that has not come to the job is closed out; one that has
    // may be running its last task, which writes this call's memory: wait for it, whatever failed.
    for (let w = 0; w < woken; w++) {
      if (Atomics.compareExchange(ctl, SLOTS + w * SLOT + CLAIM, 0, 2) === 0) continue;
      try {
        this.wait(w);
      } catch (e) {
        failure ??= e;
      }
    }
    // Thrown as it was caught (`as unknown`: the check above narrows it to `{} | null`, not to an Error).
    if (failure !== undefined) throw failure as unknown;
    return ran;
  }

  /** Tasks each worker has run, all jobs together. */
  workerTasks(): number[] {
    return this.workers.map((_, w) => Atomics.load(this.ctl, SLOTS + w * SLOT + TASKS_RUN));
  }

  /**
   * Blocks until worker w has finished the last job posted to it; throws if the job failed, and a
   * BackendError at once if the worker stopped (its tasks are not done) or after JOB_TIMEOUT_MS.
   */
  private wait(w: number): void {
    const base = SLOTS + w * SLOT;
    const want = Atomics.load(this.ctl, base + SEQ);
    // Read before the spin, which usually ends the wait: V8 optimizes this function while every
    // wait ends there, and code that had never run then threw it back to the interpreter (an
    // eager deoptimization) each time a wait went past the spin.
    const deadline = Date.now() + JOB_TIMEOUT_MS;
    for (let i = 0; i < CALLER_SPIN && Atomics.load(this.ctl, base + DONE) !== want; i++);
    for (let done = Atomics.load(this.ctl, base + DONE); done !== want; done = Atomics.load(this.ctl, base + DONE)) {
      const gone = Atomics.load(this.ctl, base + GONE) !== 0;
      if (gone || Date.now() > deadline) {
        this.broken = true;
        const op = POOL_OPS[this.ctl[OP]];
        const what = gone
          ? `kernel worker ${w} stopped in the middle of a job (${op}), whose results are incomplete`
          : `kernel worker ${w} did not finish its job (${op}) within ${JOB_TIMEOUT_MS / 1000} s`;
        const then = 'the kernels run on the calling thread alone until setThreads starts new workers';
        throw new BackendError(`wasm backend: ${what}; ${then}.`);
      }
      Atomics.store(this.ctl, base + CALLER_SLEEPS, 1);
      Atomics.wait(this.ctl, base + DONE, done, 1000); // returns at once if the job finished since the check
      Atomics.store(this.ctl, base + CALLER_SLEEPS, 0);
    }
    if (Atomics.load(this.ctl, base + ERR) !== 0) throw new Error(`wasm backend: kernel worker ${w} failed its job`);
  }

  /** Stops every worker. */
  close(): void {
    void this.watcher?.terminate();
    this.watcher = undefined;
    this.ctl[OP] = -1;
    this.workers.forEach((w, i) => {
      Atomics.store(this.ctl, SLOTS + i * SLOT + CLAIM, 0);
      Atomics.store(this.ctl, SLOTS + i * SLOT + SEQ, ++this.seq);
      Atomics.notify(this.ctl, SLOTS + i * SLOT + SEQ);
      void w.terminate();
    });
    this.started = false;
    this.workers.length = 0;
  }
}
