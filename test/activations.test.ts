// The activation functions' values where they are easy to get wrong (erf, the tails, NaN), and the
// Keras / TensorFlow.js spellings of LeakyReLU, GlobalMaxPooling2D and the new activation names.
// Their gradients are checked in the layer harness (test/layer-harness.test.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useTfjsCpu } from './helpers/tfjs.js';
import { Activation, FormatError, LeakyReLU, Tensor, loadModel, type Layer, type Model } from '../src/index.js';
import { getActivation } from '../src/activations/activations.js';
import { erf, erfc } from '../src/activations/erf.js';
import { Rng } from '../src/tensor/random.js';

const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-act-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
useTfjsCpu();

/** |a − b| / |b|. */
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** f(x) for each x, through the named activation's forward pass in float64. */
function apply(name: string, xs: number[]): number[] {
  const y = new Float64Array(xs.length);
  getActivation(name, 'test').forward(y, Float64Array.from(xs), 1, xs.length);
  return [...y];
}

/** f'(x) for each x, through the named activation's backward pass with dy = 1. */
function slope(name: string, xs: number[]): number[] {
  const x = Float64Array.from(xs);
  const y = new Float64Array(xs.length);
  const fn = getActivation(name, 'test');
  fn.forward(y, x, 1, xs.length);
  const dx = new Float64Array(xs.length);
  fn.backward(dx, new Float64Array(xs.length).fill(1), x, y, 1, xs.length);
  return [...dx];
}

describe('erf and erfc (W. J. Cody’s approximations)', () => {
  it('agree with known values to 1e-15 relative, on every interval', () => {
    const known: [number, number][] = [
      [0.3, 0.3286267594591274], // first interval (|x| ≤ 0.46875)
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [-3, -0.9999779095030014],
      [1e-10, 1.1283791670955126e-10],
    ];
    for (const [x, v] of known) expect(rel(erf(x), v), `erf(${x})`).toBeLessThan(1e-15);
    const tails: [number, number][] = [
      [-1, 1.842700792949715],
      [4, 1.541725790028002e-8],
      [5, 1.5374597944280351e-12], // third interval (y > 4)
      [10, 2.088487583762545e-45],
    ];
    for (const [x, v] of tails) expect(rel(erfc(x), v), `erfc(${x})`).toBeLessThan(2e-15);
  });

  it('is odd, saturates, and keeps NaN', () => {
    for (const x of [0.1, 0.46875, 0.7, 3.3, 6]) expect(erf(-x)).toBe(-erf(x));
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erfc(30)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
    expect(erf(NaN)).toBeNaN();
    expect(erfc(NaN)).toBeNaN();
  });
});

describe('the activations', () => {
  it('gelu is x·Φ(x), accurate in its far negative tail', () => {
    // Φ(1) and Φ(−10) of the standard normal distribution.
    expect(rel(apply('gelu', [1])[0], 0.8413447460685429)).toBeLessThan(1e-15);
    expect(rel(apply('gelu', [-10])[0], -10 * 7.619853024160527e-24)).toBeLessThan(1e-14);
    expect(apply('gelu', [0, 40, -40])).toEqual([0, 40, -0]);
  });

  it('softplus does not overflow, and its slope is σ(x)', () => {
    expect(apply('softplus', [1000, -1000, 0])).toEqual([1000, 0, Math.LN2]);
    expect(rel(apply('softplus', [-40])[0], Math.exp(-40))).toBeLessThan(1e-15); // log(1 + e^−40) would be log(1) = 0
    expect(slope('softplus', [1000, -1000, 0])).toEqual([1, 0, 0.5]);
  });

  it('swish is x·σ(x) without overflow', () => {
    expect(apply('swish', [1000, -1000, 0])).toEqual([1000, -0, 0]);
    expect(slope('swish', [1000, -1000, 0])).toEqual([1, -0, 0.5]);
  });

  it('elu and selu keep small negative inputs exact (expm1), with Keras’s SELU constants', () => {
    expect(apply('elu', [-1e-12, 2])).toEqual([Math.expm1(-1e-12), 2]);
    const [alpha, scale] = [1.6732632423543772, 1.0507009873554805];
    expect(apply('selu', [1, -1])).toEqual([scale, scale * alpha * Math.expm1(-1)]);
    expect(slope('selu', [1, -1])).toEqual([scale, scale * alpha * Math.exp(-1)]);
  });

  it('relu6 clips to [0, 6]', () => {
    expect(apply('relu6', [-1, 3, 7])).toEqual([0, 3, 6]);
    expect(slope('relu6', [-1, 3, 7])).toEqual([0, 1, 0]);
  });

  it('relu, relu6 and leaky relu propagate NaN, as TensorFlow does', () => {
    const x = new Tensor(Float32Array.of(NaN, -1, 2), [1, 3]);
    const layers: Layer[] = [
      new Activation('relu'),
      new Activation('relu6'),
      new LeakyReLU(),
      new Activation('elu'),
      new Activation('gelu'),
      new Activation('softplus'),
    ];
    for (const l of layers) {
      l.build([3], { dtype: 'float32', rng: new Rng(1) });
      expect(l.forward(x, { training: false, rng: new Rng(1) }).data[0], l.name).toBeNaN();
    }
  });

  it('LeakyReLU has Keras’s default slope 0.3 and takes another', () => {
    const run = (l: Layer, xs: number[]) => {
      l.build([xs.length], { dtype: 'float32', rng: new Rng(1) });
      return [
        ...l.forward(new Tensor(Float32Array.from(xs), [1, xs.length]), { training: false, rng: new Rng(1) }).data,
      ];
    };
    expect(run(new LeakyReLU(), [-3, -1, 0, 2])).toEqual([-0.9, -0.3, 0, 2].map(Math.fround));
    expect(run(new LeakyReLU({ alpha: 0.5 }), [-10, -5, 0, 5, 10])).toEqual([-5, -2.5, 0, 5, 10]);
  });
});

describe('Keras and TensorFlow.js spellings', () => {
  /** Writes a model.json (and its weights, if any) under `name` and loads it with loadModel. */
  function load(
    name: string,
    modelTopology: unknown,
    weights: { specs: unknown[]; data?: ArrayBuffer } = { specs: [] },
  ): Promise<Model> {
    const out = join(dir, name);
    mkdirSync(out, { recursive: true });
    if (weights.data) writeFileSync(join(out, 'weights.bin'), new Uint8Array(weights.data));
    writeFileSync(
      join(out, 'model.json'),
      JSON.stringify({
        modelTopology,
        weightsManifest: [{ paths: weights.data ? ['weights.bin'] : [], weights: weights.specs }],
      }),
    );
    return loadModel(out);
  }
  const sequential = (layers: unknown[]) => ({ class_name: 'Sequential', config: { layers } });

  it('a TensorFlow.js model with GlobalMaxPooling2D, LeakyReLU and the new activations loads and predicts the same', async () => {
    const theirs = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'elu', inputShape: [5, 4, 2] }),
        tf.layers.globalMaxPooling2d({}),
        tf.layers.leakyReLU({ alpha: 0.1 }),
        tf.layers.dense({ units: 4, activation: 'gelu' }),
        tf.layers.activation({ activation: 'softplus' }),
        tf.layers.dense({ units: 3, activation: 'swish' }),
      ],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await theirs.save(
      tf.io.withSaveHandler(
        (a) => (
          (saved = a),
          Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })
        ),
      ),
    );
    const ours = await load('theirs', saved!.modelTopology, {
      specs: saved!.weightSpecs!,
      data: saved!.weightData as ArrayBuffer,
    });
    expect(ours.layers.map((l) => l.className)).toEqual([
      'Conv2D',
      'GlobalMaxPooling2D',
      'LeakyReLU',
      'Dense',
      'Activation',
      'Dense',
    ]);
    expect((ours.layers[2] as LeakyReLU).alpha).toBeCloseTo(0.1, 7);
    const rng = new Rng(5);
    const x = new Tensor(
      Float32Array.from({ length: 6 * 40 }, () => rng.normal() * 2),
      [6, 5, 4, 2],
    );
    const p = (theirs.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync();
    const mine = ((await ours.predict(x)) as Tensor).data;
    expect(Math.max(...Array.from(p, (v, i) => Math.abs(v - mine[i])))).toBeLessThan(1e-5);
  });

  it('reads Keras 3’s negative_slope and silu', async () => {
    const m = await load(
      'keras3',
      sequential([
        { class_name: 'LeakyReLU', config: { name: 'lr', negative_slope: 0.5, batch_input_shape: [null, 2] } },
        { class_name: 'Activation', config: { name: 'act', activation: 'silu' } },
      ]),
    );
    expect((m.layers[0] as LeakyReLU).alpha).toBe(0.5);
    expect(m.layers[1].getConfig().activation).toBe('swish');
  });

  it('refuses what it cannot honour, and a bad slope, naming the layer and the option', async () => {
    const gmp = (config: object) =>
      load(
        'gmp',
        sequential([
          { class_name: 'GlobalMaxPooling2D', config: { name: 'g', batch_input_shape: [null, 3, 3, 2], ...config } },
        ]),
      );
    await expect(gmp({ keepdims: true })).rejects.toThrow(
      /GlobalMaxPooling2D 'g' uses keepdims true, which mnist-nn does not support/,
    );
    await expect(gmp({ data_format: 'channels_first' })).rejects.toThrow(
      /GlobalMaxPooling2D 'g' uses data_format 'channels_first', which mnist-nn does not support/,
    );
    expect((await gmp({ keepdims: false, data_format: 'channels_last' })).outputShape).toEqual([2]);
    const leaky = (config: object) =>
      load(
        'leaky',
        sequential([{ class_name: 'LeakyReLU', config: { name: 'l', batch_input_shape: [null, 2], ...config } }]),
      );
    await expect(leaky({ negative_slope: -0.1 })).rejects.toThrow(FormatError);
    await expect(leaky({ negative_slope: -0.1 })).rejects.toThrow(
      /LeakyReLU 'l': LeakyReLU 'l': alpha must be a finite number ≥ 0, got -0.1/,
    );
    await expect(leaky({ alpha: 0.1, negative_slope: 0.2 })).rejects.toThrow(
      /LeakyReLU 'l' uses both alpha 0.1 and negative_slope 0.2/,
    );
  });
});
