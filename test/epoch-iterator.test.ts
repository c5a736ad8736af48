// The pieces fit is made of: the epoch iterator (validation split, shuffle, batches, weights), the
// callback list, and the trainer over a model that is not a Sequential (any TrainableModel).
import { describe, expect, it } from 'vitest';
import {
  Dense,
  Sequential,
  Tensor,
  tensor,
  type Callback,
  type FloatTensor,
  type Layer,
  type Param,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { CallbackList } from '../src/training/callback-list.js';
import { EpochIterator, splitValidation, type SampleData } from '../src/training/epoch-iterator.js';
import { Trainer } from '../src/training/trainer.js';
import type { ModelBackwardOptions, TrainableModel } from '../src/training/trainable-model.js';

/** n samples of 2 features whose first feature is the sample's index, labels i mod 3, weights i / 10. */
function samples(n: number): SampleData {
  const x = new Tensor(
    Float32Array.from({ length: n * 2 }, (_, k) => (k % 2 === 0 ? k / 2 : -1)),
    [n, 2],
  ) as FloatTensor;
  const y = new Tensor(
    Int32Array.from({ length: n }, (_, i) => i % 3),
    [n],
  );
  return { xs: [x], ys: [y], weights: Float64Array.from({ length: n }, (_, i) => i / 10) };
}
const ids = (x: Tensor): number[] => Array.from({ length: x.shape[0] }, (_, i) => x.data[i * 2]);

describe('splitValidation', () => {
  it('keeps the first ⌊n·(1 − split)⌋ samples for training and the rest for validation, unshuffled', () => {
    const { train, val } = splitValidation(samples(10), 0.25, true);
    expect(ids(train.xs[0])).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(ids(val.xs[0])).toEqual([7, 8, 9]);
    expect(Array.from(val.ys[0].data)).toEqual([1, 2, 0]);
    expect(Array.from(val.weights!)).toEqual([0.7, 0.8, 0.9]);
    expect(Array.from(train.weights!)).toHaveLength(7);
  });

  it('leaves the validation unweighted when the weights are class weights, made for training', () => {
    const { train, val } = splitValidation(samples(10), 0.25, false);
    expect(train.weights).toHaveLength(7);
    expect(val.weights).toBeUndefined();
  });

  it('refuses a split that leaves one side empty', () => {
    // 1 − 1e-17 rounds to 1
    expect(() => splitValidation(samples(3), 1e-17, false)).toThrow(
      'fit: validationSplit 1e-17 of 3 samples leaves no validation samples.',
    );
    expect(() => splitValidation(samples(1), 0.5, false)).toThrow(/leaves no training samples/);
  });
});

describe('EpochIterator', () => {
  it('without a generator: batches in order, the last one short', () => {
    const it = new EpochIterator(samples(10), { batchSize: 4 });
    expect(it.steps).toBe(3);
    const batches = [...it.epoch()];
    expect(batches.map((b) => [b.index, b.size])).toEqual([
      [0, 4],
      [1, 4],
      [2, 2],
    ]);
    expect(batches.map((b) => ids(b.xs[0]))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(Array.from(batches[2].weights!)).toEqual([0.8, 0.9]);
  });

  it('with a generator: each epoch is the permutation the generator draws then, y and weights following x', () => {
    const data = samples(10);
    const it = new EpochIterator(data, { batchSize: 3, shuffle: new Rng(5) });
    const twin = new Rng(5);
    for (let epoch = 0; epoch < 2; epoch++) {
      const expected = Array.from(twin.permutation(10));
      // copied: the next batch reuses x's buffer
      const batches = Array.from(it.epoch(), (b) => ({ ...b, x: b.xs[0].clone() }));
      expect(batches.flatMap((b) => ids(b.x))).toEqual(expected);
      expect(batches.flatMap((b) => Array.from(b.ys[0].data))).toEqual(expected.map((i) => i % 3));
      expect(batches.flatMap((b) => Array.from(b.weights!))).toEqual(expected.map((i) => i / 10));
    }
  });

  it('draws the permutation when the first batch is asked for, not before', () => {
    const rng = new Rng(1);
    const it = new EpochIterator(samples(4), { batchSize: 2, shuffle: rng });
    const before = rng.getState();
    const epoch = it.epoch();
    expect(rng.getState()).toEqual(before);
    epoch.next();
    expect(rng.getState()).not.toEqual(before);
  });

  it('gathers shuffled inputs into one buffer, reused by the next batch', () => {
    const batches = new EpochIterator(samples(8), { batchSize: 4, shuffle: new Rng(2) }).epoch();
    const a = batches.next().value!.xs[0];
    const b = batches.next().value!.xs[0];
    expect(b.data.buffer).toBe(a.data.buffer);
  });
});

describe('CallbackList', () => {
  it('calls History, then the caller’s callbacks in order, awaiting each', async () => {
    const seen: string[] = [];
    const slow: Callback = {
      onEpochEnd: async () => void (await new Promise((r) => setTimeout(r, 5)), seen.push('slow')),
    };
    const fast: Callback = { onEpochEnd: () => void seen.push('fast'), setModel: () => void seen.push('model') };
    const list = new CallbackList([slow, fast], { epochs: 2, steps: 1, samples: 4, batchSize: 4, verbose: 0 });
    list.setModel(new Sequential());
    await list.onEpochEnd(0, { loss: 0.5 });
    expect(seen).toEqual(['model', 'slow', 'fast']);
    expect(list.history.history.loss).toEqual([0.5]);
    expect(list.history.params).toEqual({ epochs: 2, steps: 1, samples: 4, batchSize: 4, verbose: 0 });
  });
});

/** Two Dense layers as a TrainableModel of its own, without Sequential: what a functional model will be. */
class TwoDense implements TrainableModel {
  readonly layers: Layer[];
  readonly dtype = 'float32' as const;
  readonly outputShapes = [[3]];
  readonly outputNames = ['out'];
  readonly rng: Rng;
  stopTraining = false;
  backwardCalls = 0;

  constructor(seed: number) {
    this.rng = new Rng(seed);
    this.layers = [new Dense(4, { activation: 'tanh' }), new Dense(3, { activation: 'softmax' })];
    this.layers[0].build([2], { dtype: 'float32', rng: this.rng });
    this.layers[1].build([4], { dtype: 'float32', rng: this.rng });
  }
  describe(): string {
    return 'TwoDense';
  }
  prepareInputs(x: unknown): FloatTensor[] {
    return [x as FloatTensor];
  }
  forward(xs: readonly FloatTensor[], training: boolean): FloatTensor[] {
    return [this.layers.reduce((h, l) => l.forward(h, { training, rng: this.rng }), xs[0])];
  }
  outputLogits(): FloatTensor | undefined {
    return this.layers[1].logits();
  }
  backward([dy]: readonly FloatTensor[], o: ModelBackwardOptions): void {
    this.backwardCalls++;
    const d = this.layers[1].backward(dy, {
      needInputGrad: true,
      skipSoftmax: o.fromLogits[0],
      weightGrads: o.learns(this.layers[1]),
    });
    this.layers[0].backward(d!, { needInputGrad: false, weightGrads: o.learns(this.layers[0]) });
  }
  parameters(): Param[] {
    return this.layers.flatMap((l) => l.parameters());
  }
  getWeights(): Tensor[] {
    return this.parameters().map((p) => p.value.clone());
  }
  setWeights(): void {}
  async save(): Promise<void> {}
}

describe('Trainer over a TrainableModel that is not a Sequential', () => {
  it('trains through the model’s forward and backward, bit for bit as the Sequential of its layers', async () => {
    const x = tensor(Array.from({ length: 20 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]));
    const y = tensor(
      Int32Array.from({ length: 20 }, (_, i) => i % 3),
      [20],
    );
    const args = { epochs: 3, batchSize: 6, validationSplit: 0.2, verbose: 0 } as const;
    const mine = new TwoDense(9);
    const trainer = new Trainer(mine, {
      optimizer: 'adam',
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const h1 = await trainer.fit(x, y, args);
    const seq = new Sequential(
      [new Dense(4, { activation: 'tanh', inputShape: [2] }), new Dense(3, { activation: 'softmax' })],
      { seed: 9 },
    );
    seq.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h2 = await seq.fit(x, y, args);
    expect(mine.backwardCalls).toBe(3 * 3);
    expect(h1.history).toEqual(h2.history);
    expect(mine.getWeights().map((w) => Array.from(w.data))).toEqual(seq.getWeights().map((w) => Array.from(w.data)));
  });
});
