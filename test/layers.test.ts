// Gradient checks of every layer's hand-written backward pass against float64 central differences.
import { afterEach, describe, expect, it } from 'vitest';
import { Dense } from '../src/layers/core/dense.js';
import { Dropout } from '../src/layers/core/dropout.js';
import { Flatten } from '../src/layers/reshaping/flatten.js';
import { GlobalMaxPooling2D } from '../src/layers/pooling/global-maxpool2d.js';
import { getActivation, type ActivationName } from '../src/activations/activations.js';
import { Activation, ActivationLayer } from '../src/layers/activation/activation.js';
import { ReLU } from '../src/layers/activation/relu.js';
import { Softmax } from '../src/layers/activation/softmax.js';
import { Layer } from '../src/layers/layer.js';
import { jsKernels } from '../src/tensor/kernels.js';
import { registerBackend, setBackend } from '../src/tensor/backend.js';
import { Rng } from '../src/tensor/random.js';
import { Tensor, reuse, type FloatTensor } from '../src/tensor/tensor.js';
import { ShapeError, ValueError } from '../src/errors.js';
import { TOL, buildF64, checkLayer, randn } from './helpers/gradcheck.js';

const rng = new Rng(2024);

function expectClose(check: ReturnType<typeof checkLayer>): void {
  expect(check.input).toBeLessThan(TOL);
  for (const [name, err] of Object.entries(check.params)) expect(err, name).toBeLessThan(TOL);
}

describe('Dense', () => {
  const acts: ActivationName[] = [
    'linear',
    'relu',
    'sigmoid',
    'tanh',
    'softmax',
    'elu',
    'selu',
    'gelu',
    'swish',
    'softplus',
    'relu6',
  ];
  for (const activation of acts) {
    it(`backward matches finite differences with ${activation}`, () => {
      const layer = buildF64(new Dense(7, { activation }), [5]);
      expectClose(checkLayer(layer, randn([3, 5], rng)));
    });
  }

  it('without bias, on odd sizes', () => {
    const layer = buildF64(new Dense(1, { useBias: false, activation: 'tanh' }), [13]);
    expect(layer.parameters().map((p) => p.value.shape)).toEqual([[13, 1]]);
    expectClose(checkLayer(layer, randn([1, 13], rng)));
  });

  it('applies to the last axis of rank-3 inputs', () => {
    const layer = buildF64(new Dense(4, { activation: 'relu' }), [3, 6]);
    expect(layer.outputShape).toEqual([3, 4]);
    expectClose(checkLayer(layer, randn([2, 3, 6], rng)));
  });

  it('has Keras weight layout and default initialisation', () => {
    const layer = new Dense(128);
    layer.build([784], { dtype: 'float32', rng: new Rng(1) });
    const [kernel, bias] = layer.parameters();
    expect(kernel.value.shape).toEqual([784, 128]);
    expect(bias.value.shape).toEqual([128]);
    expect(layer.countParams()).toBe(100480);
    const limit = Math.sqrt(6 / (784 + 128));
    const k = kernel.value.data;
    let max = 0;
    let mean = 0;
    for (let i = 0; i < k.length; i++) {
      max = Math.max(max, Math.abs(k[i]));
      mean += k[i] / k.length;
    }
    expect(max).toBeLessThanOrEqual(limit);
    expect(max).toBeGreaterThan(0.99 * limit); // uniform over the whole range, not a narrower one
    expect(Math.abs(mean)).toBeLessThan(0.01 * limit);
    expect([...bias.value.data].every((v) => v === 0)).toBe(true);
  });

  it("initialises a bias with the bias's own fans, as Keras computes them", () => {
    const layer = new Dense(10, { biasInitializer: 'glorotUniform' });
    layer.build([784], { dtype: 'float64', rng: new Rng(2) });
    const b = [...layer.parameters()[1].value.data].map(Math.abs);
    const limit = Math.sqrt(6 / (10 + 10)); // fan_in = fan_out = 10 for a [10] weight
    expect(Math.max(...b)).toBeLessThanOrEqual(limit);
    expect(Math.max(...b)).toBeGreaterThan(0.5 * limit);
  });

  it('rejects bad arguments and inputs, naming itself and the shapes', () => {
    expect(() => new Dense(0)).toThrow(ValueError);
    expect(() => new Dense(3, { activation: 'mish' as ActivationName })).toThrow(/unknown activation 'mish'/);
    expect(() => new Dense(3, { kernelInitializer: 'nope' })).toThrow(/unknown initializer 'nope'/);
    const layer = buildF64(new Dense(4, { name: 'hidden' }), [5]);
    expect(() => layer.forward(randn([2, 6], rng), { training: false, rng })).toThrow(ShapeError);
    expect(() => layer.forward(randn([2, 6], rng), { training: false, rng })).toThrow(
      "Dense 'hidden' expects input of shape [None, 5], got [2, 6]",
    );
  });
});

describe('activation layers', () => {
  it('ReLU', () => {
    expectClose(checkLayer(buildF64(new ReLU(), [4, 3]), randn([2, 4, 3], rng)));
  });
  it('Softmax', () => {
    expectClose(checkLayer(buildF64(new Softmax(), [6]), randn([3, 6], rng, 3)));
  });
  it('Softmax is stable for logits of ±1e4', () => {
    const layer = buildF64(new Softmax(), [3]);
    const y = layer.forward(new Tensor(Float64Array.from([1e4, -1e4, 0, -1e4, -1e4, -1e4]), [2, 3]), {
      training: false,
      rng,
    });
    expect([...y.data]).toEqual([1, 0, 0, 1 / 3, 1 / 3, 1 / 3]);
  });
});

describe('GlobalMaxPooling2D', () => {
  it('gives a tie’s gradient to the first maximum (row-major), per sample and channel', () => {
    const layer = buildF64(new GlobalMaxPooling2D(), [2, 2, 2]);
    // sample 0: channel 0 ties at (0,1) and (1,0), channel 1 is largest at (1,1); sample 1: all −1 in channel 0.
    const x = new Tensor(Float64Array.from([0, 1, 3, 1, 3, 2, 1, 5, -1, 0, -1, 0, -1, 0, -1, 7]), [2, 2, 2, 2]);
    expect([...layer.forward(x, { training: false, rng }).data]).toEqual([3, 5, -1, 7]);
    const dx = layer.backward(new Tensor(Float64Array.from([10, 20, 30, 40]), [2, 2]), { needInputGrad: true })!;
    expect([...dx.data]).toEqual([0, 0, 10, 0, 0, 0, 0, 20, 30, 0, 0, 0, 0, 0, 0, 40]);
  });
});

describe('Dropout', () => {
  it('backward matches finite differences with a fixed mask', () => {
    const layer = buildF64(new Dropout(0.4), [50]);
    expectClose(checkLayer(layer, randn([4, 50], rng), { training: true, seed: 5 }));
  });
  it('drops about rate of the units, scales the rest by 1/(1 − rate), and is the identity in inference', () => {
    const layer = buildF64(new Dropout(0.25), [1000]);
    const x = new Tensor(new Float64Array(10000).fill(1), [10, 1000]);
    const y = layer.forward(x, { training: true, rng: new Rng(3) });
    const zeros = [...y.data].filter((v) => v === 0).length;
    expect(zeros / y.size).toBeGreaterThan(0.23);
    expect(zeros / y.size).toBeLessThan(0.27);
    expect([...y.data].every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-12)).toBe(true);
    expect(layer.forward(x, { training: false, rng })).toBe(x);
  });
  it('rejects a rate outside [0, 1)', () => {
    expect(() => new Dropout(1)).toThrow(/rate must be a number in \[0, 1\), got 1/);
    expect(() => new Dropout(-0.1)).toThrow(ValueError);
  });
});

describe('Flatten', () => {
  it('reshapes both ways without copying', () => {
    const layer = buildF64(new Flatten(), [2, 3, 4]);
    expect(layer.outputShape).toEqual([24]);
    const x = randn([5, 2, 3, 4], rng);
    const y = layer.forward(x, { training: false, rng });
    expect(y.shape).toEqual([5, 24]);
    expect(y.data).toBe(x.data);
    expectClose(checkLayer(layer, x));
  });
});

describe('the gradient check catches a wrong derivative', () => {
  // tanh whose backward forgets to square y: dx = dy·(1 − y) instead of dy·(1 − y²).
  class WrongTanh extends Layer {
    static override readonly className: string = 'WrongTanh';
    private y?: FloatTensor;
    private dx?: FloatTensor;
    computeOutputShape(s: number[]): number[] {
      return s;
    }
    forward(x: FloatTensor): FloatTensor {
      this.y = reuse(this.y, x.shape, this.dtype);
      for (let i = 0; i < x.size; i++) this.y.data[i] = Math.tanh(x.data[i]);
      return this.y;
    }
    backward(dy: FloatTensor): FloatTensor {
      const y = this.saved(this.y);
      this.dx = reuse(this.dx, dy.shape, this.dtype);
      for (let i = 0; i < dy.size; i++) this.dx.data[i] = dy.data[i] * (1 - y.data[i]);
      return this.dx;
    }
  }

  it('in a layer', () => {
    const check = checkLayer(buildF64(new WrongTanh(), [6]), randn([3, 6], rng));
    expect(check.input).toBeGreaterThan(1e-2);
  });

  // swish whose derivative takes σ(x)·(1 + x·σ(x)) for σ(x)·(1 + x·(1 − σ(x))), on the real layer.
  class WrongSwish extends ActivationLayer {
    static override readonly className: string = 'WrongSwish';
    constructor() {
      super((where) => {
        const swish = getActivation('swish', where);
        return {
          ...swish,
          backward: (dx, dy, x, _y, r, c) => {
            for (let i = 0; i < r * c; i++) {
              const s = 1 / (1 + Math.exp(-x[i]));
              dx[i] = dy[i] * s * (1 + x[i] * s);
            }
          },
        };
      }, {});
    }
  }

  it('in an activation: a wrong swish derivative', () => {
    const check = checkLayer(buildF64(new WrongSwish(), [6]), randn([3, 6], rng));
    expect(check.input).toBeGreaterThan(1e-2);
    // the same input shape, right
    expect(checkLayer(buildF64(new Activation('swish'), [6]), randn([3, 6], rng)).input).toBeLessThan(TOL);
  });

  afterEach(() => setBackend('js'));

  it('in a kernel: a matmulNT that reads B untransposed breaks Dense and is caught', () => {
    registerBackend({
      ...jsKernels,
      name: 'broken',
      matmulNT(c, a, b, m, k, n) {
        jsKernels.matmul(c, a, b, m, k, n); // wrong: treats B [n,k] as [k,n]
      },
    });
    setBackend('broken');
    const layer = buildF64(new Dense(4, { activation: 'tanh' }), [4]);
    const check = checkLayer(layer, randn([3, 4], rng));
    expect(check.input).toBeGreaterThan(1e-2);
    expect(check.params[layer.parameters()[0].name]).toBeLessThan(TOL); // dW does not use matmulNT
  });
});
