/**
 * What the augmentation layers cost: RandomRotation(0.1), RandomTranslation(0.1, 0.1) and
 * RandomZoom(0.1) (Keras's defaults: bilinear, reflect) in front of the seed 002 CNN (bench/cnn.ts),
 * against the same CNN without them: one epoch each of BENCH_AUG_SAMPLES digits (default 6000),
 * Adam, categorical cross-entropy, batch 128, on the default backend (wasm, every core), alternating
 * with and without in one process for BENCH_AUG_ROUNDS rounds (default 4). The first round warms
 * up the JIT and the allocators and is not counted; the figures are the medians of the others, and
 * the cost is (with − without) / without, the share of a CNN epoch the layers add (target: under 15%).
 * On a shared machine epochs move by more than the layers cost, so it also times the layers alone:
 * their three forward passes on a batch of 128 (in training, as fit runs them; first in the network,
 * they have no backward pass), against a batch's share of the epoch without them.
 * Run alone: npx tsx bench/augment.ts
 */
import { pathToFileURL } from 'node:url';
import { RandomRotation, RandomTranslation, RandomZoom, Rng, Sequential, Tensor, getBackend, getThreads, kernels, loadMnist, toCategorical, type FloatTensor } from 'mnist-nn';
import { seed002Layers } from './cnn.js';

export interface AugmentResult {
  samples: number;
  backend: string;
  threads: number;
  /** Seconds of each counted epoch, in the order run. */
  with: number[];
  without: number[];
  /** Milliseconds of the three layers' forward passes on one batch of 128 digits, in training. */
  layersMs: number;
}

export async function runAugmentCost(samples = Number(process.env.BENCH_AUG_SAMPLES ?? 6000), rounds = Number(process.env.BENCH_AUG_ROUNDS ?? 4)): Promise<AugmentResult> {
  const { xTrain, yTrain } = loadMnist();
  const n = Math.min(samples, 60000);
  const x = xTrain.slice(0, n).reshape([n, 28, 28, 1]).div(255);
  const y = toCategorical(yTrain.slice(0, n), 10);
  const model = (augment: boolean): Sequential => {
    const front = augment ? [new RandomRotation(0.1), new RandomTranslation(0.1, 0.1), new RandomZoom(0.1)] : [];
    const m = new Sequential([...front, ...seed002Layers()], { seed: 1 });
    m.build([null, 28, 28, 1]);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    return m;
  };
  const models = { with: model(true), without: model(false) };
  const times: AugmentResult = { samples: n, backend: getBackend(), threads: getThreads(), with: [], without: [], layersMs: 0 };
  for (let r = 0; r < rounds; r++) {
    // alternate which goes first, so that neither always follows the other
    for (const which of r % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
      const t0 = performance.now();
      await models[which].fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 });
      if (r > 0) times[which].push((performance.now() - t0) / 1e3);
    }
  }
  // The layers alone: the model's first three layers on a batch in the backend's memory, as fit's
  // shuffled batches are.
  const front = models.with.layers.slice(0, 3);
  const data = kernels().alloc(128 * 784, 'float32');
  data.set(x.data.subarray(0, 128 * 784));
  const batch = new Tensor(data, [128, 28, 28, 1]) as FloatTensor;
  const ctx = { training: true, rng: new Rng(1) };
  const pass = () => front.reduce((h, l) => l.forward(h, ctx), batch);
  for (let i = 0; i < 20; i++) pass();
  const reps = 200;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) pass();
  times.layersMs = (performance.now() - t0) / reps;
  return times;
}

export function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The share of a CNN epoch the three layers add: (with − without) / without, from the medians. */
export const augmentCost = (r: AugmentResult): number => median(r.with) / median(r.without) - 1;

/** The layers' own time per batch over a batch's share of the epoch without them: the cost, read without the epochs' noise. */
export const layersShare = (r: AugmentResult): number => r.layersMs / ((1e3 * median(r.without)) / Math.ceil(r.samples / 128));

export function augmentReport(r: AugmentResult): string {
  const list = (v: number[]) => v.map((s) => s.toFixed(2)).join(', ');
  return [
    `seed 002 CNN, ${r.samples} digits, batch 128, ${r.backend} on ${r.threads} threads, alternating, first round not counted:`,
    `  with RandomRotation(0.1), RandomTranslation(0.1, 0.1), RandomZoom(0.1) in front: ${list(r.with)} s (median ${median(r.with).toFixed(2)} s)`,
    `  without: ${list(r.without)} s (median ${median(r.without).toFixed(2)} s)`,
    `  augmentation cost: ${(100 * augmentCost(r)).toFixed(1)}% of a CNN epoch (target: under 15%)`,
    `  the layers alone: ${r.layersMs.toFixed(2)} ms per batch of 128, ${(100 * layersShare(r)).toFixed(1)}% of a batch's share of the epoch without them (${((1e3 * median(r.without)) / Math.ceil(r.samples / 128)).toFixed(1)} ms)`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(augmentReport(await runAugmentCost()));
