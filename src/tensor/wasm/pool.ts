/**
 * Worker threads that share the kernels' memory and take a part of a large kernel call: a slice of
 * the rows of a product, a run of the samples of a window or resampling kernel, a range of elements.
 * A call is synchronous: the caller writes each worker's job into a shared control array, wakes it,
 * computes its own slice, runs itself the jobs that no worker has begun yet (CLAIM below), then
 * waits (Atomics.wait) until every worker that began one has written back its job's number. Only
 * where threads can block (Node's main thread and workers; not a browser's main thread) and
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

/** Per-worker control slots in the shared Int32Array (48 words, 192 bytes). */
const SLOT = 48;
const SEQ = 0; // job number, written by the caller
const DONE = 1; // number of the last job finished, written by the worker
const ERR = 2; // 1 when the worker's last job threw
const OP = 3; // index in POOL_OPS; −1: exit
const NARGS = 4; // i32 arguments at ARGS…
const NFLOATS = 5; // float arguments after them, as f64 at FLOATS… (Adam's four)
// 1 while the worker sleeps in Atomics.wait for a job, and while the caller sleeps waiting for it:
// the other side calls Atomics.notify (a lock and a wake-up in V8) only then, not after every job
// of a training step, which the spinning side sees within microseconds. Both check the flag after
// their own store, with sequentially consistent atomics, so a wake-up is never lost.
const WORKER_SLEEPS = 6;
const CALLER_SLEEPS = 7;
// Who runs the posted job: 0 until taken, 1 the worker, 2 the caller. A caller that has finished
// its own part takes the parts that no worker has begun (compareExchange from 0), so a worker that
// is asleep, still waking, or descheduled (a browser's page and compositor want the cores too)
// costs the call nothing: it runs as on fewer threads instead of waiting.
const CLAIM = 8;
const FLOATS = 10; // words 10–17: four f64 (8-byte aligned, as every slot is)
const MAX_FLOATS = 4;
const ARGS = 18;
const MAX_ARGS = SLOT - ARGS;
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
  const base = slot * ${SLOT};
  const f64 = new Float64Array(ctl.buffer);
  const args = new Array(${SLOT}).fill(0);
  Atomics.store(ctl, base + ${DONE}, 0);
  Atomics.notify(ctl, base + ${DONE});
  let seen = 0;
  for (;;) {
    // Spin a moment before sleeping, for the job that follows at once (a product's after the
    // packing of its B). Not longer: a sleeping worker delays no call (the caller takes back the
    // parts it has not begun), and a spinning one takes a core from the rest (a browser's page and
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
    // The job's words are used only once it is ours: the caller writes them before it resets
    // CLAIM, and rewrites them for a later job only after this one is done or taken back. Not ours
    // (the caller took it back, or this thread ran it already, having come late to the job before
    // and taken this one's claim): only say it is done.
    const ours = Atomics.compareExchange(ctl, base + ${CLAIM}, 0, 1) === 0;
    if (ours && ctl[base + ${OP}] < 0) break;
    if (ours) try {
      // One array for every job, so that serving allocates nothing (a worker's heap is collected
      // only when it fills; garbage here grew the process by megabytes). Entries past the op's own
      // arguments are left from earlier jobs and ignored: a wasm export takes its arity.
      const n = ctl[base + ${NARGS}];
      for (let i = 0; i < n; i++) args[i] = ctl[base + ${ARGS} + i];
      const nf = ctl[base + ${NFLOATS}];
      for (let i = 0; i < nf; i++) args[n + i] = f64[(base + ${FLOATS}) / 2 + i];
      fns[ctl[base + ${OP}]].apply(undefined, args);
      Atomics.store(ctl, base + ${ERR}, 0);
    } catch {
      Atomics.store(ctl, base + ${ERR}, 1);
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
    this.ctl = new Int32Array(canShare ? new SharedArrayBuffer(4 * SLOT * Math.max(count, 1)) : new ArrayBuffer(4 * SLOT));
    this.ctlF64 = new Float64Array(this.ctl.buffer);
    if (!canShare || !(NodeWorkerClass || WebWorkerClass)) return;
    const init = (slot: number) => ({ module, fmaModule, memory, ctl: this.ctl, slot, ops: POOL_OPS });
    const url = WebWorkerClass && URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
    for (let slot = 0; slot < count; slot++) {
      this.ctl[slot * SLOT + DONE] = -1; // the worker sets 0 once it has instantiated the kernels
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
      if (Atomics.wait(this.ctl, slot * SLOT + DONE, -1, 10_000) === 'timed-out') {
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
    if (!this.started && this.workers.length > 0) this.started = this.workers.every((_, i) => Atomics.load(this.ctl, i * SLOT + DONE) !== -1);
    return this.started;
  }

  /** Threads a call is split across: the workers and the calling thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Hands worker w the job: run `op` with the i32 arguments `args`, then `floats` (as f64). */
  post(w: number, op: PoolOp, args: number[], floats: number[]): void {
    if (args.length > MAX_ARGS || floats.length > MAX_FLOATS) throw new Error(`wasm backend: ${op} has ${args.length} + ${floats.length} arguments, the pool passes ${MAX_ARGS} + ${MAX_FLOATS}`);
    const base = w * SLOT;
    this.ctl[base + OP] = POOL_OPS.indexOf(op);
    this.ctl[base + NARGS] = args.length;
    this.ctl.set(args, base + ARGS);
    this.ctl[base + NFLOATS] = floats.length;
    this.ctlF64.set(floats, (base + FLOATS) / 2);
    Atomics.store(this.ctl, base + CLAIM, 0);
    Atomics.store(this.ctl, base + SEQ, ++this.seq);
    if (Atomics.load(this.ctl, base + WORKER_SLEEPS)) Atomics.notify(this.ctl, base + SEQ);
  }

  /**
   * Takes back the last job posted to worker w if it has not begun it: true when the caller is now
   * to run it (and must not wait for w), false when w runs it.
   */
  takeBack(w: number): boolean {
    return Atomics.compareExchange(this.ctl, w * SLOT + CLAIM, 0, 2) === 0;
  }

  /** Blocks until worker w has finished the last job posted to it; throws if the job failed or the worker is gone. */
  wait(w: number): void {
    const base = w * SLOT;
    const want = Atomics.load(this.ctl, base + SEQ);
    for (let i = 0; i < SPIN && Atomics.load(this.ctl, base + DONE) !== want; i++);
    const deadline = Date.now() + JOB_TIMEOUT_MS;
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
    this.workers.forEach((w, i) => {
      this.ctl[i * SLOT + OP] = -1;
      Atomics.store(this.ctl, i * SLOT + CLAIM, 0);
      Atomics.store(this.ctl, i * SLOT + SEQ, ++this.seq);
      Atomics.notify(this.ctl, i * SLOT + SEQ);
      void w.terminate();
    });
    this.started = false;
    this.workers.length = 0;
  }
}
