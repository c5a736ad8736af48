/**
 * Worker threads that share the kernels' memory and take a slice of the rows of a large product, or
 * a run of the samples of a large affine resampling.
 * A call is synchronous: the caller writes each worker's job into a shared control array, wakes it,
 * computes its own slice, then waits (Atomics.wait) until every worker has written back its job's
 * number. Only where threads can block (Node's main thread and workers; not a browser's main
 * thread) and SharedArrayBuffer exists; elsewhere the pool has no workers and everything runs
 * on the calling thread.
 */

/** Per-worker control slots in the shared Int32Array: job number, done number, then the job's arguments. */
const SLOT = 16;
const SEQ = 0;
const DONE = 1;
// op, then up to nine i32 arguments: −1 exit; 0 gemm_n, 1 gemm_t (c, a, b, m, k, n, ars, acs, scratch);
// 2 affine_resample (y, x, t, samples, H, W, C, fill, interp; fillValue in FLOAT); 3 its backward
// (dx, dy, t, samples, H, W, C, fill, interp); FMA_OPS + 0 and + 1: gemm_n and gemm_t of the fused
// multiply-add module
const ARGS = 2;
/** Added to a product's op for the fused multiply-add module's product. */
export const FMA_OPS = 4;
const FLOAT = 12; // an f64 argument, in words 12–13 of the slot (8-byte aligned: slots are 64 bytes)
const ERR = 14; // 1 when the worker's last job threw
/** Longest a job may take before the caller gives up on a worker (it may have died). */
const JOB_TIMEOUT_MS = 60_000;
/** Polls of a control word before sleeping on it (some tens of microseconds). */
const SPIN = 20000;

// Runs in each worker: instantiate the kernels over the shared memory, then serve jobs forever.
const WORKER_SOURCE = `
// getBuiltinModule, not require: the source is evaluated as a module when the process runs with --input-type=module.
const { workerData } = process.getBuiltinModule('node:worker_threads');
const { module, fmaModule, memory, ctl, slot } = workerData;
const { gemm_n, gemm_t, affine_resample, affine_resample_backward } = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fma = fmaModule ? new WebAssembly.Instance(fmaModule, { env: { memory } }).exports : undefined;
const base = slot * ${SLOT};
const f64 = new Float64Array(ctl.buffer);
Atomics.store(ctl, base + ${DONE}, 0);
Atomics.notify(ctl, base + ${DONE});
let seen = 0;
for (;;) {
  // Spin a little before sleeping: the next product of a training step usually comes within
  // microseconds, and waking a sleeping thread costs tens of them.
  for (let i = 0; i < ${SPIN} && Atomics.load(ctl, base + ${SEQ}) === seen; i++);
  Atomics.wait(ctl, base + ${SEQ}, seen);
  const seq = Atomics.load(ctl, base + ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  const a = base + ${ARGS};
  const op = ctl[a];
  if (op < 0) break;
  try {
    const args = [ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7], ctl[a + 8], ctl[a + 9]];
    if (op === 0) gemm_n(...args);
    else if (op === 1) gemm_t(...args);
    else if (op === 2) affine_resample(...args, f64[(base + ${FLOAT}) / 2]);
    else if (op === 3) affine_resample_backward(...args);
    else if (op === ${FMA_OPS}) fma.gemm_n(...args);
    else fma.gemm_t(...args);
    Atomics.store(ctl, base + ${ERR}, 0);
  } catch {
    Atomics.store(ctl, base + ${ERR}, 1);
  }
  Atomics.store(ctl, base + ${DONE}, seq);
  Atomics.notify(ctl, base + ${DONE});
}
`;

interface NodeWorker {
  unref(): void;
  on(event: 'error', listener: (e: unknown) => void): void;
  terminate(): Promise<number>;
}
type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown }) => NodeWorker;

/** Node's Worker class, fetched without a static import so that bundles for browsers do not pull it in. */
function nodeWorker(): WorkerCtor | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:worker_threads') as { Worker?: WorkerCtor; isMainThread?: boolean } | undefined;
  return mod?.Worker;
}

/** Cores available here (Node), else navigator.hardwareConcurrency, else 1. */
export function availableCores(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  return os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

export class WorkerPool {
  private readonly workers: NodeWorker[] = [];
  private readonly ctl: Int32Array;
  /** The same control words as f64, for a job's float argument. */
  private readonly ctlF64: Float64Array;
  private seq = 0;

  /** Starts `count` workers (fewer, or none, where threads are unavailable), each with the kernel module and the fused multiply-add products if any. */
  constructor(module: WebAssembly.Module, fmaModule: WebAssembly.Module | undefined, memory: WebAssembly.Memory, count: number) {
    const Worker = nodeWorker();
    const canShare = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
    this.ctl = new Int32Array(canShare ? new SharedArrayBuffer(4 * SLOT * Math.max(count, 1)) : new ArrayBuffer(4 * SLOT));
    this.ctlF64 = new Float64Array(this.ctl.buffer);
    if (!Worker || !canShare) return;
    for (let slot = 0; slot < count; slot++) {
      this.ctl[slot * SLOT + DONE] = -1; // the worker sets 0 once it has instantiated the kernels
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, fmaModule, memory, ctl: this.ctl, slot } });
      w.unref(); // idle workers must not keep the process alive
      w.on('error', () => {}); // a dead worker shows as a job that never finishes (see wait)
      this.workers.push(w);
    }
    for (let slot = 0; slot < count; slot++) {
      if (Atomics.wait(this.ctl, slot * SLOT + DONE, -1, 10_000) === 'timed-out') {
        this.close();
        throw new Error('wasm backend: a kernel worker did not start within 10 s');
      }
    }
  }

  /** Threads a product is split across: the workers and the calling thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Hands job `args` (op and its i32 arguments, see ARGS) to worker w, with `float` its f64 argument if any. */
  post(w: number, args: number[], float = 0): void {
    const base = w * SLOT;
    this.ctl.set(args, base + ARGS);
    this.ctlF64[(base + FLOAT) / 2] = float;
    Atomics.store(this.ctl, base + SEQ, ++this.seq);
    Atomics.notify(this.ctl, base + SEQ);
  }

  /** Blocks until worker w has finished the last job posted to it; throws if the job failed or the worker is gone. */
  wait(w: number): void {
    const base = w * SLOT;
    const want = Atomics.load(this.ctl, base + SEQ);
    for (let i = 0; i < SPIN && Atomics.load(this.ctl, base + DONE) !== want; i++);
    const deadline = Date.now() + JOB_TIMEOUT_MS;
    for (let done = Atomics.load(this.ctl, base + DONE); done !== want; done = Atomics.load(this.ctl, base + DONE)) {
      if (Date.now() > deadline) throw new Error(`wasm backend: kernel worker ${w} did not finish its job within ${JOB_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.ctl, base + DONE, done, 1000);
    }
    if (Atomics.load(this.ctl, base + ERR) !== 0) throw new Error(`wasm backend: kernel worker ${w} failed its job`);
  }

  /** Stops every worker. */
  close(): void {
    this.workers.forEach((w, i) => {
      this.post(i, [-1]);
      void w.terminate();
    });
    this.workers.length = 0;
  }
}
