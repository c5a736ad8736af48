/**
 * Memory over a long fit: ten epochs of the 784-128-10 MLP on ours (wasm, every core) in a fresh
 * child process, with the process RSS read after each epoch. The goal is flat memory: after the
 * first epoch has sized the allocators, nothing should grow. The wasm memory never shrinks, so a leak
 * of kernel buffers shows in its size as well as in RSS.
 *
 * runMemory() forks this file (with --expose-gc, so that each reading follows a full collection; the
 * code calls gc only if it is exposed and works without it) and collects its readings over IPC.
 * Run alone: npx tsx bench/memory.ts (add --expose-gc to node for the collections). BENCH_SAMPLES
 * shortens the epochs.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getThreads, kernels, setBackend, setThreads } from 'mnist-nn';
import { mnistSlice, oursModel } from './mlp.js';

export interface MemoryReading {
  epoch: number;
  seconds: number;
  loss: number;
  /** MiB. */
  rss: number;
  heapUsed: number;
  /** The wasm memory's size, MiB. */
  wasm: number;
}

export interface MemoryResult {
  threads: number;
  gc: boolean;
  readings: MemoryReading[];
}

export const EPOCHS = 10;
/** "Flat": RSS grows by at most this many MiB from the end of epoch 2 to the end of epoch 10. */
export const FLAT_MIB = 5;

const MiB = 2 ** 20;

async function measure(report: (r: MemoryReading) => void): Promise<MemoryResult> {
  setBackend('wasm');
  setThreads(os.availableParallelism());
  const gc = (globalThis as { gc?: () => void }).gc;
  const { x, y } = mnistSlice(Number(process.env.BENCH_SAMPLES ?? 60000));
  const model = oursModel();
  const readings: MemoryReading[] = [];
  let t0 = performance.now();
  await model.fit(x, y, {
    epochs: EPOCHS,
    batchSize: 128,
    verbose: 0,
    callbacks: {
      onEpochEnd: (epoch, logs) => {
        const seconds = (performance.now() - t0) / 1e3;
        gc?.();
        const m = process.memoryUsage();
        // A fresh 1-element view of the wasm memory: its buffer is the memory at its current size.
        const wasm = kernels().alloc(1, 'float32').buffer.byteLength / MiB;
        const r = {
          epoch: epoch + 1,
          seconds,
          loss: Number(logs?.loss),
          rss: m.rss / MiB,
          heapUsed: m.heapUsed / MiB,
          wasm,
        };
        readings.push(r);
        report(r);
        t0 = performance.now();
      },
    },
  });
  return { threads: getThreads(), gc: gc !== undefined, readings };
}

export const readingLine = (r: MemoryReading): string =>
  `epoch ${String(r.epoch).padStart(2)}  ${r.seconds.toFixed(2)} s  loss ${r.loss.toFixed(4)}  RSS ${r.rss.toFixed(1)} MiB  JS heap ${r.heapUsed.toFixed(1)} MiB  wasm memory ${r.wasm.toFixed(1)} MiB`;

/** RSS growth in MiB from the end of epoch 2 to the end of the last epoch. */
export const growth = (m: MemoryResult): number =>
  m.readings[m.readings.length - 1].rss - m.readings[Math.min(1, m.readings.length - 1)].rss;

/** Forks this file in a fresh Node process and returns what it measured; `log` hears each epoch as it ends. */
export function runMemory(log: (r: MemoryReading) => void = () => {}): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    // process.execArgv carries the TypeScript loader this process runs under (tsx).
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: [...process.execArgv, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: MemoryResult | undefined;
    child.on('message', (msg: { reading?: MemoryReading; result?: MemoryResult }) => {
      if (msg.reading) log(msg.reading);
      if (msg.result) result = msg.result;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`memory benchmark: child exited with code ${code} and no result`)),
    );
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const send = process.send?.bind(process);
  const result = await measure((r) => (send ? send({ reading: r }) : console.log(readingLine(r))));
  if (send) {
    send({ result }, () => process.disconnect());
  } else {
    console.log(
      `RSS growth, epoch 2 → ${EPOCHS}: ${growth(result).toFixed(1)} MiB (gc ${result.gc ? 'forced before each reading' : 'not exposed'})`,
    );
  }
}
