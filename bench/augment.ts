/**
 * What the augmentation layers cost: RandomRotation(0.1), RandomTranslation(0.1, 0.1) and
 * RandomZoom(0.1) (Keras's defaults: bilinear, reflect) in front of the seed 002 CNN (bench/cnn.ts),
 * against the same CNN without them, both trained (Adam, categorical cross-entropy, batch 128) on
 * the default backend (wasm, every core) in one process over BENCH_AUG_SAMPLES digits (default 6000)
 * per epoch, for BENCH_AUG_ROUNDS epochs each (default 3). The two alternate batch by batch (the
 * same batch for both, which goes first alternating), so that a shared machine's load falls on both
 * alike; the first epoch warms up the JIT and the allocators and is not counted. The cost is
 * (with − without) / without over the counted epochs: the share of a CNN epoch the layers add
 * (target: under 15%). It also times the layers alone: their three forward passes on a batch (in
 * training, as fit runs them; first in the network, they have no backward pass), against a batch
 * of the CNN without them.
 * Run alone: npx tsx bench/augment.ts
 */
import { pathToFileURL } from 'node:url';
import {
  RandomRotation,
  RandomTranslation,
  RandomZoom,
  Rng,
  Sequential,
  Tensor,
  getBackend,
  getThreads,
  kernels,
  loadMnist,
  toCategorical,
} from 'mnist-nn';
import { cnnLayers } from '../src/zoo/networks.js';

export interface AugmentResult {
  samples: number;
  backend: string;
  threads: number;
  /** Seconds of each counted epoch's training steps, with the layers and without. */
  with: number[];
  without: number[];
  /** Milliseconds of the three layers' forward passes on one batch of 128 digits, in training. */
  layersMs: number;
}

const BATCH = 128;

export async function runAugmentCost(
  samples = Number(process.env.BENCH_AUG_SAMPLES ?? 6000),
  rounds = Number(process.env.BENCH_AUG_ROUNDS ?? 3),
): Promise<AugmentResult> {
  // The first round warms up and is not counted: with fewer than two there would be nothing to report.
  if (!Number.isInteger(rounds) || rounds < 2)
    throw new Error(`BENCH_AUG_ROUNDS must be an integer ≥ 2 (the first round only warms up), got ${rounds}`);
  const { xTrain, yTrain } = loadMnist();
  const n = Math.min(samples, 60000);
  // The digits in the backend's memory, as fit's shuffled batches are (slices share it).
  const data = kernels().alloc(n * 784, 'float32');
  data.set(xTrain.slice(0, n).div(255).data);
  const x = new Tensor(data, [n, 28, 28, 1]);
  const y = toCategorical(yTrain.slice(0, n), 10);
  const model = (augment: boolean): Sequential => {
    const front = augment ? [new RandomRotation(0.1), new RandomTranslation(0.1, 0.1), new RandomZoom(0.1)] : [];
    const m = new Sequential([...front, ...cnnLayers()], { seed: 1 });
    m.build([null, 28, 28, 1]);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    return m;
  };
  const models = { with: model(true), without: model(false) };
  const result: AugmentResult = {
    samples: n,
    backend: getBackend(),
    threads: getThreads(),
    with: [],
    without: [],
    layersMs: 0,
  };
  for (let r = 0; r < rounds; r++) {
    const spent = { with: 0, without: 0 };
    for (let lo = 0, k = 0; lo < n; lo += BATCH, k++) {
      const xb = x.slice(lo, Math.min(n, lo + BATCH));
      const yb = y.slice(lo, Math.min(n, lo + BATCH));
      for (const which of k % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
        const t0 = performance.now();
        await models[which].trainOnBatch(xb, yb);
        spent[which] += performance.now() - t0;
      }
    }
    if (r > 0) {
      result.with.push(spent.with / 1e3);
      result.without.push(spent.without / 1e3);
    }
  }
  const front = models.with.layers.slice(0, 3);
  const batch = x.slice(0, BATCH);
  const ctx = { training: true, rng: new Rng(1) };
  const pass = () => front.reduce((h, l) => l.forward(h, ctx), batch);
  for (let i = 0; i < 20; i++) pass();
  const reps = 200;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) pass();
  result.layersMs = (performance.now() - t0) / reps;
  return result;
}

const sum = (v: number[]): number => v.reduce((a, b) => a + b, 0);

/** The share of a CNN epoch the three layers add: (with − without) / without, over the counted epochs. */
export const augmentCost = (r: AugmentResult): number => sum(r.with) / sum(r.without) - 1;

/** Milliseconds of a training step of the CNN without the layers, over the counted epochs. */
const stepMs = (r: AugmentResult): number => (1e3 * sum(r.without)) / (r.without.length * Math.ceil(r.samples / BATCH));

/** The layers' own time per batch over a training step of the CNN without them. */
export const layersShare = (r: AugmentResult): number => r.layersMs / stepMs(r);

export function augmentReport(r: AugmentResult): string {
  const list = (v: number[]) => v.map((s) => s.toFixed(2)).join(', ');
  return [
    `seed 002 CNN, epochs of ${r.samples} digits, batch ${BATCH}, ${r.backend} on ${r.threads} threads, with and without alternating batch by batch, first epoch not counted:`,
    `  with RandomRotation(0.1), RandomTranslation(0.1, 0.1), RandomZoom(0.1) in front: ${list(r.with)} s an epoch`,
    `  without: ${list(r.without)} s an epoch`,
    `  augmentation cost: ${(100 * augmentCost(r)).toFixed(1)}% of a CNN epoch (target: under 15%)`,
    `  the layers alone: ${r.layersMs.toFixed(2)} ms per batch of ${BATCH}, ${(100 * layersShare(r)).toFixed(1)}% of a training step without them (${stepMs(r).toFixed(1)} ms)`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(augmentReport(await runAugmentCost()));
