/**
 * End to end: epochs of the 784-128-10 MLP (Dense 128 relu, Dense 10 softmax, Adam 1e-3, sparse
 * categorical cross-entropy, batch 128, shuffled) on real MNIST scaled by 1/255, for five
 * configurations in one process: ours on js, on wasm with one thread and with every core, and
 * TF.js on its cpu and wasm backends. Each configuration selects its backend (and thread count)
 * before its model is built, so that its weights live in that backend's memory; it trains two
 * epochs, the first of which warms up the JIT and the allocators, and the second is the one
 * reported. TF.js cpu takes some 40 s an epoch, so it trains one. After training, each
 * configuration times predict() on a single digit ([1, 28, 28]).
 *
 * Run alone: npx tsx bench/epoch.ts. BENCH_SAMPLES=N trains on the first N digits (default 60000).
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { getFma, getThreads, setBackend, setFma, setThreads } from 'mnist-nn';
import { mnistSlice, oursModel } from './mlp.js';
import { tfWasmMultithread, tfWasmThreads, useTf, type TfBackend } from './tfjs.js';
import { onThreads, peerLines, torchLabel, twoThreadNote, type TorchMlp, type TorchResult } from './torch.js';

export interface ConfigResult {
  label: string;
  /** Threads the configuration computes on (as the library reports). */
  threads: number;
  /** Seconds of each epoch, in order. */
  epochs: number[];
  /** Training loss of each epoch, in order. */
  losses: number[];
  /** Median µs of predict() on one digit. */
  predictUs: number;
}

export interface EpochResults {
  samples: number;
  js: ConfigResult;
  wasm1: ConfigResult;
  wasmN: ConfigResult;
  /** Ours on every core without fused multiply-adds, where they are in use (else undefined). */
  wasmNoFma?: ConfigResult;
  tfWasm: ConfigResult & { multithread: boolean };
  tfCpu: ConfigResult;
}

const BATCH = 128;
const PREDICT_CALLS = 2000;

export const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The warm epoch's seconds: the last one timed. */
export const warm = (r: ConfigResult): number => r.epochs[r.epochs.length - 1];

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Median latency in µs, after a warm-up so that JIT compilation is not counted. */
async function timePredict(predict: () => unknown): Promise<number> {
  for (let i = 0; i < 200; i++) await predict();
  const times: number[] = [];
  for (let i = 0; i < PREDICT_CALLS; i++) {
    const t0 = performance.now();
    await predict();
    times.push(performance.now() - t0);
  }
  return median(times) * 1e3;
}

type Data = ReturnType<typeof mnistSlice>;

async function runOurs(
  label: string,
  backend: 'js' | 'wasm',
  threads: number | undefined,
  { x, y }: Data,
  epochs: number,
): Promise<ConfigResult> {
  setBackend(backend);
  if (threads !== undefined) setThreads(threads);
  gc();
  const digit = x.slice(0, 1);
  const model = oursModel();
  const r: ConfigResult = {
    label,
    threads: backend === 'js' ? 1 : getThreads(),
    epochs: [],
    losses: [],
    predictUs: NaN,
  };
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    const h = await model.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0 });
    r.epochs.push((performance.now() - t0) / 1e3);
    r.losses.push(h.history.loss[0]);
  }
  r.predictUs = await timePredict(() => model.predict(digit));
  return r;
}

async function runTf(label: string, backend: TfBackend, { n, x, y }: Data, epochs: number): Promise<ConfigResult> {
  await useTf(backend);
  gc();
  // Copies into ordinary arrays: TF.js gets its own data, as a TF.js user would hold it.
  const xs = tf.tensor3d(Float32Array.from(x.data), [n, 28, 28]);
  const ys = tf.tensor2d(Float32Array.from(y.data), [n, 1]); // sparse labels as float [n, 1]
  const digit = tf.tensor3d(Float32Array.from(x.data.subarray(0, 784)), [1, 28, 28]);
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const r: ConfigResult = {
    label,
    threads: backend === 'wasm' ? tfWasmThreads() : 1,
    epochs: [],
    losses: [],
    predictUs: NaN,
  };
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    const h = await model.fit(xs, ys, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 });
    r.epochs.push((performance.now() - t0) / 1e3);
    r.losses.push(h.history.loss[0] as number);
  }
  r.predictUs = await timePredict(() => {
    const p = model.predict(digit) as tf.Tensor;
    p.dataSync();
    p.dispose();
  });
  tf.dispose([xs, ys, digit]);
  model.dispose();
  return r;
}

/**
 * Runs every configuration; `log` hears each one as it finishes. Ours last on wasm with every core,
 * so that the default backend is left as the library starts.
 */
export async function runEpochs(
  samples = Number(process.env.BENCH_SAMPLES ?? 60000),
  log: (r: ConfigResult) => void = () => {},
): Promise<EpochResults> {
  const all = os.availableParallelism();
  const data = mnistSlice(samples);
  const step = async <T extends ConfigResult>(p: Promise<T>): Promise<T> => {
    const r = await p;
    log(r);
    return r;
  };
  const js = await step(runOurs('ours js', 'js', undefined, data, 2));
  const wasm1 = await step(runOurs('ours wasm, 1 thread', 'wasm', 1, data, 2));
  let wasmNoFma: ConfigResult | undefined;
  if (getFma()) {
    setFma(false);
    try {
      wasmNoFma = await step(runOurs(`ours wasm, ${all}t, no FMA`, 'wasm', all, data, 2));
    } finally {
      setFma(true);
    }
  }
  const wasmN = await step(runOurs(`ours wasm, ${all} threads`, 'wasm', all, data, 2));
  const tfWasmBase = await step(runTf('TF.js wasm', 'wasm', data, 2));
  const tfWasm = { ...tfWasmBase, multithread: await tfWasmMultithread() };
  const tfCpu = await step(runTf('TF.js cpu', 'cpu', data, 1));
  return { samples: data.n, js, wasm1, wasmN, wasmNoFma, tfWasm, tfCpu };
}

export function configLine(r: ConfigResult): string {
  const epochs = r.epochs.map((s, i) => `epoch ${i + 1}: ${s.toFixed(2)} s, loss ${r.losses[i].toFixed(4)}`).join('; ');
  return `${r.label.padEnd(24)} ${String(r.threads).padStart(2)} thread${r.threads === 1 ? ' ' : 's'}  ${epochs}`;
}

/** A PyTorch run of the MLP as a row of the epoch table (it times no prediction). */
export const torchConfig = (t: TorchMlp): ConfigResult => ({
  label: torchLabel(t.threads),
  threads: t.threads,
  epochs: t.epochs,
  losses: t.losses,
  predictUs: NaN,
});

/** The epoch table; `torch`, when given, adds the PyTorch peer's rows and the ratios against it. */
export function epochReport(e: EpochResults, torch?: TorchResult<TorchMlp>): string {
  const base = warm(e.wasmN);
  const peers = torch?.ok ? torch.runs.map(torchConfig) : [];
  const rows = [e.js, e.wasm1, ...(e.wasmNoFma ? [e.wasmNoFma] : []), e.wasmN, e.tfWasm, e.tfCpu, ...peers].map((r) => [
    r.label,
    String(r.threads),
    `${warm(r).toFixed(2)} s${r.epochs.length === 1 ? ' (1st)' : ''}`,
    r.losses[0].toFixed(4),
    r.losses.length > 1 ? r.losses[1].toFixed(4) : '—',
    `${(warm(r) / base).toFixed(2)}×`,
  ]);
  const widths = [24, 7, 14, 12, 12, 22];
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const t1 = onThreads(torch, 1);
  const t2 = onThreads(torch, 2);
  const peer = peerLines(torch, () => [
    `PyTorch: the same network, data, batch and Adam (ε 1e-7), two epochs on one model, the second reported, as for ours.`,
    ...(t1
      ? [
          `Ours ÷ PyTorch 1 thread (issue 15's ratio; below 1, ours is faster): wasm ${e.wasmN.threads}t ${(base / t1.warm).toFixed(2)}×, ` +
            `wasm 1t ${(warm(e.wasm1) / t1.warm).toFixed(2)}×` +
            (t2 ? `; PyTorch 1 thread ÷ 2 threads: ${(t1.warm / t2.warm).toFixed(2)}×.` : '.'),
          ...(t2 ? twoThreadNote(t1.warm, t2.warm) : []),
        ]
      : []),
  ]);
  return [
    line([
      'configuration',
      'threads',
      'warm epoch',
      'loss ep. 1',
      'loss ep. 2',
      `time ÷ ours wasm ${e.wasmN.threads}t`,
    ]),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `Warm epoch = the second of two (the first warms up the JIT and allocators); TF.js cpu trains one epoch only`,
    `(marked "1st"). TF.js wasm: ${e.tfWasm.threads} thread(s) by its getThreadsCount(); multithreading ${e.tfWasm.multithread ? 'on' : 'off (TF.js disables its threaded build in Node)'}.`,
    `TF.js wasm time ÷ ours wasm ${e.wasmN.threads}t: ${(warm(e.tfWasm) / base).toFixed(2)}×; TF.js cpu ÷ ours wasm ${e.wasmN.threads}t: ${(warm(e.tfCpu) / base).toFixed(2)}× (above 1: ours is faster).`,
    ...peer,
  ].join('\n');
}

export function predictReport(e: EpochResults): string {
  const rows: [string, ConfigResult][] = [
    [`ours wasm (default, ${e.wasmN.threads} threads)`, e.wasmN],
    ['ours wasm, 1 thread', e.wasm1],
    ['ours js', e.js],
    ['TF.js wasm', e.tfWasm],
    ['TF.js cpu', e.tfCpu],
  ];
  const base = e.wasmN.predictUs;
  return [
    `${'predict one digit [1,28,28]'.padEnd(34)}${'median'.padStart(10)}${'÷ ours wasm'.padStart(14)}`,
    `${'-'.repeat(34)}${'-'.repeat(10)}${'-'.repeat(14)}`,
    ...rows.map(
      ([what, r]) =>
        `${what.padEnd(34)}${`${r.predictUs.toFixed(1)} µs`.padStart(10)}${`${(r.predictUs / base).toFixed(2)}×`.padStart(14)}`,
    ),
    `Median of ${PREDICT_CALLS} calls after 200 warm-up calls; TF.js's include dataSync() and dispose() of the result.`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const e = await runEpochs(undefined, (r) => console.log(configLine(r)));
  console.log(`\n${epochReport(e)}\n\n${predictReport(e)}`);
}
