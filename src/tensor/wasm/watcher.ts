/**
 * The pool's watcher (Node): a thread whose event loop stays free, as the pool's caller's does not
 * while it blocks in a job, to hear each worker's port close when the worker stops (killed, out of
 * memory) and wake the caller waiting for it, which then fails the call at once. scripts/build-worker.ts
 * bundles `startWatcher()` into worker-source.ts's WATCHER_SOURCE, as it bundles worker.ts.
 */
import { DONE, GONE, SLOT, SLOTS } from './control.js';

/** A worker's end of its MessageChannel, as the watcher uses it. */
interface Port {
  on(event: 'message' | 'close', listener: () => void): void;
}

/** What the pool hands the watcher: the control words and one port per worker slot. */
export interface WatcherInit {
  ctl: Int32Array;
  ports: Port[];
}

/** Marks a slot GONE and wakes the caller when its worker's port closes. */
export function watch({ ctl, ports }: WatcherInit): void {
  ports.forEach((port, slot) => {
    const at = SLOTS + slot * SLOT;
    port.on('message', () => {}); // keeps the port open, and this thread listening
    port.on('close', () => {
      Atomics.store(ctl, at + GONE, 1);
      Atomics.notify(ctl, at + DONE);
    });
  });
}

/** The bundle's entry: watches the ports in workerData (fetched by getBuiltinModule, as worker.ts does). */
export function startWatcher(): void {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const threads = proc?.getBuiltinModule?.('node:worker_threads') as { workerData: WatcherInit } | undefined;
  if (threads) watch(threads.workerData);
}
