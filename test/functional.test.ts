// Functional models (Input, layer.apply, Model): the executor's gradients against central
// differences in float64 (a shared layer's summed over its places), Sequential as the chain case of
// the same graph (bit for bit), the summary's "Connected to", and the graph's errors.
import { describe, expect, it } from 'vitest';
import {
  Activation,
  Add,
  BatchNormalization,
  Concatenate,
  Dense,
  Dropout,
  Flatten,
  FormatError,
  Input,
  InputLayer,
  Maximum,
  Multiply,
  Model,
  Sequential,
  ShapeError,
  Subtract,
  SymbolicTensor,
  Tensor,
  ValueError,
  modelFromBytes,
  modelToBytes,
} from '../src/index.js';
import { modelToFile } from '../src/io/serialize.js';
import { encodeModelFile } from '../src/io/model-file.js';
import { Rng } from '../src/tensor/random.js';
import { TOL, numericModelGrads, randn, relError } from './helpers/gradcheck.js';

const rng = new Rng(11);
const labels = (n: number, k: number): Tensor =>
  new Tensor(
    Int32Array.from({ length: n }, () => rng.int(k)),
    [n],
  );

describe('a functional model', () => {
  it('has the gradients of central differences, a layer applied twice getting the sum over its places', async () => {
    const x = Input({ shape: [4] });
    const shared = new Dense(4, { activation: 'tanh', name: 'shared' });
    const h = shared.apply(new Activation('relu').apply(shared.apply(x)));
    const y = new Dense(3, { activation: 'softmax' }).apply(h);
    const model = new Model({ inputs: x, outputs: y, dtype: 'float64', seed: 5 });
    expect(model.layers.map((l) => l.name)).toEqual([
      model.layers[0].name,
      'shared',
      model.layers[2].name,
      model.layers[3].name,
    ]);
    expect(model.getWeights()).toHaveLength(4); // one kernel and bias for the two places
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const xs = randn([5, 4], rng);
    const ys = labels(5, 3);
    const { grads } = await model.computeGradients(xs, ys);
    const numeric = await numericModelGrads(model, xs, ys);
    model.parameters().forEach((p, i) => expect(relError(grads[i].data, numeric[i]), p.name).toBeLessThan(TOL));
  });

  it('has the gradients of central differences with a layer at three places and BatchNormalization twice', async () => {
    const x = Input({ shape: [3] });
    const d = new Dense(3, { activation: 'tanh' });
    const bn = new BatchNormalization();
    const y = new Dense(2, { activation: 'softmax' }).apply(d.apply(bn.apply(d.apply(bn.apply(d.apply(x))))));
    const model = new Model({ inputs: x, outputs: y, dtype: 'float64', seed: 8 });
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const xs = randn([6, 3], rng);
    const ys = labels(6, 2);
    const { grads } = await model.computeGradients(xs, ys);
    const numeric = await numericModelGrads(model, xs, ys);
    model.parameters().forEach((p, i) => {
      if (p.trainable !== false) expect(relError(grads[i].data, numeric[i]), p.name).toBeLessThan(TOL);
    });
  });

  it("sums a shared layer's gradients: those of the same network with the layer copied at each place, added", async () => {
    const x = Input({ shape: [4] });
    const shared = new Dense(4, { activation: 'tanh' });
    const sharedModel = new Model({
      inputs: x,
      outputs: new Dense(3, { activation: 'softmax' }).apply(
        shared.apply(new Activation('relu').apply(shared.apply(x))),
      ),
      dtype: 'float64',
      seed: 5,
    });
    const x2 = Input({ shape: [4] });
    const [a, b] = [new Dense(4, { activation: 'tanh' }), new Dense(4, { activation: 'tanh' })];
    const copied = new Model({
      inputs: x2,
      outputs: new Dense(3, { activation: 'softmax' }).apply(b.apply(new Activation('relu').apply(a.apply(x2)))),
      dtype: 'float64',
    });
    const [k, bias, headK, headB] = sharedModel.getWeights();
    copied.setWeights([k, bias, k, bias, headK, headB]);
    const xs = randn([5, 4], rng);
    const ys = labels(5, 3);
    for (const m of [sharedModel, copied]) m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const g = (await sharedModel.computeGradients(xs, ys)).grads;
    const c = (await copied.computeGradients(xs, ys)).grads;
    expect(
      relError(
        g[0].data,
        c[0].data.map((v, i) => v + c[2].data[i]),
      ),
    ).toBeLessThan(1e-12);
    expect(
      relError(
        g[1].data,
        c[1].data.map((v, i) => v + c[3].data[i]),
      ),
    ).toBeLessThan(1e-12);
    // One place's share alone is far from it: a twin whose gradient were dropped would be caught.
    expect(relError(g[0].data, c[0].data)).toBeGreaterThan(1e-3);
    expect(relError(g[0].data, c[2].data)).toBeGreaterThan(1e-3);
  });

  it('is the chain case of Sequential: same seed, same weights, same training bit for bit', async () => {
    const seq = new Sequential(
      [
        new Flatten({ inputShape: [6, 6] }),
        new Dense(8, { activation: 'relu' }),
        new Dropout(0.3),
        new Dense(4, { activation: 'softmax' }),
      ],
      { seed: 9 },
    );
    const x = Input({ shape: [6, 6] });
    const y = new Dense(4, { activation: 'softmax' }).apply(
      new Dropout(0.3).apply(new Dense(8, { activation: 'relu' }).apply(new Flatten().apply(x))),
    );
    const fun = new Model({ inputs: x, outputs: y, seed: 9 });
    const xs = randn([40, 6, 6], rng);
    const ys = labels(40, 4);
    const histories = [];
    for (const m of [seq, fun]) {
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      histories.push((await m.fit(xs, ys, { epochs: 2, batchSize: 8, validationSplit: 0.25, verbose: 0 })).history);
    }
    expect(histories[1]).toEqual(histories[0]);
    const [ws, wf] = [seq.getWeights(), fun.getWeights()];
    ws.forEach((w, i) => expect(Array.from(wf[i].data)).toEqual(Array.from(w.data)));
    expect(Array.from(((await fun.predict(xs)) as Tensor).data)).toEqual(Array.from((await seq.predict(xs)).data));
  });

  it('prints Keras’s functional summary with what each layer is connected to', () => {
    const x = Input({ shape: [4], name: 'pixels' });
    const d = new Dense(4, { name: 'twice' });
    const y = new Dense(2, { name: 'head' }).apply(d.apply(d.apply(x)));
    const text = new Model({ inputs: x, outputs: y, name: 'probe' }).summary(() => {});
    const lines = text.split('\n');
    expect(lines[0]).toBe('Model: "probe"');
    expect(lines[2]).toMatch(/^ Layer \(type\) +Output Shape +Param # +Connected to +$/);
    expect(text).toMatch(/\n pixels \(InputLayer\) +\(None, 4\) +0 +- +\n/);
    // one connection a line, as Keras 3 prints them: the layer's two places, then the head on the second
    expect(text).toMatch(/\n twice \(Dense\) +\(None, 4\) +20 +pixels\[0\]\[0\] +\n {66}twice\[0\]\[0\] +\n/);
    expect(text).toMatch(/\n head \(Dense\) +\(None, 2\) +10 +twice\[1\]\[0\] +\n/);
    expect(lines.every((l) => l.length <= 98)).toBe(true);
    expect(lines).toContain('Total params: 30 (120.00 Byte)');
  });
});

describe('a functional model refuses, before anything is built or trained', () => {
  it('an input that reaches no output, naming it', () => {
    const a = Input({ shape: [3], name: 'used' });
    const b = Input({ shape: [3], name: 'unused' });
    const y = new Dense(2).apply(a);
    expect(() => new Model({ inputs: [a, b], outputs: y })).toThrow(/the input 'unused' reaches no output/);
  });

  it('an output that depends on an input the model is not given (another graph’s)', () => {
    const a = Input({ shape: [3], name: 'mine' });
    const other = Input({ shape: [3], name: 'theirs' });
    const y = new Dense(2).apply(other);
    expect(() => new Model({ inputs: a, outputs: y })).toThrow(
      /depends on the input 'theirs', which is not among the model's inputs \('mine'\)/,
    );
  });

  it('inputs that are not Input tensors, or not symbolic at all', () => {
    const x = Input({ shape: [3] });
    const h = new Dense(2, { name: 'mid' }).apply(x);
    expect(() => new Model({ inputs: h, outputs: new Dense(1).apply(h) })).toThrow(
      /the input 'mid' is the output of Dense 'mid'/,
    );
    expect(() => new Model({ inputs: [] as never, outputs: h })).toThrow(ValueError);
    expect(() => new Model({ inputs: x, outputs: 3 as never })).toThrow(/outputs must be a symbolic tensor/);
    expect(() => new Dense(2).apply(new Tensor(new Float32Array(3), [1, 3]) as never)).toThrow(
      /expected a symbolic tensor/,
    );
  });

  it('two layers of one name, naming both', () => {
    const x = Input({ shape: [3] });
    const y = new Dense(2, { name: 'same' }).apply(new Dense(3, { name: 'same' }).apply(x));
    expect(() => new Model({ inputs: x, outputs: y })).toThrow(/two layers are named 'same'/);
  });

  it('a layer applied to a shape it cannot take, or to another shape than before, naming both shapes', () => {
    const x = Input({ shape: [3] });
    const z = Input({ shape: [5] });
    const d = new Dense(2, { name: 'twice' });
    d.apply(x);
    expect(() => d.apply(z)).toThrow(ShapeError);
    expect(() => d.apply(z)).toThrow(/'twice' is applied to \[None, 5\] but was applied to \[None, 3\] before/);
    expect(() => new Dense(2, { inputShape: [4], name: 'declared' }).apply(x)).toThrow(
      "Dense 'declared' was declared with inputShape [None, 4] but receives [None, 3].",
    );
    expect(() => new Dense(2).apply([x, z])).toThrow(/takes one symbolic tensor, got an array of 2/);
  });

  it('Input without a good shape', () => {
    expect(() => Input({ shape: [] })).toThrow(/shape must be the sample shape/);
    expect(() => Input({ shape: [0, 3] })).toThrow(ShapeError);
    expect(() => Input({ shape: [3], batchSize: 2 } as never)).toThrow(/unknown option 'batchSize'/);
    expect(new InputLayer({ shape: [2, 2] }).getConfig()).toMatchObject({ shape: [2, 2] });
  });
});

describe('a functional model of branches, several inputs and several outputs', () => {
  /** x → dense → (relu ↘ + ↙) → add → heads: a digit (softmax) and a score (linear, mse). */
  function twoHeads(dtype: 'float32' | 'float64' = 'float64'): Model {
    const x = Input({ shape: [4], name: 'features' });
    const h = new Dense(5, { activation: 'tanh', name: 'trunk' }).apply(x);
    const r = new Add({ name: 'residual' }).apply([h, new Dense(5, { activation: 'tanh', name: 'branch' }).apply(h)]);
    const digit = new Dense(3, { activation: 'softmax', name: 'digit' }).apply(r);
    const score = new Dense(1, { name: 'score' }).apply(r);
    return new Model({ inputs: x, outputs: [digit, score], dtype, seed: 3 });
  }

  it('has the gradients of central differences through a residual Add and two weighted losses', async () => {
    const model = twoHeads();
    model.compile({
      optimizer: 'sgd',
      loss: { digit: 'sparseCategoricalCrossentropy', score: 'mse' },
      lossWeights: { digit: 1, score: 0.25 },
    });
    const xs = randn([6, 4], rng);
    const ys = { digit: labels(6, 3), score: randn([6, 1], rng) };
    const { loss, grads } = await model.computeGradients(xs, ys);
    const numeric = await numericModelGrads(model, xs, ys);
    model.parameters().forEach((p, i) => expect(relError(grads[i].data, numeric[i]), p.name).toBeLessThan(TOL));
    // The total is Σ λᵢ·Lᵢ: the parts, evaluated apart, add up to it.
    const e = await model.evaluate(xs, ys);
    expect(e.loss).toBeCloseTo(loss, 12);
    expect(e.loss).toBeCloseTo(e.digit_loss + 0.25 * e.score_loss, 12);
  });

  it('two inputs side by side (Concatenate), given as an array or by name, with the gradients of central differences', async () => {
    const image = Input({ shape: [2, 3], name: 'image' });
    const hint = Input({ shape: [2], name: 'hint' });
    const joined = new Concatenate().apply([
      new Flatten().apply(image),
      new Dense(2, { activation: 'relu' }).apply(hint),
    ]);
    const y = new Dense(3, { activation: 'softmax' }).apply(joined);
    const model = new Model({ inputs: [image, hint], outputs: y, dtype: 'float64', seed: 4 });
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const xi = randn([5, 2, 3], rng);
    const xh = randn([5, 2], rng);
    const ys = labels(5, 3);
    const byArray = await model.computeGradients([xi, xh], ys);
    const byName = await model.computeGradients({ hint: xh, image: xi }, ys);
    expect(byName).toEqual(byArray);
    const numeric = await numericModelGrads(model, [xi, xh], ys);
    model.parameters().forEach((p, i) => expect(relError(byArray.grads[i].data, numeric[i]), p.name).toBeLessThan(TOL));
    const p = (await model.predict({ image: xi, hint: xh })) as Tensor;
    expect(p.shape).toEqual([5, 3]);
  });

  it('fits with Keras’s history keys, validation and sample weights, and predicts an array of outputs', async () => {
    const model = twoHeads('float32');
    model.compile({
      optimizer: 'adam',
      loss: ['sparseCategoricalCrossentropy', 'mse'],
      metrics: { digit: 'accuracy' },
    });
    const xs = randn([40, 4], rng);
    const ys = [labels(40, 3), randn([40, 1], rng)];
    const sampleWeight = new Tensor(
      Float32Array.from({ length: 40 }, (_, i) => 1 + (i % 2)),
      [40],
    );
    const h = await model.fit(xs, ys, { epochs: 2, batchSize: 8, validationSplit: 0.25, sampleWeight, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(
      [
        'loss',
        'digit_loss',
        'score_loss',
        'digit_accuracy',
        'val_loss',
        'val_digit_loss',
        'val_score_loss',
        'val_digit_accuracy',
        'learning_rate',
        'lr',
      ].sort(),
    );
    const [digit, score] = (await model.predict(xs)) as Tensor[];
    expect(digit.shape).toEqual([40, 3]);
    expect(score.shape).toEqual([40, 1]);
    const r = await model.trainOnBatch(xs.slice(0, 8), [ys[0].slice(0, 8), ys[1].slice(0, 8)]);
    expect(Object.keys(r).sort()).toEqual(['digit_accuracy', 'digit_loss', 'loss', 'score_loss']);
  });

  it('refuses, naming the output or input: missing or unknown targets, unknown loss keys, uneven batches, class weights', async () => {
    const model = twoHeads('float32');
    expect(() => model.compile({ optimizer: 'sgd', loss: { digit: 'mse', scor: 'mse' } as never })).toThrow(
      "compile: loss names 'scor', which is not an output of the model (its outputs: 'digit', 'score').",
    );
    expect(() => model.compile({ optimizer: 'sgd', loss: ['mse'] })).toThrow(
      "compile: loss is an array of 1, but the model has 2 outputs ('digit', 'score').",
    );
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', lossWeights: [1, -1] })).toThrow(
      /lossWeights for the output 'score'/,
    );
    model.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'mse'] });
    const xs = randn([4, 4], rng);
    const before = model.getWeights();
    await expect(model.fit(xs, { digit: labels(4, 3) }, { verbose: 0 })).rejects.toThrow(
      "fit: y has no entry for the output 'score' (expected 'digit', 'score').",
    );
    await expect(
      model.fit(xs, { digit: labels(4, 3), score: randn([4, 1], rng), extra: labels(4, 3) }, { verbose: 0 }),
    ).rejects.toThrow("fit: y names 'extra', which is not an output of the model");
    await expect(model.fit(xs, labels(4, 3), { verbose: 0 })).rejects.toThrow(
      "fit: the model has 2 outputs ('digit', 'score'); give y as an array of 2 in that order or as an object by name.",
    );
    await expect(model.fit(xs, [labels(4, 3), randn([3, 1], rng)], { verbose: 0 })).rejects.toThrow(
      "fit (output 'score'): x has 4 samples but y has shape [3, 1]",
    );
    await expect(
      model.fit(xs, [labels(4, 3), randn([4, 1], rng)], { classWeight: { 0: 2 }, verbose: 0 }),
    ).rejects.toThrow(/classWeight weighs the classes of one output, and the model has 2/);
    model.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(before[i].data)));

    const a = Input({ shape: [2], name: 'a' });
    const b = Input({ shape: [2], name: 'b' });
    const two = new Model({ inputs: [a, b], outputs: new Dense(1).apply(new Add().apply([a, b])) });
    await expect(two.predict([randn([3, 2], rng), randn([4, 2], rng)])).rejects.toThrow(
      "predict: the inputs have different numbers of samples: 'a' 3, 'b' 4.",
    );
    await expect(two.predict({ a: randn([3, 2], rng) })).rejects.toThrow("predict: x has no entry for the input 'b'");
    await expect(two.predict([randn([3, 3], rng), randn([3, 2], rng)])).rejects.toThrow(
      "predict: the input 'a' expects input of shape [None, 2], got [3, 3].",
    );
  });
});

describe('a functional model in our file', () => {
  it('comes back with its graph, weights, compile settings per output and optimizer state, and trains on the same', async () => {
    const image = Input({ shape: [3, 3], name: 'image' });
    const hint = Input({ shape: [2], name: 'hint' });
    const tower = new Dense(4, { activation: 'relu', name: 'tower' });
    const a = tower.apply(new Flatten().apply(image));
    const joined = new Concatenate({ name: 'joined' }).apply([
      a,
      tower.apply(new Dense(9, { name: 'lift' }).apply(hint)),
    ]);
    const digit = new Dense(3, { activation: 'softmax', name: 'digit' }).apply(joined);
    const score = new Dense(1, { name: 'score' }).apply(new Maximum().apply([a, new Dense(4).apply(joined)]));
    const model = new Model({ inputs: [image, hint], outputs: [digit, score], name: 'two_by_two', seed: 2 });
    model.compile({
      optimizer: 'adam',
      loss: ['sparseCategoricalCrossentropy', 'mse'],
      lossWeights: [1, 0.5],
      metrics: [['accuracy'], null],
    });
    const xs = [randn([12, 3, 3], rng), randn([12, 2], rng)];
    const ys = [labels(12, 3), randn([12, 1], rng)];
    await model.fit(xs, ys, { epochs: 1, batchSize: 4, verbose: 0 });
    const back = modelFromBytes(modelToBytes(model), 'two_by_two.mnn');
    expect(back).toBeInstanceOf(Model);
    expect(back).not.toBeInstanceOf(Sequential);
    expect(back.toConfig()).toEqual(model.toConfig());
    expect(back.compileConfig).toEqual(model.compileConfig);
    const [p0, p1] = (await model.predict(xs)) as Tensor[];
    const [q0, q1] = (await back.predict(xs)) as Tensor[];
    expect(Array.from(q0.data)).toEqual(Array.from(p0.data));
    expect(Array.from(q1.data)).toEqual(Array.from(p1.data));
    const h1 = await model.fit(xs, ys, { epochs: 1, batchSize: 4, verbose: 0 });
    const h2 = await back.fit(xs, ys, { epochs: 1, batchSize: 4, verbose: 0 });
    expect(h2.history).toEqual(h1.history);
  });

  it('refuses hostile graphs before building anything: cycles, missing nodes, twice-named layers, huge graphs', () => {
    const x = Input({ shape: [2], name: 'in' });
    const model = new Model({
      inputs: x,
      outputs: new Dense(2, { name: 'd2' }).apply(new Dense(2, { name: 'd1' }).apply(x)),
    });
    const good = modelToFile(model);
    interface Config {
      layers: { config: { name: string }; inbound: unknown[] }[];
      inputs: unknown[];
      outputs: unknown[];
    }
    const withConfig = (edit: (c: Config) => void): Uint8Array => {
      const header = structuredClone(good.header) as unknown as { model: { config: Config } };
      edit(header.model.config);
      return encodeModelFile({ header: header as never, data: good.data });
    };
    const read = (bytes: Uint8Array) => () => modelFromBytes(bytes, 'bad.mnn');
    expect(read(withConfig((c) => (c.layers[1].inbound = [[['d2', 0, 0]]])))).toThrow(
      "bad.mnn: the graph has a cycle: node 0 of the layer 'd",
    );
    expect(read(withConfig((c) => (c.layers[2].inbound = [[['d1', 3, 0]]])))).toThrow(
      "bad.mnn: node 0 of the layer 'd2' names node 3 of the layer 'd1', which has 1.",
    );
    expect(read(withConfig((c) => (c.layers[2].inbound = [[['nowhere', 0, 0]]])))).toThrow(/names the layer 'nowhere'/);
    expect(read(withConfig((c) => (c.layers[2].config.name = 'd1')))).toThrow("bad.mnn: two layers are named 'd1'.");
    expect(read(withConfig((c) => (c.outputs = [['d2', 0, 5]])))).toThrow(
      /names output 5 of the layer 'd2', which has 1/,
    );
    expect(
      read(withConfig((c) => (c.layers[2].inbound = Array.from({ length: 200_000 }, () => [['d1', 0, 0]])))),
    ).toThrow('bad.mnn: the graph has 200002 nodes; mnist-nn reads at most 100000.');
    expect(read(withConfig((c) => (c.inputs = [['d1', 0, 0]])))).toThrow(FormatError);
  });
});

describe('a model applied as a layer inside another', () => {
  it('a tower (a Sequential) applied to two inputs: one set of weights, the gradients of central differences', async () => {
    const tower = new Sequential([new Dense(3, { activation: 'tanh', inputShape: [4] }), new Dense(2)], {
      dtype: 'float64',
      seed: 1,
    });
    const a = Input({ shape: [4], name: 'left' });
    const b = Input({ shape: [4], name: 'right' });
    const d = new Subtract().apply([tower.apply(a) as SymbolicTensor, tower.apply(b) as SymbolicTensor]);
    const y = new Dense(1, { activation: 'sigmoid', name: 'same' }).apply(new Multiply().apply([d, d]));
    const model = new Model({ inputs: [a, b], outputs: y, dtype: 'float64', seed: 2 });
    expect(model.getWeights()).toHaveLength(6); // the tower's four, once, and the head's two
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const xs = [randn([5, 4], rng), randn([5, 4], rng)];
    const ys = new Tensor(Float64Array.from([1, 0, 1, 1, 0]), [5, 1]);
    const { grads } = await model.computeGradients(xs, ys);
    const numeric = await numericModelGrads(model, xs, ys);
    model.parameters().forEach((p, i) => expect(relError(grads[i].data, numeric[i]), p.name).toBeLessThan(TOL));
    // The tower's own predictions are those of its layers inside the bigger model.
    const [tw] = tower.getWeights();
    expect(Array.from(model.getWeights()[0].data)).toEqual(Array.from(tw.data));
  });

  it('a GAN: the discriminator frozen in the stacked model trains only the generator; compiled alone, it learns', async () => {
    const generator = new Sequential([new Dense(6, { activation: 'relu', inputShape: [3] }), new Dense(4)], {
      seed: 3,
    });
    const image = Input({ shape: [4] });
    const discriminator = new Model({
      inputs: image,
      outputs: new Dense(1, { activation: 'sigmoid' }).apply(new Dense(5, { activation: 'relu' }).apply(image)),
      seed: 4,
    });
    discriminator.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    discriminator.trainable = false;
    const z = Input({ shape: [3] });
    const gan = new Model({ inputs: z, outputs: discriminator.apply(generator.apply(z)) });
    gan.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const noise = randn([8, 3], rng);
    const ones = new Tensor(new Float32Array(8).fill(1), [8, 1]);
    const g0 = generator.getWeights();
    const d0 = discriminator.getWeights();
    await gan.trainOnBatch(noise, ones);
    const changed = (before: Tensor[], after: Tensor[]) =>
      before.some((w, i) => Array.from(w.data).some((v, k) => v !== after[i].data[k]));
    expect(changed(g0, generator.getWeights())).toBe(true);
    expect(changed(d0, discriminator.getWeights())).toBe(false);
    await discriminator.trainOnBatch(randn([8, 4], rng), ones); // compiled while trainable: it learns
    expect(changed(d0, discriminator.getWeights())).toBe(true);
    expect(gan.layers.map((l) => l.name)).toEqual([
      gan.layers[0].name,
      ...generator.layers.map((l) => l.name),
      ...discriminator.layers.slice(1).map((l) => l.name),
    ]);
  });

  it('goes to our file inlined and comes back predicting the same; a shape it cannot take is refused', async () => {
    const tower = new Sequential([new Dense(3, { inputShape: [4] })], { seed: 5 });
    const a = Input({ shape: [4] });
    const model = new Model({
      inputs: a,
      outputs: new Add().apply([tower.apply(a) as SymbolicTensor, tower.apply(a) as SymbolicTensor]),
    });
    const x = randn([3, 4], rng);
    const back = modelFromBytes(modelToBytes(model));
    expect(Array.from(((await back.predict(x)) as Tensor).data)).toEqual(
      Array.from(((await model.predict(x)) as Tensor).data),
    );
    expect(() => tower.apply(Input({ shape: [5] }))).toThrow("Sequential 'sequential_");
    expect(() => tower.apply(Input({ shape: [5] }))).toThrow(/\.apply: the model takes \[None, 4\], got \[None, 5\]/);
  });
});

describe('graphs at scale and outputs by name', () => {
  it('a chain of 20,000 layers builds and predicts (the graph is ordered without recursion, and made once)', async () => {
    const layers = [
      new Dense(2, { inputShape: [2] }),
      ...Array.from({ length: 20_000 }, () => new Activation('linear')),
    ];
    const model = new Sequential(layers);
    expect(model.layers).toHaveLength(20_001);
    expect((await model.predict(new Tensor(new Float32Array(4), [2, 2]))).shape).toEqual([2, 2]);
  });

  it('two outputs of one layer get names of their own (head, head_1), so neither loss is lost', async () => {
    const x = Input({ shape: [2] });
    const p = new Dense(1, { name: 'head' }).apply(x);
    const model = new Model({ inputs: x, outputs: [p, p], seed: 1 });
    expect(model.outputNames).toEqual(['head', 'head_1']);
    model.compile({ optimizer: 'sgd', loss: 'mse', lossWeights: { head: 1, head_1: 0 } });
    const xs = randn([4, 2], rng);
    const e = await model.evaluate(xs, { head: randn([4, 1], rng), head_1: randn([4, 1], rng) });
    expect(Object.keys(e).sort()).toEqual(['head_1_loss', 'head_loss', 'loss']);
    expect(e.loss).toBeCloseTo(e.head_loss, 6);
  });
});
