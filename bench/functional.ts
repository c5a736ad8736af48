/**
 * One epoch of examples/functional.ts's network (src/zoo/networks.ts residualTwoHeads: a residual
 * convnet with a digit head and an is-even head, two losses; Adam, batch 64) on BENCH_CNN_SAMPLES
 * digits (default 60000), ours on the default backend (wasm, every core): the functional executor
 * with a branch, a merge layer and two outputs. Run alone: npx tsx bench/functional.ts
 */
import { pathToFileURL } from 'node:url';
import { Tensor, getThreads } from 'mnist-nn';
import { residualTwoHeads } from '../src/zoo/networks.js';
import { CNN_SAMPLES, perEpoch } from './cnn.js';
import { mnistSlice } from './mlp.js';

export interface FunctionalResult {
  samples: number;
  seconds: number;
  loss: number;
  threads: number;
}

export async function runFunctionalEpoch(
  samples = Number(process.env.BENCH_CNN_SAMPLES ?? CNN_SAMPLES),
): Promise<FunctionalResult> {
  const { n, x: flat, y } = mnistSlice(samples);
  const x = flat.reshape([n, 28, 28, 1]);
  const even = new Tensor(
    Float32Array.from(y.data, (d) => (d % 2 === 0 ? 1 : 0)),
    [n, 1],
  );
  const model = residualTwoHeads(4);
  const t0 = performance.now();
  const h = await model.fit(x, { digit: y, even }, { epochs: 1, batchSize: 64, verbose: 0 });
  const seconds = (performance.now() - t0) / 1e3;
  return { samples: n, seconds, loss: h.history.loss[0], threads: getThreads() };
}

export function functionalReport(r: FunctionalResult): string {
  return `ours (wasm, ${r.threads} threads): ${r.seconds.toFixed(1)} s for ${r.samples} digits → ${perEpoch(r.seconds, r.samples).toFixed(1)} s per 60,000-digit epoch (loss ${r.loss.toFixed(4)})`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(functionalReport(await runFunctionalEpoch()));
