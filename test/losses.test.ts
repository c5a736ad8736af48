// Each loss's gradient against finite differences of its value (float64), the fused softmax +
// cross-entropy path against the unfused one, and behaviour at extreme logits.
import { describe, expect, it } from 'vitest';
import {
  categoricalCrossentropy,
  getLoss,
  meanSquaredError,
  sparseCategoricalCrossentropy,
} from '../src/losses/losses.js';
import { jsKernels } from '../src/tensor/kernels.js';
import { Rng } from '../src/tensor/random.js';
import { Tensor, tensor } from '../src/tensor/tensor.js';
import { ShapeError, ValueError } from '../src/errors.js';
import { TOL, numericGrad, relError } from './helpers/gradcheck.js';

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
