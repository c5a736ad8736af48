/**
 * One epoch of the cnn-batchnorm network (examples/cnn-batchnorm.ts, src/zoo/networks.ts: the three
 * augmentation layers, Conv2D + BatchNormalization + ReLU blocks, Dense 128 + BatchNormalization;
 * Adam on its one-cycle rate, batch 128) on BENCH_CNN_SAMPLES digits (default 60000), ours on the
 * default backend (wasm, every core). The peer in the same run is TF.js's cpu backend training the
 * same network on one batch (BENCH_CNN_TFJS_SAMPLES, default 128), extrapolated: it is built from
 * our own TF.js export, which leaves the augmentation layers out (TF.js has none), so TF.js does
 * less work than ours. Run alone: npx tsx bench/cnn-batchnorm.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { getThreads } from 'mnist-nn';
import { MODEL_DEFAULTS, buildModel, makeOptimizer } from '../src/zoo/networks.js';
import { CNN_SAMPLES, perEpoch, type CnnResult } from './cnn.js';
import { mnistSlice } from './mlp.js';
import { useTf } from './tfjs.js';

export async function runBatchNormCnnEpoch(
  samples = Number(process.env.BENCH_CNN_SAMPLES ?? CNN_SAMPLES),
  tfSamples = Number(process.env.BENCH_CNN_TFJS_SAMPLES ?? 128),
): Promise<CnnResult> {
  const { n, x: flat, y } = mnistSlice(samples);
  const x = flat.reshape([n, 28, 28, 1]);
  const d = MODEL_DEFAULTS['cnn-batchnorm'];
  const model = buildModel('cnn-batchnorm', 1);
  model.compile({
    optimizer: makeOptimizer('adam', d.oneCycle!, Math.ceil(n / d.batchSize)),
    loss: 'sparseCategoricalCrossentropy',
  });
  const t0 = performance.now();
  const h = await model.fit(x, y, { epochs: 1, batchSize: d.batchSize, verbose: 0 });
  const seconds = (performance.now() - t0) / 1e3;

  await useTf('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-bench-'));
  let theirs: tf.LayersModel;
  try {
    await model.save(dir, { format: 'tfjs' });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const w = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
    const weightData = w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength);
    theirs = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  theirs.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const tn = Math.min(tfSamples, n);
  const xs = tf.tensor4d(x.data.subarray(0, tn * 784) as Float32Array, [tn, 28, 28, 1]);
  const ys = tf.tensor1d(Float32Array.from(y.data.subarray(0, tn)));
  const t1 = performance.now();
  await theirs.fit(xs, ys, { epochs: 1, batchSize: d.batchSize, verbose: 0 });
  const tfSeconds = (performance.now() - t1) / 1e3;
  tf.dispose([xs, ys]);
  theirs.dispose();
  return { samples: n, seconds, loss: h.history.loss[0], threads: getThreads(), tfSamples: tn, tfSeconds };
}

export function batchNormCnnReport(r: CnnResult, seed002?: CnnResult): string {
  const ours = perEpoch(r.seconds, r.samples);
  const theirs = perEpoch(r.tfSeconds, r.tfSamples);
  return [
    `ours (wasm, ${r.threads} threads): ${r.seconds.toFixed(1)} s for ${r.samples} digits → ${ours.toFixed(1)} s per 60,000-digit epoch (loss ${r.loss.toFixed(4)})` +
      (seed002
        ? `; ${(ours / perEpoch(seed002.seconds, seed002.samples)).toFixed(2)}× the seed 002 epoch of this run`
        : ''),
    `TF.js cpu, without the augmentation layers: ${r.tfSeconds.toFixed(1)} s for ${r.tfSamples} digits → ${theirs.toFixed(0)} s per epoch (${(theirs / 3600).toFixed(1)} h), extrapolated; ratio ${(theirs / ours).toFixed(0)}×`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href)
  console.log(batchNormCnnReport(await runBatchNormCnnEpoch()));
