// Trainable and non-trainable weights: frozen layers (layer.trainable = false, as Keras), weights
// that are not learnt by gradients (Param.trainable false), the summary's three counts, Keras's
// weight order, and files written before the layer registry still loading.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Dense,
  Layer,
  SGD,
  Sequential,
  Tensor,
  loadModel,
  modelFromBytes,
  getFma,
  setFma,
  modelToBytes,
  registerLayer,
  regularizers,
  type BackwardOptions,
  type BuildContext,
  type FloatTensor,
  type Param,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { reuse } from '../src/tensor/tensor.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

function data(n: number, seed = 0): { x: Tensor; y: Tensor } {
  const r = new Rng(seed);
  return {
    x: new Tensor(
      Float32Array.from({ length: n * 6 }, () => r.normal()),
      [n, 6],
    ),
    y: new Tensor(
      Int32Array.from({ length: n }, () => r.int(3)),
      [n],
    ),
  };
}

function mlp(frozen: boolean): Sequential {
  const m = new Sequential(
    [
      new Dense(5, { activation: 'relu', inputShape: [6], trainable: !frozen, name: 'hidden' }),
      new Dense(3, { activation: 'softmax', name: 'out' }),
    ],
    { seed: 1 },
  );
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}

const same = (a: Tensor, b: Tensor): boolean => a.data.every((v, i) => v === b.data[i]);

/**
 * y = x − mean, where mean is a non-trainable weight that training sets to the batch mean of x
 * (a stand-in for BatchNormalization's moving statistics). Non-trainable weight first, then a
 * trainable scale, to check Keras's order (trainable ones first).
 */
class Centre extends Layer {
  static override readonly className: string = 'TestCentre';
  mean?: Param;
  scale?: Param;
  private y?: FloatTensor;
  private x?: FloatTensor;
  private dx?: FloatTensor;
  computeOutputShape(s: number[]): number[] {
    return s;
  }
  protected override createWeights(s: number[], ctx: BuildContext): void {
    this.mean = this.addWeight('mean', [s[0]], ctx, (d) => d.fill(0), { trainable: false });
    this.scale = this.addWeight('scale', [s[0]], ctx, (d) => d.fill(1));
  }
  forward(x: FloatTensor, ctx: { training: boolean }): FloatTensor {
    const n = x.shape[1];
    const mean = this.saved(this.mean).value.data;
    const scale = this.saved(this.scale).value.data;
    if (ctx.training) {
      mean.fill(0);
      for (let i = 0; i < x.size; i++) mean[i % n] += x.data[i] / x.shape[0];
    }
    this.x = x;
    const y = (this.y = reuse(this.y, x.shape, this.dtype));
    for (let i = 0; i < x.size; i++) y.data[i] = (x.data[i] - mean[i % n]) * scale[i % n];
    return y;
  }
  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    const x = this.saved(this.x);
    const n = x.shape[1];
    const mean = this.saved(this.mean).value.data;
    const scale = this.saved(this.scale);
    if (opts.weightGrads !== false) {
      scale.grad.data.fill(0);
      for (let i = 0; i < x.size; i++) scale.grad.data[i % n] += dy.data[i] * (x.data[i] - mean[i % n]);
    }
    if (!opts.needInputGrad) return null;
    // (the mean's own dependence on x is left out: this layer only exercises the weight bookkeeping)
    const dx = (this.dx = reuse(this.dx, x.shape, this.dtype));
    for (let i = 0; i < x.size; i++) dx.data[i] = dy.data[i] * scale.value.data[i % n];
    return dx;
  }
}
registerLayer(Centre, { fromConfig: (c) => new Centre(c), keras: null });

describe('frozen layers', () => {
  it('fit leaves a frozen layer alone and trains the rest; the optimizer never sees it', async () => {
    const m = mlp(true);
    const before = m.getWeights();
    const { x, y } = data(32);
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const after = m.getWeights();
    expect(same(after[0], before[0]) && same(after[1], before[1])).toBe(true);
    expect(same(after[2], before[2]) || same(after[3], before[3])).toBe(false);
    const state = m.optimizer!.getState(m.parameters());
    expect(state.slots.map((s) => s.length)).toEqual([0, 0, 2, 2]);
    expect(m.trainableWeights.map((p) => p.name)).toEqual(['out/kernel', 'out/bias']);
    expect(m.nonTrainableWeights.map((p) => p.name)).toEqual(['hidden/kernel', 'hidden/bias']);
  });

  it('the same run unfrozen does change the first layer (the test above can fail)', async () => {
    const m = mlp(false);
    const before = m.getWeights();
    const { x, y } = data(32);
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    expect(same(m.getWeights()[0], before[0])).toBe(false);
  });

  it('as in Keras, trainable changed after compile takes effect at the next compile', async () => {
    const m = mlp(false);
    m.layers[0].trainable = false;
    const { x, y } = data(16);
    let w = m.getWeights()[0];
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(same(m.getWeights()[0], w)).toBe(false); // still trains: compiled while trainable
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    w = m.getWeights()[0];
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(same(m.getWeights()[0], w)).toBe(true);
  });

  it('summary counts a frozen layer as non-trainable, as Keras does', () => {
    const text = mlp(true).summary(() => {});
    expect(text).toContain('Total params: 53 (212.00 Byte)');
    expect(text).toContain('Trainable params: 18 (72.00 Byte)');
    expect(text).toContain('Non-trainable params: 35 (140.00 Byte)');
  });

  it('computeGradients still gives the gradient of a frozen layer (aligned with getWeights)', async () => {
    const frozen = mlp(true);
    const free = mlp(false);
    const { x, y } = data(8);
    const a = await frozen.computeGradients(x, y);
    const b = await free.computeGradients(x, y);
    expect(a.grads.map((g) => g.shape)).toEqual(frozen.getWeights().map((w) => w.shape));
    a.grads.forEach((g, i) => expect(Array.from(g.data)).toEqual(Array.from(b.grads[i].data)));
    expect(a.grads[0].data.some((v) => v !== 0)).toBe(true);
  });

  it('trainable is saved and loaded, and a frozen layer stays frozen after loading', async () => {
    const m = mlp(true);
    const back = modelFromBytes(modelToBytes(m));
    expect(back.layers.map((l) => l.trainable)).toEqual([false, true]);
    const w = back.getWeights()[0];
    const { x, y } = data(16);
    await back.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(same(back.getWeights()[0], w)).toBe(true);
  });

  it('a frozen last layer with a regularizer: untouched by training, and (as Keras 3) its penalty leaves the loss', async () => {
    const make = (frozen: boolean) => {
      const m = new Sequential(
        [
          new Dense(5, { activation: 'relu', inputShape: [6] }),
          new Dense(3, { activation: 'softmax', kernelRegularizer: regularizers.l2(0.5), trainable: !frozen }),
        ],
        { seed: 4 },
      );
      m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const frozen = make(true);
    const free = make(false);
    const { x, y } = data(12);
    const penalty = 0.5 * Array.from(free.getWeights()[2].data).reduce((s, v) => s + v * v, 0);
    const [ef, eu] = [await frozen.evaluate(x, y), await free.evaluate(x, y)];
    expect(eu.loss - ef.loss).toBeCloseTo(penalty, 5);
    const last = frozen.getWeights().slice(2);
    await frozen.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    frozen
      .getWeights()
      .slice(2)
      .forEach((w, i) => expect(same(w, last[i])).toBe(true));
    expect(same(frozen.getWeights()[0], free.getWeights()[0])).toBe(false); // the first layer still learns
  });

  it('refuses a trainable option that is not a boolean', () => {
    expect(() => new Dense(2, { trainable: 'no' as unknown as boolean })).toThrow(/trainable must be true or false/);
  });
});

describe('non-trainable weights', () => {
  function centred(): Sequential {
    const m = new Sequential([new Centre({ inputShape: [6] }), new Dense(3, { activation: 'softmax' })], { seed: 2 });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    return m;
  }

  it('come after the trainable ones in getWeights (Keras order), have no gradient buffer, and are counted', () => {
    const m = centred();
    const c = m.layers[0] as Centre;
    expect(m.parameters().map((p) => p.name)).toEqual([
      c.scale!.name,
      c.mean!.name,
      `${m.layers[1].name}/kernel`,
      `${m.layers[1].name}/bias`,
    ]);
    expect(c.mean!.grad.size).toBe(0);
    expect(m.countParams()).toBe(6 + 6 + 18 + 3);
    const text = m.summary(() => {});
    expect(text).toContain('Total params: 33');
    expect(text).toContain('Trainable params: 27');
    expect(text).toContain('Non-trainable params: 6');
  });

  it('are updated by the layer, not the optimizer, and saved and loaded with the rest', async () => {
    const m = centred();
    const { x, y } = data(16);
    await m.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, shuffle: false });
    const c = m.layers[0] as Centre;
    // the mean is exactly the batch mean the layer computed (an optimizer step would have moved it)
    const mean = new Float64Array(6);
    for (let i = 0; i < x.size; i++) mean[i % 6] += x.data[i] / 16;
    c.mean!.value.data.forEach((v, i) => expect(v).toBeCloseTo(mean[i], 5));
    expect(m.optimizer!.getState([c.mean!]).slots[0]).toEqual([]);
    const back = modelFromBytes(modelToBytes(m));
    expect(back.getWeights().map((w) => Array.from(w.data))).toEqual(m.getWeights().map((w) => Array.from(w.data)));
    expect(Array.from(((await back.predict(x)) as Tensor).data)).toEqual(Array.from((await m.predict(x)).data));
  });

  it('computeGradients gives zeros for them', async () => {
    const m = centred();
    const { x, y } = data(8);
    const { grads } = await m.computeGradients(x, y);
    expect(grads[1].shape).toEqual([6]);
    expect(grads[1].data.every((v) => v === 0)).toBe(true);
    expect(grads[0].data.some((v) => v !== 0)).toBe(true);
  });
});

describe('a layer written against 0.1.0 (createParams, addParam, this.params, a Param without trainable)', () => {
  class OldScale extends Layer {
    static override readonly className: string = 'TestOldScale';
    private x?: FloatTensor;
    private y?: FloatTensor;
    computeOutputShape(s: number[]): number[] {
      return s;
    }
    protected override createParams(s: number[], ctx: BuildContext): void {
      this.addParam('w', [s[0]], ctx.dtype, (d) => d.fill(2));
    }
    forward(x: FloatTensor): FloatTensor {
      const w = this.params[0].value.data;
      this.x = x;
      this.y = reuse(this.y, x.shape, this.dtype);
      for (let i = 0; i < x.size; i++) this.y.data[i] = x.data[i] * w[i % x.shape[1]];
      return this.y;
    }
    backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
      const x = this.saved(this.x);
      const g = this.params[0].grad.data.fill(0);
      for (let i = 0; i < x.size; i++) g[i % x.shape[1]] += dy.data[i] * x.data[i];
      return opts.needInputGrad ? dy : null;
    }
  }

  it('still builds, trains and counts its weight', async () => {
    const m = new Sequential([new OldScale({ inputShape: [6] }), new Dense(3, { activation: 'softmax' })], { seed: 1 });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    expect(m.countParams()).toBe(6 + 21);
    const before = m.getWeights()[0];
    expect(Array.from(before.data)).toEqual([2, 2, 2, 2, 2, 2]);
    const { x, y } = data(8);
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(same(m.getWeights()[0], before)).toBe(false);
    const p: Param = { name: 'w', value: before as FloatTensor, grad: before as FloatTensor };
    expect(p.trainable).toBeUndefined(); // 0.1's Param literal still type-checks and counts as trainable
  });
});

describe('a model file written before the layer registry (mnist-nn 0.1.0, commit 4b3c8d9)', () => {
  // 0.1.0 made the fixture's figures with a separate multiply and add: bit for bit holds on that path.
  let fma = false;
  beforeAll(() => {
    fma = getFma();
    setFma(false);
  });
  afterAll(() => setFma(fma));
  const dirOf = join(FIXTURES, 'v0.1-model');
  const expected = JSON.parse(readFileSync(join(dirOf, 'expected.json'), 'utf8')) as {
    predictions: number[];
    resumedEpoch3Loss: number;
    weightsAfterEpoch3: number[][];
  };
  // the inputs the fixture was made with (see its README)
  const r = new Rng(11);
  const x = new Tensor(
    Float32Array.from({ length: 24 * 8 * 8 }, () => r.next()),
    [24, 8, 8, 1],
  );
  const y = new Tensor(
    Int32Array.from({ length: 24 }, () => r.int(3)),
    [24],
  );

  it('loads, and predicts exactly what that version predicted', async () => {
    const m = await loadModel(join(dirOf, 'model.mnn'));
    expect(m.layers.map((l) => l.className)).toEqual([
      'Conv2D',
      'MaxPooling2D',
      'Conv2D',
      'ReLU',
      'Flatten',
      'Dropout',
      'Dense',
      'Reshape',
      'Dense',
    ]);
    expect(Array.from(((await m.predict(x.slice(0, 6))) as Tensor).data)).toEqual(expected.predictions);
  });

  it('resumes the saved run exactly where it stopped (optimizer and generator state)', async () => {
    const m = await loadModel(join(dirOf, 'model.mnn'));
    const h = await m.fit(x, y, { epochs: 3, initialEpoch: 2, batchSize: 8, verbose: 0 });
    expect(h.history.loss[0]).toBe(expected.resumedEpoch3Loss);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(expected.weightsAfterEpoch3);
  });
});
