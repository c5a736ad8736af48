// The layer harness: for every registered layer, a few configurations, each run through
//   1. the float64 gradient check of its backward pass (input and every weight),
//   2. a config round trip (getConfig → the registration's fromConfig → same config, same outputs),
//   3. a round trip through our model file (modelToBytes → modelFromBytes → same outputs), and one
//      through Keras 3's .keras file (modelToKerasBytes → modelFromKerasBytes → same config, weights, outputs),
//   4. the TensorFlow.js Layers format: the real @tensorflow/tfjs loads our export and predicts the
//      same to 1e-5, and loadModel reads it back to the same outputs (a layer Keras lacks must be
//      refused by the export, saying so; a layer TensorFlow.js lacks that is the identity at
//      inference, an augmentation layer, must be left out of it with a note, the export predicting
//      the same).
// A layer that takes a list of inputs (the merge layers: Add, Concatenate, …) has cases with `inputShapes`
// and runs parts 1–2 through the list forms a functional model calls (buildOn, forwardOn, backwardOn), and
// parts 3–4 as a functional Model of the layer on one Input per input (a layer TensorFlow.js lacks that is not
// the identity, Subtract, must be refused by the TF.js export, saying so). Its agreement with TensorFlow.js's own
// layers (outputs and input gradients) is checked in test/merge-layers.test.ts.
// InputLayer is not stacked but begins a functional model (a Sequential lists none): its cases (`modelInput`)
// run parts 1–2 on the layer and parts 3–4 with the layer as a functional Model's input.
// A registered layer without an entry here fails. Adding a layer's tests = adding its entry.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { tfjsFromMemory, useTfjsCpu, type TfjsModelJson } from './helpers/tfjs.js';
import {
  Activation,
  Add,
  Average,
  AveragePooling2D,
  BatchNormalization,
  Adam,
  Concatenate,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  FormatError,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  Input,
  InputLayer,
  LeakyReLU,
  MaxPooling2D,
  Maximum,
  Minimum,
  Model,
  Multiply,
  RandomRotation,
  RandomTranslation,
  RandomZoom,
  ReLU,
  Reshape,
  Sequential,
  Softmax,
  Subtract,
  Tensor,
  loadModel,
  modelFromBytes,
  modelFromKerasBytes,
  modelToKerasBytes,
  modelToBytes,
  regularizers,
  type FloatTensor,
  type Layer,
} from '../src/index.js';
import * as entry from '../src/index.js';
import * as browserEntry from '../src/browser.js';
import { registeredLayers } from '../src/layers/registry.js';
import { Rng } from '../src/tensor/random.js';
import { TOL, buildF64, buildOnF64, checkLayer, checkLayerOn, randn, relError } from './helpers/gradcheck.js';

interface HarnessCase {
  /** What this configuration shows. */
  label: string;
  /** A fresh layer of this configuration (the sample shape is given separately). */
  make: () => Layer;
  /** The sample shape fed to it. */
  inputShape: number[];
  /**
   * Check the gradient in training mode (dropout active with a fixed mask; batch normalization by the batch's
   * statistics).
   */
  training?: boolean;
  /**
   * Training mode draws random numbers (dropout): TensorFlow.js's draws differ, so it is compared in inference mode.
   */
  stochastic?: boolean;
  /**
   * Why TensorFlow.js's gradients cannot be the reference for this case (a TF.js defect, shown by its own finite
   * differences).
   */
  tfjsGradientsWrong?: string;
  /** Weights that must stay positive when the harness draws random weights (a variance). */
  positive?: string[];
  /**
   * An input without ties, for layers whose derivative is undefined at ties (max pooling): samples
   * from randn, each value nudged apart from the others.
   */
  distinct?: boolean;
  /** The inputs' standard deviation (default 1): wider to reach relu6's upper kink at 6. */
  scale?: number;
}

/** A case of a layer that takes a list of inputs (the merge layers), run through parts 1–2 only (see the header). */
interface MultiInputCase {
  label: string;
  make: () => Layer;
  /** The sample shape of each input. */
  inputShapes: number[][];
}

/** A case of InputLayer, a functional model's input: run on its own and as a model's input (see the header). */
interface ModelInputCase {
  label: string;
  make: () => InputLayer;
  /** The sample shape the layer is made with. */
  inputShape: number[];
  modelInput: true;
}

const HARNESS: Record<string, (HarnessCase | MultiInputCase | ModelInputCase)[]> = {
  InputLayer: [
    {
      label: 'an image, named',
      make: () => new InputLayer({ shape: [4, 3, 2], name: 'pixels' }),
      inputShape: [4, 3, 2],
      modelInput: true,
    },
    { label: 'a vector, default name', make: () => new InputLayer({ shape: [5] }), inputShape: [5], modelInput: true },
  ],
  Dense: [
    { label: 'relu, rank 2', make: () => new Dense(7, { activation: 'relu' }), inputShape: [5] },
    {
      label: 'no bias, tanh, one unit',
      make: () => new Dense(1, { useBias: false, activation: 'tanh' }),
      inputShape: [13],
    },
    {
      label: 'softmax over the last axis of rank-3 inputs',
      make: () => new Dense(4, { activation: 'softmax' }),
      inputShape: [3, 6],
    },
    {
      label: 'sigmoid with l1l2 regularizers and other initializers',
      make: () =>
        new Dense(3, {
          activation: 'sigmoid',
          kernelRegularizer: regularizers.l1l2({ l1: 1e-3, l2: 1e-2 }),
          biasRegularizer: regularizers.l2(0.1),
          kernelInitializer: 'heNormal',
          biasInitializer: 'ones',
        }),
      inputShape: [4],
    },
    { label: 'frozen (trainable false)', make: () => new Dense(2, { trainable: false }), inputShape: [3] },
    { label: 'gelu', make: () => new Dense(6, { activation: 'gelu' }), inputShape: [4] },
    { label: 'swish over rank-3 inputs', make: () => new Dense(3, { activation: 'swish' }), inputShape: [2, 5] },
    { label: 'selu', make: () => new Dense(4, { activation: 'selu' }), inputShape: [3] },
  ],
  Conv2D: [
    {
      label: '3×3, same padding, relu',
      make: () => new Conv2D(4, 3, { activation: 'relu', padding: 'same' }),
      inputShape: [6, 6, 2],
    },
    {
      label: '2×3 kernel, strides [1, 2], tanh',
      make: () => new Conv2D(3, [2, 3], { strides: [1, 2], activation: 'tanh' }),
      inputShape: [5, 7, 1],
    },
    {
      label: '1×1, no bias, softmax over filters, same padding and stride 2',
      make: () => new Conv2D(2, 1, { useBias: false, activation: 'softmax', strides: 2, padding: 'same' }),
      inputShape: [3, 3, 2],
    },
    { label: '2×2, elu', make: () => new Conv2D(3, 2, { activation: 'elu' }), inputShape: [4, 4, 2] },
    {
      label: '3×3, same padding, softplus',
      make: () => new Conv2D(2, 3, { activation: 'softplus', padding: 'same' }),
      inputShape: [4, 3, 1],
    },
  ],
  MaxPooling2D: [
    { label: '2×2', make: () => new MaxPooling2D(2), inputShape: [4, 4, 3], distinct: true },
    {
      label: '2×3, stride 1, same padding',
      make: () => new MaxPooling2D([2, 3], { strides: 1, padding: 'same' }),
      inputShape: [5, 5, 2],
      distinct: true,
    },
    {
      label: '3×3 stride 2 over an odd size',
      make: () => new MaxPooling2D(3, { strides: 2 }),
      inputShape: [7, 5, 1],
      distinct: true,
    },
  ],
  Dropout: [
    { label: 'rate 0.3, training', make: () => new Dropout(0.3), inputShape: [4, 5], training: true, stochastic: true },
    { label: 'rate 0.5, inference (identity)', make: () => new Dropout(0.5), inputShape: [6] },
  ],
  Flatten: [
    { label: 'rank 4 to rank 2', make: () => new Flatten(), inputShape: [2, 3, 4] },
    { label: 'rank 3 to rank 2', make: () => new Flatten(), inputShape: [3, 4] },
  ],
  Reshape: [
    { label: '[6] to [2, 3]', make: () => new Reshape([2, 3]), inputShape: [6] },
    { label: 'with −1', make: () => new Reshape([-1, 4]), inputShape: [2, 3, 4] },
  ],
  Activation: [
    { label: 'relu', make: () => new Activation('relu'), inputShape: [3, 4] },
    { label: 'sigmoid', make: () => new Activation('sigmoid'), inputShape: [5] },
    { label: 'tanh, options form', make: () => new Activation({ activation: 'tanh' }), inputShape: [2, 3] },
    { label: 'softmax', make: () => new Activation('softmax'), inputShape: [6] },
    { label: 'linear', make: () => new Activation('linear'), inputShape: [4] },
    { label: 'elu', make: () => new Activation('elu'), inputShape: [3, 4] },
    { label: 'selu', make: () => new Activation('selu'), inputShape: [6] },
    { label: 'gelu, over ±8', make: () => new Activation('gelu'), inputShape: [2, 5], scale: 4 },
    { label: 'swish, over ±8', make: () => new Activation('swish'), inputShape: [7], scale: 4 },
    { label: 'softplus, over ±40', make: () => new Activation({ activation: 'softplus' }), inputShape: [8], scale: 20 },
    { label: 'relu6, both kinks reached', make: () => new Activation('relu6'), inputShape: [3, 4], scale: 5 },
  ],
  AveragePooling2D: [
    { label: '2×2', make: () => new AveragePooling2D(2), inputShape: [4, 4, 3] },
    {
      label: '3×2, strides [2, 1], same padding: edge windows average only what is inside',
      make: () => new AveragePooling2D([3, 2], { strides: [2, 1], padding: 'same' }),
      inputShape: [5, 6, 2],
      tfjsGradientsWrong:
        "TF.js's avgPool gradient divides by the whole window at padded edges while its forward divides by what is inside (off by 0.8 from its own finite differences)",
    },
    {
      label: '2×2 stride 1 over an odd size',
      make: () => new AveragePooling2D(2, { strides: 1 }),
      inputShape: [5, 3, 1],
    },
  ],
  GlobalAveragePooling2D: [
    { label: 'three channels', make: () => new GlobalAveragePooling2D(), inputShape: [4, 5, 3] },
    { label: 'one pixel, one channel', make: () => new GlobalAveragePooling2D(), inputShape: [1, 1, 1] },
  ],
  BatchNormalization: [
    {
      label: 'after Dense (rank 2), training: batch statistics',
      make: () => new BatchNormalization(),
      inputShape: [5],
      training: true,
      positive: ['moving_variance'],
    },
    {
      label: 'NHWC per channel, training, momentum 0.9, epsilon 0.01',
      make: () => new BatchNormalization({ momentum: 0.9, epsilon: 0.01 }),
      inputShape: [3, 4, 2],
      training: true,
      positive: ['moving_variance'],
    },
    {
      label: 'inference: moving statistics',
      make: () => new BatchNormalization({ axis: 3 }),
      inputShape: [2, 3, 4],
      positive: ['moving_variance'],
    },
    {
      label: 'no center, training',
      make: () => new BatchNormalization({ center: false, gammaRegularizer: regularizers.l2(0.1) }),
      inputShape: [3, 2],
      training: true,
      positive: ['moving_variance'],
      tfjsGradientsWrong: 'TF.js cannot run BatchNormalization without a beta in training (it reads the missing beta)',
    },
    {
      label: 'no scale, inference, other initializers',
      make: () => new BatchNormalization({ scale: false, movingVarianceInitializer: 'zeros', betaInitializer: 'ones' }),
      inputShape: [4],
      positive: ['moving_variance'],
      tfjsGradientsWrong:
        'TF.js cannot differentiate BatchNormalization without a gamma (its gradient reads the missing gamma)',
    },
    {
      label: 'frozen: inference mode even when training',
      make: () => new BatchNormalization({ trainable: false }),
      inputShape: [3],
      training: true,
      positive: ['moving_variance'],
    },
  ],
  ReLU: [{ label: 'rank 3', make: () => new ReLU(), inputShape: [3, 4] }],
  LeakyReLU: [
    { label: 'default alpha 0.3', make: () => new LeakyReLU(), inputShape: [3, 4] },
    { label: 'alpha 0.05, rank 4', make: () => new LeakyReLU({ alpha: 0.05 }), inputShape: [2, 3, 2] },
    { label: 'alpha 0 (relu)', make: () => new LeakyReLU({ alpha: 0 }), inputShape: [5] },
  ],
  GlobalMaxPooling2D: [
    { label: 'three channels', make: () => new GlobalMaxPooling2D(), inputShape: [4, 5, 3], distinct: true },
    { label: 'one row', make: () => new GlobalMaxPooling2D(), inputShape: [1, 6, 2], distinct: true },
    { label: 'one pixel, one channel', make: () => new GlobalMaxPooling2D(), inputShape: [1, 1, 1] },
  ],
  // The augmentation layers, in training (transforms drawn from the check's fixed generator): the
  // resampling is linear in x, so the input gradient is exact whatever the transform.
  RandomRotation: [
    {
      label: 'bilinear, reflect (Keras defaults), ±0.2 turns',
      make: () => new RandomRotation(0.2),
      inputShape: [5, 6, 2],
      training: true,
    },
    {
      label: 'nearest, constant fill 0.5, [−0.5, 0.25] turns',
      make: () => new RandomRotation([-0.5, 0.25], { interpolation: 'nearest', fillMode: 'constant', fillValue: 0.5 }),
      inputShape: [4, 4, 3],
      training: true,
    },
    {
      label: 'bilinear, wrap, a full turn either way',
      make: () => new RandomRotation(1, { fillMode: 'wrap' }),
      inputShape: [6, 3, 1],
      training: true,
    },
  ],
  RandomTranslation: [
    {
      label: 'bilinear, reflect, ±30% both ways',
      make: () => new RandomTranslation(0.3, 0.3),
      inputShape: [5, 7, 2],
      training: true,
    },
    {
      label: 'bilinear, nearest fill, [−1, 1] and [0.2, 0.6]',
      make: () => new RandomTranslation([-1, 1], [0.2, 0.6], { fillMode: 'nearest' }),
      inputShape: [4, 5, 1],
      training: true,
    },
    {
      label: 'nearest interpolation, constant fill',
      make: () =>
        new RandomTranslation(0.5, [-0.4, 0], { interpolation: 'nearest', fillMode: 'constant', fillValue: -1 }),
      inputShape: [6, 4, 3],
      training: true,
    },
  ],
  RandomZoom: [
    {
      label: 'bilinear, reflect, ±40%, aspect ratio kept',
      make: () => new RandomZoom(0.4),
      inputShape: [6, 5, 2],
      training: true,
    },
    {
      label: 'bilinear, wrap, in on one axis and out on the other',
      make: () => new RandomZoom([-0.5, -0.1], [0.2, 1], { fillMode: 'wrap' }),
      inputShape: [5, 5, 1],
      training: true,
    },
    {
      label: 'nearest, constant',
      make: () => new RandomZoom(0.3, 0.6, { interpolation: 'nearest', fillMode: 'constant', fillValue: 2 }),
      inputShape: [4, 6, 3],
      training: true,
    },
  ],
  Softmax: [
    { label: 'rank 2', make: () => new Softmax(), inputShape: [5] },
    { label: 'over the last axis of rank 3', make: () => new Softmax(), inputShape: [2, 3] },
  ],
  // The merge layers take lists: parts 1–3 (see the header).
  Add: [
    {
      label: 'two inputs',
      make: () => new Add(),
      inputShapes: [
        [3, 4],
        [3, 4],
      ],
    },
    { label: 'three inputs', make: () => new Add(), inputShapes: [[5], [5], [5]] },
  ],
  Subtract: [
    {
      label: 'two inputs',
      make: () => new Subtract(),
      inputShapes: [
        [2, 3],
        [2, 3],
      ],
    },
  ],
  Multiply: [
    { label: 'two inputs', make: () => new Multiply(), inputShapes: [[4], [4]] },
    {
      label: 'three inputs',
      make: () => new Multiply(),
      inputShapes: [
        [2, 3],
        [2, 3],
        [2, 3],
      ],
    },
  ],
  Average: [
    {
      label: 'two inputs',
      make: () => new Average(),
      inputShapes: [
        [2, 2, 2],
        [2, 2, 2],
      ],
    },
    { label: 'three inputs', make: () => new Average(), inputShapes: [[3], [3], [3]] },
  ],
  Maximum: [
    {
      label: 'two inputs',
      make: () => new Maximum(),
      inputShapes: [
        [3, 4],
        [3, 4],
      ],
    },
    { label: 'three inputs', make: () => new Maximum(), inputShapes: [[6], [6], [6]] },
  ],
  Minimum: [
    {
      label: 'two inputs',
      make: () => new Minimum(),
      inputShapes: [
        [3, 4],
        [3, 4],
      ],
    },
    { label: 'three inputs', make: () => new Minimum(), inputShapes: [[6], [6], [6]] },
  ],
  Concatenate: [
    {
      label: 'last axis (default)',
      make: () => new Concatenate(),
      inputShapes: [
        [3, 2],
        [3, 5],
      ],
    },
    {
      label: 'axis 1, three inputs',
      make: () => new Concatenate({ axis: 1 }),
      inputShapes: [
        [2, 3],
        [1, 3],
        [4, 3],
      ],
    },
    {
      label: 'axis −2 of images',
      make: () => new Concatenate({ axis: -2 }),
      inputShapes: [
        [2, 1, 3],
        [2, 3, 3],
      ],
    },
  ],
};

const rng = new Rng(17);
// InputLayer's cases, which run first, draw from their own generator: giving them the shared one would move
// every later case's draws (and the Adam-step comparisons with TensorFlow.js are sensitive to them).
const inputLayerRng = new Rng(29);
const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-harness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
useTfjsCpu();

function inputsOf(c: MultiInputCase, batch: number, dtype: 'float32' | 'float64'): FloatTensor[] {
  return c.inputShapes.map((s) => {
    const x = randn([batch, ...s], rng);
    return dtype === 'float64' ? x : (x.cast('float32') as FloatTensor);
  });
}

/** A functional model of the case's layer applied to one Input per input shape. */
function functionalOf(c: MultiInputCase): Model {
  const inputs = c.inputShapes.map((shape, i) => Input({ shape, name: `input_${i}` }));
  return new Model({ inputs, outputs: c.make().apply(inputs), seed: 3 });
}

function input(
  c: Pick<HarnessCase, 'inputShape' | 'scale' | 'distinct'>,
  batch: number,
  dtype: 'float32' | 'float64',
  gen = rng,
): FloatTensor {
  const x = randn([batch, ...c.inputShape], gen, c.scale);
  if (c.distinct) x.data.forEach((v, i, a) => (a[i] = v + i * 1e-3));
  return dtype === 'float64' ? x : (x.cast('float32') as FloatTensor);
}

/** A model of the one layer, built for the case's sample shape, weights drawn away from their initial values. */
function modelOf(c: HarnessCase, seed: number): Sequential {
  const m = new Sequential([c.make()], { seed });
  m.build([null, ...c.inputShape]);
  const names = m.layers[0].parameters().map((p) => p.name.split('/').pop()!);
  m.setWeights(
    m.getWeights().map(
      (w, i) =>
        new Tensor(
          Float32Array.from(w.data, () =>
            c.positive?.includes(names[i]) ? 0.2 + Math.abs(rng.normal()) : rng.normal() * 0.5,
          ),
          w.shape,
        ),
    ),
  );
  return m;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('the layer harness', () => {
  it('every registered layer is exported by both entries under its class name', () => {
    expect(registeredLayers().map((r) => r.className)).toContain('Dense');
    for (const r of registeredLayers()) {
      expect((entry as Record<string, unknown>)[r.className], r.className).toBe(r.cls);
      expect((browserEntry as Record<string, unknown>)[r.className], r.className).toBe(r.cls);
    }
  });

  it('every exported layer class that names itself is registered', () => {
    const named = Object.values(entry).filter(
      (v): v is typeof Layer =>
        typeof v === 'function' && v.prototype instanceof entry.Layer && Object.hasOwn(v, 'className'),
    );
    expect(named.length).toBe(registeredLayers().length);
    for (const cls of named)
      expect(
        registeredLayers().find((r) => r.cls === cls),
        cls.className,
      ).toBeDefined();
  });

  for (const reg of registeredLayers()) {
    describe(reg.className, () => {
      const cases = HARNESS[reg.className];
      it('has a harness entry', () => {
        expect(cases, `add ${reg.className} to HARNESS in test/layer-harness.test.ts`).toBeDefined();
        expect(cases.length).toBeGreaterThan(0);
      });
      for (const c of cases ?? []) {
        describe(c.label, () => {
          it('makes a layer of this class', () => {
            expect(c.make()).toBeInstanceOf(reg.cls as unknown as new () => Layer);
            expect(c.make().className).toBe(reg.className);
          });

          if ('inputShapes' in c) {
            it('takes a list of inputs', () => expect(c.make().takesList).toBe(true));

            it('backward matches float64 finite differences, for every input', () => {
              const layer = buildOnF64(c.make(), c.inputShapes);
              // Weight gradients of a multi-input layer are not checked here yet: none of them has weights.
              expect(layer.parameters()).toEqual([]);
              const errors = checkLayerOn(layer, inputsOf(c, 3, 'float64'));
              expect(errors.length).toBe(c.inputShapes.length);
              errors.forEach((err, i) => expect(err, `input ${i}`).toBeLessThan(TOL));
            });

            it('config round trip: the same config and the same outputs', () => {
              const ctx = { dtype: 'float32' as const, rng: new Rng(1) };
              const a = c.make();
              a.buildOn(c.inputShapes, ctx);
              const config = JSON.parse(JSON.stringify(a.getConfig())) as Record<string, unknown>;
              const b = reg.fromConfig(config);
              expect(b.className).toBe(a.className);
              expect(b.getConfig()).toEqual(a.getConfig());
              b.buildOn(c.inputShapes, ctx);
              const xs = inputsOf(c, 4, 'float32');
              const fwd = { training: false, rng: new Rng(1) };
              expect(Array.from(b.forwardOn(xs, fwd).data)).toEqual(Array.from(a.forwardOn(xs, fwd).data));
            });

            // Each input keeps its place: an order-dependent layer (Subtract, Concatenate) would tell a swap.
            const sameFunctional = async (back: Model, m: Model) => {
              expect(back).not.toBeInstanceOf(Sequential);
              expect(back.toConfig()).toEqual(m.toConfig());
              expect(back.layers.map((l) => l.className)).toEqual([
                ...c.inputShapes.map(() => 'InputLayer'),
                reg.className,
              ]);
              expect(back.layers.at(-1)!.getConfig()).toEqual(m.layers.at(-1)!.getConfig());
              const xs = inputsOf(c, 5, 'float32');
              const ours = (await m.predict(xs)) as Tensor;
              expect(ours.shape).toEqual([5, ...m.layers.at(-1)!.outputShape!]);
              expect(Array.from(((await back.predict(xs)) as Tensor).data)).toEqual(Array.from(ours.data));
            };

            it('round trip through our model file, as a functional Model of the layer on one Input per input', async () => {
              const m = functionalOf(c);
              await sameFunctional(modelFromBytes(modelToBytes(m), 'harness'), m);
            });

            it('round trip through a Keras 3 .keras file, as a functional Model of the layer on one Input per input', async () => {
              const m = functionalOf(c);
              const { bytes } = await modelToKerasBytes(m);
              await sameFunctional(await modelFromKerasBytes(bytes, 'harness.keras'), m);
            });

            it('through the TensorFlow.js Layers format, as a functional Model of the layer on one Input per input: TF.js loads it and predicts the same to 1e-5, loadModel reads it back', async () => {
              const m = functionalOf(c);
              const out = join(dir, `${reg.className}-${cases.indexOf(c)}-functional`);
              if (reg.keras?.tfjsLacks) {
                // TF.js lacks it and it is not the identity: refused, naming it; nothing is written.
                await expect(m.save(out, { format: 'tfjs' })).rejects.toThrow(FormatError);
                await expect(m.save(out, { format: 'tfjs' })).rejects.toThrow(
                  new RegExp(
                    `the ${reg.className} layer '\\w+' cannot be exported: TensorFlow.js \\(tfjs-layers 4.22\\) has no ${reg.keras.className} layer`,
                  ),
                );
                expect(existsSync(out)).toBe(false);
                return;
              }
              await m.save(out, { format: 'tfjs' });
              const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as TfjsModelJson;
              const theirs = await tfjsFromMemory(json, readFileSync(join(out, json.weightsManifest[0].paths[0])));
              expect(theirs.layers.at(-1)!.getClassName()).toBe(reg.keras!.className);
              const xs = inputsOf(c, 5, 'float32');
              const ours = (await m.predict(xs)) as Tensor;
              const p = theirs.predict(xs.map((x) => tf.tensor(x.data, x.shape))) as tf.Tensor;
              expect(p.shape).toEqual(ours.shape);
              expect(maxDiff(p.dataSync(), ours.data)).toBeLessThan(1e-5);
              // The same model back; TF.js is given a Concatenate axis below −1 counted from the front (the same join).
              const back = await loadModel(out);
              const expected = m.toConfig();
              const last = expected.layers.at(-1)!.config;
              if (typeof last.axis === 'number' && last.axis < -1) last.axis += c.inputShapes[0].length + 1;
              expect(back).not.toBeInstanceOf(Sequential);
              expect(back.toConfig()).toEqual(expected);
              expect(Array.from(((await back.predict(xs)) as Tensor).data)).toEqual(Array.from(ours.data));
            });

            it.skipIf(!reg.keras || !!reg.keras.tfjsLacks)(
              'TensorFlow.js computes the same gradient for every input of the exported model',
              async () => {
                const m = functionalOf(c);
                const out = join(dir, `${reg.className}-${cases.indexOf(c)}-functional-grad`);
                await m.save(out, { format: 'tfjs' });
                const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as TfjsModelJson;
                const theirs = await tfjsFromMemory(json, readFileSync(join(out, json.weightsManifest[0].paths[0])));
                const layer = m.layers.at(-1)!;
                const xs = inputsOf(c, 5, 'float32');
                // L = Σ y ⊙ R for a fixed R, so dL/dy = R.
                const R = randn([5, ...layer.outputShape!], rng).cast('float32') as FloatTensor;
                layer.forwardOn(xs, { training: false, rng: new Rng(1) });
                const dxs = layer.backwardOn(R, { needInputGrad: true });
                const Rt = tf.tensor(R.data, R.shape);
                const f = (...ts: tf.Tensor[]): tf.Scalar => tf.sum(tf.mul(theirs.apply(ts) as tf.Tensor, Rt));
                const grads = tf.grads(f)(xs.map((x) => tf.tensor(x.data, x.shape)));
                expect(dxs).toHaveLength(c.inputShapes.length);
                dxs.forEach((dx, i) =>
                  expect(relError(dx!.data, grads[i].dataSync()), `input ${i}`).toBeLessThan(1e-4),
                );
              },
            );
            return;
          }

          if ('modelInput' in c) {
            it('is the identity: backward matches float64 finite differences', () => {
              const layer: Layer = buildF64(c.make(), c.inputShape);
              expect(layer.parameters()).toEqual([]);
              const x = input(c, 3, 'float64', inputLayerRng);
              expect(Array.from(layer.forward(x, { training: false, rng: new Rng(1) }).data)).toEqual(
                Array.from(x.data),
              );
              expect(checkLayer(layer, x).input).toBeLessThan(TOL);
            });

            it('config round trip: the same config (name and shape) and the same outputs', () => {
              const ctx = { dtype: 'float32' as const, rng: new Rng(1) };
              const a: Layer = c.make();
              a.build(c.inputShape, ctx);
              const config = JSON.parse(JSON.stringify(a.getConfig())) as Record<string, unknown>;
              expect(config).toEqual({ name: a.name, shape: c.inputShape });
              const b = reg.fromConfig(config);
              expect(b).toBeInstanceOf(InputLayer);
              expect(b.getConfig()).toEqual(a.getConfig());
              b.build(c.inputShape, ctx);
              const x = input(c, 4, 'float32', inputLayerRng);
              const fwd = { training: false, rng: new Rng(1) };
              expect(Array.from(b.forward(x, fwd).data)).toEqual(Array.from(a.forward(x, fwd).data));
            });

            /**
             * A functional model that begins with the case's InputLayer: Flatten, then a residual Dense. Not a chain:
             * the Keras reader reads a Functional chain as a Sequential, which lists no InputLayer.
             */
            const modelFrom = (layer: InputLayer) => {
              const f = new Flatten().apply(layer.output);
              const size = c.inputShape.reduce((a, b) => a * b, 1);
              const y = new Add().apply([f, new Dense(size, { activation: 'tanh', name: 'after' }).apply(f)]);
              return new Model({ inputs: layer.output, outputs: y, seed: 3 });
            };
            const sameWithInput = async (back: Model, m: Model, layer: InputLayer) => {
              expect(back.toConfig()).toEqual(m.toConfig());
              expect(back.layers[0]).toBeInstanceOf(InputLayer);
              expect(back.layers[0].getConfig()).toEqual(layer.getConfig());
              expect(back.inputs.map((t) => t.shape)).toEqual([[null, ...c.inputShape]]);
              const x = input(c, 5, 'float32', inputLayerRng);
              const ours = Array.from(((await m.predict(x)) as Tensor).data);
              expect(Array.from(((await back.predict(x)) as Tensor).data)).toEqual(ours);
              // Inputs given by name are keyed by the InputLayer's name: the reloaded model knows it.
              expect(Array.from(((await back.predict({ [layer.name]: x })) as Tensor).data)).toEqual(ours);
            };

            it("round trip through our model file, as a functional Model's input: its name and shape kept", async () => {
              const layer = c.make();
              const m = modelFrom(layer);
              await sameWithInput(modelFromBytes(modelToBytes(m), 'harness'), m, layer);
            });

            it("round trip through a Keras 3 .keras file, as a functional Model's input: its name and shape kept", async () => {
              const layer = c.make();
              const m = modelFrom(layer);
              const { bytes } = await modelToKerasBytes(m);
              await sameWithInput(await modelFromKerasBytes(bytes, 'harness.keras'), m, layer);
            });

            it("through the TensorFlow.js Layers format, as a functional Model's input: TF.js loads it and predicts the same to 1e-5, loadModel reads it back, its name and shape kept", async () => {
              const layer = c.make();
              const m = modelFrom(layer);
              const out = join(dir, `${reg.className}-${cases.indexOf(c)}`);
              const { notes } = await m.save(out, { format: 'tfjs' });
              // The Flatten of a vector is the identity, which TF.js's Flatten refuses: left out, with a note.
              expect(notes).toHaveLength(c.inputShape.length === 1 ? 1 : 0);
              const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as TfjsModelJson;
              // As TF.js writes an input: batch_input_shape, not Keras 3's batch_shape.
              expect(json.modelTopology.config.layers[0]).toMatchObject({
                class_name: 'InputLayer',
                config: {
                  batch_input_shape: [null, ...c.inputShape],
                  dtype: 'float32',
                  sparse: false,
                  name: layer.name,
                },
              });
              const theirs = await tfjsFromMemory(json, readFileSync(join(out, json.weightsManifest[0].paths[0])));
              expect(theirs.inputNames).toEqual([layer.name]);
              expect(theirs.inputs[0].shape).toEqual([null, ...c.inputShape]);
              const x = input(c, 5, 'float32', inputLayerRng);
              const p = theirs.predict(tf.tensor(x.data, x.shape)) as tf.Tensor;
              expect(maxDiff(p.dataSync(), ((await m.predict(x)) as Tensor).data)).toBeLessThan(1e-5);
              const back = await loadModel(out);
              if (notes.length === 0) return sameWithInput(back, m, layer);
              expect(back.layers[0].getConfig()).toEqual(layer.getConfig());
              const ours = Array.from(((await m.predict(x)) as Tensor).data);
              expect(Array.from(((await back.predict({ [layer.name]: x })) as Tensor).data)).toEqual(ours);
            });
            return;
          }

          it('backward matches float64 finite differences', () => {
            const layer = buildF64(c.make(), c.inputShape);
            const check = checkLayer(layer, input(c, 3, 'float64'), { training: c.training });
            expect(check.input).toBeLessThan(TOL);
            for (const [name, err] of Object.entries(check.params)) expect(err, name).toBeLessThan(TOL);
            expect(Object.keys(check.params)).toEqual(
              layer
                .parameters()
                .filter((p) => p.trainable !== false)
                .map((p) => p.name),
            );
          });

          it('config round trip: the same config and the same outputs', () => {
            const a = modelOf(c, 1).layers[0];
            const config = JSON.parse(JSON.stringify(a.getConfig())) as Record<string, unknown>;
            const b = reg.fromConfig(config);
            expect(b.className).toBe(a.className);
            expect(b.getConfig()).toEqual(a.getConfig());
            const mb = new Sequential([b], { seed: 2 });
            mb.build([null, ...c.inputShape]);
            mb.setWeights(a.parameters().map((p) => p.value));
            const x = input(c, 4, 'float32');
            const ctx = { training: false, rng: new Rng(1) };
            expect(Array.from(b.forward(x, ctx).data)).toEqual(Array.from(a.forward(x, ctx).data));
          });

          it('round trip through our model file', async () => {
            const m = modelOf(c, 3);
            const back = modelFromBytes(modelToBytes(m), 'harness');
            expect(back.toConfig()).toEqual(m.toConfig());
            expect(back.layers[0].trainable).toBe(m.layers[0].trainable);
            const x = input(c, 5, 'float32');
            expect(Array.from(((await back.predict(x)) as Tensor).data)).toEqual(Array.from((await m.predict(x)).data));
          });

          it('round trip through a Keras 3 .keras file: the same config, weights and outputs', async () => {
            const m = modelOf(c, 4);
            const { bytes } = await modelToKerasBytes(m);
            const back = await modelFromKerasBytes(bytes, 'harness.keras');
            expect(back.toConfig()).toEqual(m.toConfig());
            expect(back.layers[0].trainable).toBe(m.layers[0].trainable);
            expect(back.getWeights().map((w) => Array.from(w.data))).toEqual(
              m.getWeights().map((w) => Array.from(w.data)),
            );
            const x = input(c, 5, 'float32');
            expect(Array.from(((await back.predict(x)) as Tensor).data)).toEqual(Array.from((await m.predict(x)).data));
          });

          it('through the TensorFlow.js Layers format, checked by TensorFlow.js', async () => {
            const m = modelOf(c, 4);
            const out = join(dir, `${reg.className}-${cases.indexOf(c)}`);
            if (!reg.keras) {
              await expect(m.save(out, { format: 'tfjs' })).rejects.toThrow(FormatError);
              await expect(m.save(out, { format: 'tfjs' })).rejects.toThrow(reg.className);
              return;
            }
            if (reg.keras.tfjsOmits) {
              // Alone, leaving it out leaves nothing to write: refused, naming it.
              await expect(m.save(out, { format: 'tfjs' })).rejects.toThrow(
                new RegExp(`every layer .*\\(${reg.className}\\) is left out of the TensorFlow.js export`),
              );
              // Before a Flatten, it is left out with a note, and the Flatten carries the input shape.
              const two = new Sequential([c.make(), new Flatten()], { seed: 4 });
              two.build([null, ...c.inputShape]);
              const { notes } = await two.save(out, { format: 'tfjs' });
              expect(notes).toEqual([
                expect.stringMatching(
                  new RegExp(
                    `^The ${reg.className} layer '${two.layers[0].name}' is left out of the TensorFlow.js export: TensorFlow.js has no ${reg.keras.className}, and the layer is the identity at inference`,
                  ),
                ),
              ]);
              const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as TfjsModelJson;
              expect(json.modelTopology.config.layers.map((l) => l.class_name)).toEqual(['Flatten']);
              expect(json.modelTopology.config.layers[0].config.batch_input_shape).toEqual([null, ...c.inputShape]);
              const theirs = await tfjsFromMemory(json, readFileSync(join(out, json.weightsManifest[0].paths[0])));
              const x = input(c, 5, 'float32');
              const p = theirs.predict(tf.tensor(x.data, x.shape)) as tf.Tensor;
              expect(maxDiff(p.dataSync(), (await two.predict(x)).data)).toBeLessThan(1e-5);
              expect((await loadModel(out)).layers.map((l) => l.className)).toEqual(['Flatten']);
              // Our own file keeps it.
              expect(modelFromBytes(modelToBytes(two), 'harness').layers.map((l) => l.className)).toEqual([
                reg.className,
                'Flatten',
              ]);
              return;
            }
            await m.save(out, { format: 'tfjs' });
            const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as TfjsModelJson;
            expect(json.modelTopology.config.layers[0].class_name).toBe(reg.keras.className);
            const weights = readFileSync(join(out, json.weightsManifest[0].paths[0]));
            const theirs = await tfjsFromMemory(json, weights);
            expect(theirs.layers[0].trainable).toBe(m.layers[0].trainable);
            const x = input(c, 5, 'float32');
            const p = theirs.predict(tf.tensor(x.data, x.shape)) as tf.Tensor;
            expect(p.shape).toEqual([5, ...m.outputShape]);
            expect(maxDiff(p.dataSync(), (await m.predict(x)).data)).toBeLessThan(1e-5);
            const back = await loadModel(out);
            expect(back.layers[0].className).toBe(reg.className);
            expect(back.layers[0].getConfig()).toEqual(m.layers[0].getConfig());
            expect(Array.from(((await back.predict(x)) as Tensor).data)).toEqual(Array.from((await m.predict(x)).data));
          });

          // Skipped where the export refuses or leaves out the layer (checked above) or TF.js is wrong (the float64
          // check holds ours).
          it.skipIf(!reg.keras || !!reg.keras.tfjsOmits || !!c.tfjsGradientsWrong)(
            'TensorFlow.js computes the same gradients and the same Adam step',
            async () => {
              const m = modelOf(c, 5);
              const out = join(dir, `${reg.className}-${cases.indexOf(c)}-grad`);
              await m.save(out, { format: 'tfjs' });
              const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as TfjsModelJson;
              const theirs = await tfjsFromMemory(json, readFileSync(join(out, json.weightsManifest[0].paths[0])));
              const layer = m.layers[0];
              // A frozen layer runs in inference mode (Keras 3); TF.js would use batch statistics.
              const training = !!c.training && !c.stochastic && layer.trainable;
              const x = input(c, 5, 'float32');
              // L = Σ y ⊙ R for a fixed R, so dL/dy = R.
              const R = randn([5, ...m.outputShape], rng).cast('float32') as FloatTensor;
              layer.forward(x, { training, rng: new Rng(1) });
              const dx = layer.backward(R, { needInputGrad: true })!;
              const Rt = tf.tensor(R.data, R.shape);
              const xt = tf.tensor(x.data, x.shape);
              const f = (xx: tf.Tensor): tf.Scalar => tf.sum(tf.mul(theirs.apply(xx, { training }) as tf.Tensor, Rt));
              expect(relError(dx.data, tf.grad(f)(xt).dataSync())).toBeLessThan(1e-4);
              const vars = theirs.trainableWeights.map((w) => w.read() as tf.Variable);
              const ours = layer.trainableWeights;
              expect(vars.length).toBe(ours.length);
              if (vars.length === 0) return;
              const { grads } = tf.variableGrads(() => f(xt), vars);
              ours.forEach((p, i) =>
                expect(relError(p.grad.data, grads[vars[i].name].dataSync()), p.name).toBeLessThan(1e-4),
              );
              new Adam({ learningRate: 0.01 }).step(ours);
              tf.train
                .adam(0.01, 0.9, 0.999, 1e-7)
                .applyGradients(vars.map((v) => ({ name: v.name, tensor: grads[v.name] })));
              ours.forEach((p, i) => expect(maxDiff(p.value.data, vars[i].dataSync()), p.name).toBeLessThan(1e-5));
            },
          );
        });
      }
    });
  }
});
