// Optimizer steps against values worked out by hand from Keras's update rules (float64 weights).
import { describe, expect, it } from 'vitest';
import { Adam, RMSprop, SGD, getOptimizer, type Optimizer } from '../src/optimizers/index.js';
import type { Param } from '../src/layers/layer.js';
import { Tensor } from '../src/tensor/tensor.js';
import { ValueError } from '../src/errors.js';

function param(w: number[]): Param {
  return {
    name: 'w',
    value: new Tensor(Float64Array.from(w), [w.length]),
    grad: new Tensor(new Float64Array(w.length), [w.length]),
    trainable: true,
  };
}

/** Runs the optimizer over successive gradients; returns the weights after each step. */
function run(opt: Optimizer, w0: number[], grads: number[][]): number[][] {
  const p = param(w0);
  return grads.map((g) => {
    p.grad.data.set(g);
    opt.step([p]);
    return [...p.value.data];
  });
}

const G = [
  [0.5, 0.1],
  [-0.2, 0.3],
];

function expectSteps(actual: number[][], expected: number[][]): void {
  actual.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 12)));
}

describe('SGD', () => {
  it('plain: w − lr·g', () => {
    expectSteps(run(new SGD({ learningRate: 0.1 }), [1, -2], G), [
      [0.95, -2.01],
      [0.97, -2.04],
    ]);
  });
  it('momentum: v = m·v − lr·g; w += v', () => {
    // step 1: v = (−0.05, −0.01); step 2: v = 0.9·v − 0.1·g = (−0.025, −0.039)
    expectSteps(run(new SGD({ learningRate: 0.1, momentum: 0.9 }), [1, -2], G), [
      [0.95, -2.01],
      [0.925, -2.049],
    ]);
  });
  it('nesterov: w += m·v − lr·g', () => {
    // w1: 1 + 0.9·(−0.05) − 0.05 = 0.905; −2 + 0.9·(−0.01) − 0.01 = −2.019
    // w2: v = (−0.025, −0.039); 0.905 + 0.9·(−0.025) + 0.02 = 0.9025; −2.019 + 0.9·(−0.039) − 0.03 = −2.0841
    expectSteps(run(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), [1, -2], G), [
      [0.905, -2.019],
      [0.9025, -2.0841],
    ]);
  });
  it("defaults to Keras's learning rate 0.01", () => {
    expect(new SGD().learningRate).toBe(0.01);
  });
});

describe('state below the least normal number', () => {
  // A zero gradient decays SGD's velocity by the momentum, RMSprop's s by ρ and its u by μ: from the
  // least normal number they would fall into the subnormals (slow on x86), and are flushed to zero.
  const tiny32 = 2 ** -126;
  function stepFrom(opt: Optimizer, slots: number[][], dtype: 'float32' | 'float64'): number[][] {
    const Arr = dtype === 'float32' ? Float32Array : Float64Array;
    const p: Param = {
      name: 'w',
      value: new Tensor(Arr.from([1, 1]), [2]),
      grad: new Tensor(new Arr(2), [2]),
      trainable: true,
    };
    opt.step([p]); // creates the state
    opt.setState([p], { iterations: 1, slots: [slots] });
    opt.step([p]);
    return opt.getState([p]).slots[0].map((a) => [...a]);
  }
  it('SGD with momentum flushes its velocity, float32 and float64', () => {
    expect(stepFrom(new SGD({ momentum: 0.9 }), [[tiny32, 2 * tiny32]], 'float32')).toEqual([
      [0, Math.fround(1.8 * tiny32)],
    ]);
    expect(stepFrom(new SGD({ momentum: 0.9 }), [[2 ** -1022, -(2 ** -1021)]], 'float64')).toEqual([
      [0, -0.9 * 2 ** -1021],
    ]);
  });
  it('RMSprop flushes s and u', () => {
    const [s, u] = stepFrom(
      new RMSprop({ rho: 0.9, momentum: 0.5 }),
      [
        [tiny32, 1],
        [tiny32, -tiny32],
      ],
      'float32',
    );
    expect(s).toEqual([0, Math.fround(0.9)]);
    expect(u).toEqual([0, 0]);
  });
});

describe('Adam', () => {
  it("Keras's defaults (lr 1e-3, β1 0.9, β2 0.999, ε 1e-7): the first step moves each weight by lr against its gradient's sign", () => {
    const adam = new Adam();
    expect([adam.learningRate, adam.beta1, adam.beta2, adam.epsilon]).toEqual([1e-3, 0.9, 0.999, 1e-7]);
    expectSteps(run(adam, [1, -2], G), [
      [0.9990000063245154, -2.0009999683782236],
      [0.9986544025069336, -2.0019177403190254],
    ]);
  });
  it('with every hyperparameter set', () => {
    expectSteps(run(new Adam({ learningRate: 0.01, beta1: 0.5, beta2: 0.9, epsilon: 1e-3 }), [1, -2], G), [
      [0.9900628480671261, -2.0096934656996828],
      [0.9891757473714511, -2.0198137555919393],
    ]);
  });
});

describe('RMSprop', () => {
  it("Keras's defaults (lr 1e-3, ρ 0.9, ε 1e-7 inside the root): the first step is lr/√0.1 against the gradient's sign", () => {
    const r = new RMSprop();
    expect([r.learningRate, r.rho, r.momentum, r.epsilon]).toEqual([1e-3, 0.9, 0, 1e-7]);
    expectSteps(run(r, [1, -2], G), [
      [0.9968377286643679, -2.003162119558143],
      [0.9980663165799476, -2.0061772177761905],
    ]);
  });
  it('with momentum', () => {
    expectSteps(run(new RMSprop({ learningRate: 0.01, momentum: 0.5 }), [1, -2], G), [
      [0.9683772866436797, -2.031621195581429],
      [0.9648518091213164, -2.077582775552617],
    ]);
  });
});

describe('names and bad settings', () => {
  it('resolves names case-insensitively with Keras defaults', () => {
    expect(getOptimizer('Adam')).toBeInstanceOf(Adam);
    expect(getOptimizer('rmsprop')).toBeInstanceOf(RMSprop);
    expect(getOptimizer('SGD')).toBeInstanceOf(SGD);
    expect(() => getOptimizer('adagrad')).toThrow(/Unknown optimizer 'adagrad'/);
  });
  it('rejects out-of-range hyperparameters with the value that came', () => {
    expect(() => new Adam({ learningRate: -1 })).toThrow(ValueError);
    expect(() => new Adam({ beta1: 1.5 })).toThrow(/beta1 must be a finite number in \[0, 1\), got 1.5/);
    expect(() => new RMSprop({ rho: Number.NaN })).toThrow(ValueError);
    expect(() => new SGD({ momentum: 2 })).toThrow(ValueError);
    // β1 = 1 divides by zero in the bias correction; ε = 0 turns a zero gradient into 0/0 = NaN
    expect(() => new Adam({ beta1: 1 })).toThrow(/beta1 must be a finite number in \[0, 1\), got 1/);
    expect(() => new Adam({ beta2: 1 })).toThrow(ValueError);
    expect(() => new Adam({ epsilon: 0 })).toThrow(/epsilon must be a finite number in \(0, ∞\), got 0/);
    expect(() => new RMSprop({ epsilon: 0 })).toThrow(ValueError);
    expect(() => new RMSprop({ rho: 1 })).toThrow(ValueError);
  });
  it('rejects options it does not know, rather than ignoring them', () => {
    expect(() => new Adam({ learning_rate: 0.1 } as never)).toThrow(
      "Adam: unknown option 'learning_rate'; expected one of 'learningRate', 'beta1', 'beta2', 'epsilon'.",
    );
    expect(() => new SGD({ decay: 0.1 } as never)).toThrow(ValueError);
  });
  it('keeps state per weight and counts iterations', () => {
    // a sees gradients 0.5 then −0.2; b, added at step 2, sees −0.2 only, with fresh moments at t = 2.
    const adam = new Adam();
    const a = param([1]);
    const b = param([-2]);
    a.grad.data[0] = 0.5;
    adam.step([a]);
    a.grad.data[0] = -0.2;
    b.grad.data[0] = -0.2;
    adam.step([a, b]);
    expect(adam.iterations).toBe(2);
    expect(a.value.data[0]).toBeCloseTo(0.9986544025069336, 12); // as in the two-step case above
    // b: m = 0.1·(−0.2), v = 0.001·0.04, α = 1e-3·√(1 − 0.999²)/(1 − 0.9²)
    const alpha = (1e-3 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.9 ** 2);
    expect(b.value.data[0]).toBeCloseTo(-2 - (alpha * -0.02) / (Math.sqrt(0.00004) + 1e-7), 12);
  });
});
