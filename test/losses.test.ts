// Each loss's gradient against finite differences of its value (float64), the fused softmax +
// cross-entropy path against the unfused one, and behaviour at extreme logits; binary cross-entropy
// against a direct computation, TensorFlow.js's, and in training.
import { describe, expect, it } from 'vitest';
import {
  binaryCrossentropy,
  categoricalCrossentropy,
  getLoss,
  meanSquaredError,
  sparseCategoricalCrossentropy,
  weighRows,
} from '../src/losses/losses.js';
import { getMetric } from '../src/metrics/metrics.js';
import { Adam, Dense, Sequential } from '../src/index.js';
import { jsKernels } from '../src/tensor/kernels.js';
import { Rng } from '../src/tensor/random.js';
import { Tensor, tensor } from '../src/tensor/tensor.js';
import { ShapeError, ValueError } from '../src/errors.js';
import { TOL, numericGrad, numericModelGrads, randn, relError } from './helpers/gradcheck.js';
import { useTfjsCpu } from './helpers/tfjs.js';

const tf = useTfjsCpu();

const rng = new Rng(7);
const rows = 4;
const cols = 5;

function probs(): Float64Array {
  const z = Float64Array.from({ length: rows * cols }, () => rng.normal());
  const p = new Float64Array(rows * cols);
  jsKernels.softmax(p, z, rows, cols);
  return p;
}
const labels = Int32Array.from([0, 3, 4, 1]);
const onehot = Float64Array.from({ length: rows * cols }, (_, i) =>
  i % cols === labels[Math.floor(i / cols)] ? 1 : 0,
);
const soft = Float64Array.from({ length: rows * cols }, () => rng.next()); // soft targets, rows not summing to 1
/** Outputs that do not sum to 1 per row (a sigmoid layer's, say): the unfused path renormalises them. */
function unnormalised(): Float64Array {
  return Float64Array.from({ length: rows * cols }, () => 0.05 + 0.9 * rng.next());
}

describe('gradients match finite differences', () => {
  const cases = [
    ['sparseCategoricalCrossentropy', sparseCategoricalCrossentropy, labels],
    ['categoricalCrossentropy (one-hot)', categoricalCrossentropy, onehot],
    ['categoricalCrossentropy (soft targets)', categoricalCrossentropy, soft],
    ['meanSquaredError', meanSquaredError, soft],
    ['binaryCrossentropy (0/1 targets)', binaryCrossentropy, onehot],
    ['binaryCrossentropy (soft targets)', binaryCrossentropy, soft],
  ] as const;
  for (const [name, loss, y] of cases) {
    for (const [what, make] of [
      ['softmax outputs', probs],
      ['outputs not summing to 1', unnormalised],
    ] as const) {
      it(`${name} with respect to its input, on ${what}`, () => {
        const p = make();
        const g = new Float64Array(rows * cols);
        loss.grad(g, p, y, rows, cols);
        expect(
          relError(
            g,
            numericGrad(() => loss.value(p, y, rows, cols), p),
          ),
        ).toBeLessThan(TOL);
      });
    }
    if (loss.valueFromLogits) {
      it(`${name} fused with softmax, with respect to the logits`, () => {
        const z = Float64Array.from({ length: rows * cols }, () => 3 * rng.normal());
        const p = new Float64Array(rows * cols);
        jsKernels.softmax(p, z, rows, cols);
        const g = new Float64Array(rows * cols);
        loss.gradFromLogits!(g, p, y, rows, cols);
        expect(
          relError(
            g,
            numericGrad(() => loss.valueFromLogits!(z, y, rows, cols), z),
          ),
        ).toBeLessThan(TOL);
        // and the fused value equals the unfused one away from the clipping range
        expect(loss.valueFromLogits!(z, y, rows, cols)).toBeCloseTo(loss.value(p, y, rows, cols), 10);
      });
    }
  }
});

describe('values', () => {
  it('cross-entropy is −mean log p of the true class', () => {
    const p = Float64Array.from([0.7, 0.2, 0.1, 0.25, 0.25, 0.5]);
    const y = Int32Array.from([0, 2]);
    const expected = -(Math.log(0.7) + Math.log(0.5)) / 2;
    expect(sparseCategoricalCrossentropy.value(p, y, 2, 3)).toBeCloseTo(expected, 14);
    expect(categoricalCrossentropy.value(p, Float64Array.from([1, 0, 0, 0, 0, 1]), 2, 3)).toBeCloseTo(expected, 14);
  });
  it('mean squared error is the mean over every element', () => {
    expect(meanSquaredError.value(Float64Array.from([1, 2, 3, 4]), Float64Array.from([0, 2, 5, 4]), 2, 2)).toBe(
      (1 + 0 + 4 + 0) / 4,
    );
  });
  it('unfused cross-entropy divides each row by its sum first, as Keras does', () => {
    // three sigmoid outputs, true class 1: −log(0.605 / (0.527 + 0.605 + 0.951)) = 1.2363…
    const p = Float64Array.from([0.527, 0.605, 0.951]);
    const expected = -Math.log(0.605 / (0.527 + 0.605 + 0.951));
    expect(expected).toBeCloseTo(1.2363, 4);
    expect(sparseCategoricalCrossentropy.value(p, Int32Array.from([1]), 1, 3)).toBeCloseTo(expected, 14);
    expect(categoricalCrossentropy.value(p, Float64Array.from([0, 1, 0]), 1, 3)).toBeCloseTo(expected, 14);
  });
  it('unfused cross-entropy clips to [1e-7, 1 − 1e-7] as Keras does, so p = 0 gives a finite loss and no gradient', () => {
    const v = sparseCategoricalCrossentropy.value(Float64Array.from([0, 1]), Int32Array.from([0]), 1, 2);
    expect(v).toBeCloseTo(-Math.log(1e-7), 10);
    const g = new Float64Array(2);
    sparseCategoricalCrossentropy.grad(g, Float64Array.from([0, 1]), Int32Array.from([0]), 1, 2);
    expect([...g]).toEqual([0, 0]);
    expect(
      Number.isFinite(sparseCategoricalCrossentropy.value(Float64Array.from([0, 0]), Int32Array.from([0]), 1, 2)),
    ).toBe(true);
  });
  it('fused loss and gradient stay finite and exact for logits of ±1e4', () => {
    const z = Float64Array.from([1e4, -1e4, 0, -1e4, 1e4, 1e4]);
    const p = new Float64Array(6);
    jsKernels.softmax(p, z, 2, 3);
    const y = Int32Array.from([1, 2]);
    // row 0: logsumexp = 1e4, minus z_1 = −1e4 → 2e4; row 1: logsumexp = 1e4 + ln 2, minus 1e4 → ln 2
    expect(sparseCategoricalCrossentropy.valueFromLogits!(z, y, 2, 3)).toBeCloseTo((2e4 + Math.log(2)) / 2, 8);
    const g = new Float64Array(6);
    sparseCategoricalCrossentropy.gradFromLogits!(g, p, y, 2, 3);
    expect([...g]).toEqual([0.5, -0.5, 0, 0, 0.25, -0.25]);
  });
});

describe('names and targets', () => {
  it("accepts camelCase and Keras's snake_case", () => {
    expect(getLoss('sparse_categorical_crossentropy')).toBe(sparseCategoricalCrossentropy);
    expect(getLoss('categoricalCrossentropy')).toBe(categoricalCrossentropy);
    expect(getLoss('mean_squared_error')).toBe(meanSquaredError);
    expect(getLoss('mse')).toBe(meanSquaredError);
    expect(() => getLoss('hinge')).toThrow(/Unknown loss 'hinge'/);
    expect(() => getLoss('__proto__')).toThrow(ValueError);
  });
  it('sparse labels must be integers in [0, classes)', () => {
    const check = (y: Tensor) => sparseCategoricalCrossentropy.checkTargets(y, [10], 'fit');
    expect(() => check(tensor([1, 9, 0]))).not.toThrow();
    expect(() => check(tensor([1, 10, 0]))).toThrow(
      'fit: label 10 at index 1 is not an integer in [0, 10) (the model has 10 outputs).',
    );
    expect(() => check(tensor([1.5]))).toThrow(ValueError);
    expect(() => check(tensor([Number.NaN]))).toThrow(ValueError);
    expect(() => check(tensor([-1]))).toThrow(ValueError);
    expect(() => check(tensor([[1, 2]]))).toThrow(ShapeError);
  });
  it('one-hot targets must match the output width', () => {
    expect(() => categoricalCrossentropy.checkTargets(tensor([[0, 1, 0]]), [10], 'fit')).toThrow(
      "fit: categoricalCrossentropy expects one-hot targets of shape [1, 10] matching the model's output [None, 10], got [1, 3].",
    );
    expect(() => categoricalCrossentropy.checkTargets(tensor([3]), [10], 'fit')).toThrow(/toCategorical/);
  });
});

/** Keras's binary cross-entropy written out directly: clip, the two logs, the mean over the row, weights, / rows. */
function bceByHand(p: ArrayLike<number>, y: ArrayLike<number>, rows: number, cols: number, w?: number[]): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const terms: number[] = [];
    for (let c = 0; c < cols; c++) {
      const q = Math.min(1 - 1e-7, Math.max(1e-7, p[r * cols + c]));
      const t = y[r * cols + c];
      terms.push(-(t * Math.log(q) + (1 - t) * Math.log(1 - q)));
    }
    total += (w ? w[r] : 1) * (terms.reduce((a, b) => a + b, 0) / cols);
  }
  return total / rows;
}

describe('binaryCrossentropy', () => {
  const inside = (n: number) => Float64Array.from({ length: n }, () => 0.02 + 0.96 * rng.next());

  it('is −(y log p + (1 − y) log(1 − p)), averaged over the last axis and then the rows', () => {
    // one row of two: −(log 0.8 + log 0.7) / 2
    expect(binaryCrossentropy.value(Float64Array.from([0.8, 0.3]), Float64Array.from([1, 0]), 1, 2)).toBeCloseTo(
      -(Math.log(0.8) + Math.log(0.7)) / 2,
      14,
    );
    const p = inside(rows * cols);
    expect(binaryCrossentropy.value(p, soft, rows, cols)).toBeCloseTo(bceByHand(p, soft, rows, cols), 13);
    expect(binaryCrossentropy.value(p, onehot, rows, cols)).toBeCloseTo(bceByHand(p, onehot, rows, cols), 13);
  });

  it('weighs each row by its sample weight and divides by the row count', () => {
    const p = inside(rows * cols);
    const w = [2, 0, 0.5, 1];
    expect(binaryCrossentropy.value(p, soft, rows, cols, w)).toBeCloseTo(bceByHand(p, soft, rows, cols, w), 13);
    // all weights 1 is the unweighted loss, bit for bit
    expect(binaryCrossentropy.value(p, soft, rows, cols, [1, 1, 1, 1])).toBe(
      binaryCrossentropy.value(p, soft, rows, cols),
    );
    // the weighted gradient (grad, then weighRows) against finite differences of the weighted value
    const g = new Float64Array(rows * cols);
    binaryCrossentropy.grad(g, p, soft, rows, cols);
    weighRows(g, w, rows, cols);
    expect(
      relError(
        g,
        numericGrad(() => binaryCrossentropy.value(p, soft, rows, cols, w), p),
      ),
    ).toBeLessThan(TOL);
  });

  it('clips p to [1e-7, 1 − 1e-7] as Keras does: p = 0 and p = 1 give finite values and no gradient', () => {
    const p = Float64Array.from([0, 1, 0, 1]);
    const y = Float64Array.from([1, 0, 0, 1]);
    const values = [0, 1, 2, 3].map((i) => binaryCrossentropy.value(p.subarray(i, i + 1), y.subarray(i, i + 1), 1, 1));
    expect(values[0]).toBeCloseTo(-Math.log(1e-7), 10); // wrong and certain: −log ε
    expect(values[1]).toBeCloseTo(-Math.log(1 - (1 - 1e-7)), 10); // log(1 − q) at q = 1 − ε, as Keras takes it
    expect(values[2]).toBeCloseTo(-Math.log(1 - 1e-7), 20); // right and certain: −log(1 − ε) ≈ 1e-7
    expect(values[3]).toBeCloseTo(-Math.log(1 - 1e-7), 20);
    expect(values[2]).toBeGreaterThan(0);
    const g = new Float64Array(4);
    binaryCrossentropy.grad(g, p, y, 2, 2);
    expect([...g]).toEqual([0, 0, 0, 0]);
    // beyond the range the value is flat, so finite differences agree that the gradient is 0
    const out = Float64Array.from([-0.5, 1.5, -0.5, 1.5]);
    binaryCrossentropy.grad(g, out, y, 2, 2);
    expect([...g]).toEqual([0, 0, 0, 0]);
    expect([...numericGrad(() => binaryCrossentropy.value(out, y, 2, 2), out)]).toEqual([0, 0, 0, 0]);
    // just inside the range the gradient is the unclipped one: −1/p for a target of 1
    binaryCrossentropy.grad(g, Float64Array.from([2e-7]), Float64Array.from([1]), 1, 1);
    expect(g[0]).toBeCloseTo(-1 / 2e-7, 3);
  });

  it("matches TensorFlow.js's tf.metrics.binaryCrossentropy per sample, and its gradient", () => {
    const n = 6;
    const c = 3;
    const p = inside(n * c);
    // p = 0 is clipped to ε (target 1: −log ε). The upper clip is left out: in TF.js's float32,
    // 1 − 1e-7 rounds to 1 − 1.19e-7, so log(1 − q) there differs from float64's in the third digit.
    p[0] = 0;
    const y = Float64Array.from({ length: n * c }, (_, i) => (i % 4 === 0 ? 1 : i % 4 === 1 ? 0 : rng.next()));
    y[0] = 1;
    const theirs = tf.metrics
      .binaryCrossentropy(tf.tensor2d(Array.from(y), [n, c]), tf.tensor2d(Array.from(p), [n, c]))
      .dataSync();
    for (let r = 0; r < n; r++) {
      const ours = binaryCrossentropy.value(p.subarray(r * c, (r + 1) * c), y.subarray(r * c, (r + 1) * c), 1, c);
      expect(Math.abs(ours - theirs[r]), `row ${r}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(ours)));
    }
    // the batch mean's gradient: TF.js's clipByValue also passes none outside the range
    const yT = tf.tensor2d(Array.from(y), [n, c]);
    const tg = tf
      .grad((q) => tf.mean(tf.metrics.binaryCrossentropy(yT, q)))(tf.tensor2d(Array.from(p), [n, c]))
      .dataSync();
    const g = new Float64Array(n * c);
    binaryCrossentropy.grad(g, p, y, n, c);
    expect(g[0]).toBe(0);
    expect(tg[0]).toBe(0);
    expect(relError(g, tg)).toBeLessThan(1e-5);
  });

  it('takes targets [n] for outputs [n, 1], as Keras does; value, gradient and evaluate agree with [n, 1]', async () => {
    const model = new Sequential([new Dense(1, { activation: 'sigmoid', inputShape: [3] })], {
      dtype: 'float64',
      seed: 4,
    });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const n = 8;
    const x = randn([n, 3], rng);
    const flat = Float64Array.from({ length: n }, () => rng.next());
    const y1 = new Tensor(flat, [n]);
    const y2 = new Tensor(Float64Array.from(flat), [n, 1]);
    const p = (await model.predict(x)).data;
    const w = Array.from({ length: n }, (_, i) => (i % 3) * 0.75);
    for (const y of [y1, y2]) {
      expect((await model.evaluate(x, y)).loss).toBeCloseTo(bceByHand(p, flat, n, 1), 12);
      const weighted = await model.evaluate(x, y, { sampleWeight: new Tensor(Float64Array.from(w), [n]) });
      expect(weighted.loss).toBeCloseTo(bceByHand(p, flat, n, 1, w), 12);
      const { grads } = await model.computeGradients(x, y);
      const numeric = await numericModelGrads(model, x, y);
      grads.forEach((g, i) => expect(relError(g.data, numeric[i])).toBeLessThan(TOL));
    }
  });

  it("'accuracy' with it is binary accuracy (threshold 0.5), for one output or several", () => {
    for (const name of ['accuracy', 'acc']) expect(getMetric(name, binaryCrossentropy, 1).key).toBe(name);
    // Three independent outputs per row: binary accuracy counts 5 of 6 outputs right (5/3 rows' worth),
    // where categorical accuracy (argmax against argmax) would count both rows right.
    const p = Float64Array.from([0.9, 0.2, 0.7, 0.1, 0.6, 0.4]);
    const y = Float64Array.from([1, 0, 0, 0, 1, 0]);
    expect(getMetric('accuracy', binaryCrossentropy, 3).correct(p, y, 2, 3)).toBeCloseTo(5 / 3, 14);
    expect(getMetric('accuracy', categoricalCrossentropy, 3).correct(p, y, 2, 3)).toBe(2);
    // one output: p > 0.5 against the target (0.5 itself is a 0)
    const one = getMetric('accuracy', binaryCrossentropy, 1);
    expect(one.correct(Float64Array.from([0.5, 0.51, 0.2]), Float64Array.from([1, 1, 0]), 3, 1)).toBe(2);
  });

  it('trains Dense(1, sigmoid) on a separable problem to high binary accuracy', async () => {
    const n = 200;
    const data = new Rng(11);
    const x = new Tensor(
      Float32Array.from({ length: n * 2 }, () => data.normal()),
      [n, 2],
    );
    const y = new Tensor(
      Float32Array.from({ length: n }, (_, i) => (x.data[2 * i] - 2 * x.data[2 * i + 1] + 0.3 > 0 ? 1 : 0)),
      [n],
    );
    const model = new Sequential([new Dense(1, { activation: 'sigmoid', inputShape: [2] })], { seed: 5 });
    model.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const before = await model.evaluate(x, y);
    const h = await model.fit(x, y, { epochs: 40, batchSize: 20, verbose: 0 });
    const after = await model.evaluate(x, y);
    expect(after.loss).toBeLessThan(before.loss / 3);
    expect(h.history.accuracy.at(-1)).toBeGreaterThan(0.95);
    expect(after.accuracy).toBeGreaterThan(0.95);
    // the logged accuracy is the share of outputs on the right side of 0.5
    const p = (await model.predict(x)).data;
    const right = Array.from(y.data).filter((t, i) => (p[i] > 0.5 ? 1 : 0) === t).length;
    expect(after.accuracy).toBeCloseTo(right / n, 12);
  });

  it('refuses targets of the wrong shape or outside [0, 1], naming the loss, the shapes and the value', () => {
    const check = (y: Tensor, shape = [1]) => binaryCrossentropy.checkTargets(y, shape, 'fit');
    expect(() => check(tensor([0, 1, 0.25]))).not.toThrow();
    expect(() => check(tensor([[0], [1]]))).not.toThrow();
    expect(() => check(tensor([[0, 1, 1]]), [3])).not.toThrow();
    expect(() => check(tensor([[0, 1]]))).toThrow(
      "fit: binaryCrossentropy expects targets of shape [1, 1] or [1] matching the model's output [None, 1], got [1, 2].",
    );
    expect(() => check(tensor([0, 1]), [3])).toThrow(
      "fit: binaryCrossentropy expects targets of shape [2, 3] matching the model's output [None, 3], got [2].",
    );
    expect(() => check(tensor([0, 1.5, 1]))).toThrow(
      'fit: binaryCrossentropy target 1.5 at flat index 1 is not in [0, 1] (targets are probabilities).',
    );
    expect(() => check(tensor([-0.1]))).toThrow(ValueError);
    expect(() => check(tensor([Number.NaN]))).toThrow(ValueError);
    expect(() => check(tensor([[0, 1]]), [3])).toThrow(ShapeError);
  });

  it("is named 'binaryCrossentropy' or Keras's 'binary_crossentropy'", async () => {
    expect(getLoss('binaryCrossentropy')).toBe(binaryCrossentropy);
    expect(getLoss('binary_crossentropy')).toBe(binaryCrossentropy);
    const m = new Sequential([new Dense(1, { activation: 'sigmoid', inputShape: [2] })]);
    m.compile({ optimizer: 'sgd', loss: 'binary_crossentropy' });
    await expect(m.fit(tensor([[1, 2]]), tensor([2]), { verbose: 0 })).rejects.toThrow(
      'fit: binaryCrossentropy target 2 at flat index 0 is not in [0, 1] (targets are probabilities).',
    );
  });
});
