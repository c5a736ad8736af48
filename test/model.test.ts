// Sequential end to end: whole-model gradient checks, the Keras API's behaviour, errors and seeds.
import { describe, expect, it } from 'vitest';
import {
  Dense,
  Dropout,
  Flatten,
  Sequential,
  Softmax,
  Tensor,
  tensor,
  type Callback,
  type LossIdentifier,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { ShapeError, ValueError } from '../src/errors.js';
import { TOL, numericModelGrads, randn, relError } from './helpers/gradcheck.js';

const rng = new Rng(5);

function labels(n: number, classes: number): Tensor {
  return new Tensor(
    Int32Array.from({ length: n }, () => rng.int(classes)),
    [n],
  );
}

describe('whole-model gradient check (float64)', () => {
  const cases: [string, () => Sequential, LossIdentifier, (n: number) => Tensor][] = [
    [
      'Flatten → Dense tanh → Dropout (identity in inference) → Dense relu → Dense softmax, sparse CE (fused)',
      () =>
        new Sequential(
          [
            new Flatten({ inputShape: [3, 4] }),
            new Dense(6, { activation: 'tanh' }),
            new Dropout(0.3),
            new Dense(5, { activation: 'relu' }),
            new Dense(4, { activation: 'softmax' }),
          ],
          { dtype: 'float64', seed: 1 },
        ),
      'sparse_categorical_crossentropy',
      (n) => labels(n, 4),
    ],
    [
      'Dense sigmoid → Dense → Softmax layer, categorical CE (fused through the Softmax layer)',
      () =>
        new Sequential(
          [new Dense(5, { activation: 'sigmoid', inputShape: [3, 4] }), new Flatten(), new Dense(3), new Softmax()],
          { dtype: 'float64', seed: 2 },
        ),
      'categoricalCrossentropy',
      (n) => {
        const t = new Float64Array(n * 3);
        for (let i = 0; i < n; i++) t[i * 3 + rng.int(3)] = 1;
        return new Tensor(t, [n, 3]);
      },
    ],
    [
      'Dense relu → Dense softmax, mean squared error (softmax backward not fused)',
      () =>
        new Sequential(
          [
            new Flatten({ inputShape: [3, 4] }),
            new Dense(5, { activation: 'relu' }),
            new Dense(3, { activation: 'softmax' }),
          ],
          { dtype: 'float64', seed: 3 },
        ),
      'meanSquaredError',
      (n) =>
        new Tensor(
          Float64Array.from({ length: n * 3 }, () => rng.next()),
          [n, 3],
        ),
    ],
  ];
  for (const [name, make, loss, targets] of cases) {
    it(name, async () => {
      const model = make();
      model.compile({ optimizer: 'sgd', loss });
      const x = randn([6, 3, 4], rng);
      const y = targets(6);
      const { grads } = await model.computeGradients(x, y);
      expect(grads.map((g) => g.shape)).toEqual(model.getWeights().map((w) => w.shape));
      const numeric = await numericModelGrads(model, x, y);
      grads.forEach((g, i) => expect(relError(g.data, numeric[i]), model.parameters()[i].name).toBeLessThan(TOL));
    });
  }

  it('stays finite when the logits reach ±1e4', async () => {
    const model = new Sequential([new Dense(3, { activation: 'softmax', inputShape: [2] })], { dtype: 'float64' });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    model.setWeights([
      tensor([
        [1e4, -1e4, 0],
        [0, 0, 0],
      ]),
      tensor([0, 0, 0]),
    ]);
    const { loss, grads } = await model.computeGradients(tensor([[1, 0]]), tensor([1]));
    expect(loss).toBeCloseTo(2e4, 6);
    expect(grads.every((g) => [...g.data].every(Number.isFinite))).toBe(true);
    expect([...grads[1].data]).toEqual([1, -1, 0]); // (p − y) / n with p = (1, 0, 0)
  });
});

describe('Keras API', () => {
  const mlp = (seed?: number) =>
    new Sequential(
      [
        new Flatten({ inputShape: [28, 28] }),
        new Dense(128, { activation: 'relu' }),
        new Dropout(0.2),
        new Dense(10, { activation: 'softmax' }),
      ],
      { seed },
    );

  it("summary prints Keras's table with 101,770 parameters for the issue's model", () => {
    const lines: string[] = [];
    const text = mlp().summary((l) => lines.push(l));
    expect(lines.join('\n')).toBe(text);
    expect(text).toMatch(/^Model: "sequential(_\d+)?"/);
    expect(text).toMatch(/ flatten(_\d+)? \(Flatten\) +\(None, 784\) +0 /);
    expect(text).toMatch(/ dense(_\d+)? \(Dense\) +\(None, 128\) +100480 /);
    expect(text).toMatch(/ dropout(_\d+)? \(Dropout\) +\(None, 128\) +0 /);
    expect(text).toMatch(/ dense_\d+ \(Dense\) +\(None, 10\) +1290 /);
    expect(text).toContain('Total params: 101,770 (397.54 KB)');
    expect(text).toContain('Non-trainable params: 0 (0.00 Byte)');
  });

  it('summary of an unbuilt model says how to build it; build() and fit build it', async () => {
    const m = new Sequential([new Dense(4), new Dense(2, { activation: 'softmax' })]);
    expect(() => m.summary(() => {})).toThrow(/has not been built yet/);
    m.build([null, 3]);
    expect(m.countParams()).toBe(3 * 4 + 4 + 4 * 2 + 2);
    const lazy = new Sequential([new Dense(2, { activation: 'softmax' })]);
    lazy.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await lazy.fit(randn([4, 5], rng).cast('float32'), labels(4, 2), { verbose: 0 });
    expect(lazy.outputShape).toEqual([2]);
    expect(lazy.countParams()).toBe(12);
  });

  it('fit returns a History with loss, accuracy, val_loss, val_accuracy and the learning rate per epoch; validationSplit holds out the last samples', async () => {
    const model = mlp(1);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = randn([40, 28, 28], rng).cast('float32');
    const y = labels(40, 10);
    const seenEpochs: number[] = [];
    const cb: Callback = { onEpochEnd: (e) => void seenEpochs.push(e) };
    const h = await model.fit(x, y, { epochs: 3, batchSize: 8, validationSplit: 0.25, verbose: 0, callbacks: [cb] });
    expect(Object.keys(h.history).sort()).toEqual([
      'accuracy',
      'learning_rate',
      'loss',
      'lr',
      'val_accuracy',
      'val_loss',
    ]);
    expect(h.history.lr).toEqual([1e-3, 1e-3, 1e-3]); // Adam's default rate, under both keys
    expect(h.history.learning_rate).toEqual(h.history.lr);
    expect(h.history.loss).toHaveLength(3);
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(seenEpochs).toEqual([0, 1, 2]);
    expect(h.params).toMatchObject({ samples: 30, steps: 4, batchSize: 8 });
    const held = await model.evaluate(x.slice(30), y.slice(30));
    expect(held.loss).toBeCloseTo(h.history.val_loss[2], 5);
    expect(held.accuracy).toBeCloseTo(h.history.val_accuracy[2], 10);
  });

  it('evaluate agrees with predict', async () => {
    const model = mlp(2);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: 'accuracy' });
    const x = randn([50, 28, 28], rng).cast('float32');
    const y = labels(50, 10);
    const p = await model.predict(x, { batchSize: 7 });
    expect(p.shape).toEqual([50, 10]);
    let loss = 0;
    let correct = 0;
    const am = p.argMax(-1);
    for (let i = 0; i < 50; i++) {
      loss -= Math.log(p.get(i, y.data[i])) / 50;
      if (am.data[i] === y.data[i]) correct++;
    }
    const e = await model.evaluate(x, y, { batchSize: 16 });
    expect(e.loss).toBeCloseTo(loss, 4);
    expect(e.accuracy).toBe(correct / 50);
  });

  it('trainOnBatch takes one step and reports the loss before it', async () => {
    const model = new Sequential(
      [
        new Flatten({ inputShape: [28, 28] }),
        new Dense(32, { activation: 'relu' }),
        new Dense(10, { activation: 'softmax' }),
      ],
      { seed: 3 },
    );
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = randn([16, 28, 28], rng).cast('float32');
    const y = labels(16, 10);
    const before = await model.evaluate(x, y, { batchSize: 16 });
    const w0 = model.getWeights();
    const r = await model.trainOnBatch(x, y);
    expect(r).toEqual(before);
    expect(model.getWeights()[0].data).not.toEqual(w0[0].data);
    expect(model.optimizer!.iterations).toBe(1);
    expect((await model.evaluate(x, y, { batchSize: 16 })).loss).toBeLessThan(before.loss);
  });

  it('accuracy resolves as Keras resolves it, against the output width at fit time', async () => {
    const x = randn([6, 2], rng).cast('float32');
    // one output unit: binary accuracy, even though the model was compiled when its output was 8 wide
    const m = new Sequential([new Dense(8, { inputShape: [2] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['Accuracy'] });
    m.add(new Dense(1, { activation: 'sigmoid', kernelInitializer: 'zeros' })); // p = 0.5 everywhere, not > 0.5
    expect((await m.evaluate(x, tensor([[1], [1], [0], [0], [0], [1]]))).accuracy).toBe(0.5);
    // sparse labels and a categorical metric cannot go together
    const s = new Sequential([new Dense(3, { inputShape: [2], activation: 'softmax' })]);
    s.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['categorical_accuracy'] });
    await expect(s.evaluate(x, labels(6, 3))).rejects.toThrow(
      /needs 3-wide targets, but the loss 'sparseCategoricalCrossentropy' takes integer labels/,
    );
  });

  it('accuracy over outputs of rank 3 is the mean over every position', async () => {
    const m = new Sequential([new Dense(2, { inputShape: [3, 4], activation: 'softmax' })], { seed: 1 });
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['accuracy'] });
    const x = randn([5, 3, 4], rng).cast('float32');
    const p = await m.predict(x);
    const am = p.argMax(-1); // [5, 3]
    const y = new Float32Array(5 * 3 * 2);
    for (let i = 0; i < 15; i++) y[i * 2 + (i % 3 === 0 ? 1 - am.data[i] : am.data[i])] = 1; // a third wrong
    const e = await m.evaluate(x, new Tensor(y, [5, 3, 2]));
    expect(e.accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('a callback can stop training', async () => {
    const model = mlp(4);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const h = await model.fit(randn([20, 28, 28], rng).cast('float32'), labels(20, 10), {
      epochs: 5,
      verbose: 0,
      callbacks: { onEpochEnd: (e) => void (e === 1 && (model.stopTraining = true)) },
    });
    expect(h.epoch).toEqual([0, 1]);
  });

  it('getWeights returns copies in Keras order; setWeights checks everything before changing anything', () => {
    const model = mlp(5);
    const w = model.getWeights();
    expect(w.map((t) => t.shape)).toEqual([[784, 128], [128], [128, 10], [10]]);
    w[0].data[0] = 123;
    expect(model.getWeights()[0].data[0]).not.toBe(123);
    model.setWeights(w);
    expect(model.getWeights()[0].data[0]).toBe(123);
    const bad = model.getWeights();
    bad[0].data[0] = 7;
    bad[3] = tensor([1, 2, 3]);
    expect(() => model.setWeights(bad)).toThrow('weight 3 (dense');
    expect(() => model.setWeights(bad)).toThrow(ShapeError);
    expect(model.getWeights()[0].data[0]).toBe(123); // untouched
    expect(() => model.setWeights(bad.slice(0, 2))).toThrow(/expected 4 tensors, got 2/);
  });
});

describe('errors name the layer and the shapes', () => {
  const make = () => {
    const m = new Sequential([
      new Flatten({ inputShape: [28, 28], name: 'flat' }),
      new Dense(10, { activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    return m;
  };
  it('wrong input shape', async () => {
    await expect(make().fit(randn([4, 784], rng), labels(4, 10))).rejects.toThrow(
      "fit: Flatten 'flat' expects input of shape [None, 28, 28], got [4, 784].",
    );
    await expect(make().predict(randn([4, 28, 27], rng))).rejects.toThrow(ShapeError);
  });
  it('a layer that cannot take the previous output, leaving the model as it was', () => {
    const m = new Sequential([new Dense(8, { inputShape: [4] })]);
    expect(() => m.add(new Dense(3, { inputShape: [5], name: 'second' }))).toThrow(
      "Dense 'second' was declared with inputShape [None, 5] but receives [None, 8].",
    );
    expect(m.layers).toHaveLength(1);
    m.add(new Dense(2));
    expect(m.summary(() => {})).toContain('(None, 2)');
    const bad = new Sequential();
    expect(() => bad.add(new Flatten({ inputShape: [0] as number[] }))).toThrow(ShapeError);
    expect(bad.layers).toHaveLength(0);
    const m2 = new Sequential([new Dense(3, { name: 'first' })]);
    expect(() => m2.add(new Dense(3, { inputShape: [4], name: 'late' }))).toThrow(
      /'late' declares an inputShape but is not the first layer/,
    );
  });
  it('targets that do not fit', async () => {
    await expect(make().fit(randn([4, 28, 28], rng), labels(3, 10), { verbose: 0 })).rejects.toThrow(
      'fit: x has 4 samples but y has shape [3]; expected 4 targets.',
    );
    await expect(make().fit(randn([2, 28, 28], rng), tensor([3, 12]), { verbose: 0 })).rejects.toThrow(
      /label 12 at index 1/,
    );
  });
  it('bad options and order', async () => {
    const m = new Sequential([new Dense(2, { inputShape: [3] })]);
    await expect(m.fit(randn([2, 3], rng), labels(2, 2))).rejects.toThrow(
      /call compile\(\{ optimizer, loss \}\) before fit\(\)/,
    );
    const c = make();
    const x = randn([4, 28, 28], rng);
    const y = labels(4, 10);
    await expect(c.fit(x, y, { batchSize: 0 })).rejects.toThrow('fit: batchSize must be an integer ≥ 1, got 0.');
    await expect(c.fit(x, y, { batchSize: 2.5 })).rejects.toThrow(ValueError);
    await expect(c.fit(x, y, { validationSplit: 1 })).rejects.toThrow(
      'fit: validationSplit must be a number in [0, 1), got 1.',
    );
    const nan = randn([4, 28, 28], rng);
    nan.data[5] = Number.NaN;
    await expect(c.fit(nan, y, { verbose: 0 })).rejects.toThrow(
      'fit: x holds NaN at flat index 5; inputs must be finite.',
    );
    // A plain array (a TF.js or NumPy habit) gets told what to write instead.
    await expect(c.fit(Array.from(x.data) as never, y)).rejects.toThrow(
      'fit: x must be a Tensor, got an Array; wrap it with tensor(array)',
    );
    await expect(c.evaluate(x, [1, 2] as never)).rejects.toThrow(
      'evaluate: y must be a Tensor, got an Array; wrap it with tensor(array)',
    );
    await expect(c.predict(new Float32Array(4) as never)).rejects.toThrow(
      'predict: x must be a Tensor, got a Float32Array; wrap it with tensor(values, shape)',
    );
    // Names outside the unions fail to type-check, and at run time for JavaScript callers.
    // @ts-expect-error 'adamw' is not an optimizer name
    expect(() => c.compile({ optimizer: 'adamw', loss: 'mse' })).toThrow(/Unknown optimizer 'adamw'/);
    // @ts-expect-error 'f1' is not a metric name
    expect(() => c.compile({ optimizer: 'adam', loss: 'mse', metrics: ['f1'] })).toThrow(
      /compile: metrics: unknown metric 'f1'/,
    );
    await expect(c.fit(x, y, { batch_size: 8 } as never)).rejects.toThrow(
      "fit: unknown option 'batch_size'; expected one of 'epochs', 'batchSize'",
    );
    await expect(c.fit(x, y, { class_weight: {} } as never)).rejects.toThrow(/unknown option 'class_weight'/);
    await expect(c.fit(x, y, { validationData: [x] } as never)).rejects.toThrow(
      'fit: validationData must be [xVal, yVal] or [xVal, yVal, sampleWeightVal], got an array of 1.',
    );
    expect(() => new Dense(3, { activaton: 'relu' } as never)).toThrow("Dense: unknown option 'activaton'");
  });
});

describe('a seed makes a run reproducible bit for bit', () => {
  async function run(seed: number) {
    const model = new Sequential(
      [
        new Dense(16, { activation: 'relu', inputShape: [8] }),
        new Dropout(0.5),
        new Dense(3, { activation: 'softmax' }),
      ],
      { seed },
    );
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const data = new Rng(0);
    const x = new Tensor(
      Float32Array.from({ length: 64 * 8 }, () => data.normal()),
      [64, 8],
    );
    const y = new Tensor(
      Int32Array.from({ length: 64 }, () => data.int(3)),
      [64],
    );
    const init = model.getWeights();
    const h = await model.fit(x, y, { epochs: 3, batchSize: 10, validationSplit: 0.2, verbose: 0 });
    return { init, weights: model.getWeights(), history: h.history };
  }
  it('same seed: same initial weights, same history, same final weights', async () => {
    const a = await run(42);
    const b = await run(42);
    a.init.forEach((w, i) => expect(w.data).toEqual(b.init[i].data));
    expect(a.history).toEqual(b.history);
    a.weights.forEach((w, i) => expect(w.data).toEqual(b.weights[i].data));
  });
  it('another seed: different weights and history', async () => {
    const a = await run(42);
    const c = await run(43);
    expect(a.init[0].data).not.toEqual(c.init[0].data);
    expect(a.history.loss).not.toEqual(c.history.loss);
  });
});
