/**
 * End to end: one epoch of the 784-128-10 MLP (Adam 1e-3, sparse categorical cross-entropy, batch
 * 128, shuffled) on real MNIST, ours and TF.js's cpu backend on the same data in the same process;
 * then the latency of predicting one digit. Run alone: npx tsx bench/epoch.ts
 * BENCH_SAMPLES=N trains on the first N digits (default 60000); BENCH_EPOCH_REPEATS=R times R epochs
 * per library (default 1) and reports the median.
 */
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Adam, Dense, Flatten, Sequential, loadMnist } from 'mnist-nn';
import { useTfCpu } from './tfjs.js';

export interface LibraryResult {
  /** Seconds of each timed epoch. */
  epochs: number[];
  /** Training loss reported by the last epoch. */
  loss: number;
  /** Median microseconds of predict() on a [1, 28, 28] batch. */
  predictUs: number;
}

export interface EpochResult {
  samples: number;
  ours: LibraryResult;
  tfjs: LibraryResult;
}

const BATCH = 128;
const PREDICT_CALLS = 2000;

export const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function timeEpoch(fit: () => Promise<number>): Promise<[seconds: number, loss: number]> {
  const t0 = performance.now();
  const loss = await fit();
  return [(performance.now() - t0) / 1e3, loss];
}

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

export async function runEpoch(
  samples = Number(process.env.BENCH_SAMPLES ?? 60000),
  repeats = Number(process.env.BENCH_EPOCH_REPEATS ?? 1),
): Promise<EpochResult> {
  const { xTrain, yTrain } = loadMnist();
  const n = Math.min(samples, xTrain.shape[0]);
  const x = xTrain.slice(0, n).div(255);
  const y = yTrain.slice(0, n);
  const digit = x.slice(0, 1);

  const ours = new Sequential([new Flatten({ inputShape: [28, 28] }), new Dense(128, { activation: 'relu' }), new Dense(10, { activation: 'softmax' })], { seed: 1 });
  ours.compile({ optimizer: new Adam({ learningRate: 1e-3 }), loss: 'sparse_categorical_crossentropy' });

  await useTfCpu();
  const theirs = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  theirs.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const xs = tf.tensor3d(x.data as Float32Array, [n, 28, 28]);
  // TF.js wants sparse labels as float [n, 1].
  const ys = tf.tensor2d(Float32Array.from(y.data), [n, 1]);
  const tDigit = tf.tensor3d(digit.data as Float32Array, [1, 28, 28]);

  const result: EpochResult = { samples: n, ours: { epochs: [], loss: NaN, predictUs: NaN }, tfjs: { epochs: [], loss: NaN, predictUs: NaN } };
  for (let r = 0; r < repeats; r++) {
    const [s1, l1] = await timeEpoch(async () => (await ours.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0 })).history.loss[0]);
    const [s2, l2] = await timeEpoch(async () => (await theirs.fit(xs, ys, { epochs: 1, batchSize: BATCH, verbose: 0 })).history.loss[0] as number);
    result.ours.epochs.push(s1);
    result.tfjs.epochs.push(s2);
    result.ours.loss = l1;
    result.tfjs.loss = l2;
  }

  result.ours.predictUs = await timePredict(() => ours.predict(digit));
  result.tfjs.predictUs = await timePredict(() => {
    const p = theirs.predict(tDigit) as tf.Tensor;
    p.dataSync();
    p.dispose();
  });
  tf.dispose([xs, ys, tDigit]);
  theirs.dispose();
  return result;
}

export function epochReport(e: EpochResult): string {
  const row = (what: string, ours: string, theirs: string, ratio = '') => `${what.padEnd(34)}${ours.padStart(12)}${theirs.padStart(12)}${ratio.padStart(20)}`;
  const so = median(e.ours.epochs);
  const st = median(e.tfjs.epochs);
  const each = (v: number[]) => (v.length > 1 ? ` (${v.map((s) => s.toFixed(2)).join(', ')})` : '');
  return [
    row('', 'ours', 'TF.js cpu', 'TF.js time ÷ ours'),
    row(`epoch, ${e.samples} digits (s)`, so.toFixed(2), st.toFixed(2), `${(st / so).toFixed(2)}×`),
    row('loss after the epoch', e.ours.loss.toFixed(4), e.tfjs.loss.toFixed(4)),
    row('predict one digit, median (µs)', e.ours.predictUs.toFixed(1), e.tfjs.predictUs.toFixed(1), `${(e.tfjs.predictUs / e.ours.predictUs).toFixed(2)}×`),
    ...(e.ours.epochs.length > 1 ? [`epochs (s): ours${each(e.ours.epochs)}, TF.js${each(e.tfjs.epochs)}`] : []),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(epochReport(await runEpoch()));
