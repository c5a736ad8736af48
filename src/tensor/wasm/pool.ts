/**
 * Worker threads that share the kernels' memory and take part in a large kernel call. A call is a
 * job of tasks (runs of the rows of a product, of the samples of a window or resampling kernel, of
 * elements), synchronous: the caller writes the tasks into a shared control array, wakes the
 * workers, and takes tasks itself as they do, one at a time from a shared counter, until none is
 * left; then it waits (Atomics.wait) for each worker that came to the job to finish its last task.
 * Only where threads can block (Node's main thread and workers; not a browser's main thread) and
 * SharedArrayBuffer exists; elsewhere the pool has no workers and everything runs on the calling
 * thread.
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
export type PoolOp = (typeof POOL_OPS)[number];

/**
 * The control words, one shared Int32Array: the job's header (HEADER words), the task table
 * (MAX_TASKS rows of MAX_ARGS words), then each worker's slot (SLOT words, a 64-byte line of its own).
 * A job is one op over several tasks, each with its own i32 arguments; every thread, the caller and
 * each worker it woke, takes the next task by Atomics.add on NEXT until none is left, so a worker that
 * wakes late, or a core that runs slow (shared machines, a browser's page wanting the cores), takes
 * fewer tasks instead of holding up the call.
 */
const OP = 0; // index in POOL_OPS; −1: exit
const NARGS = 1; // i32 arguments of each task
const NFLOATS = 2; // float arguments after them, as f64 at FLOATS… (Adam's four), the same for every task
const NTASKS = 3;
const NEXT = 4; // the next task to take
const AREA = 5; // bytes between threads' areas of scratch: thread t adds t·AREA to the arguments in MASK
const MASK = 6; // bit i: argument i points into the calling thread's area
const FLOATS = 8; // words 8–15: four f64 (8-byte aligned)
const MAX_FLOATS = 4;
const HEADER = 16;
const SLOT = 16;
const SEQ = 0; // job number, written by the caller
const DONE = 1; // number of the last job finished, written by the worker
const ERR = 2; // 1 when a task of the worker's last job threw
// 1 while the worker sleeps in Atomics.wait for a job, and while the caller sleeps waiting for it:
// the other side calls Atomics.notify (a lock and a wake-up in V8) only then, not after every job
// of a training step, which the spinning side sees within microseconds. Both check the flag after
// their own store, with sequentially consistent atomics, so a wake-up is never lost.
const WORKER_SLEEPS = 3;
const CALLER_SLEEPS = 4;
// Whether the worker came to the job: 0 until then, 1 the worker did, 2 the caller ran out of tasks
// first and closed it (compareExchange from 0). A worker that comes to a closed job runs nothing of
// it; one that came must be waited for, since it may be running a task.
const CLAIM = 5;
// Tasks the worker has run, all jobs together (only it writes the word): how the work split.
const TASKS_RUN = 6;
const MAX_ARGS = 28;
const MAX_TASKS = 64;
const TASKS = HEADER;
const SLOTS = TASKS + MAX_TASKS * MAX_ARGS;
/** Longest a job may take before the caller gives up on a worker (it may have died). */
const JOB_TIMEOUT_MS = 60_000;
/** Polls of a control word before the caller sleeps on it (some tens of microseconds). */
const SPIN = 20000;
/** Polls of its control word before a worker sleeps (a microsecond or so). */
const WORKER_SPIN = 1000;

// Runs in each worker: instantiate the kernels over the shared memory, then serve jobs forever.
// `init` is the worker's start data: workerData in Node, the first message in a browser.
const SERVE = `
const serve = ({ module, fmaModule, memory, ctl, slot, ops }) => {
  const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const fma = fmaModule ? new WebAssembly.Instance(fmaModule, { env: { memory } }).exports : {};
  const fns = ops.map((name) => (name.startsWith('fma_') ? fma[name.slice(4)] : kernels[name]));
  const base = ${SLOTS} + slot * ${SLOT};
  const f64 = new Float64Array(ctl.buffer);
  const args = new Array(${MAX_ARGS + MAX_FLOATS}).fill(0);
  Atomics.store(ctl, base + ${DONE}, 0);
  Atomics.notify(ctl, base + ${DONE});
  let seen = 0;
  for (;;) {
    // Spin a moment before sleeping, for the job that follows at once (a product's after the
    // packing of its B). Not longer: a sleeping worker delays no call (the caller takes the tasks
    // it has not come to), and a spinning one takes a core from the rest (a browser's page and
    // compositor, on 2 cores: with a spin of tens of microseconds the page trained 1.3× slower on 2
    // threads than on 1; with this one, as fast).
    for (let i = 0; i < ${WORKER_SPIN} && Atomics.load(ctl, base + ${SEQ}) === seen; i++);
    if (Atomics.load(ctl, base + ${SEQ}) === seen) {
      Atomics.store(ctl, base + ${WORKER_SLEEPS}, 1);
      Atomics.wait(ctl, base + ${SEQ}, seen); // returns at once if a job came since the check
      Atomics.store(ctl, base + ${WORKER_SLEEPS}, 0);
    }
    const seq = Atomics.load(ctl, base + ${SEQ});
    if (seq === seen) continue;
    seen = seq;
    // The header and the tasks are read only once the job is claimed: the caller writes them before
    // it resets CLAIM, and rewrites them for a later job only after this one is closed or done. Not
    // claimed (closed, or claimed already by this thread coming late to the job before): only say
    // it is done.
    const ours = Atomics.compareExchange(ctl, base + ${CLAIM}, 0, 1) === 0;
    if (ours && ctl[${OP}] < 0) break;
    if (ours) {
      let err = 0;
      let ran = 0;
      // One array for every task, so that serving allocates nothing (a worker's heap is collected
      // only when it fills; garbage here grew the process by megabytes). Entries past the op's own
      // arguments are left from earlier jobs and ignored: a wasm export takes its arity.
      const fn = fns[ctl[${OP}]];
      const n = ctl[${NARGS}];
      const nf = ctl[${NFLOATS}];
      for (let i = 0; i < nf; i++) args[n + i] = f64[${FLOATS / 2} + i];
      const area = ctl[${AREA}] * (slot + 1);
      const mask = ctl[${MASK}];
      // After a failure no more tasks: the others take them (a task taken is a task run).
      for (let t = Atomics.add(ctl, ${NEXT}, 1); t < ctl[${NTASKS}]; t = err ? ${MAX_TASKS} : Atomics.add(ctl, ${NEXT}, 1)) {
        const row = ${TASKS} + t * ${MAX_ARGS};
        for (let i = 0; i < n; i++) args[i] = ctl[row + i] + ((mask >> i) & 1 ? area : 0);
        try {
          fn.apply(undefined, args);
          ran++;
        } catch {
          err = 1;
        }
      }
      Atomics.store(ctl, base + ${ERR}, err);
      Atomics.add(ctl, base + ${TASKS_RUN}, ran);
    }
    Atomics.store(ctl, base + ${DONE}, seq);
    if (Atomics.load(ctl, base + ${CALLER_SLEEPS})) Atomics.notify(ctl, base + ${DONE});
  }
};
`;
// getBuiltinModule, not require: the source is evaluated as a module when the process runs with --input-type=module.
const NODE_WORKER_SOURCE = `${SERVE}\nserve(process.getBuiltinModule('node:worker_threads').workerData);\n`;
const WEB_WORKER_SOURCE = `${SERVE}\nself.onmessage = (e) => { self.onmessage = null; serve(e.data); };\n`;

interface NodeWorker {
  unref(): void;
  on(event: 'error', listener: (e: unknown) => void): void;
  terminate(): Promise<number>;
}
type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown }) => NodeWorker;

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
  const g = globalThis as { Worker?: WebWorkerCtor; crossOriginIsolated?: boolean; WorkerGlobalScope?: abstract new () => unknown };
  const inWorker = typeof g.WorkerGlobalScope === 'function' && globalThis instanceof g.WorkerGlobalScope;
  return g.crossOriginIsolated === true && inWorker && typeof g.Worker === 'function' ? g.Worker : undefined;
}

/** A Node built-in module, fetched without a static import so that bundles for browsers do not pull it in; undefined elsewhere. */
function nodeBuiltin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(id) as T | undefined;
}

/** Node's Worker class. */
function nodeWorker(): WorkerCtor | undefined {
  return nodeBuiltin<{ Worker?: WorkerCtor }>('node:worker_threads')?.Worker;
}

/** Cores available here (Node), else navigator.hardwareConcurrency, else 1. */
export function availableCores(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number }>('node:os');
  return os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

export class WorkerPool {
  private readonly workers: { terminate(): unknown }[] = [];
  private readonly ctl: Int32Array;
  /** The same control words as f64, for a job's float arguments. */
  private readonly ctlF64: Float64Array;
  private seq = 0;
  /** Whether every worker has instantiated the kernels (browser workers start after the caller yields). */
  private started = false;
  /** A job overran JOB_TIMEOUT_MS: from then on every call runs on the calling thread alone. */
  private broken = false;

  /**
   * Starts `count` workers (fewer, or none, where threads are unavailable), each with the kernel
   * module and the fused multiply-add products if any. Node's start within the constructor; a
   * browser's start only once the calling thread returns to its event loop, so until `ready()` the
   * caller runs every job itself.
   */
  constructor(module: WebAssembly.Module, fmaModule: WebAssembly.Module | undefined, memory: WebAssembly.Memory, count: number) {
    const NodeWorkerClass = nodeWorker();
    const WebWorkerClass = NodeWorkerClass ? undefined : webWorker();
    const canShare = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
    this.ctl = new Int32Array(canShare ? new SharedArrayBuffer(4 * (SLOTS + SLOT * count)) : new ArrayBuffer(4 * SLOTS));
    this.ctlF64 = new Float64Array(this.ctl.buffer);
    if (!canShare || !(NodeWorkerClass || WebWorkerClass)) return;
    const init = (slot: number) => ({ module, fmaModule, memory, ctl: this.ctl, slot, ops: POOL_OPS });
    const url = WebWorkerClass && URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
    for (let slot = 0; slot < count; slot++) {
      this.ctl[SLOTS + slot * SLOT + DONE] = -1; // the worker sets 0 once it has instantiated the kernels
      if (NodeWorkerClass) {
        const w = new NodeWorkerClass(NODE_WORKER_SOURCE, { eval: true, workerData: init(slot) });
        w.unref(); // idle workers must not keep the process alive
        w.on('error', () => {}); // a dead worker shows as a job that never finishes (see wait)
        this.workers.push(w);
      } else {
        const w = new WebWorkerClass!(url!);
        w.postMessage(init(slot));
        this.workers.push(w);
      }
    }
    if (url) setTimeout(() => URL.revokeObjectURL(url), 60_000); // the workers have fetched it by then
    if (!NodeWorkerClass) return;
    for (let slot = 0; slot < count; slot++) {
      if (Atomics.wait(this.ctl, SLOTS + slot * SLOT + DONE, -1, 10_000) === 'timed-out') {
        this.close();
        throw new Error('wasm backend: a kernel worker did not start within 10 s');
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
    if (!this.started && this.workers.length > 0) this.started = this.workers.every((_, i) => Atomics.load(this.ctl, SLOTS + i * SLOT + DONE) !== -1);
    return this.started;
  }

  /** Whether a job overran its time, so that the pool runs nothing more on its workers. */
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
  run(op: PoolOp, tasks: number[][], floats: number[], workers: number, area: number, mask: number, local: (args: number[]) => void): number {
    const nargs = tasks[0].length;
    if (tasks.length > MAX_TASKS || nargs > MAX_ARGS || floats.length > MAX_FLOATS) {
      throw new Error(`wasm backend: ${op} has ${tasks.length} tasks of ${nargs} + ${floats.length} arguments, the pool takes ${MAX_TASKS} of ${MAX_ARGS} + ${MAX_FLOATS}`);
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
    if (failure !== undefined) throw failure;
    return ran;
  }

  /** Tasks each worker has run, all jobs together. */
  workerTasks(): number[] {
    return this.workers.map((_, w) => Atomics.load(this.ctl, SLOTS + w * SLOT + TASKS_RUN));
  }

  /** Blocks until worker w has finished the last job posted to it; throws if the job failed or the worker is gone. */
  private wait(w: number): void {
    const base = SLOTS + w * SLOT;
    const want = Atomics.load(this.ctl, base + SEQ);
    // Read before the spin, which usually ends the wait: V8 optimizes this function while every
    // wait ends there, and code that had never run then threw it back to the interpreter (an
    // eager deoptimization) each time a wait went past the spin: 130 times in five epochs of the
    // page's MLP in Node.
    const deadline = Date.now() + JOB_TIMEOUT_MS;
    for (let i = 0; i < SPIN && Atomics.load(this.ctl, base + DONE) !== want; i++);
    for (let done = Atomics.load(this.ctl, base + DONE); done !== want; done = Atomics.load(this.ctl, base + DONE)) {
      if (Date.now() > deadline) {
        this.broken = true;
        throw new Error(`wasm backend: kernel worker ${w} did not finish its job within ${JOB_TIMEOUT_MS / 1000} s; the kernels run on one thread from now on`);
      }
      Atomics.store(this.ctl, base + CALLER_SLEEPS, 1);
      Atomics.wait(this.ctl, base + DONE, done, 1000); // returns at once if the job finished since the check
      Atomics.store(this.ctl, base + CALLER_SLEEPS, 0);
    }
    if (Atomics.load(this.ctl, base + ERR) !== 0) throw new Error(`wasm backend: kernel worker ${w} failed its job`);
  }

  /** Stops every worker. */
  close(): void {
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
