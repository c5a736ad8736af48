// BatchNormalization's two modes and its moving statistics, beyond what the layer harness checks
// (gradients, round trips, TF.js's forward, gradients and Adam step on the same weights).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  BatchNormalization,
  Conv2D,
  Dense,
  Flatten,
  Sequential,
  Tensor,
  modelFromBytes,
  modelToBytes,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import type { FloatTensor } from '../src/tensor/tensor.js';
import { tfjsFromMemory, useTfjsCpu, type TfjsModelJson } from './helpers/tfjs.js';
import { randn } from './helpers/gradcheck.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

useTfjsCpu();
const rng = new Rng(5);
const f32 = (shape: number[], scale = 1, shift = 0): FloatTensor => {
  const t = randn(shape, rng, scale).cast('float32') as FloatTensor;
  t.data.forEach((v, i, a) => (a[i] = v + shift));
  return t;
};

/** Per-channel mean and biased variance of x [..., C], computed directly. */
function moments(x: FloatTensor): { mean: number[]; variance: number[] } {
  const C = x.shape[x.rank - 1];
  const N = x.size / C;
  const mean = Array.from({ length: C }, (_, c) => {
    let s = 0;
    for (let r = 0; r < N; r++) s += x.data[r * C + c];
    return s / N;
  });
  const variance = mean.map((m, c) => {
    let s = 0;
    for (let r = 0; r < N; r++) s += (x.data[r * C + c] - m) ** 2;
    return s / N;
  });
  return { mean, variance };
}

describe('BatchNormalization', () => {
  it("a training forward normalizes by the batch's statistics and moves the averages by Keras's rule", () => {
    const m = new Sequential([new BatchNormalization({ momentum: 0.8, inputShape: [3, 3, 4] })]);
    m.build([null, 3, 3, 4]);
    const bn = m.layers[0];
    const [, , mm0, mv0] = bn.parameters().map((p) => Array.from(p.value.data));
    const x = f32([6, 3, 3, 4], 2, 1.5);
    const y = bn.forward(x, { training: true, rng: new Rng(1) });
    const { mean, variance } = moments(x);
    // γ = 1, β = 0: each channel of y has mean 0 and variance σ²/(σ² + ε).
    const out = moments(y);
    out.mean.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-5));
    out.variance.forEach((v, c) => expect(v).toBeCloseTo(variance[c] / (variance[c] + 1e-3), 5));
    const [, , mm, mv] = bn.parameters().map((p) => Array.from(p.value.data));
    mm.forEach((v, c) => expect(v).toBeCloseTo(mm0[c] * 0.8 + mean[c] * 0.2, 6));
    mv.forEach((v, c) => expect(v).toBeCloseTo(mv0[c] * 0.8 + variance[c] * 0.2, 6));
  });

  it('TensorFlow.js moves the same averages after one training step', async () => {
    const m = new Sequential([new BatchNormalization({ momentum: 0.7, inputShape: [5] })], { seed: 3 });
    m.build([null, 5]);
    m.setWeights(
      m.getWeights().map(
        (w, i) =>
          new Tensor(
            Float32Array.from(w.data, () => (i === 3 ? 0.5 + Math.abs(rng.normal()) : rng.normal())),
            w.shape,
          ),
      ),
    );
    const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-bn-'));
    try {
      await m.save(dir, { format: 'tfjs' });
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as TfjsModelJson;
      const theirs = await tfjsFromMemory(json, readFileSync(join(dir, json.weightsManifest[0].paths[0])));
      const x = f32([7, 5], 3, -1);
      const ours = m.layers[0].forward(x, { training: true, rng: new Rng(1) });
      const y = theirs.apply(tf.tensor(x.data, x.shape), { training: true }) as tf.Tensor;
      const yd = y.dataSync();
      ours.data.forEach((v, i) => expect(v).toBeCloseTo(yd[i], 5));
      const theirsW = theirs.layers[0].getWeights().map((w) => w.dataSync());
      m.layers[0]
        .parameters()
        .forEach((p, i) => p.value.data.forEach((v, j) => expect(v, p.name).toBeCloseTo(theirsW[i][j], 5)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('predict uses the moving statistics: one sample gives the same output alone or in a batch', async () => {
    const m = new Sequential([new Dense(4, { inputShape: [3] }), new BatchNormalization()], { seed: 1 });
    m.build([null, 3]);
    const x = f32([8, 3]);
    const all = await m.predict(x);
    const one = await m.predict(x.slice(2, 3));
    expect(Array.from(one.data)).toEqual(Array.from(all.data.subarray(8, 12)));
  });

  it('fit updates the moving statistics (not through the optimizer), and they are saved and loaded', async () => {
    const m = new Sequential(
      [
        new Flatten({ inputShape: [4, 4, 1] }),
        new Dense(6, { activation: 'relu' }),
        new BatchNormalization(),
        new Dense(3, { activation: 'softmax' }),
      ],
      { seed: 4 },
    );
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = f32([24, 4, 4, 1], 1, 3);
    const y = new Tensor(
      Float32Array.from({ length: 24 }, (_, i) => i % 3),
      [24],
    );
    const bn = m.layers[2];
    const before = bn.parameters().map((p) => Array.from(p.value.data));
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const after = bn.parameters().map((p) => Array.from(p.value.data));
    after.forEach((w, i) => expect(w, bn.parameters()[i].name).not.toEqual(before[i]));
    expect(m.trainableWeights.map((p) => p.name)).not.toContain(bn.parameters()[2].name);
    expect(m.nonTrainableWeights.map((p) => p.name)).toEqual([`${bn.name}/moving_mean`, `${bn.name}/moving_variance`]);
    const back = modelFromBytes(modelToBytes(m), 'bn');
    expect(Array.from(((await back.predict(x)) as Tensor).data)).toEqual(Array.from((await m.predict(x)).data));
  });

  it('a frozen BatchNormalization runs in inference mode in fit (Keras 3): its moving statistics stay put', async () => {
    const m = new Sequential(
      [
        new Conv2D(2, 3, { inputShape: [5, 5, 1] }),
        new BatchNormalization({ trainable: false }),
        new Flatten(),
        new Dense(2, { activation: 'softmax' }),
      ],
      { seed: 2 },
    );
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const bn = m.layers[1];
    const before = bn.parameters().map((p) => Array.from(p.value.data));
    await m.fit(
      f32([10, 5, 5, 1]),
      new Tensor(
        Float32Array.from({ length: 10 }, (_, i) => i % 2),
        [10],
      ),
      { epochs: 1, batchSize: 5, verbose: 0 },
    );
    bn.parameters().forEach((p, i) => expect(Array.from(p.value.data), p.name).toEqual(before[i]));
  });

  it('trainable = false after compile waits for compile: until then it trains on batch statistics', async () => {
    const m = new Sequential(
      [new Dense(3, { inputShape: [2] }), new BatchNormalization(), new Dense(2, { activation: 'softmax' })],
      { seed: 6 },
    );
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = f32([8, 2], 2, 1);
    const y = new Tensor(Float32Array.from([0, 1, 0, 1, 1, 0, 0, 1]), [8]);
    const bn = m.layers[1];
    const values = () => bn.parameters().map((p) => Array.from(p.value.data));
    bn.trainable = false; // not compiled again: the optimizer still updates γ and β
    let before = values();
    await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    // γ and β (the optimizer) and the moving mean and variance (a forward on the batch's statistics)
    // all move, as a training layer's do.
    values().forEach((w, i) => expect(w, bn.parameters()[i].name).not.toEqual(before[i]));
    // After the next compile the layer is frozen: nothing of it moves.
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    before = values();
    await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    bn.parameters().forEach((p, i) => expect(Array.from(p.value.data), p.name).toEqual(before[i]));
  });

  it('fit refuses to end with an overflowed moving variance (inputs near 1e20), naming layer and weight', async () => {
    const m = new Sequential([new BatchNormalization({ inputShape: [2] }), new Dense(2, { activation: 'softmax' })], {
      seed: 1,
    });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = new Tensor(Float32Array.from([1e20, -1e20, -1e20, 1e20, 2e20, 0, 0, 2e20]), [4, 2]);
    const y = new Tensor(Float32Array.from([0, 1, 0, 1]), [4]);
    await expect(m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 })).rejects.toThrow(
      new RegExp(
        String.raw`fit: the non-trainable weight batch_normalization(_\d+)?/moving_variance became Infinity ` +
          String.raw`\(flat index 0\) by the end of epoch 1: the statistics of the layer's inputs overflowed`,
      ),
    );
    // The loss alone could not have told: it stays finite, and terminateOnNaN: false trains on.
    const h = await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, terminateOnNaN: false });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
  });

  it('summary counts the moving statistics as non-trainable', () => {
    const m = new Sequential([new Dense(4, { inputShape: [3] }), new BatchNormalization()]);
    m.build([null, 3]);
    const text = m.summary(() => {});
    expect(text).toMatch(/Total params: 32 /);
    expect(text).toMatch(/Trainable params: 24 /);
    expect(text).toMatch(/Non-trainable params: 8 /);
    // The long name wraps within its column, as Keras prints it.
    expect(text).toMatch(/\n batch_normalization(_\d+)? +\(None, 4\) {17}16 {8}\n \(BatchNormalization\) {29}/);
  });
});

describe('BatchNormalization in computeGradients', () => {
  const model = () => {
    const m = new Sequential(
      [new Dense(4, { inputShape: [3] }), new BatchNormalization(), new Dense(2, { activation: 'softmax' })],
      { seed: 7 },
    );
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    return m;
  };
  const x = f32([6, 3], 2, 1);
  const y = new Tensor(Float32Array.from([0, 1, 0, 1, 1, 0]), [6]);
  const stats = (m: Sequential) =>
    m.layers[1]
      .parameters()
      .slice(2)
      .map((p) => Array.from(p.value.data));

  it('in inference mode (the default) changes nothing', async () => {
    const m = model();
    const before = stats(m);
    await m.computeGradients(x, y);
    expect(stats(m)).toEqual(before);
  });

  it('in training mode moves the moving statistics, as Keras under a tape, and no weight', async () => {
    const m = model();
    const before = stats(m);
    const weights = m.trainableWeights.map((p) => Array.from(p.value.data));
    await m.computeGradients(x, y, { training: true });
    const after = stats(m);
    after.forEach((s, i) => expect(s).not.toEqual(before[i]));
    expect(m.trainableWeights.map((p) => Array.from(p.value.data))).toEqual(weights);
  });

  it('an empty batch leaves the moving statistics as they were', () => {
    const m = model();
    const bn = m.layers[1];
    const before = stats(m);
    bn.forward(new Tensor(new Float32Array(0), [0, 4]), { training: true, rng: new Rng(1) });
    expect(stats(m)).toEqual(before);
  });
});
