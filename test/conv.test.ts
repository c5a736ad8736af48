// Conv2D, MaxPooling2D, Reshape and the regularizers: float64 gradient checks over strides, both
// paddings and odd sizes; shapes and parameter counts as Keras gives them.
import { describe, expect, it } from 'vitest';
import { Conv2D } from '../src/layers/convolution/conv2d.js';
import { MaxPooling2D } from '../src/layers/pooling/maxpool2d.js';
import { Reshape } from '../src/layers/reshaping/reshape.js';
import { regularizers } from '../src/regularizers/regularizers.js';
import { Dense, Dropout, Flatten, SGD, Sequential, Tensor, tensor, type FloatTensor } from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { ShapeError, ValueError } from '../src/errors.js';
import { TOL, buildF64, checkLayer, numericModelGrads, randn, relError } from './helpers/gradcheck.js';

const rng = new Rng(31);

function expectClose(check: ReturnType<typeof checkLayer>): void {
  expect(check.input).toBeLessThan(TOL);
  for (const [name, err] of Object.entries(check.params)) expect(err, name).toBeLessThan(TOL);
}

describe('Conv2D', () => {
  const cases: [
    string,
    number[],
    number,
    number | [number, number],
    { strides?: number | [number, number]; padding?: 'valid' | 'same' },
  ][] = [
    ['3×3, stride 1, valid', [6, 7, 2], 3, 3, {}],
    ['3×3, stride 1, same', [5, 5, 3], 4, 3, { padding: 'same' }],
    ['3×3, stride 2, valid, odd sizes', [7, 9, 1], 2, 3, { strides: 2 }],
    ['2×3, strides [2, 1], same, odd sizes', [7, 5, 3], 3, [2, 3], { strides: [2, 1], padding: 'same' }],
    ['4×4, stride 3, same', [8, 7, 2], 2, 4, { strides: 3, padding: 'same' }],
    ['1×1', [3, 4, 5], 3, 1, {}],
  ];
  for (const [name, shape, filters, k, args] of cases) {
    it(`backward matches finite differences: ${name}`, () => {
      const layer = buildF64(new Conv2D(filters, k, { ...args, activation: 'tanh' }), shape);
      expectClose(checkLayer(layer, randn([2, ...shape], rng)));
    });
  }

  it('computes what a direct convolution computes (NHWC, kernel [kh, kw, c, f])', () => {
    const layer = buildF64(new Conv2D(2, 2, { padding: 'same', strides: 2 }), [3, 3, 1]);
    const [kernel, bias] = layer.parameters();
    kernel.value.data.set([1, 2, 3, 4, 5, 6, 7, 8]); // [kh=2][kw=2][c=1][f=2]
    bias.value.data.set([0.5, -1]);
    const x = new Tensor(
      Float64Array.from({ length: 9 }, (_, i) => i + 1),
      [1, 3, 3, 1],
    );
    const y = layer.forward(x, { training: false, rng });
    // 'same' with stride 2 on 3 → 2 outputs, padding 1 in all: 0 above/left, 1 below/right.
    const expected: number[] = [];
    for (let oh = 0; oh < 2; oh++)
      for (let ow = 0; ow < 2; ow++)
        for (let f = 0; f < 2; f++) {
          let s = bias.value.data[f];
          for (let i = 0; i < 2; i++)
            for (let j = 0; j < 2; j++) {
              const ih = oh * 2 + i;
              const iw = ow * 2 + j;
              if (ih < 3 && iw < 3) s += x.data[ih * 3 + iw] * kernel.value.data[(i * 2 + j) * 2 + f];
            }
          expected.push(s);
        }
    expect(y.shape).toEqual([1, 2, 2, 2]);
    expect([...y.data]).toEqual(expected);
  });

  it('a non-square kernel over several channels reads the kernel as [kh, kw, c, f]', () => {
    const layer = buildF64(new Conv2D(2, [2, 3]), [3, 4, 2]);
    const [kernel] = layer.parameters();
    const K = kernel.value.data;
    for (let i = 0; i < K.length; i++) K[i] = Math.sin(i + 1);
    const x = randn([1, 3, 4, 2], rng);
    const y = layer.forward(x, { training: false, rng });
    expect(y.shape).toEqual([1, 2, 2, 2]);
    for (let oh = 0; oh < 2; oh++)
      for (let ow = 0; ow < 2; ow++)
        for (let f = 0; f < 2; f++) {
          let s = 0;
          for (let i = 0; i < 2; i++)
            for (let j = 0; j < 3; j++)
              for (let c = 0; c < 2; c++)
                s += x.data[((oh + i) * 4 + ow + j) * 2 + c] * K[((i * 3 + j) * 2 + c) * 2 + f];
          expect(y.data[(oh * 2 + ow) * 2 + f]).toBeCloseTo(s, 12);
        }
  });

  it('initialises a kernel with Glorot fans kh·kw·c and kh·kw·f, as Keras', () => {
    const layer = new Conv2D(32, 3);
    layer.build([28, 28, 1], { dtype: 'float64', rng: new Rng(9) });
    const k = [...layer.parameters()[0].value.data].map(Math.abs);
    const limit = Math.sqrt(6 / (9 * 1 + 9 * 32));
    expect(Math.max(...k)).toBeLessThanOrEqual(limit);
    expect(Math.max(...k)).toBeGreaterThan(0.98 * limit);
  });

  it('ending in softmax, trains with cross-entropy per position (fused), matching finite differences', async () => {
    const model = new Sequential([new Conv2D(3, 2, { activation: 'softmax', inputShape: [4, 4, 2] })], {
      dtype: 'float64',
      seed: 2,
    });
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = randn([2, 4, 4, 2], rng);
    const y = new Tensor(
      Int32Array.from({ length: 2 * 3 * 3 }, () => rng.int(3)),
      [2, 3, 3],
    );
    const { grads } = await model.computeGradients(x, y);
    const numeric = await numericModelGrads(model, x, y);
    model.parameters().forEach((p, i) => expect(relError(grads[i].data, numeric[i]), p.name).toBeLessThan(TOL));
    const e = await model.evaluate(x, y);
    expect(e.accuracy).toBeGreaterThanOrEqual(0);
    expect(e.accuracy).toBeLessThanOrEqual(1);
  });

  it('has Keras output shapes and parameter counts', () => {
    const c = new Conv2D(32, 3, { activation: 'relu' });
    c.build([28, 28, 1], { dtype: 'float32', rng });
    expect(c.outputShape).toEqual([26, 26, 32]);
    expect(c.countParams()).toBe(320);
    const same = new Conv2D(8, 5, { padding: 'same', strides: 2 });
    same.build([28, 28, 3], { dtype: 'float32', rng });
    expect(same.outputShape).toEqual([14, 14, 8]);
  });

  it('rejects bad arguments and inputs, naming itself', () => {
    expect(() => new Conv2D(0, 3)).toThrow(ValueError);
    expect(() => new Conv2D(4, [3, 0])).toThrow(/kernelSize must be a positive integer or two of them/);
    expect(() => new Conv2D(4, 3, { padding: 'full' as 'same' })).toThrow(
      "padding must be 'valid' or 'same', got 'full'",
    );
    const m = new Sequential([new Flatten({ inputShape: [28, 28] })]);
    expect(() => m.add(new Conv2D(4, 3, { name: 'conv' }))).toThrow(
      "Conv2D 'conv' expects images [batch, height, width, channels], got [None, 784].",
    );
    expect(() => buildF64(new Conv2D(4, 5), [3, 3, 1])).toThrow(
      /a 5×5 window with 'valid' padding does not fit in an input of \[None, 3, 3, 1\]/,
    );
  });
});

describe('MaxPooling2D', () => {
  const cases: [
    string,
    number[],
    number | [number, number],
    { strides?: number | [number, number]; padding?: 'valid' | 'same' },
  ][] = [
    ['2×2, valid', [6, 6, 3], 2, {}],
    ['2×2, valid, odd sizes (last row and column dropped)', [7, 5, 2], 2, {}],
    ['3×3, stride 2, same', [7, 6, 2], 3, { strides: 2, padding: 'same' }],
    ['[2, 3], strides [1, 2], same', [5, 7, 1], [2, 3], { strides: [1, 2], padding: 'same' }],
  ];
  for (const [name, shape, pool, args] of cases) {
    it(`backward matches finite differences: ${name}`, () => {
      // distinct values, so no window has a tie that a small step could flip
      const x = new Tensor(
        Float64Array.from(randn([2, ...shape], rng).data, (v, i) => v + i * 1e-3),
        [2, ...shape],
      );
      expectClose(checkLayer(buildF64(new MaxPooling2D(pool, args), shape), x));
    });
  }
  it('on ties the first position of the window wins, on every channel', () => {
    const layer = buildF64(new MaxPooling2D(2), [2, 2, 5]);
    layer.forward(new Tensor(new Float64Array(20).fill(3), [1, 2, 2, 5]), { training: false, rng });
    const dx = layer.backward(new Tensor(new Float64Array(5).fill(1), [1, 1, 1, 5]), { needInputGrad: true })!;
    expect([...dx.data]).toEqual([1, 1, 1, 1, 1, ...new Array<number>(15).fill(0)]);
  });

  it('takes the max of each window, per channel', () => {
    const layer = buildF64(new MaxPooling2D(2), [2, 4, 1]);
    const y = layer.forward(
      tensor(
        [
          [
            [[1], [5], [2], [0]],
            [[3], [4], [9], [-1]],
          ],
        ],
        undefined,
        'float64',
      ) as FloatTensor,
      { training: false, rng },
    );
    expect(y.shape).toEqual([1, 1, 2, 1]);
    expect([...y.data]).toEqual([5, 9]);
  });
});

describe('Reshape', () => {
  it('reshapes both ways, with −1', () => {
    const layer = buildF64(new Reshape([28, 28, 1]), [784]);
    expect(layer.outputShape).toEqual([28, 28, 1]);
    expect(buildF64(new Reshape([-1, 4]), [2, 6]).outputShape).toEqual([3, 4]);
    expectClose(checkLayer(buildF64(new Reshape([3, -1]), [2, 6]), randn([2, 2, 6], rng)));
    expect(() => buildF64(new Reshape([5, -1]), [12])).toThrow(ShapeError);
    expect(() => new Reshape([2, -1, -1])).toThrow(ShapeError);
  });
});

describe('regularizers', () => {
  it('l1 and l2 as Keras defines them', () => {
    const w = Float64Array.from([1, -2, 0.5]);
    expect(regularizers.l2(0.1).penalty(w)).toBeCloseTo(0.1 * (1 + 4 + 0.25), 14);
    expect(regularizers.l1(0.1).penalty(w)).toBeCloseTo(0.1 * 3.5, 14);
    expect(regularizers.l1l2({ l1: 0.1, l2: 0.2 }).penalty(w)).toBeCloseTo(0.35 + 0.2 * 5.25, 14);
    expect(regularizers.l2().l2).toBe(0.01);
    expect(() => regularizers.l2(-1)).toThrow(ValueError);
  });

  it('in training: the reported loss includes the penalty and each step follows its gradient', async () => {
    const lr = 0.1;
    const lambda = 0.05;
    const m = new Sequential([new Dense(2, { inputShape: [3], kernelRegularizer: regularizers.l2(lambda) })], {
      dtype: 'float64',
      seed: 1,
    });
    m.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'mse' });
    const plain = new Sequential([new Dense(2, { inputShape: [3] })], { dtype: 'float64' });
    plain.compile({ optimizer: 'sgd', loss: 'mse' });
    plain.setWeights(m.getWeights());
    const x = randn([4, 3], rng);
    const y = randn([4, 2], rng);
    const [w0] = m.getWeights();
    const g = (await plain.computeGradients(x, y)).grads[0];
    const penalty = lambda * [...w0.data].reduce((s, v) => s + v * v, 0);
    const r = await m.trainOnBatch(x, y);
    expect(r.loss).toBeCloseTo((await plain.evaluate(x, y)).loss + penalty, 12);
    const [w1] = m.getWeights();
    for (let i = 0; i < w0.size; i++)
      expect(w1.data[i]).toBeCloseTo(w0.data[i] - lr * (g.data[i] + 2 * lambda * w0.data[i]), 12);
  });

  it("takes Keras's names too, and rejects anything else naming the layer", () => {
    expect(new Dense(2, { kernelRegularizer: 'l2' }).getConfig().kernelRegularizer).toEqual({ l1: 0, l2: 0.01 });
    expect(new Conv2D(2, 3, { kernelRegularizer: 'l1_l2' }).getConfig().kernelRegularizer).toEqual({
      l1: 0.01,
      l2: 0.01,
    });
    expect(() => new Dense(2, { kernelRegularizer: 'l3' as 'l2', name: 'd' })).toThrow(
      /Dense 'd': a regularizer must be/,
    );
  });

  it('a CNN with l2 and l1 penalties: loss and gradients include them, and match finite differences', async () => {
    const model = new Sequential(
      [
        new Conv2D(3, 3, { activation: 'relu', inputShape: [6, 6, 1], kernelRegularizer: regularizers.l2(0.05) }),
        new MaxPooling2D(2),
        new Conv2D(2, 2, {
          padding: 'same',
          kernelRegularizer: regularizers.l1(0.02),
          biasRegularizer: regularizers.l2(0.1),
        }),
        new Flatten(),
        new Dropout(0.5),
        new Dense(3, { activation: 'softmax', kernelRegularizer: regularizers.l1l2({ l1: 0.01, l2: 0.01 }) }),
      ],
      { dtype: 'float64', seed: 4 },
    );
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    // shift the biases off zero so the l1 penalty's kink at 0 is not where we differentiate
    model.parameters().forEach((p) => p.value.data.forEach((v, i, a) => (a[i] = v + 0.01 * (1 + rng.next()))));
    const x = randn([4, 6, 6, 1], rng);
    const y = new Tensor(Int32Array.from([0, 2, 1, 2]), [4]);
    const { loss, grads } = await model.computeGradients(x, y);
    const plain = new Sequential(
      [
        new Conv2D(3, 3, { activation: 'relu', inputShape: [6, 6, 1] }),
        new MaxPooling2D(2),
        new Conv2D(2, 2, { padding: 'same' }),
        new Flatten(),
        new Dropout(0.5),
        new Dense(3, { activation: 'softmax' }),
      ],
      { dtype: 'float64' },
    );
    plain.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    plain.setWeights(model.getWeights());
    const penalty = model
      .parameters()
      .reduce((s, p) => s + (p.regularizer?.penalty(p.value.data as Float64Array) ?? 0), 0);
    expect(penalty).toBeGreaterThan(0);
    expect(loss).toBeCloseTo((await plain.computeGradients(x, y)).loss + penalty, 12);
    expect((await model.evaluate(x, y)).loss).toBeCloseTo(loss, 10);
    const numeric = await numericModelGrads(model, x, y);
    model.parameters().forEach((p, i) => expect(relError(grads[i].data, numeric[i]), p.name).toBeLessThan(TOL));
  });
});

describe('the seed 002 CNN', () => {
  it("summary shows Keras's shapes and parameter counts", () => {
    const model = new Sequential([
      new Conv2D(32, 3, { activation: 'relu', inputShape: [28, 28, 1] }),
      new MaxPooling2D(2),
      new Conv2D(64, 3, { activation: 'relu' }),
      new MaxPooling2D(2),
      new Flatten(),
      new Dropout(0.5),
      new Dense(10, { activation: 'softmax' }),
    ]);
    const text = model.summary(() => {});
    expect(text).toMatch(/conv2d(_\d+)? \(Conv2D\) +\(None, 26, 26, 32\) +320 /);
    // A name longer than its column wraps its class onto the next line, as Keras prints it.
    expect(text).toMatch(/max_pooling2d(_\d+)?( \(MaxPooling2D\))? +\(None, 13, 13, 32\) +0 /);
    expect(text).toMatch(/conv2d_\d+ \(Conv2D\) +\(None, 11, 11, 64\) +18496 /);
    expect(text).toMatch(/max_pooling2d_\d+ +\(None, 5, 5, 64\) +0 +\n +\(MaxPooling2D\) +\n/);
    expect(text).toMatch(/flatten(_\d+)? \(Flatten\) +\(None, 1600\) +0 /);
    expect(text).toMatch(/dense(_\d+)? \(Dense\) +\(None, 10\) +16010 /);
    expect(text).toContain('Total params: 34,826 (136.04 KB)');
  });
});
