/**
 * What the augmentation layers cost: RandomRotation(0.1), RandomTranslation(0.1, 0.1) and
 * RandomZoom(0.1) (Keras's defaults: bilinear, reflect) in front of the seed 002 CNN (bench/cnn.ts),
 * against the same CNN without them: one epoch each of BENCH_AUG_SAMPLES digits (default 6000),
 * Adam, categorical cross-entropy, batch 128, on the default backend (wasm, every core), alternating
 * with and without in one process for BENCH_AUG_ROUNDS rounds (default 4). The first round warms
 * up the JIT and the allocators and is not counted; the figures are the medians of the others, and
 * the cost is (with − without) / without, the share of a CNN epoch the layers add (target: under 15%).
 * Run alone: npx tsx bench/augment.ts
 */
import { pathToFileURL } from 'node:url';
import { RandomRotation, RandomTranslation, RandomZoom, Sequential, getBackend, getThreads, loadMnist, toCategorical } from 'mnist-nn';
import { seed002Layers } from './cnn.js';

export interface AugmentResult {
  samples: number;
  backend: string;
  threads: number;
  /** Seconds of each counted epoch, in the order run. */
  with: number[];
  without: number[];
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
  const times: AugmentResult = { samples: n, backend: getBackend(), threads: getThreads(), with: [], without: [] };
  for (let r = 0; r < rounds; r++) {
    // alternate which goes first, so that neither always follows the other
    for (const which of r % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
      const t0 = performance.now();
      await models[which].fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 });
      if (r > 0) times[which].push((performance.now() - t0) / 1e3);
    }
  }
  return times;
}

export function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The share of a CNN epoch the three layers add: (with − without) / without, from the medians. */
export const augmentCost = (r: AugmentResult): number => median(r.with) / median(r.without) - 1;

export function augmentReport(r: AugmentResult): string {
  const list = (v: number[]) => v.map((s) => s.toFixed(2)).join(', ');
  return [
    `seed 002 CNN, ${r.samples} digits, batch 128, ${r.backend} on ${r.threads} threads, alternating, first round not counted:`,
    `  with RandomRotation(0.1), RandomTranslation(0.1, 0.1), RandomZoom(0.1) in front: ${list(r.with)} s (median ${median(r.with).toFixed(2)} s)`,
    `  without: ${list(r.without)} s (median ${median(r.without).toFixed(2)} s)`,
    `  augmentation cost: ${(100 * augmentCost(r)).toFixed(1)}% of a CNN epoch (target: under 15%)`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(augmentReport(await runAugmentCost()));
