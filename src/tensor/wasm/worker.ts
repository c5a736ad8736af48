/**
 * The worker pool's worker: it instantiates the kernels over the shared memory, then serves jobs
 * (control.ts) until told to exit. The pool does not import this file: scripts/build-worker.ts
 * bundles it, with `startWorker()` as its entry, into one script (worker-source.ts) that runs in
 * Node's worker_threads and in Web Workers alike.
 */
import {
  AREA,
  CALLER_SLEEPS,
  CLAIM,
  DONE,
  ERR,
  FLOATS,
  MASK,
  MAX_ARGS,
  MAX_FLOATS,
  MAX_TASKS,
  NARGS,
  NEXT,
  NFLOATS,
  NTASKS,
  OP,
  SEQ,
  SLOT,
  SLOTS,
  TASKS,
  TASKS_RUN,
  WORKER_SLEEPS,
  type WorkerInit,
} from './control.js';
import { WORKER_SPIN } from './tuning.js';

type Fn = (...args: number[]) => void;

/** Serves jobs on the control words of `init` until a job's op is −1; returns then. */
export function serve({ module, fmaModule, memory, ctl, slot, ops }: WorkerInit): void {
  const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, Fn>;
  const fma = fmaModule ? (new WebAssembly.Instance(fmaModule, { env: { memory } }).exports as Record<string, Fn>) : {};
  const fns = ops.map((name) => (name.startsWith('fma_') ? fma[name.slice(4)] : kernels[name]));
  const base = SLOTS + slot * SLOT;
  const f64 = new Float64Array(ctl.buffer);
  const args = new Array<number>(MAX_ARGS + MAX_FLOATS).fill(0);
  Atomics.store(ctl, base + DONE, 0);
  Atomics.notify(ctl, base + DONE);
  let seen = 0;
  for (;;) {
    // Spin a moment before sleeping, for the job that follows at once; a sleeping worker delays no
    // call (the caller takes the tasks it has not come to).
    for (let i = 0; i < WORKER_SPIN && Atomics.load(ctl, base + SEQ) === seen; i++);
    if (Atomics.load(ctl, base + SEQ) === seen) {
      Atomics.store(ctl, base + WORKER_SLEEPS, 1);
      Atomics.wait(ctl, base + SEQ, seen); // returns at once if a job came since the check
      Atomics.store(ctl, base + WORKER_SLEEPS, 0);
    }
    const seq = Atomics.load(ctl, base + SEQ);
    if (seq === seen) continue;
    seen = seq;
    // The header and the tasks are read only once the job is claimed: the caller writes them before
    // it resets CLAIM, and rewrites them for a later job only after this one is closed or done. Not
    // claimed (closed, or claimed already by this thread coming late to the job before): only say
    // it is done.
    const ours = Atomics.compareExchange(ctl, base + CLAIM, 0, 1) === 0;
    if (ours && ctl[OP] < 0) break;
    if (ours) {
      let err = 0;
      let ran = 0;
      // One array for every task, so that serving allocates nothing (a worker's heap is collected
      // only when it fills). Entries past the op's own arguments are left from earlier jobs and
      // ignored: a wasm export takes its arity.
      const fn = fns[ctl[OP]];
      const n = ctl[NARGS];
      const nf = ctl[NFLOATS];
      for (let i = 0; i < nf; i++) args[n + i] = f64[FLOATS / 2 + i];
      const area = ctl[AREA] * (slot + 1);
      const mask = ctl[MASK];
      // After a failure no more tasks: the others take them (a task taken is a task run).
      for (let t = Atomics.add(ctl, NEXT, 1); t < ctl[NTASKS]; t = err ? MAX_TASKS : Atomics.add(ctl, NEXT, 1)) {
        const row = TASKS + t * MAX_ARGS;
        for (let i = 0; i < n; i++) args[i] = ctl[row + i] + ((mask >> i) & 1 ? area : 0);
        try {
          Reflect.apply(fn, undefined, args);
          ran++;
        } catch {
          err = 1;
        }
      }
      Atomics.store(ctl, base + ERR, err);
      Atomics.add(ctl, base + TASKS_RUN, ran);
    }
    Atomics.store(ctl, base + DONE, seq);
    if (Atomics.load(ctl, base + CALLER_SLEEPS)) Atomics.notify(ctl, base + DONE);
  }
}

/**
 * The bundle's entry: serves the start data, workerData in Node (fetched by getBuiltinModule, not
 * require: the script is evaluated as a module when the process runs with --input-type=module), or
 * a Web Worker's first message.
 */
export function startWorker(): void {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const threads = proc?.getBuiltinModule?.('node:worker_threads') as { workerData: WorkerInit } | undefined;
  if (threads) return serve(threads.workerData);
  const scope = globalThis as unknown as { onmessage: ((e: { data: WorkerInit }) => void) | null };
  scope.onmessage = (e) => {
    scope.onmessage = null;
    serve(e.data);
  };
}
