// The wasm backend's worker pool when a worker stops in the middle of a job: the call fails at once
// with a BackendError (not after the minute a job may take), the scheduler then runs every call on the
// calling thread, and setThreads starts new workers.
import { describe, expect, it } from 'vitest';
import { BackendError } from '../src/errors.js';
import { CLAIM, SLOTS } from '../src/tensor/wasm/control.js';
import { KERNELS_SHARED } from '../src/tensor/wasm/binary.js';
import { Scheduler } from '../src/tensor/wasm/scheduler.js';

describe('a pool worker that stops in the middle of a job', () => {
  // add_bias(y, bias, rows, cols): y += bias, row by row, over 16 MiB: every task of a job adds the
  // ones at byte 0 to the same rows, so that a task lasts milliseconds and the worker is busy with
  // the job's tasks when it is stopped (the values are not checked while it runs).
  const memory = new WebAssembly.Memory({ initial: 272, maximum: 16384, shared: true });
  const module = new WebAssembly.Module(Uint8Array.from(atob(KERNELS_SHARED), (ch) => ch.charCodeAt(0)));
  type AddBias = (y: number, b: number, rows: number, cols: number) => void;
  const own = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as { add_bias: AddBias };
  const heap = new Float32Array(memory.buffer);
  const cols = 16;
  const rows = 1 << 18;
  const rowsAt = 4096; // bytes
  heap.fill(1, 0, cols);
  const region = (): Float32Array => heap.subarray(rowsAt / 4, rowsAt / 4 + rows * cols);

  interface PoolInside {
    ctl: Int32Array;
    workers: { terminate(): Promise<number> }[];
  }

  it('fails the call at once with a BackendError, then runs on the caller until setThreads starts workers', () => {
    let kill: PoolInside | undefined;
    // The calling thread's add_bias: on the first task of the killing call it waits for worker 0 to
    // come to the job, then stops it, and goes on with the tasks left.
    const calling = {
      add_bias: (y: number, b: number, r: number, c: number) => {
        const pool = kill;
        kill = undefined;
        if (pool) {
          while (Atomics.load(pool.ctl, SLOTS + CLAIM) !== 1);
          void pool.workers[0].terminate();
        }
        own.add_bias(y, b, r, c);
      },
    };
    const scheduler = new Scheduler({ module, fmaModule: undefined, memory }, true, calling, undefined, 1);
    const inside = (): PoolInside => (scheduler as unknown as { pool: PoolInside }).pool;
    // 16 tasks (8 a thread), each over all the rows: long, for the worker to be stopped in.
    const job = (): void => scheduler.split('add_bias', 16, rows * cols, () => [rowsAt, 0, rows, cols]);
    // The rows split into tasks of their own, each row once: then every value is checked.
    const whole = (): void => {
      region().fill(0);
      scheduler.split('add_bias', rows, rows * cols, (start, n) => [rowsAt + 4 * cols * start, 0, n, cols]);
    };
    try {
      scheduler.setThreads(2);
      expect(scheduler.threads).toBe(2);
      job();
      expect(scheduler.threadTasks()[1]).toBeGreaterThan(0); // the worker takes part

      kill = inside();
      const t0 = Date.now();
      let error: unknown;
      try {
        job();
      } catch (e) {
        error = e;
      }
      expect(Date.now() - t0).toBeLessThan(5000); // not JOB_TIMEOUT_MS (a minute)
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toBe(
        'wasm backend: kernel worker 0 stopped in the middle of a job (add_bias), whose results are incomplete; ' +
          'the kernels run on the calling thread alone until setThreads starts new workers.',
      );

      // From then on the calling thread runs each call whole, and the results are right.
      expect(scheduler.threads).toBe(1);
      const before = scheduler.threadTasks();
      whole();
      expect(region().every((v) => v === 1)).toBe(true);
      expect(scheduler.threadTasks()).toEqual(before); // nothing split

      scheduler.setThreads(2); // new workers
      expect(scheduler.threads).toBe(2);
      job();
      expect(scheduler.threadTasks()[1]).toBeGreaterThan(0); // the new worker takes part
      whole();
      expect(region().every((v) => v === 1)).toBe(true);
    } finally {
      scheduler.close();
    }
  });
});
