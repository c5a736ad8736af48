// fit's classWeight and sampleWeight (Keras's class_weight and sample_weight): the weighted loss is
// Σ wᵢ·lᵢ / n, its gradient weighted alike, on the fused softmax path and the plain ones; held
// against per-sample losses and gradients computed directly, duplicated and dropped samples.
import { describe, expect, it } from 'vitest';
import {
  Dense,
  Sequential,
  Tensor,
  modelFromBytes,
  modelToBytes,
  tensor,
  toCategorical,
  type LossIdentifier,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';

type Setup = { activation: 'softmax' | 'sigmoid' | 'linear'; loss: LossIdentifier; units: number; sparse: boolean };
const SETUPS: [string, Setup][] = [
  [
    'softmax + sparse cross-entropy (the fused path)',
    { activation: 'softmax', loss: 'sparseCategoricalCrossentropy', units: 3, sparse: true },
  ],
  [
    'softmax + categorical cross-entropy (fused)',
    { activation: 'softmax', loss: 'categoricalCrossentropy', units: 3, sparse: false },
  ],
  [
    'sigmoid + categorical cross-entropy (on probabilities)',
    { activation: 'sigmoid', loss: 'categoricalCrossentropy', units: 3, sparse: false },
  ],
  ['linear + mean squared error', { activation: 'linear', loss: 'meanSquaredError', units: 2, sparse: false }],
];

const N = 6;
function problem(s: Setup, seed = 4): { m: Sequential; x: Tensor; y: Tensor; labels: number[] } {
  const r = new Rng(seed);
  const m = new Sequential(
    [new Dense(4, { activation: 'tanh', inputShape: [3] }), new Dense(s.units, { activation: s.activation })],
    { seed, dtype: 'float64' },
  );
  m.compile({ optimizer: 'sgd', loss: s.loss });
  const x = new Tensor(
    Float64Array.from({ length: N * 3 }, () => r.normal()),
    [N, 3],
  );
  const labels = Array.from({ length: N }, () => r.int(s.units));
  const y = s.sparse
    ? tensor(labels, [N], 'int32')
    : s.loss === 'meanSquaredError'
      ? new Tensor(
          Float64Array.from({ length: N * s.units }, () => r.normal()),
          [N, s.units],
        )
      : toCategorical(tensor(labels, [N], 'int32'), s.units);
  return { m, x, y, labels };
}

const pick = (t: Tensor, rows: number[]) => t.gather(Int32Array.from(rows));
const w = (...v: number[]) => tensor(v, [v.length], 'float64');

describe.each(SETUPS)('weighted loss, %s', (_name, setup) => {
  it('loss = Σ wᵢ·lᵢ / n and gradient = Σ wᵢ·gᵢ / n, against each sample on its own', async () => {
    const { m, x, y } = problem(setup);
    const weights = [0.5, 2, 0, 1, 3.25, 1];
    const got = await m.computeGradients(x, y, { sampleWeight: w(...weights) });
    let loss = 0;
    const grads = got.grads.map((g) => new Float64Array(g.size));
    for (let i = 0; i < N; i++) {
      const one = await m.computeGradients(pick(x, [i]), pick(y, [i]));
      loss += (weights[i] * one.loss) / N;
      one.grads.forEach((g, k) => g.data.forEach((v, j) => (grads[k][j] += (weights[i] * v) / N)));
    }
    expect(got.loss).toBeCloseTo(loss, 12);
    got.grads.forEach((g, k) => g.data.forEach((v, j) => expect(v).toBeCloseTo(grads[k][j], 12)));
    // and it is not the unweighted loss
    expect(Math.abs((await m.computeGradients(x, y)).loss - got.loss)).toBeGreaterThan(1e-6);
  });

  it('a weight of 2 is the sample twice, and a weight of 0 the sample left out (up to the batch size divisor)', async () => {
    const { m, x, y } = problem(setup);
    const twice = await m.computeGradients(x, y, { sampleWeight: w(1, 2, 1, 1, 1, 1) });
    const dup = await m.computeGradients(pick(x, [0, 1, 1, 2, 3, 4, 5]), pick(y, [0, 1, 1, 2, 3, 4, 5]));
    // Keras divides by the batch size: Σ wᵢlᵢ / 6 against the same sum over 7 duplicated samples / 7
    expect(twice.loss * 6).toBeCloseTo(dup.loss * 7, 12);
    twice.grads.forEach((g, k) => g.data.forEach((v, j) => expect(v * 6).toBeCloseTo(dup.grads[k].data[j] * 7, 12)));
    const zero = await m.computeGradients(x, y, { sampleWeight: w(1, 0, 1, 0, 1, 1) });
    const kept = await m.computeGradients(pick(x, [0, 2, 4, 5]), pick(y, [0, 2, 4, 5]));
    expect(zero.loss * 6).toBeCloseTo(kept.loss * 4, 12);
    zero.grads.forEach((g, k) => g.data.forEach((v, j) => expect(v * 6).toBeCloseTo(kept.grads[k].data[j] * 4, 12)));
  });

  if (setup.loss !== 'meanSquaredError') {
    it('classWeight trains exactly as the sample weights of each sample’s class', async () => {
      const a = problem(setup);
      const b = problem(setup);
      const classWeight = { 0: 0.5, 2: 3 }; // class 1 not named: weight 1
      const sampleWeight = w(...a.labels.map((c) => (c === 0 ? 0.5 : c === 2 ? 3 : 1)));
      const ha = await a.m.fit(a.x, a.y, { epochs: 3, batchSize: 4, verbose: 0, classWeight });
      const hb = await b.m.fit(b.x, b.y, { epochs: 3, batchSize: 4, verbose: 0, sampleWeight });
      expect(ha.history.loss).toEqual(hb.history.loss);
      a.m.getWeights().forEach((t, i) => expect(Array.from(t.data)).toEqual(Array.from(b.m.getWeights()[i].data)));
      const plain = problem(setup);
      await plain.m.fit(plain.x, plain.y, { epochs: 3, batchSize: 4, verbose: 0 });
      expect(Array.from(plain.m.getWeights()[2].data)).not.toEqual(Array.from(a.m.getWeights()[2].data));
    });
  }
});

describe('weights in fit and evaluate', () => {
  const setup = SETUPS[0][1];

  it('sampleWeight with validationSplit: the weights are split with the samples and weigh val_loss (Keras 3)', async () => {
    const { m, x, y } = problem(setup);
    const sw = w(1, 2, 0.5, 1, 3, 0.25);
    const h = await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, validationSplit: 1 / 3, sampleWeight: sw });
    const weighted = await m.evaluate(x.slice(4), y.slice(4), { sampleWeight: sw.slice(4) });
    const plain = await m.evaluate(x.slice(4), y.slice(4));
    expect(h.history.val_loss[0]).toBe(weighted.loss);
    expect(weighted.loss).not.toBeCloseTo(plain.loss, 3);
  });

  it('classWeight leaves validation unweighted (Keras applies it to the training batches only)', async () => {
    const { m, x, y } = problem(setup);
    const h = await m.fit(x, y, {
      epochs: 1,
      batchSize: 4,
      verbose: 0,
      validationSplit: 1 / 3,
      classWeight: { 0: 5, 1: 0.1, 2: 2 },
    });
    expect(h.history.val_loss[0]).toBe((await m.evaluate(x.slice(4), y.slice(4))).loss);
  });

  it('validationData may carry its own sample weights, as Keras’s (x, y, sample_weight)', async () => {
    const { m, x, y } = problem(setup);
    const sw = w(3, 1, 0, 2, 1, 1);
    const h = await m.fit(x, y, { epochs: 1, verbose: 0, validationData: [x, y, sw] });
    expect(h.history.val_loss[0]).toBe((await m.evaluate(x, y, { sampleWeight: sw })).loss);
  });

  it('compile’s metrics stay unweighted; its weightedMetrics are Σ wᵢ·correctᵢ / Σ wᵢ (Keras 3’s weighted_metrics)', async () => {
    const { m, x, y } = problem(setup);
    m.compile({ optimizer: 'sgd', loss: setup.loss, metrics: ['accuracy'], weightedMetrics: ['accuracy'] });
    const weights = [9, 0, 0.5, 0, 2, 1];
    const p = await m.predict(x);
    const correct = weights.map((_, i): number => (p.argMax(-1).data[i] === y.data[i] ? 1 : 0));
    expect(new Set(correct).size).toBe(2); // some right, some wrong: the weights matter
    const a = await m.evaluate(x, y, { sampleWeight: w(...weights), batchSize: 4 });
    const b = await m.evaluate(x, y);
    expect(a.accuracy).toBe(b.accuracy);
    expect(a.accuracy).toBeCloseTo(correct.reduce((s, c) => s + c, 0) / 6, 12);
    // the same name in both lists: the weighted one is logged as weighted_accuracy, as Keras names it
    expect(a.weighted_accuracy).toBeCloseTo(correct.reduce((s, c, i) => s + c * weights[i], 0) / 12.5, 12);
    expect(b.weighted_accuracy).toBe(b.accuracy); // no weights: the same figure
    expect(a.loss).not.toBe(b.loss);
    m.compile({ optimizer: 'sgd', loss: setup.loss, weightedMetrics: ['accuracy'] });
    expect((await m.evaluate(x, y, { sampleWeight: w(...weights) })).accuracy).toBe(a.weighted_accuracy);
  });

  it('weightedMetrics are weighted by classWeight in training, not in validation, and are saved with the model', async () => {
    const { m, x, y } = problem(setup);
    m.compile({ optimizer: 'sgd', loss: setup.loss, metrics: ['accuracy'], weightedMetrics: ['accuracy'] });
    // one batch of the first 3 samples: the training figures are the initial model's on them
    const guess = (await m.predict(x.slice(0, 3))).argMax(-1).data;
    const ofClass2 = [0, 1, 2].filter((i) => y.data[i] === 2);
    expect(ofClass2.length).toBeGreaterThan(0);
    const h = await m.fit(x, y, {
      epochs: 1,
      batchSize: 6,
      verbose: 0,
      shuffle: false,
      validationSplit: 0.5,
      classWeight: { 0: 0, 1: 0, 2: 1 },
    });
    expect(h.history.weighted_accuracy[0]).toBeCloseTo(
      ofClass2.filter((i) => guess[i] === 2).length / ofClass2.length,
      12,
    );
    expect(Object.keys(h.history).sort()).toEqual([
      'accuracy',
      'learning_rate',
      'loss',
      'lr',
      'val_accuracy',
      'val_loss',
      'val_weighted_accuracy',
      'weighted_accuracy',
    ]);
    expect(h.history.val_weighted_accuracy).toEqual(h.history.val_accuracy);
    const back = modelFromBytes(modelToBytes(m));
    expect(Object.keys(await back.evaluate(x, y)).sort()).toEqual(['accuracy', 'loss', 'weighted_accuracy']);
  });

  it('trainOnBatch takes the weights as fit does (Keras’s train_on_batch)', async () => {
    const [a, b, c] = [problem(setup), problem(setup), problem(setup)];
    const sw = w(1, 0, 2, 1, 0.5, 1);
    await a.m.trainOnBatch(a.x, a.y, { sampleWeight: sw });
    await b.m.fit(b.x, b.y, { epochs: 1, batchSize: N, shuffle: false, verbose: 0, sampleWeight: sw });
    await c.m.trainOnBatch(c.x, c.y, { classWeight: { 0: 3 } });
    a.m.getWeights().forEach((t, i) => expect(Array.from(t.data)).toEqual(Array.from(b.m.getWeights()[i].data)));
    expect(Array.from(c.m.getWeights()[2].data)).not.toEqual(Array.from(a.m.getWeights()[2].data));
  });

  it('classWeight reads one-hot targets by their argmax and a single sigmoid unit’s targets as 0 and 1', async () => {
    const r = new Rng(1);
    const x = new Tensor(
      Float32Array.from({ length: 8 * 2 }, () => r.normal()),
      [8, 2],
    );
    const y = tensor([0, 1, 1, 0, 1, 0, 0, 1], [8, 1], 'float32');
    const make = () => {
      const m = new Sequential([new Dense(1, { activation: 'sigmoid', inputShape: [2] })], { seed: 2 });
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      return m;
    };
    const [a, b] = [make(), make()];
    await a.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, classWeight: { 1: 4 } });
    await b.fit(x, y, {
      epochs: 2,
      batchSize: 4,
      verbose: 0,
      sampleWeight: w(...Array.from(y.data, (v) => (v === 1 ? 4 : 1))),
    });
    a.getWeights().forEach((t, i) => expect(Array.from(t.data)).toEqual(Array.from(b.getWeights()[i].data)));
  });
});
