// Every kind of bad input a user can give, the typed error it must get, and that the model is left
// as it was (no kernel crash, no half-changed weights).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Add,
  BatchNormalization,
  Concatenate,
  Input,
  Model,
  Conv2D,
  Dropout,
  MaxPooling2D,
  Reshape,
  CosineDecay,
  Dense,
  ExponentialDecay,
  FileError,
  LearningRateScheduler,
  OneCycle,
  PiecewiseConstantDecay,
  ReduceLROnPlateau,
  Flatten,
  FormatError,
  GlobalMaxPooling2D,
  LeakyReLU,
  ModelCheckpoint,
  RandomRotation,
  RandomTranslation,
  RandomZoom,
  SGD,
  MnistNnError,
  Sequential,
  ShapeError,
  Tensor,
  ValueError,
  encodeIdx,
  loadModel,
  modelToKerasBytes,
  parseIdx,
  tensor,
  type LossIdentifier,
} from '../src/index.js';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import * as h5wasm from 'h5wasm';
import { writeHdf5 } from '../src/io/hdf5.js';
import { encodeModelFile, type TensorEntry } from '../src/io/model-file.js';
import { modelToFile } from '../src/io/serialize.js';

const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(loss: LossIdentifier = 'sparseCategoricalCrossentropy', compile = true): Sequential {
  const m = new Sequential(
    [
      new Flatten({ inputShape: [2, 3] }),
      new Dense(4, { activation: 'relu' }),
      new Dense(3, { activation: 'softmax' }),
    ],
    { seed: 1 },
  );
  if (compile) m.compile({ optimizer: 'adam', loss, metrics: ['accuracy'] });
  return m;
}
const x = (n = 4) =>
  new Tensor(
    Float32Array.from({ length: n * 6 }, (_, i) => i / 10),
    [n, 2, 3],
  );
const labels = (...v: number[]) => new Tensor(Float32Array.from(v), [v.length]);
const withValue = (t: Tensor, i: number, v: number) => {
  const c = t.clone();
  c.data[i] = v;
  return c;
};
const file = (name: string, bytes: Uint8Array | string) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

/** A layer in a model's config; the tests write any value into its options, wrong ones too. */
interface LayerEntry {
  config: Record<string, unknown>;
}
/** The parts of a model file's header that the tests edit. */
interface ModelHeader {
  version: number;
  model: { config: { inputShape?: unknown; layers: LayerEntry[] } };
  training: {
    loss: unknown;
    weightedMetrics: unknown;
    rng: { words: unknown };
    optimizerState: { iterations: unknown };
    optimizer: { config: { learningRate: { config: Record<string, unknown> } } };
  };
  tensors: TensorEntry[];
}
/** The parts of a .keras file's config.json that the tests edit. */
interface KerasModelConfig {
  class_name: string;
  config: {
    layers: (LayerEntry & { module?: string; class_name: string; inbound_nodes?: unknown })[];
    output_layers?: unknown;
  };
}

/** A model file from `m` with its header changed by `edit` (the tensors as they were). */
const edited = (name: string, m: Sequential, edit: (h: ModelHeader) => void): string => {
  const f = modelToFile(m);
  edit(f.header as unknown as ModelHeader);
  return file(name, encodeModelFile(f));
};
/** A TF.js model directory: model.json with these layers and manifest, and shards of these sizes. */
const tfjsDir = (name: string, layers: unknown[], manifest: unknown, shards: Record<string, number> = {}): string => {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, n] of Object.entries(shards)) writeFileSync(join(d, f), new Uint8Array(n));
  writeFileSync(
    join(d, 'model.json'),
    JSON.stringify({ modelTopology: { class_name: 'Sequential', config: { layers } }, weightsManifest: manifest }),
  );
  return d;
};
const dense23 = [{ class_name: 'Dense', config: { units: 2, batch_input_shape: [null, 3] } }];
const spec23 = [
  { name: 'k', shape: [3, 2], dtype: 'float32' },
  { name: 'b', shape: [2], dtype: 'float32' },
];

/** The entries of a .keras file of `model()` (Flatten [2, 3], Dense 4, Dense 3), for editing. */
const kerasParts = async (): Promise<Record<string, Uint8Array>> =>
  unzipSync((await modelToKerasBytes(model(undefined, false))).bytes);
/** A .keras file of `model()` with entries replaced (undefined: left out). */
const kerasFile = async (
  name: string,
  edit: (parts: Record<string, Uint8Array>) => void = () => {},
): Promise<string> => {
  const parts = await kerasParts();
  edit(parts);
  return file(
    name,
    zipSync(Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined)), { level: 0 }),
  );
};
/** `model()`'s config.json edited by `edit`. */
const kerasConfig = (parts: Record<string, Uint8Array>, edit: (c: KerasModelConfig) => void): void => {
  const c = JSON.parse(strFromU8(parts['config.json'])) as KerasModelConfig;
  edit(c);
  parts['config.json'] = strToU8(JSON.stringify(c));
};
/** A weights file with these datasets (path → shape), zeros. */
const kerasWeights = (datasets: Record<string, number[]>): Promise<Uint8Array> =>
  writeHdf5((h5) => {
    for (const [path, shape] of Object.entries(datasets)) {
      path
        .split('/')
        .slice(0, -1)
        .forEach((_, i, parts) => h5.group(parts.slice(0, i + 1).join('/')));
      h5.dataset(path, new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
    }
  });
/** An HDF5 file made with h5wasm directly (attributes, links), as bytes. */
const rawHdf5 = async (make: (f: h5wasm.File) => void): Promise<Uint8Array> => {
  const { FS } = await h5wasm.ready;
  const f = new h5wasm.File('/bad-input.h5', 'w');
  make(f);
  f.close();
  const bytes = FS.readFile('/bad-input.h5');
  FS.unlink('/bad-input.h5');
  return bytes;
};
const legacyConfig = JSON.stringify({
  class_name: 'Sequential',
  config: { layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 3] } }] },
});

type Case = [
  what: string,
  act: (m: Sequential) => unknown,
  error: new (...a: never[]) => MnistNnError,
  message: RegExp,
];

const CASES: Case[] = [
  [
    'wrong input shape for the first layer',
    (m) => m.fit(x().reshape([4, 6]), labels(0, 1, 2, 0)),
    ShapeError,
    /Flatten 'flatten(_\d+)?' expects input of shape \[None, 2, 3\], got \[4, 6\]/,
  ],
  [
    'a layer that cannot take the previous output',
    (m) => m.add(new Dense(2, { inputShape: [7] })),
    ShapeError,
    /declared with inputShape \[None, 7\] but receives \[None, 3\]/,
  ],
  [
    'NaN in the inputs',
    (m) => m.fit(withValue(x(), 5, NaN), labels(0, 1, 2, 0)),
    ValueError,
    /x holds NaN at flat index 5/,
  ],
  [
    'an infinite input',
    (m) => m.predict(withValue(x(), 2, -Infinity)),
    ValueError,
    /x holds -Infinity at flat index 2/,
  ],
  [
    'NaN in one-hot targets',
    (m) => {
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      return m.fit(
        x(2),
        tensor([
          [1, 0, 0],
          [0, NaN, 1],
        ]),
      );
    },
    ValueError,
    /targets contain NaN at flat index 4/,
  ],
  [
    'a label that is not an integer',
    (m) => m.fit(x(), labels(0, 1.5, 2, 0)),
    ValueError,
    /label 1.5 at index 1 is not an integer in \[0, 3\)/,
  ],
  [
    'a label out of range',
    (m) => m.evaluate(x(), labels(0, 1, 3, 0)),
    ValueError,
    /label 3 at index 2 is not an integer in \[0, 3\)/,
  ],
  ['a negative label', (m) => m.trainOnBatch(x(), labels(0, -1, 2, 0)), ValueError, /label -1 at index 1/],
  [
    'one-hot width that does not match the output',
    (m) => {
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      return m.fit(
        x(2),
        tensor([
          [1, 0],
          [0, 1],
        ]),
      );
    },
    ShapeError,
    /one-hot targets of shape \[2, 3\].*got \[2, 2\]/,
  ],
  ['as many targets as samples', (m) => m.fit(x(), labels(0, 1)), ShapeError, /x has 4 samples but y has shape \[2\]/],
  [
    'batchSize 0',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { batchSize: 0 }),
    ValueError,
    /batchSize must be an integer ≥ 1, got 0/,
  ],
  [
    'batchSize not an integer',
    (m) => m.predict(x(), { batchSize: 2.5 }),
    ValueError,
    /batchSize must be an integer ≥ 1, got 2.5/,
  ],
  [
    'validationSplit of 1',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { validationSplit: 1 }),
    ValueError,
    /validationSplit must be a number in \[0, 1\), got 1/,
  ],
  [
    'a negative validationSplit',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { validationSplit: -0.1 }),
    ValueError,
    /validationSplit must be a number in \[0, 1\)/,
  ],
  [
    'fit before compile',
    () => model(undefined, false).fit(x(), labels(0, 1, 2, 0)),
    ValueError,
    /call compile\(\{ optimizer, loss \}\) before fit\(\)/,
  ],
  [
    'an unknown optimizer',
    (m) => m.compile({ optimizer: 'adamax' as never, loss: 'mse' }),
    ValueError,
    /Unknown optimizer 'adamax'/,
  ],
  [
    'an unknown loss',
    (m) => m.compile({ optimizer: 'adam', loss: 'hinge' as never }),
    ValueError,
    /Unknown loss 'hinge'/,
  ],
  // TF.js's habit: a layer's leading numbers inside the options object. The message says what to write.
  [
    "Dense given TF.js's options object",
    () => new Dense({ units: 128, activation: 'relu' } as never),
    ValueError,
    /Dense 'dense(_\d+)?': units is given first, before the options, as in Keras: write new Dense\(128, \{ activation: … \}\), not TF.js's new Dense\(\{ units: … \}\)/,
  ],
  [
    "Conv2D given TF.js's options object",
    () => new Conv2D({ filters: 32, kernelSize: 3 } as never, undefined as never),
    ValueError,
    /filters and kernelSize are given first, before the options, as in Keras: write new Conv2D\(32, 3\)/,
  ],
  [
    "Dropout given TF.js's options object",
    () => new Dropout({ rate: 0.2 } as never),
    ValueError,
    /Dropout '.*': rate is given first, before the options, as in Keras: write new Dropout\(0.2\)/,
  ],
  [
    "MaxPooling2D given TF.js's options object",
    () => new MaxPooling2D({ poolSize: 2, strides: 2 } as never),
    ValueError,
    /write new MaxPooling2D\(2, \{ strides: … \}\)/,
  ],
  [
    "Reshape given TF.js's options object",
    () => new Reshape({ targetShape: [28, 28, 1] } as never),
    ValueError,
    /write new Reshape\(\[28,28,1\]\)/,
  ],
  [
    "RandomZoom given TF.js's options object",
    () => new RandomZoom({ heightFactor: 0.1 } as never),
    ValueError,
    /write new RandomZoom\(0.1, widthFactor\)/,
  ],
  [
    'an unknown activation',
    () => new Dense(3, { activation: 'mish' as 'relu' }),
    ValueError,
    /unknown activation 'mish'/,
  ],
  [
    'a negative LeakyReLU slope',
    (m) => m.add(new LeakyReLU({ alpha: -0.1 })),
    ValueError,
    /LeakyReLU 'leaky_re_lu(_\d+)?': alpha must be a finite number ≥ 0, got -0.1/,
  ],
  [
    'a NaN LeakyReLU slope',
    (m) => m.add(new LeakyReLU({ alpha: NaN })),
    ValueError,
    /LeakyReLU 'leaky_re_lu(_\d+)?': alpha must be a finite number ≥ 0, got NaN/,
  ],
  [
    'a LeakyReLU slope given as a string',
    (m) => m.add(new LeakyReLU({ alpha: '0.2' as never })),
    ValueError,
    /LeakyReLU 'leaky_re_lu(_\d+)?': alpha must be a finite number ≥ 0, got "0.2"/,
  ],
  [
    "LeakyReLU given Keras 3's negative_slope",
    (m) => m.add(new LeakyReLU({ negative_slope: 0.2 } as never)),
    ValueError,
    /LeakyReLU: unknown option 'negative_slope'; expected one of 'name', 'inputShape', 'trainable', 'alpha'/,
  ],
  [
    'GlobalMaxPooling2D given keepdims',
    (m) => m.add(new GlobalMaxPooling2D({ keepdims: true } as never)),
    ValueError,
    /GlobalMaxPooling2D: unknown option 'keepdims'; expected one of 'name', 'inputShape', 'trainable'/,
  ],
  [
    'GlobalMaxPooling2D given a data format',
    (m) => m.add(new GlobalMaxPooling2D({ dataFormat: 'channelsFirst' } as never)),
    ValueError,
    /GlobalMaxPooling2D: unknown option 'dataFormat'/,
  ],
  [
    'BatchNormalization momentum of 1',
    () => new BatchNormalization({ momentum: 1 }),
    ValueError,
    /BatchNormalization 'batch_normalization(_\d+)?': momentum must be a number in \[0, 1\), got 1/,
  ],
  [
    'BatchNormalization momentum that is negative',
    () => new BatchNormalization({ momentum: -0.1 }),
    ValueError,
    /momentum must be a number in \[0, 1\), got -0.1/,
  ],
  [
    'BatchNormalization epsilon of 0',
    () => new BatchNormalization({ epsilon: 0 }),
    ValueError,
    /BatchNormalization '.*': epsilon must be a finite number > 0, got 0/,
  ],
  [
    'BatchNormalization over the batch axis',
    () => new BatchNormalization({ axis: 0 }),
    ValueError,
    /axis must be a nonzero integer \(the batch axis 0 cannot be normalized per entry\), got 0/,
  ],
  [
    'BatchNormalization over an axis other than the last',
    () => new Sequential([new BatchNormalization({ axis: 1, inputShape: [4, 4, 2] })]),
    ShapeError,
    /axis 1 of inputs \[None, 4, 4, 2\] is not the last axis; only the last axis .* is supported/,
  ],
  [
    'BatchNormalization center that is not a boolean',
    () => new BatchNormalization({ center: 'yes' as never }),
    ValueError,
    /center must be true or false, got "yes"/,
  ],
  [
    'BatchNormalization with an unknown initializer',
    () => new BatchNormalization({ gammaInitializer: 'twos' }),
    ValueError,
    /BatchNormalization '.*'.*'twos'/,
  ],
  [
    'BatchNormalization with an unknown option',
    () => new BatchNormalization({ renorm: true } as never),
    ValueError,
    /BatchNormalization.*unknown option 'renorm'/,
  ],
  [
    'a model file whose BatchNormalization momentum is 2',
    () => {
      const t = new Sequential([new BatchNormalization({ inputShape: [3] })]);
      return t
        .save(join(dir, 'bn.mnn'))
        .then(() => loadModel(edited('bn2.mnn', t, (h) => (h.model.config.layers[0].config.momentum = 2))));
    },
    FormatError,
    /bn2\.mnn: BatchNormalization '.*': momentum must be a number in \[0, 1\), got 2/,
  ],
  [
    'an unknown option',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { batch_size: 2 } as never),
    ValueError,
    /unknown option 'batch_size'/,
  ],
  [
    'a corrupt IDX file',
    () => parseIdx(Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 1, 7]), 'bad.idx'),
    FormatError,
    /bad\.idx/,
  ],
  [
    'a truncated IDX file',
    () => {
      const good = encodeIdx(new Tensor(Uint8Array.from([1, 2, 3]), [3]));
      return parseIdx(good.subarray(0, good.length - 1), 'cut.idx');
    },
    FormatError,
    /cut\.idx.*truncated/,
  ],
  [
    'a corrupt model file',
    () => loadModel(file('corrupt.mnn', 'MNISTNN1\u00ff\u00ff\u00ff\u00ff')),
    FormatError,
    /truncated: the header needs/,
  ],
  [
    'a truncated model file',
    async (m) => {
      const p = join(dir, 'cut.mnn');
      await m.save(p);
      const b = readFileSync(p);
      return loadModel(file('cut2.mnn', b.subarray(0, b.length - 3)));
    },
    FormatError,
    /truncated: the tensors need \d+ bytes of data/,
  ],
  [
    'model JSON naming an unknown layer class',
    () =>
      loadModel(
        file(
          'cls.json',
          '{"modelTopology":{"class_name":"Sequential","config":{"layers":[{"class_name":"Lambda","config":{"batch_input_shape":[null,2]}}]}}}',
        ),
      ),
    FormatError,
    /unknown layer class "Lambda"/,
  ],
  [
    'model JSON carrying __proto__',
    () => loadModel(file('proto.json', '{"modelTopology":{"class_name":"Sequential","__proto__":{"polluted":true}}}')),
    FormatError,
    /'__proto__' key/,
  ],
  [
    'model JSON carrying constructor',
    () => loadModel(file('ctor.json', '{"modelTopology":{"constructor":{}}}')),
    FormatError,
    /'constructor' key/,
  ],
  [
    'a weights file of the wrong length',
    () => {
      const d = join(dir, 'short');
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'w.bin'), new Uint8Array(12));
      writeFileSync(
        join(d, 'model.json'),
        JSON.stringify({
          modelTopology: {
            class_name: 'Sequential',
            config: { layers: [{ class_name: 'Dense', config: { units: 2, batch_input_shape: [null, 3] } }] },
          },
          weightsManifest: [
            {
              paths: ['w.bin'],
              weights: [
                { name: 'k', shape: [3, 2], dtype: 'float32' },
                { name: 'b', shape: [2], dtype: 'float32' },
              ],
            },
          ],
        }),
      );
      return loadModel(d);
    },
    FormatError,
    /truncated weights: k needs bytes 0–24, the shards hold 12/,
  ],
  [
    'setWeights with the wrong count',
    (m) => m.setWeights(m.getWeights().slice(1)),
    ValueError,
    /expected 4 tensors, got 3/,
  ],
  [
    'setWeights with a wrong shape',
    (m) => {
      const w = m.getWeights();
      w[2] = tensor([[1, 2, 3]]);
      return m.setWeights(w);
    },
    ShapeError,
    /weight 2 .* must have shape \[4, 3\], got \[1, 3\]/,
  ],
  [
    'setWeights with NaN',
    (m) => {
      const w = m.getWeights();
      w[0] = withValue(w[0], 3, NaN);
      return m.setWeights(w);
    },
    ValueError,
    /holds NaN at flat index 3/,
  ],
  // Silent wrong results: what used to be accepted and then misbehaved.
  [
    'ragged nested arrays',
    () => tensor([[1, 2], [3, 4, 5], [6]]),
    ShapeError,
    /ragged: values\[1\] has 3 elements, where 2 were expected/,
  ],
  [
    'nested arrays with a number where a row belongs',
    () => tensor([[1, 2], 3] as never),
    ShapeError,
    /ragged: values\[1\] has a number, where 2 were expected/,
  ],
  [
    'an unknown dtype',
    () => tensor([1, 2], [2], 'int64' as never),
    ValueError,
    /dtype must be one of float32, float64, int32, uint8, got "int64"/,
  ],
  [
    'a seed that is a string',
    () => new Sequential([], { seed: 'abc' as never }),
    ValueError,
    /Sequential: seed must be an integer from 0 to 2\^53 − 1, got "abc"/,
  ],
  [
    'a NaN seed',
    () => new Sequential([], { seed: NaN }),
    ValueError,
    /seed must be an integer from 0 to 2\^53 − 1, got NaN/,
  ],
  ['a fractional seed', () => new Sequential([], { seed: 1.5 }), ValueError, /got 1.5/],
  ['a negative seed', () => new Sequential([], { seed: -1 }), ValueError, /got -1/],
  [
    'a seed beyond 2^53 (it could not be told from its neighbours)',
    () => new Sequential([], { seed: 2 ** 53 }),
    ValueError,
    /got 9007199254740992/,
  ],
  [
    'two layers with one name',
    (m) => m.add(new Dense(2, { name: m.layers[1].name })),
    ValueError,
    /already has a layer named 'dense(_\d+)?'; layer names must be unique/,
  ],
  [
    'a layer of a float32 model reused in a float64 one',
    (m) => new Sequential([new Flatten({ inputShape: [2, 3] }), m.layers[1]], { dtype: 'float64' }),
    ValueError,
    /is built in float32 \(in another model\) and cannot join a float64 model/,
  ],
  // Learning-rate schedules name the schedule and the option.
  [
    'an ExponentialDecay with decaySteps 0',
    () => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.9 }),
    ValueError,
    /ExponentialDecay: decaySteps must be a finite number > 0, got 0/,
  ],
  [
    'an ExponentialDecay with a negative initial rate',
    () => new ExponentialDecay({ initialLearningRate: -0.1, decaySteps: 10, decayRate: 0.9 }),
    ValueError,
    /ExponentialDecay: initialLearningRate must be a finite number ≥ 0, got -0.1/,
  ],
  [
    'an ExponentialDecay with a decayRate of 0',
    () => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0 }),
    ValueError,
    /ExponentialDecay: decayRate must be a finite number > 0, got 0/,
  ],
  [
    'an ExponentialDecay with staircase "yes"',
    () => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9, staircase: 'yes' as never }),
    ValueError,
    /ExponentialDecay: staircase must be true or false, got "yes"/,
  ],
  [
    "an ExponentialDecay with Keras's decay_steps",
    () => new ExponentialDecay({ initial_learning_rate: 0.1 } as never),
    ValueError,
    /ExponentialDecay: unknown option 'initial_learning_rate'; expected one of 'initialLearningRate'/,
  ],
  [
    'PiecewiseConstantDecay boundaries out of order',
    () => new PiecewiseConstantDecay({ boundaries: [10, 5], values: [1, 0.5, 0.1] }),
    ValueError,
    /PiecewiseConstantDecay: boundaries must be strictly increasing, got \[10,5\] \(boundaries\[1\] = 5 after 10\)/,
  ],
  [
    'PiecewiseConstantDecay with a repeated boundary',
    () => new PiecewiseConstantDecay({ boundaries: [5, 5], values: [1, 0.5, 0.1] }),
    ValueError,
    /boundaries must be strictly increasing/,
  ],
  [
    'a PiecewiseConstantDecay boundary of Infinity',
    () => new PiecewiseConstantDecay({ boundaries: [5, Infinity], values: [1, 0.5, 0.1] }),
    ValueError,
    /PiecewiseConstantDecay: boundaries\[1\] must be a finite number/,
  ],
  [
    'a NaN PiecewiseConstantDecay boundary',
    () => new PiecewiseConstantDecay({ boundaries: [NaN], values: [1, 0.5] }),
    ValueError,
    /PiecewiseConstantDecay: boundaries\[0\] must be a finite number/,
  ],
  [
    'PiecewiseConstantDecay with as many values as boundaries',
    () => new PiecewiseConstantDecay({ boundaries: [5, 10], values: [1, 0.5] }),
    ValueError,
    /PiecewiseConstantDecay: values must have one more entry than boundaries \(3\), got 2/,
  ],
  [
    'a negative PiecewiseConstantDecay value',
    () => new PiecewiseConstantDecay({ boundaries: [5], values: [1, -0.5] }),
    ValueError,
    /PiecewiseConstantDecay: values\[1\] must be a finite number ≥ 0, got -0.5/,
  ],
  [
    'PiecewiseConstantDecay boundaries that are not an array',
    () => new PiecewiseConstantDecay({ boundaries: 5 as never, values: [1, 0.5] }),
    ValueError,
    /PiecewiseConstantDecay: boundaries must be an array of step counts, got 5/,
  ],
  [
    'a CosineDecay with negative decaySteps',
    () => new CosineDecay({ initialLearningRate: 0.1, decaySteps: -1 }),
    ValueError,
    /CosineDecay: decaySteps must be a finite number > 0, got -1/,
  ],
  [
    'a CosineDecay with alpha above 1',
    () => new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: 2 }),
    ValueError,
    /CosineDecay: alpha must be a finite number in \[0, 1\], got 2/,
  ],
  [
    'a CosineDecay with a negative warmupTarget',
    () => new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmupTarget: -1, warmupSteps: 5 }),
    ValueError,
    /CosineDecay: warmupTarget must be a finite number ≥ 0, got -1/,
  ],
  [
    'a CosineDecay with an unknown option',
    () => new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmup: 5 } as never),
    ValueError,
    /CosineDecay: unknown option 'warmup'/,
  ],
  [
    'a CosineDecay without decaySteps',
    () => new CosineDecay({ initialLearningRate: 0.1 } as never),
    ValueError,
    /CosineDecay: the option 'decaySteps' is required/,
  ],
  [
    'a OneCycle with fractional totalSteps',
    () => new OneCycle({ maxLearningRate: 0.1, totalSteps: 10.5 }),
    ValueError,
    /OneCycle: totalSteps must be an integer ≥ 1, got 10.5/,
  ],
  [
    'a OneCycle with pctStart above 1',
    () => new OneCycle({ maxLearningRate: 0.1, totalSteps: 10, pctStart: 1.5 }),
    ValueError,
    /OneCycle: pctStart must be a finite number in \[0, 1\], got 1.5/,
  ],
  [
    "a OneCycle with anneal 'exp'",
    () => new OneCycle({ maxLearningRate: 0.1, totalSteps: 10, anneal: 'exp' as never }),
    ValueError,
    /OneCycle: anneal must be 'cos' or 'linear', got "exp"/,
  ],
  [
    'a OneCycle with a divFactor of 0',
    () => new OneCycle({ maxLearningRate: 0.1, totalSteps: 10, divFactor: 0 }),
    ValueError,
    /OneCycle: divFactor must be a finite number > 0, got 0/,
  ],
  [
    'a learning rate set on an optimizer made with a schedule',
    (m) => {
      m.compile({
        optimizer: new SGD({ learningRate: new OneCycle({ maxLearningRate: 0.1, totalSteps: 10 }) }),
        loss: 'sparseCategoricalCrossentropy',
      });
      m.optimizer!.learningRate = 0.01;
    },
    ValueError,
    /SGD: this optimizer was created with the schedule OneCycle as its learningRate, so its learning rate cannot be set to 0.01/,
  ],
  [
    'a learningRate that is neither a number nor a schedule',
    () => new SGD({ learningRate: { className: 'StepDecay', config: {} } as never }),
    ValueError,
    /learningRate: unknown schedule 'StepDecay'; expected one of 'ExponentialDecay', 'PiecewiseConstantDecay', 'CosineDecay', 'OneCycle'/,
  ],
  [
    'a file whose schedule is broken',
    (m) => {
      m.compile({
        optimizer: new SGD({
          learningRate: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9 }),
        }),
        loss: 'sparseCategoricalCrossentropy',
      });
      return loadModel(edited('sched.mnn', m, (h) => (h.training.optimizer.config.learningRate.config.decaySteps = 0)));
    },
    FormatError,
    /sched\.mnn: ExponentialDecay: decaySteps must be a finite number > 0, got 0/,
  ],
  // The learning-rate callbacks: Keras's checks, and a schedule refused before anything trains.
  [
    'ReduceLROnPlateau with factor 1',
    () => new ReduceLROnPlateau({ factor: 1 }),
    ValueError,
    /ReduceLROnPlateau: factor must be a number in \(0, 1\) \(Keras does not support a factor ≥ 1\), got 1/,
  ],
  [
    'ReduceLROnPlateau with a negative factor',
    () => new ReduceLROnPlateau({ factor: -0.5 }),
    ValueError,
    /ReduceLROnPlateau: factor must be a number in \(0, 1\)/,
  ],
  [
    'ReduceLROnPlateau with a negative patience',
    () => new ReduceLROnPlateau({ patience: -1 }),
    ValueError,
    /ReduceLROnPlateau: patience must be an integer ≥ 0, got -1/,
  ],
  [
    'ReduceLROnPlateau with a fractional cooldown',
    () => new ReduceLROnPlateau({ cooldown: 0.5 }),
    ValueError,
    /ReduceLROnPlateau: cooldown must be an integer ≥ 0, got 0.5/,
  ],
  [
    'ReduceLROnPlateau with a negative minLr',
    () => new ReduceLROnPlateau({ minLr: -1e-3 }),
    ValueError,
    /ReduceLROnPlateau: minLr must be a finite number ≥ 0, got -0.001/,
  ],
  [
    'ReduceLROnPlateau with a NaN minDelta',
    () => new ReduceLROnPlateau({ minDelta: NaN }),
    ValueError,
    /ReduceLROnPlateau: minDelta must be a finite number, got NaN/,
  ],
  [
    "ReduceLROnPlateau with Keras's min_lr",
    () => new ReduceLROnPlateau({ min_lr: 0 } as never),
    ValueError,
    /ReduceLROnPlateau: unknown option 'min_lr'/,
  ],
  [
    "ReduceLROnPlateau on a monitor 'auto' cannot orient",
    () => new ReduceLROnPlateau({ monitor: 'f1' }),
    ValueError,
    /ReduceLROnPlateau: cannot tell whether monitor 'f1' should fall or rise; pass mode: 'min' or mode: 'max'/,
  ],
  [
    'ReduceLROnPlateau on an optimizer with a schedule',
    (m) => {
      m.compile({
        optimizer: new SGD({
          learningRate: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9 }),
        }),
        loss: 'sparseCategoricalCrossentropy',
      });
      return m.fit(x(), labels(0, 1, 2, 0), { verbose: 0, callbacks: [new ReduceLROnPlateau()] });
    },
    ValueError,
    /ReduceLROnPlateau: the optimizer's learningRate is the schedule ExponentialDecay, which is not settable/,
  ],
  [
    'a LearningRateScheduler returning NaN',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { verbose: 0, callbacks: [new LearningRateScheduler(() => NaN)] }),
    ValueError,
    /LearningRateScheduler: the schedule must return a finite number > 0, got NaN for epoch 1/,
  ],
  [
    'a LearningRateScheduler returning a string',
    (m) =>
      m.fit(x(), labels(0, 1, 2, 0), { verbose: 0, callbacks: [new LearningRateScheduler((() => '0.1') as never)] }),
    ValueError,
    /LearningRateScheduler: the schedule must return a finite number > 0, got 0.1 for epoch 1/,
  ],
  [
    'ReduceLROnPlateau with a NaN verbose',
    () => new ReduceLROnPlateau({ verbose: NaN }),
    ValueError,
    /ReduceLROnPlateau: verbose must be an integer ≥ 0, got NaN/,
  ],
  [
    'a LearningRateScheduler with a verbose of 0.5',
    () => new LearningRateScheduler((_, lr) => lr, 0.5),
    ValueError,
    /LearningRateScheduler: verbose must be an integer ≥ 0, got 0.5/,
  ],
  [
    'a LearningRateScheduler without a function',
    () => new LearningRateScheduler(0.1 as never),
    ValueError,
    /LearningRateScheduler: schedule must be a function \(epoch, lr\) => lr, got number/,
  ],
  // classWeight and sampleWeight: checked before anything trains.
  [
    'classWeight for a class the model does not have',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { classWeight: { 0: 1, 3: 2 } }),
    ValueError,
    /fit: classWeight has the class "3", but the model's classes are the integers 0 to 2/,
  ],
  [
    'a classWeight key that is not a class',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { classWeight: { one: 2 } as never }),
    ValueError,
    /fit: classWeight has the class "one"/,
  ],
  [
    'a fractional classWeight key',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { classWeight: { 1.5: 2 } }),
    ValueError,
    /fit: classWeight has the class "1.5"/,
  ],
  [
    'a negative class weight',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { classWeight: { 1: -2 } }),
    ValueError,
    /fit: classWeight gives class 1 the weight -2; weights must be finite numbers ≥ 0/,
  ],
  [
    'a NaN class weight',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { classWeight: { 2: NaN } }),
    ValueError,
    /fit: classWeight gives class 2 the weight NaN/,
  ],
  [
    'classWeight given as an array',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { classWeight: [1, 2, 3] as never }),
    ValueError,
    /fit: classWeight must be an object mapping classes to weights, e\.g\. \{ 0: 1, 1: 5 \}, got an array/,
  ],
  [
    'sampleWeight of the wrong length',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { sampleWeight: tensor([1, 2, 3]) }),
    ShapeError,
    /fit: sampleWeight must have shape \[4\] or \[4, 1\] \(one weight per sample\), got \[3\]/,
  ],
  [
    'sampleWeight of shape [n, 2]',
    (m) =>
      m.fit(x(), labels(0, 1, 2, 0), {
        sampleWeight: tensor([
          [1, 1],
          [1, 1],
          [1, 1],
          [1, 1],
        ]),
      }),
    ShapeError,
    /got \[4, 2\]/,
  ],
  [
    'a NaN sample weight',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { sampleWeight: tensor([1, NaN, 1, 1]) }),
    ValueError,
    /fit: sampleWeight holds NaN at index 1; weights must be finite numbers ≥ 0/,
  ],
  [
    'a negative sample weight',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { sampleWeight: tensor([1, 1, -1, 1]) }),
    ValueError,
    /fit: sampleWeight holds -1 at index 2/,
  ],
  [
    'sampleWeight as a plain array',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { sampleWeight: [1, 1, 1, 1] as never }),
    ValueError,
    /fit: sampleWeight must be a Tensor of 4 weights, got object/,
  ],
  [
    'classWeight and sampleWeight together (as Keras refuses)',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { classWeight: { 0: 2 }, sampleWeight: tensor([1, 1, 1, 1]) }),
    ValueError,
    /fit: classWeight and sampleWeight cannot be given together \(as in Keras\)/,
  ],
  [
    'validation sample weights of the wrong length',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { validationData: [x(2), labels(0, 1), tensor([1])] }),
    ShapeError,
    /fit \(validationData\): sampleWeight must have shape \[2\] or \[2, 1\]/,
  ],
  [
    'an unknown weighted metric',
    (m) => m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', weightedMetrics: ['auc'] as never }),
    ValueError,
    /compile: weightedMetrics: unknown metric 'auc'/,
  ],
  [
    'a file whose weightedMetrics are not names',
    (m) => {
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', weightedMetrics: ['accuracy'] });
      return loadModel(edited('wm.mnn', m, (h) => (h.training.weightedMetrics = [3])));
    },
    FormatError,
    /wm\.mnn: training\.weightedMetrics must be a list of names, got \[3\]/,
  ],
  [
    'trainOnBatch with a class weight for a class the model does not have',
    (m) => m.trainOnBatch(x(), labels(0, 1, 2, 0), { classWeight: { 7: 1 } }),
    ValueError,
    /trainOnBatch: classWeight has the class "7", but the model's classes are the integers 0 to 2/,
  ],
  [
    'evaluate with a negative sample weight',
    (m) => m.evaluate(x(2), labels(0, 1), { sampleWeight: tensor([1, -3]) }),
    ValueError,
    /evaluate: sampleWeight holds -3 at index 1/,
  ],
  // Whatever save writes, load reads: the whole file is checked, the training section too.
  [
    'a file whose generator state is all zeros',
    (m) => loadModel(edited('rng0.mnn', m, (h) => (h.training.rng.words = [0, 0, 0, 0]))),
    FormatError,
    /rng0\.mnn: Rng\.setState: expected four 32-bit words, not all zero/,
  ],
  [
    'a file whose Adam slot has the wrong shape',
    async () => {
      const t = model();
      await t.trainOnBatch(x(), labels(0, 1, 2, 0));
      return loadModel(
        edited('slot.mnn', t, (h) => {
          const t = h.tensors.find((e) => e.name.endsWith('kernel/slot0'))!;
          t.shape = [...t.shape].reverse();
        }),
      );
    },
    FormatError,
    /the optimizer state .*kernel\/slot0 has shape \[4, 6\], but its weight .* is \[6, 4\]/,
  ],
  [
    'a file with an unknown loss',
    (m) => loadModel(edited('loss.mnn', m, (h) => (h.training.loss = 'hinge'))),
    FormatError,
    /loss\.mnn: Unknown loss 'hinge'/,
  ],
  [
    'a file with negative iterations',
    (m) => loadModel(edited('iter.mnn', m, (h) => (h.training.optimizerState.iterations = -1))),
    FormatError,
    /iter\.mnn: adam\.setState: iterations must be an integer ≥ 0, got -1/,
  ],
  [
    'a file whose Dense units are a string',
    (m) => loadModel(edited('units.mnn', m, (h) => (h.model.config.layers[1].config.units = 'four'))),
    FormatError,
    /units\.mnn: Dense '.*': units must be a positive integer, got four/,
  ],
  // Hostile files cost nothing: sizes are checked against the bytes present before allocating.
  [
    'a file declaring a Dense layer of 10^9 units',
    (m) => loadModel(edited('huge.mnn', m, (h) => (h.model.config.layers[1].config.units = 1e9))),
    FormatError,
    /huge\.mnn: layer 1 needs more weights than the file holds \(\d+ values\): .*would need 6000000000 values/,
  ],
  [
    'a model.json declaring a Dense layer of 10^9 units',
    () =>
      loadModel(
        tfjsDir(
          'huge-tfjs',
          [{ class_name: 'Dense', config: { units: 1e9, batch_input_shape: [null, 3] } }],
          [{ paths: ['w.bin'], weights: spec23 }],
          { 'w.bin': 32 },
        ),
      ),
    FormatError,
    /layer 0 needs more weights than the file holds \(8 values\)/,
  ],
  [
    'a weight shard outside the model directory',
    () => {
      writeFileSync(join(dir, 'secret.bin'), new Uint8Array(32));
      return loadModel(tfjsDir('escape', dense23, [{ paths: ['../secret.bin'], weights: spec23 }]));
    },
    FormatError,
    /names the shard "\.\.\/secret\.bin", which is not a file inside the model's directory/,
  ],
  [
    'an absolute weight shard path',
    () => loadModel(tfjsDir('absolute', dense23, [{ paths: [join(dir, 'secret.bin')], weights: spec23 }])),
    FormatError,
    /which is not a file inside the model's directory/,
  ],
  [
    'a weight shard given as a URL',
    () => loadModel(tfjsDir('url', dense23, [{ paths: ['file:///etc/passwd'], weights: spec23 }])),
    FormatError,
    /names the shard "file:\/\/\/etc\/passwd"/,
  ],
  [
    'a negative weight shape in a manifest',
    () =>
      loadModel(
        tfjsDir(
          'negative',
          dense23,
          [{ paths: ['w.bin'], weights: [{ name: 'k', shape: [-3, 2], dtype: 'float32' }, spec23[1]] }],
          { 'w.bin': 8 },
        ),
      ),
    FormatError,
    /malformed weight .*"shape":\[-3,2\]/,
  ],
  [
    'a manifest declaring a huge weight it has no bytes for',
    () =>
      loadModel(
        tfjsDir(
          'noshard',
          [{ class_name: 'Dense', config: { units: 30000, batch_input_shape: [null, 20000] } }],
          [
            {
              paths: ['w.bin'],
              weights: [
                { name: 'k', shape: [20000, 30000], dtype: 'float32' },
                { name: 'b', shape: [30000], dtype: 'float32' },
              ],
            },
          ],
          { 'w.bin': 16 },
        ),
      ),
    FormatError,
    /truncated weights: k needs bytes 0–2400000000, the shards hold 16/,
  ],
  [
    'a manifest shape of 10^300',
    () =>
      loadModel(
        tfjsDir('e300', dense23, [{ paths: ['w.bin'], weights: [{ name: 'k', shape: [1e300], dtype: 'float32' }] }], {
          'w.bin': 32,
        }),
      ),
    FormatError,
    /truncated weights: k needs bytes 0–4e\+300, the shards hold 32/,
  ],
  [
    'one shard named many times',
    () =>
      loadModel(tfjsDir('repeat', dense23, [{ paths: Array(1000).fill('w.bin'), weights: spec23 }], { 'w.bin': 32 })),
    FormatError,
    /names the shard "w\.bin", which is not a file inside the model's directory \(named twice\)/,
  ],
  [
    'a shard that is a link out of the model directory',
    () => {
      const d = tfjsDir('link', dense23, [{ paths: ['w.bin'], weights: spec23 }]);
      writeFileSync(join(dir, 'outside.bin'), new Uint8Array(32));
      symlinkSync(join(dir, 'outside.bin'), join(d, 'w.bin'));
      return loadModel(d);
    },
    FormatError,
    /names the shard "w\.bin", which is not a file inside the model's directory \(a link out of it\)/,
  ],
  [
    'an unknown regularizer class',
    () =>
      loadModel(
        tfjsDir(
          'orth',
          [
            {
              class_name: 'Dense',
              config: {
                units: 2,
                batch_input_shape: [null, 3],
                kernel_regularizer: { class_name: 'OrthogonalRegularizer', config: { factor: 0.01 } },
              },
            },
          ],
          [{ paths: ['w.bin'], weights: spec23 }],
          { 'w.bin': 32 },
        ),
      ),
    FormatError,
    /uses the kernel_regularizer "OrthogonalRegularizer", which mnist-nn does not support/,
  ],
  [
    'a file with layers but no input shape',
    (m) =>
      loadModel(
        edited('noshape.mnn', m, (h) => {
          delete h.model.config.inputShape;
          delete h.model.config.layers[0].config.inputShape;
        }),
      ),
    FormatError,
    /noshape\.mnn: the model has no input shape/,
  ],
  [
    'a file of a newer version',
    (m) => loadModel(edited('v99.mnn', m, (h) => (h.version = 99))),
    FormatError,
    /v99\.mnn: this is version 99 of the mnist-nn file; this mnist-nn reads version 1 \(the file is from a newer mnist-nn\)/,
  ],
  [
    'a file whose second layer declares another input shape',
    (m) => loadModel(edited('second.mnn', m, (h) => (h.model.config.layers[1].config.inputShape = [7]))),
    FormatError,
    /second\.mnn: Dense '.*' was declared with inputShape \[None, 7\] but receives \[None, 6\]/,
  ],
  [
    'a manifest group without paths',
    () => loadModel(tfjsDir('nopaths', dense23, [{ weights: spec23 }])),
    FormatError,
    /weight group 0 must have "paths" and "weights" lists/,
  ],
  // File-system errors speak of the user's path.
  [
    'saving into a directory that does not exist',
    (m) => m.save(join(dir, 'nope', 'm.mnn')),
    FileError,
    /save: cannot write ".*\/nope\/m\.mnn": its directory does not exist \(ENOENT\)/,
  ],
  [
    'saving onto a directory',
    (m) => {
      mkdirSync(join(dir, 'adir'), { recursive: true });
      return m.save(join(dir, 'adir'));
    },
    FileError,
    /cannot write ".*\/adir": it is a directory/,
  ],
  [
    'saving the tfjs format onto a file',
    (m) => m.save(file('plain.txt', 'x'), { format: 'tfjs' }),
    FileError,
    /cannot make the directory ".*plain\.txt": a file is in the way/,
  ],
  [
    'saving an unbuilt model',
    () => new Sequential([new Dense(2)]).save(join(dir, 'unbuilt.mnn')),
    ValueError,
    /has not been built yet/,
  ],
  // The augmentation layers: factors as Keras bounds them, Keras's fill modes and interpolations only.
  [
    'a RandomRotation factor beyond a full turn',
    () => new RandomRotation(1.5),
    ValueError,
    /RandomRotation 'random_rotation(_\d+)?': factor must be a number in \[-1, 1\] or \[lower, upper\] with lower ≤ upper, both in \[-1, 1\] \(fractions of a full turn\); got 1\.5/,
  ],
  [
    'a RandomTranslation bound out of range',
    () => new RandomTranslation(0.2, [-1.2, 0.3]),
    ValueError,
    /RandomTranslation '.*': widthFactor must be a number in \[-1, 1\] .*; got \[-1\.2, 0\.3\]/,
  ],
  [
    'a RandomZoom factor of −1 (a zoom of 0)',
    () => new RandomZoom(-1),
    ValueError,
    /RandomZoom '.*': heightFactor must be a number in \(-1, 1\] .*; got -1/,
  ],
  [
    'a factor range upside down',
    () => new RandomZoom(0.1, [0.5, 0.1]),
    ValueError,
    /RandomZoom '.*': widthFactor .*got \[0\.5, 0\.1\], whose lower bound is above its upper one \(write \[0\.1, 0\.5\]\)/,
  ],
  [
    'a NaN factor',
    () => new RandomTranslation(NaN, 0.1),
    ValueError,
    /RandomTranslation '.*': heightFactor must be .*; got NaN/,
  ],
  [
    'a factor of three numbers',
    () => new RandomRotation([0.1, 0.2, 0.3] as never),
    ValueError,
    /RandomRotation '.*': factor must be .*; got \[0\.1,0\.2,0\.3\]/,
  ],
  [
    'an unknown fillMode',
    () => new RandomRotation(0.1, { fillMode: 'mirror' as never }),
    ValueError,
    /RandomRotation '.*': fillMode must be one of 'reflect', 'wrap', 'constant', 'nearest', got "mirror"/,
  ],
  [
    'an unknown interpolation',
    () => new RandomZoom(0.1, null, { interpolation: 'bicubic' as never }),
    ValueError,
    /RandomZoom '.*': interpolation must be one of 'bilinear', 'nearest', got "bicubic"/,
  ],
  [
    'a fillValue that is not finite',
    () => new RandomTranslation(0.1, 0.1, { fillMode: 'constant', fillValue: Infinity }),
    ValueError,
    /RandomTranslation '.*': fillValue must be a finite number, got Infinity/,
  ],
  [
    'an augmentation option in Keras spelling',
    () => new RandomRotation(0.1, { fill_mode: 'constant' } as never),
    ValueError,
    /RandomRotation: unknown option 'fill_mode'; expected one of .*'fillMode', 'interpolation', 'fillValue'/,
  ],
  [
    'RandomZoom options where widthFactor goes',
    () => new RandomZoom(0.1, { fillMode: 'constant' } as never),
    ValueError,
    /RandomZoom '.*': widthFactor must be a number, \[lower, upper\] or null .*the options go third/,
  ],
  [
    'an augmentation layer after a rank-2 output',
    (m) => m.add(new RandomRotation(0.1)),
    ShapeError,
    /RandomRotation '.*' expects images \[batch, height, width, channels\], got input \[None, 3\]\./,
  ],
  [
    'an augmentation layer on [height, width] samples',
    () => new Sequential([new RandomZoom(0.1, null, { inputShape: [28, 28] })]),
    ShapeError,
    /RandomZoom '.*' expects images .*got input \[None, 28, 28\] \(a \[height, width\] sample: reshape it to \[height, width, 1\]\)/,
  ],
  [
    'a Keras RandomRotation on channels-first images',
    () =>
      loadModel(
        tfjsDir(
          'aug-cf',
          [
            {
              class_name: 'RandomRotation',
              config: {
                name: 'rr',
                factor: [-0.1, 0.1],
                data_format: 'channels_first',
                batch_input_shape: [null, 1, 4, 4],
              },
            },
            { class_name: 'Flatten', config: {} },
          ],
          [{ paths: ['w.bin'], weights: [] }],
          { 'w.bin': 0 },
        ),
      ),
    FormatError,
    /RandomRotation 'rr' uses data_format 'channels_first', which mnist-nn does not support/,
  ],
  [
    'a Keras RandomRotation pair beyond a full turn (Keras lets [−2, 0.5] through)',
    () =>
      loadModel(
        tfjsDir(
          'aug-turns',
          [
            {
              class_name: 'RandomRotation',
              config: { name: 'rr', factor: [-2, 0.5], batch_input_shape: [null, 4, 4, 1] },
            },
            { class_name: 'Flatten', config: {} },
          ],
          [{ paths: ['w.bin'], weights: [] }],
          { 'w.bin': 0 },
        ),
      ),
    FormatError,
    /RandomRotation 'rr': RandomRotation 'rr': factor must be .*got \[-2, 0\.5\]/,
  ],
  [
    'a truncated .keras file',
    async () => {
      const p = await kerasFile('cut.keras');
      const b = readFileSync(p);
      return loadModel(file('cut2.keras', b.subarray(0, b.length - 200)));
    },
    FormatError,
    /cut2\.keras: not a readable zip archive .*: the \.keras file is truncated or corrupt/,
  ],
  [
    'a .keras file cut inside its weights (the zip directory kept)',
    async () =>
      loadModel(await kerasFile('cutw.keras', (p) => (p['model.weights.h5'] = p['model.weights.h5'].subarray(0, 600)))),
    FormatError,
    /cutw\.keras: model\.weights\.h5: cannot read layers\/dense\/vars \(.*\): the file is truncated or corrupt/,
  ],
  [
    'a .keras file whose zip directory is garbage',
    async () => {
      const b = new Uint8Array(readFileSync(await kerasFile('garbage.keras')));
      b.fill(0x5a, b.length - 150, b.length - 22);
      return loadModel(file('garbage2.keras', b));
    },
    FormatError,
    /garbage2\.keras: the \.keras archive has no config\.json \(it holds 3 entries: "metaZ+", "Z+\.\.\."/,
  ],
  [
    'a .keras file without config.json',
    async () => loadModel(await kerasFile('noconfig.keras', (p) => delete p['config.json'])),
    FormatError,
    /noconfig\.keras: the \.keras archive has no config\.json \(it holds metadata\.json, model\.weights\.h5\)/,
  ],
  [
    'a .keras file without weights',
    async () => loadModel(await kerasFile('noweights.keras', (p) => delete p['model.weights.h5'])),
    FormatError,
    /noweights\.keras: the \.keras archive has no model\.weights\.h5/,
  ],
  [
    'a .keras zip entry claiming 3 GB',
    async () => {
      const b = new Uint8Array(readFileSync(await kerasFile('bomb.keras')));
      const v = new DataView(b.buffer);
      for (let o = b.length - 22; o >= 0; o--)
        if (
          v.getUint32(o, true) === 0x02014b50 &&
          strFromU8(b.subarray(o + 46, o + 46 + v.getUint16(o + 28, true))) === 'config.json'
        ) {
          v.setUint32(o + 24, 3e9, true);
          v.setUint16(o + 10, 8, true);
        }
      return loadModel(file('bomb2.keras', b));
    },
    FormatError,
    /bomb2\.keras: the zip entry config\.json claims 3000000000 bytes from \d+ stored \(compression 8\), which it cannot hold/,
  ],
  [
    '.keras weights of the wrong shape',
    async () =>
      loadModel(
        file(
          'shape2.keras',
          zipSync(
            {
              ...(await kerasParts()),
              'model.weights.h5': await kerasWeights({
                'layers/dense/vars/0': [6, 5],
                'layers/dense/vars/1': [4],
                'layers/dense_1/vars/0': [4, 3],
                'layers/dense_1/vars/1': [3],
              }),
            },
            { level: 0 },
          ),
        ),
      ),
    FormatError,
    /shape2\.keras: model\.weights\.h5: layers\/dense\/vars\/0 has shape \[6,5\], but .*kernel needs \[6,4\]/,
  ],
  [
    '.keras weights of the wrong count',
    async () =>
      loadModel(
        file(
          'count.keras',
          zipSync(
            {
              ...(await kerasParts()),
              'model.weights.h5': await kerasWeights({
                'layers/dense/vars/0': [6, 4],
                'layers/dense_1/vars/0': [4, 3],
                'layers/dense_1/vars/1': [3],
              }),
            },
            { level: 0 },
          ),
        ),
      ),
    FormatError,
    /count\.keras: model\.weights\.h5: layers\/dense\/vars holds 1 weights \(0\); Dense '.*' has 2/,
  ],
  [
    '.keras weights missing a layer',
    async () =>
      loadModel(
        file(
          'missing.keras',
          zipSync(
            {
              ...(await kerasParts()),
              'model.weights.h5': await kerasWeights({ 'layers/dense/vars/0': [6, 4], 'layers/dense/vars/1': [4] }),
            },
            { level: 0 },
          ),
        ),
      ),
    FormatError,
    /missing\.keras: model\.weights\.h5: no weights for Dense '.*': expected the group layers\/dense_1\/vars/,
  ],
  [
    'a .keras config naming a layer mnist-nn lacks',
    async () =>
      loadModel(
        await kerasFile('lstm.keras', (p) =>
          kerasConfig(
            p,
            (c) =>
              (c.config.layers[2] = { module: 'keras.layers', class_name: 'LSTM', config: { name: 'lstm', units: 4 } }),
          ),
        ),
      ),
    FormatError,
    /lstm\.keras: config\.json: layer 1: unknown layer class "LSTM" \('lstm'\) for mnist-nn, which reads .*Conv2D.*Dense/,
  ],
  [
    'a .keras layer option mnist-nn cannot honour',
    async () =>
      loadModel(
        await kerasFile('constraint.keras', (p) =>
          kerasConfig(
            p,
            (c) => (c.config.layers[2].config.kernel_constraint = { class_name: 'MaxNorm', config: { max_value: 2 } }),
          ),
        ),
      ),
    FormatError,
    /constraint\.keras: config\.json: layer 1: Dense 'dense(_\d+)?' uses a kernel_constraint, which mnist-nn does not support/,
  ],
  [
    'a .keras config declaring a Dense layer of 10^9 units',
    async () =>
      loadModel(await kerasFile('huge.keras', (p) => kerasConfig(p, (c) => (c.config.layers[3].config.units = 1e9)))),
    FormatError,
    /huge\.keras: layer 2 needs more weights than the file holds/,
  ],
  [
    'a .keras config.json that is not JSON',
    async () => loadModel(await kerasFile('json.keras', (p) => (p['config.json'] = strToU8('{"module": "keras", ')))),
    FormatError,
    /json\.keras: config\.json: not valid JSON/,
  ],
  [
    'a .keras model of two branches',
    async () =>
      loadModel(
        await kerasFile('branch.keras', (p) =>
          kerasConfig(p, (c) => {
            c.class_name = 'Functional';
            c.config.layers.forEach((l, i) => (l.inbound_nodes = i === 0 ? [] : [[['input_layer', 0, 0, {}]]]));
            c.config.output_layers = [['dense_1', 0, 0]];
          }),
        ),
      ),
    FormatError,
    /branch\.keras: config\.json: the Functional model is not a plain chain at layer 2/,
  ],
  [
    'a truncated .h5 file',
    () =>
      loadModel(file('cut.h5', readFileSync(join(import.meta.dirname, 'fixtures/keras/moon.h5')).subarray(0, 5000))),
    FormatError,
    /cut\.h5: not a readable HDF5 file \(.*\): truncated or corrupt\./,
  ],
  [
    'an HDF5 signature followed by garbage',
    () =>
      loadModel(
        file(
          'junk.h5',
          Uint8Array.from({ length: 4096 }, (_, i) =>
            i < 8 ? [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a][i] : (i * 131) & 255,
          ),
        ),
      ),
    FormatError,
    /junk\.h5: not a readable HDF5 file/,
  ],
  [
    'an .h5 of weights only (save_weights)',
    async () =>
      loadModel(
        file(
          'weights-only.h5',
          await rawHdf5((f) => {
            f.create_attribute('layer_names', ['d']);
            f.create_group('d').create_attribute('weight_names', []);
          }),
        ),
      ),
    FormatError,
    /weights-only\.h5: no model_config attribute: this is a weights-only file \(from save_weights\)/,
  ],
  [
    "Keras 3's model.weights.h5 given as a model",
    async () => loadModel(file('model.weights.h5', (await kerasParts())['model.weights.h5'])),
    FormatError,
    /model\.weights\.h5: no model_config attribute: this is a Keras 3 weights file/,
  ],
  [
    'an .h5 whose weights are integers',
    async () =>
      loadModel(
        file(
          'ints.h5',
          await rawHdf5((f) => {
            f.create_attribute('model_config', legacyConfig);
            const g = f.create_group('model_weights');
            g.create_attribute('layer_names', ['d']);
            const d = g.create_group('d');
            d.create_attribute('weight_names', ['d/kernel:0', 'd/bias:0']);
            const inner = d.create_group('d');
            inner.create_dataset({ name: 'kernel:0', data: new Int32Array(6), shape: [3, 2], dtype: '<i' });
            inner.create_dataset({ name: 'bias:0', data: new Float32Array(2), shape: [2], dtype: '<f' });
          }),
        ),
      ),
    FormatError,
    /ints\.h5: the dataset model_weights\/d\/d\/kernel:0 holds integers of 4 bytes; expected float32 or float64 weights/,
  ],
  [
    'an .h5 whose weight is an external link to another file (refused: the reader is given the bytes of this file only)',
    async () => {
      writeFileSync(
        join(dir, 'other.h5'),
        await rawHdf5((f) => f.create_dataset({ name: 'k', data: new Float32Array(6), shape: [3, 2], dtype: '<f' })),
      );
      return loadModel(
        file(
          'link.h5',
          await rawHdf5((f) => {
            f.create_attribute('model_config', legacyConfig);
            const g = f.create_group('model_weights');
            g.create_attribute('layer_names', ['d']);
            const d = g.create_group('d');
            d.create_attribute('weight_names', ['k', 'b']);
            d.create_external_link(join(dir, 'other.h5'), 'k', 'k');
            d.create_dataset({ name: 'b', data: new Float32Array(2), shape: [2], dtype: '<f' });
          }),
        ),
      );
    },
    FormatError,
    /link\.h5: cannot read model_weights\/d \(.*\): the file is truncated or corrupt, or uses an HDF5 feature mnist-nn does not read/,
  ],
  [
    'an .h5 with a weight of a shape 10^9 it does not hold',
    async () =>
      loadModel(
        file(
          'e9.h5',
          await rawHdf5((f) => {
            f.create_attribute(
              'model_config',
              JSON.stringify({
                class_name: 'Sequential',
                config: {
                  layers: [{ class_name: 'Dense', config: { name: 'd', units: 1e5, batch_input_shape: [null, 1e4] } }],
                },
              }),
            );
            f.create_group('model_weights').create_attribute('layer_names', ['d']);
          }),
        ),
      ),
    FormatError,
    /e9\.h5: layer 0 needs more weights than the file holds/,
  ],
  [
    'saving an unbuilt model in the tfjs format',
    () => new Sequential([new Dense(2)]).save(join(dir, 'unbuilt-tfjs'), { format: 'tfjs' }),
    ValueError,
    /has not been built yet/,
  ],
  // The accuracy kit, second pass: what the first rows above let through.
  [
    'LeakyReLU given null for its options',
    (m) => m.add(new LeakyReLU(null as never)),
    ValueError,
    /^LeakyReLU: options must be an object, got null\.$/,
  ],
  [
    'RandomRotation given null for its options',
    () => new RandomRotation(0.1, null as never),
    ValueError,
    /^RandomRotation: options must be an object, got null\.$/,
  ],
  [
    'ReduceLROnPlateau given null for its options',
    () => new ReduceLROnPlateau(null as never),
    ValueError,
    /^ReduceLROnPlateau: options must be an object, got null\.$/,
  ],
  [
    'a BatchNormalization moving variance initialized by a distribution that draws negative values',
    () => new BatchNormalization({ movingVarianceInitializer: 'heNormal' }),
    ValueError,
    /BatchNormalization 'batch_normalization(_\d+)?': movingVarianceInitializer must be 'ones' or 'zeros' \(a variance is ≥ 0, and 'heNormal' draws negative values\), got "heNormal"/,
  ],
  [
    'a model file whose BatchNormalization moving variance starts from glorot_uniform',
    () => {
      const t = new Sequential([new BatchNormalization({ inputShape: [3] })]);
      return loadModel(
        edited('bn-init.mnn', t, (h) => (h.model.config.layers[0].config.movingVarianceInitializer = 'glorot_uniform')),
      );
    },
    FormatError,
    /bn-init\.mnn: BatchNormalization '.*': movingVarianceInitializer must be 'ones' or 'zeros'/,
  ],
  [
    'a CosineDecay warmupTarget of NaN, shown as NaN (JSON would say null)',
    () => new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmupTarget: NaN, warmupSteps: 5 }),
    ValueError,
    /CosineDecay: warmupTarget must be a finite number ≥ 0, got NaN\./,
  ],
  [
    'a OneCycle finalDivFactor of Infinity, shown as Infinity',
    () => new OneCycle({ maxLearningRate: 0.1, totalSteps: 10, finalDivFactor: Infinity }),
    ValueError,
    /OneCycle: finalDivFactor must be a finite number > 0, got Infinity\./,
  ],
  [
    'a CosineDecay with warmupSteps but no warmupTarget (Keras ignores the steps)',
    () => new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmupSteps: 5 }),
    ValueError,
    /CosineDecay: warmupSteps 5 needs a warmupTarget .*; without one there is no warmup/,
  ],
  [
    "a classWeight key '01' (class 1 written twice over)",
    (m) => m.fit(x(), labels(0, 1, 2, 0), { verbose: 0, classWeight: { '01': 2 } as never }),
    ValueError,
    /fit: classWeight has the class "01", but the model's classes are the integers 0 to 2/,
  ],
  // null in a file is what JSON makes of NaN and Infinity: refused, not read as the option's default.
  [
    'a TF.js LeakyReLU whose alpha JSON wrote as null (an infinite slope)',
    () =>
      loadModel(
        tfjsDir(
          'leaky-null',
          [{ class_name: 'LeakyReLU', config: { name: 'l', alpha: null, batch_input_shape: [null, 3] } }],
          [{ paths: ['w.bin'], weights: [] }],
          { 'w.bin': 0 },
        ),
      ),
    FormatError,
    /leaky-null\/model\.json: .*LeakyReLU 'l': alpha must be a finite number ≥ 0, got null/,
  ],
  [
    'a model file whose BatchNormalization momentum is null',
    () => {
      const t = new Sequential([new BatchNormalization({ inputShape: [3] })]);
      return loadModel(edited('bn-null.mnn', t, (h) => (h.model.config.layers[0].config.momentum = null)));
    },
    FormatError,
    /bn-null\.mnn: BatchNormalization '.*': momentum must be a number in \[0, 1\), got null/,
  ],
  [
    'a .keras RandomTranslation whose fill_value is null',
    async () => {
      const t = new Sequential([
        new RandomTranslation(0.1, 0.1, { inputShape: [4, 4, 1] }),
        new Flatten(),
        new Dense(2),
      ]);
      const parts: Record<string, Uint8Array> = unzipSync((await modelToKerasBytes(t)).bytes);
      kerasConfig(parts, (c) => (c.config.layers[1].config.fill_value = null));
      return loadModel(file('fill-null.keras', zipSync(parts, { level: 0 })));
    },
    FormatError,
    /fill-null\.keras: .*RandomTranslation '.*': fillValue must be a finite number, got null/,
  ],
  [
    'a model file whose OneCycle divFactor is null',
    (m) => {
      m.compile({
        optimizer: new SGD({ learningRate: new OneCycle({ maxLearningRate: 0.1, totalSteps: 10 }) }),
        loss: 'sparseCategoricalCrossentropy',
      });
      return loadModel(
        edited('onecycle-null.mnn', m, (h) => (h.training.optimizer.config.learningRate.config.divFactor = null)),
      );
    },
    FormatError,
    /onecycle-null\.mnn: OneCycle: divFactor must be a finite number > 0, got null/,
  ],
  [
    'classWeight given as a Map (it has no entries an object has)',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { verbose: 0, classWeight: new Map([[1, 5]]) as never }),
    ValueError,
    /fit: classWeight must be an object mapping classes to weights, e\.g\. \{ 0: 1, 1: 5 \}, got a Map/,
  ],
];

/**
 * A compiled model with BatchNormalization (Flatten [2, 3], Dense 4, BatchNormalization, Dense 3): its moving
 * statistics are weights a refused call must not move.
 */
function bnModel(): Sequential {
  const m = new Sequential(
    [
      new Flatten({ inputShape: [2, 3] }),
      new Dense(4),
      new BatchNormalization({ momentum: 0.5 }),
      new Dense(3, { activation: 'softmax' }),
    ],
    { seed: 1 },
  );
  m.compile({
    optimizer: new SGD({ learningRate: 0.1 }),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return m;
}
/**
 * bnModel's file with the moving variance of its BatchNormalization made [1, −2, 1, 1]: our format, TF.js's and
 * Keras's.
 */
const negativeVariance = [1, -2, 1, 1];
const bnIndex = (m: Sequential) => m.parameters().findIndex((p) => p.name.endsWith('/moving_variance'));
const negativeVarianceMnn = (): string => {
  const m = bnModel();
  const f = modelToFile(m);
  f.data[bnIndex(m)] = Float32Array.from(negativeVariance);
  return file('negvar.mnn', encodeModelFile(f));
};
const negativeVarianceTfjs = async (): Promise<string> => {
  const m = bnModel();
  const d = join(dir, 'negvar-tfjs');
  await m.save(d, { format: 'tfjs' });
  const shard = join(d, 'group1-shard1of1.bin');
  const bytes = new Uint8Array(readFileSync(shard));
  const before = m
    .parameters()
    .slice(0, bnIndex(m))
    .reduce((n, p) => n + p.value.size, 0);
  new Float32Array(bytes.buffer, before * 4, 4).set(negativeVariance);
  writeFileSync(shard, bytes);
  return d;
};
const negativeVarianceKeras = async (): Promise<string> => {
  const m = new Sequential([new BatchNormalization({ inputShape: [4] })]);
  const parts: Record<string, Uint8Array> = unzipSync((await modelToKerasBytes(m)).bytes);
  parts['model.weights.h5'] = await writeHdf5((h5) => {
    ['layers', 'layers/batch_normalization', 'layers/batch_normalization/vars'].forEach((g) => h5.group(g));
    [[1, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0], negativeVariance].forEach((v, i) =>
      h5.dataset(`layers/batch_normalization/vars/${i}`, Float32Array.from(v), [4]),
    );
  });
  return file('negvar.keras', zipSync(parts, { level: 0 }));
};

const BN_CASES: Case[] = [
  [
    'setWeights with a negative moving variance (1/√(v + ε) would be NaN)',
    (m) => {
      const w = m.getWeights();
      w[bnIndex(m)] = tensor(negativeVariance);
      return m.setWeights(w);
    },
    ValueError,
    /setWeights: weight 5 \(batch_normalization(_\d+)?\/moving_variance\) holds -2 at flat index 1; a moving variance must be ≥ 0/,
  ],
  [
    'a model file whose moving variance is negative',
    () => loadModel(negativeVarianceMnn()),
    FormatError,
    /negvar\.mnn: .*\(batch_normalization(_\d+)?\/moving_variance\) holds -2 at flat index 1; a moving variance must be ≥ 0/,
  ],
  [
    'a TF.js model whose moving variance is negative',
    async () => loadModel(await negativeVarianceTfjs()),
    FormatError,
    /negvar-tfjs\/model\.json: .*\(batch_normalization(_\d+)?\/moving_variance\) holds -2 at flat index 1; a moving variance must be ≥ 0/,
  ],
  [
    'a .keras file whose moving variance is negative',
    async () => loadModel(await negativeVarianceKeras()),
    FormatError,
    /negvar\.keras: .*\(batch_normalization(_\d+)?\/moving_variance\) holds -2 at flat index 1; a moving variance must be ≥ 0/,
  ],
  [
    'fit with every sample weighing 0 (a loss of 0 teaches nothing)',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { verbose: 0, sampleWeight: tensor([0, 0, 0, 0]) }),
    ValueError,
    /fit: sampleWeight is 0 for every one of the 4 training samples, so nothing would be learnt/,
  ],
  [
    'fit whose training samples all weigh 0 once validationSplit took its share',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { verbose: 0, validationSplit: 0.5, sampleWeight: tensor([0, 0, 1, 1]) }),
    ValueError,
    /fit: sampleWeight is 0 for every one of the 2 training samples/,
  ],
  [
    'fit with a classWeight that weighs every class of the targets 0',
    (m) => m.fit(x(), labels(0, 1, 2, 0), { verbose: 0, classWeight: { 0: 0, 1: 0, 2: 0 } }),
    ValueError,
    /fit: classWeight gives every training sample the weight 0/,
  ],
  [
    'ReduceLROnPlateau on val_loss with no validation data (Keras warns each epoch and never reduces)',
    (m) =>
      m.fit(x(), labels(0, 1, 2, 0), { verbose: 0, epochs: 2, callbacks: [new ReduceLROnPlateau({ patience: 0 })] }),
    ValueError,
    /ReduceLROnPlateau: monitor 'val_loss' will not be in the logs, which hold loss, accuracy, learning_rate \(val_ figures need validationData or validationSplit\)/,
  ],
  [
    'ReduceLROnPlateau on a figure the logs do not have',
    (m) =>
      m.fit(x(), labels(0, 1, 2, 0), {
        verbose: 0,
        validationData: [x(2), labels(0, 1)],
        callbacks: [new ReduceLROnPlateau({ monitor: 'val_acc' })],
      }),
    ValueError,
    /ReduceLROnPlateau: monitor 'val_acc' will not be in the logs, which hold loss, accuracy, val_loss, val_accuracy, learning_rate\./,
  ],
  [
    'a schedule whose first rate overflows to Infinity (maxLearningRate / divFactor)',
    (m) => {
      m.compile({
        optimizer: new SGD({
          learningRate: new OneCycle({ maxLearningRate: 1e300, totalSteps: 10, divFactor: 1e-10 }),
        }),
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
      });
      return m.fit(x(), labels(0, 1, 2, 0), { verbose: 0 });
    },
    ValueError,
    /SGD: the learning-rate schedule OneCycle gives Infinity at step 0; a learning rate must be a finite number ≥ 0, so no update was made/,
  ],
];

/**
 * `act` throws an ErrorClass whose message matches, and leaves m's weights (moving statistics included) and optimizer
 * step as they were.
 */
async function expectRefused<M extends Model>(
  m: M,
  act: (m: M) => unknown,
  ErrorClass: new (...args: never[]) => Error,
  message: RegExp | string,
): Promise<void> {
  const before = m.getWeights();
  const iterations = m.optimizer?.iterations;
  let caught: unknown;
  try {
    await act(m);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ErrorClass);
  expect((caught as Error).message).toMatch(message);
  m.getWeights().forEach((w, i) => expect(w.data).toEqual(before[i].data));
  if (m.optimizer) expect(m.optimizer.iterations).toBe(iterations);
}

describe('bad input gets a typed error saying what was expected and what came, and changes nothing', () => {
  it.each(CASES)('%s', async (_what, act, ErrorClass, message) => {
    await expectRefused(model(), act, ErrorClass, message);
  });
});

/** A functional model: inputs 'image' [2, 3] and 'hint' [2], outputs 'digit' (softmax 3) and 'score' (1). */
function twoByTwo(): Model {
  const image = Input({ shape: [2, 3], name: 'image' });
  const hint = Input({ shape: [2], name: 'hint' });
  const h = new Concatenate({ name: 'joined' }).apply([new Flatten().apply(image), hint]);
  const digit = new Dense(3, { activation: 'softmax', name: 'digit' }).apply(h);
  const score = new Dense(1, { name: 'score' }).apply(h);
  const m = new Model({ inputs: [image, hint], outputs: [digit, score], seed: 1 });
  m.compile({ optimizer: 'adam', loss: ['sparseCategoricalCrossentropy', 'mse'], metrics: { digit: 'accuracy' } });
  return m;
}
const hints = (n = 4) =>
  new Tensor(
    Float32Array.from({ length: n * 2 }, (_, i) => i / 7),
    [n, 2],
  );
const scores = (n = 4) =>
  new Tensor(
    Float32Array.from({ length: n }, (_, i) => i / 3),
    [n, 1],
  );

type FunctionalCase = [
  what: string,
  act: (m: Model) => unknown,
  error: new (...a: never[]) => MnistNnError,
  message: RegExp,
];

const FUNCTIONAL_CASES: FunctionalCase[] = [
  [
    'targets missing for an output',
    (m) => m.fit([x(), hints()], { digit: labels(0, 1, 2, 0) }),
    ValueError,
    /fit: y has no entry for the output 'score' \(expected 'digit', 'score'\)/,
  ],
  [
    'targets given for an output the model does not have',
    (m) => m.fit([x(), hints()], { digit: labels(0, 1, 2, 0), score: scores(), label: scores() }),
    ValueError,
    /fit: y names 'label', which is not an output of the model \(its outputs: 'digit', 'score'\)/,
  ],
  [
    'one target Tensor for a model of two outputs',
    (m) => m.fit([x(), hints()], labels(0, 1, 2, 0)),
    ValueError,
    /the model has 2 outputs \('digit', 'score'\); give y as an array of 2 in that order or as an object by name/,
  ],
  [
    'a loss object naming an unknown output',
    (m) => m.compile({ optimizer: 'sgd', loss: { digit: 'mse', scores: 'mse' } as never }),
    ValueError,
    /compile: loss names 'scores', which is not an output of the model \(its outputs: 'digit', 'score'\)/,
  ],
  [
    'metrics for an unknown output',
    (m) => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: { digits: 'accuracy' } as never }),
    ValueError,
    /compile: metrics names 'digits', which is not an output of the model/,
  ],
  [
    'a negative loss weight',
    (m) => m.compile({ optimizer: 'sgd', loss: 'mse', lossWeights: { digit: 1, score: -2 } }),
    ValueError,
    /compile: lossWeights for the output 'score' must be a finite number ≥ 0, got -2/,
  ],
  [
    'inputs of different batch sizes',
    (m) => m.fit([x(4), hints(3)], [labels(0, 1, 2, 0), scores()]),
    ShapeError,
    /fit: the inputs have different numbers of samples: 'image' 4, 'hint' 3/,
  ],
  [
    'one input Tensor for a model of two inputs',
    (m) => m.predict(x()),
    ValueError,
    /predict: the model has 2 inputs \('image', 'hint'\); give x as an array of 2 in that order or as an object by name/,
  ],
  [
    'an input named that the model does not have',
    (m) => m.predict({ image: x(), hints: hints() }),
    ValueError,
    /predict: x names 'hints', which is not an input of the model \(its inputs: 'image', 'hint'\)/,
  ],
  [
    'an input of the wrong shape, naming the input',
    (m) => m.fit([x(), new Tensor(new Float32Array(12), [4, 3])], [labels(0, 1, 2, 0), scores()]),
    ShapeError,
    /fit: the input 'hint' expects input of shape \[None, 2\], got \[4, 3\]/,
  ],
  [
    'targets of the wrong number of samples for one output, naming it',
    (m) => m.fit([x(), hints()], [labels(0, 1, 2, 0), scores(3)]),
    ShapeError,
    /fit \(output 'score'\): x has 4 samples but y has shape \[3, 1\]/,
  ],
  [
    'classWeight for a model of two outputs',
    (m) => m.fit([x(), hints()], [labels(0, 1, 2, 0), scores()], { classWeight: { 0: 2 } }),
    ValueError,
    /classWeight weighs the classes of one output, and the model has 2/,
  ],
  [
    'an output that does not depend on the inputs',
    () =>
      new Model({
        inputs: Input({ shape: [2], name: 'mine' }),
        outputs: new Dense(1).apply(Input({ shape: [2], name: 'other' })),
      }),
    ValueError,
    /depends on the input 'other', which is not among the model's inputs \('mine'\)/,
  ],
  [
    'an input that reaches no output',
    () => {
      const a = Input({ shape: [2], name: 'used' });
      return new Model({ inputs: [a, Input({ shape: [2], name: 'idle' })], outputs: new Dense(1).apply(a) });
    },
    ValueError,
    /the input 'idle' reaches no output/,
  ],
  [
    'a layer applied to two incompatible shapes, naming both',
    () => new Add({ name: 'sum' }).apply([Input({ shape: [2] }), Input({ shape: [3] })]),
    ShapeError,
    /Add 'sum'.*\[None, 2\].*\[None, 3\]/,
  ],
  [
    'two layers of one name',
    () => {
      const a = Input({ shape: [2] });
      return new Model({
        inputs: a,
        outputs: new Dense(1, { name: 'twin' }).apply(new Dense(2, { name: 'twin' }).apply(a)),
      });
    },
    ValueError,
    /two layers are named 'twin'/,
  ],
  [
    "a model's input that is not an Input",
    () => {
      const h = new Dense(2, { name: 'hidden' }).apply(Input({ shape: [2] }));
      return new Model({ inputs: h, outputs: new Dense(1).apply(h) });
    },
    ValueError,
    /the input 'hidden' is the output of Dense 'hidden'; a model's inputs come from Input/,
  ],
  [
    'a model applied to a shape it does not take',
    (m) => m.apply([Input({ shape: [2, 3] }), Input({ shape: [5] })]),
    ShapeError,
    /\.apply: the model takes \[None, 2, 3\], \[None, 2\], got \[None, 2, 3\], \[None, 5\]/,
  ],
  [
    'a model added to a Sequential as a layer',
    (m) => new Sequential().add(m as never),
    ValueError,
    /Sequential.add: Model 'functional(_\d+)?' is a model; a Sequential holds layers only: apply the model in a functional one/,
  ],
];

describe('a functional model refuses bad input with a typed error naming the input, output or layer, and changes nothing', () => {
  it.each(FUNCTIONAL_CASES)('%s', async (_what, act, ErrorClass, message) => {
    await expectRefused(twoByTwo(), act, ErrorClass, message);
  });
});

describe('a refused call leaves a BatchNormalization model as it was: weights, moving statistics, optimizer', () => {
  it.each(BN_CASES)('%s', async (_what, act, ErrorClass, message) => {
    const m = bnModel();
    await m.predict(x(2)); // built, and inference leaves the moving statistics alone
    await expectRefused(m, act, ErrorClass, message);
  });
});

describe('no silent wrong results', () => {
  /** One linear unit on inputs of 1e20: the first update's gradient (~1e40) overflows float32. */
  function diverging(): { m: Sequential; x: Tensor; y: Tensor } {
    const m = new Sequential([new Dense(1, { useBias: false, inputShape: [1] })], { seed: 3 });
    m.compile({ optimizer: new SGD({ learningRate: 1 }), loss: 'meanSquaredError' });
    return { m, x: new Tensor(Float32Array.of(1e20), [1, 1]), y: new Tensor(Float32Array.of(0), [1, 1]) };
  }

  it('fit never returns with weights that are not numbers: the last update is checked too', async () => {
    const { m, x: x1, y } = diverging();
    await expect(m.fit(x1, y, { epochs: 1, verbose: 0 })).rejects.toThrow(
      /fit: the weight dense(_\d+)?\/kernel became -?Infinity \(flat index 0\) in the last update of epoch 1: training diverged/,
    );
  });

  it('with terminateOnNaN: false it does return, and says so through the weights', async () => {
    const { m, x: x1, y } = diverging();
    const h = await m.fit(x1, y, { epochs: 1, verbose: 0, terminateOnNaN: false });
    expect(Number.isFinite(h.history.loss[0])).toBe(true); // the loss alone could not have told
    expect(Number.isFinite(m.getWeights()[0].data[0])).toBe(false);
  });

  it('ReLU propagates NaN, so a model with NaN weights predicts NaN rather than plausible probabilities', async () => {
    const m = model();
    m.parameters()[0].value.data.fill(NaN); // what a diverged run leaves (setWeights would refuse it)
    const p = await m.predict(x(2));
    expect(Array.from(p.data).every(Number.isNaN)).toBe(true);
  });

  it('a schedule whose rate overflows mid-training (ExponentialDecay, decayRate > 1) stops fit before the update, not after NaN weights', async () => {
    const m = bnModel();
    m.compile({
      optimizer: new SGD({
        learningRate: new ExponentialDecay({ initialLearningRate: 1e-3, decaySteps: 1e-3, decayRate: 10 }),
      }),
      loss: 'sparseCategoricalCrossentropy',
    });
    await expect(m.fit(x(), labels(0, 1, 2, 0), { verbose: 0, batchSize: 2, shuffle: false })).rejects.toThrow(
      /SGD: the learning-rate schedule ExponentialDecay gives Infinity at step 1; a learning rate must be a finite number ≥ 0, so no update was made/,
    );
    expect(m.optimizer!.iterations).toBe(1);
    expect(m.getWeights().every((w) => w.data.every(Number.isFinite))).toBe(true);
  });

  it('a second fit, trainOnBatch or compile while fit runs is refused; callbacks may predict and save meanwhile', async () => {
    const m = model();
    const X = x(16);
    const Y = labels(...Array.from({ length: 16 }, (_, i) => i % 3));
    const during = join(dir, 'during.mnn');
    const first = m.fit(X, Y, {
      epochs: 2,
      batchSize: 4,
      verbose: 0,
      callbacks: [
        {
          onEpochEnd: async () => {
            await m.predict(X);
            await m.save(during);
          },
        },
      ],
    });
    await expect(m.fit(X, Y, { verbose: 0 })).rejects.toThrow(/cannot fit while fit\(\) is running on this model/);
    await expect(m.trainOnBatch(X, Y)).rejects.toThrow(/cannot trainOnBatch while fit\(\) is running/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' })).toThrow(
      /cannot compile while fit\(\) is running/,
    );
    expect(() => m.add(new Dense(2))).toThrow(/cannot add while fit\(\) is running/);
    await first;
    expect(existsSync(during)).toBe(true);
    await m.fit(X, Y, { epochs: 1, verbose: 0 }); // and once it is done, training goes on
  });

  it('a fit that fails lets the next one run', async () => {
    const m = model();
    await expect(m.fit(x(), labels(0, 1, 2, 9), { verbose: 0 })).rejects.toThrow(ValueError);
    await m.fit(x(), labels(0, 1, 2, 0), { verbose: 0 });
  });

  it('every seed gives its own run: 0 and 2^32 differ, and Date.now() serves', () => {
    const first = (seed: number) => new Sequential([new Dense(3, { inputShape: [2] })], { seed }).getWeights()[0].data;
    expect(Array.from(first(0))).not.toEqual(Array.from(first(2 ** 32)));
    expect(Array.from(first(2 ** 32))).not.toEqual(Array.from(first(2 ** 33)));
    expect(Array.from(first(2 ** 32 + 7))).toEqual(Array.from(first(2 ** 32 + 7)));
    expect(() => new Sequential([], { seed: Date.now() })).not.toThrow();
  });

  it('tensor converts a typed array to an explicitly given dtype instead of ignoring it', () => {
    const t = tensor(Float64Array.of(1.7, -2.2), [2], 'int32');
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.data)).toEqual([1, -2]);
    const same = Float32Array.of(1, 2);
    expect(tensor(same, [2], 'float32').data).toBe(same); // the same type is still used as is
  });

  it('ModelCheckpoint refuses a field the logs lack, instead of writing a file named after it', async () => {
    const m = model();
    const pattern = join(dir, 'ckpt-{val_loss:.4f}.mnn');
    await expect(
      m.fit(x(), labels(0, 1, 2, 0), { verbose: 0, callbacks: [new ModelCheckpoint({ filepath: pattern })] }),
    ).rejects.toThrow(
      /ModelCheckpoint: the filepath ".*ckpt-\{val_loss:\.4f\}\.mnn" has \{val_loss:\.4f\}, but epoch 1's logs have only loss, acc(uracy)?, learning_rate \(val_ figures need validationData or validationSplit\)/,
    );
    expect(existsSync(pattern)).toBe(false);
  });
});

describe('whatever save writes, load reads', () => {
  it('a model with non-finite weights is not saved, in either format, and nothing is written', async () => {
    const m = model();
    m.parameters()[2].value.data[5] = Infinity;
    const target = join(dir, 'inf.mnn');
    await expect(m.save(target)).rejects.toThrow(
      /save: dense(_\d+)?\/kernel holds Infinity at flat index 5; a model with non-finite weights is not saved \(it could not be loaded\)/,
    );
    await expect(m.save(join(dir, 'inf-tfjs'), { format: 'tfjs' })).rejects.toThrow(/holds Infinity at flat index 5/);
    expect(existsSync(target) || existsSync(join(dir, 'inf-tfjs'))).toBe(false);
  });

  it('a model with a negative moving variance is not saved, in any format, and nothing is written', async () => {
    const m = bnModel();
    m.parameters()[bnIndex(m)].value.data[1] = -2; // what setWeights and every loader now refuse
    const message =
      /save: batch_normalization(_\d+)?\/moving_variance holds -2 at flat index 1; a moving variance must be ≥ 0 .*; a model whose weights could not be loaded is not saved/;
    for (const target of ['negvar-save.mnn', 'negvar-save.keras'])
      await expect(m.save(join(dir, target))).rejects.toThrow(message);
    await expect(m.save(join(dir, 'negvar-save-tfjs'), { format: 'tfjs' })).rejects.toThrow(message);
    expect(['negvar-save.mnn', 'negvar-save.keras', 'negvar-save-tfjs'].some((f) => existsSync(join(dir, f)))).toBe(
      false,
    );
  });

  it("a Keras BatchNormalization whose moving_variance_initializer draws negative values still loads (the file's weights replace it): as 'ones'", async () => {
    const bn = new Sequential([new BatchNormalization({ inputShape: [4] })]);
    const parts = unzipSync((await modelToKerasBytes(bn)).bytes);
    kerasConfig(
      parts,
      (c) =>
        (c.config.layers[1].config.moving_variance_initializer = {
          module: 'keras.initializers',
          class_name: 'HeNormal',
          config: { seed: null },
        }),
    );
    const back = await loadModel(file('bn-he2.keras', zipSync(parts, { level: 0 })));
    expect((back.layers[0] as BatchNormalization).movingVarianceInitializer).toBe('ones');
  });

  it('every model save writes, load reads back the same', async () => {
    const m = model();
    await m.fit(x(), labels(0, 1, 2, 0), { verbose: 0, epochs: 2 });
    const p = join(dir, 'agree.mnn');
    await m.save(p);
    const back = await loadModel(p);
    back.getWeights().forEach((w, i) => expect(w.data).toEqual(m.getWeights()[i].data));
  });
});

describe('file-system failures', () => {
  it('leave no temporary file behind', async () => {
    const m = model();
    mkdirSync(join(dir, 'tmpcheck', 'target'), { recursive: true });
    await expect(m.save(join(dir, 'tmpcheck', 'target'))).rejects.toThrow(FileError);
    expect(readdirSync(join(dir, 'tmpcheck'))).toEqual(['target']);
  });

  it('a file name of 240 characters is saved and loaded (the temporary name stays short)', async () => {
    const m = model();
    const p = join(dir, `${'m'.repeat(236)}.mnn`);
    await m.save(p);
    expect((await loadModel(p)).countParams()).toBe(m.countParams());
  });

  it('name the user path and keep the system code', async () => {
    const m = model();
    const target = join(dir, 'missing', 'x.mnn');
    const e = await m.save(target).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(FileError);
    expect((e as FileError).path).toBe(target);
    expect((e as FileError).code).toBe('ENOENT');
  });
});

describe('text a file supplies reaches a message quoted, never as terminal controls', () => {
  // Set the terminal's title, clear the screen, an 8-bit CSI, then a right-to-left override.
  const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\u009b31m\u202eevil';
  const SHOWN = '\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202eevil';
  /** C0, DEL, C1, format characters (bidi overrides, zero-width), line and paragraph separators. */
  const RAW = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
  const messageOf = async (f: () => unknown): Promise<string> => {
    const e = await (async () => f())().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(FormatError);
    return (e as Error).message;
  };

  it.each<[string, () => Promise<unknown>, RegExp]>([
    [
      "an mnist-nn file's layer name, in the layer's own error",
      () =>
        loadModel(
          edited('hostile-name.mnn', model(), (h) => {
            h.model.config.layers[1].config.name = HOSTILE;
            h.model.config.layers[1].config.units = -1;
          }),
        ),
      /hostile-name\.mnn: Dense '.*': units must be/,
    ],
    [
      "an mnist-nn file's unknown class name (JSON.stringify would leave C1 and bidi controls raw)",
      () =>
        loadModel(
          edited('hostile-class.mnn', model(), (h) => {
            (h.model.config.layers[1] as LayerEntry & { className: string }).className = `Dense${HOSTILE}`;
          }),
        ),
      /hostile-class\.mnn: layer 1: unknown layer class "Dense.*"; expected one of/,
    ],
    [
      "a .keras file's unknown class with a hostile layer name",
      async () =>
        loadModel(
          await kerasFile('hostile-class.keras', (p) =>
            kerasConfig(p, (c) => {
              c.config.layers[2].class_name = 'Nope';
              c.config.layers[2].config.name = HOSTILE;
            }),
          ),
        ),
      /hostile-class\.keras: config\.json: layer 1: unknown layer class "Nope" \('.*'\) for mnist-nn/,
    ],
    [
      "a .keras file's layer name, in a refusal of its options",
      async () =>
        loadModel(
          await kerasFile('hostile-dtype.keras', (p) =>
            kerasConfig(p, (c) => {
              c.config.layers[2].config.name = HOSTILE;
              c.config.layers[2].config.dtype = 'float16';
            }),
          ),
        ),
      /hostile-dtype\.keras: config\.json: layer 1: Dense '.*' uses the dtype "float16"/,
    ],
    [
      'a .keras config.json that is not JSON, quoted by the parser',
      async () => loadModel(await kerasFile('hostile-json.keras', (p) => (p['config.json'] = strToU8(`${HOSTILE} {`)))),
      /hostile-json\.keras: config\.json: not valid JSON \(Unexpected token/,
    ],
    [
      'a TensorFlow.js model.json that is not JSON, quoted by the parser',
      () => {
        const d = join(dir, 'hostile-json-tfjs');
        mkdirSync(d, { recursive: true });
        writeFileSync(join(d, 'model.json'), `{"modelTopology": ${HOSTILE}}`);
        return loadModel(d);
      },
      /model\.json: not valid JSON \(Unexpected token/,
    ],
  ])('%s', async (_what, load, expected) => {
    const message = await messageOf(load);
    expect(message).toMatch(expected);
    expect(message).not.toMatch(RAW);
    expect(message).toContain(SHOWN.slice(0, 20)); // the parser's excerpt may stop early
    if (!/not valid JSON/.test(message)) expect(message).toContain(SHOWN);
  });

  it("a file's name of 100 000 characters is cut short in the message, saying how long it was", async () => {
    const message = await messageOf(async () =>
      loadModel(
        await kerasFile('long-name.keras', (p) =>
          kerasConfig(p, (c) => {
            c.config.layers[2].class_name = 'Nope';
            c.config.layers[2].config.name = `${'x'.repeat(1e5)}${HOSTILE}`;
          }),
        ),
      ),
    );
    expect(message).toMatch(/\('x+…' \(100\d{3} characters\)\)/);
    expect(message.length).toBeLessThan(1000);
  });

  it("a save's notes quote a layer name (a model read from a file is saved under its names)", async () => {
    const m = new Sequential([new RandomRotation(0.1, { name: HOSTILE, inputShape: [4, 4, 1] }), new Flatten()]);
    m.build([null, 4, 4, 1]);
    const { notes } = await m.save(join(dir, 'hostile-notes-tfjs'), { format: 'tfjs' });
    expect(notes.join('\n')).not.toMatch(RAW);
    expect(notes.join('\n')).toContain(`layer '${SHOWN}' is left out`);
  });
});
