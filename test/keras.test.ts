// Keras's own files: the three real fixtures against reference.json (computed outside mnist-nn), the
// variants real files have (tf.keras 2 configs, input shapes spelt four ways, Functional chains,
// dtype policies, serialized functions, weight names that are not the config's layer names, the
// tf.keras 2 weights layout, legacy .h5 with nested and chunked names), and what model.save('x.keras')
// writes, held to the fixtures' layout.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import * as h5wasm from 'h5wasm';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Adam,
  Dense,
  Flatten,
  FormatError,
  Sequential,
  Tensor,
  loadMnist,
  type LossIdentifier,
  loadModel,
  modelFromKerasBytes,
  modelToKerasBytes,
} from '../src/index.js';
import { writeHdf5 } from '../src/io/hdf5.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/keras');
const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-keras-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Reference {
  layers: string[];
  input: number[];
  test_acc: number;
  probs200: number[][];
}
const reference = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8')) as Record<string, Reference>;

/** The HDF5 file's dataset paths and shapes, for comparing layouts. */
async function datasets(bytes: Uint8Array): Promise<Record<string, number[]>> {
  const { FS } = await h5wasm.ready;
  FS.writeFile('/inspect.h5', bytes);
  const f = new h5wasm.File('/inspect.h5', 'r');
  const out: Record<string, number[]> = {};
  const walk = (g: h5wasm.Group, prefix: string): void => {
    for (const k of g.keys()) {
      const o = g.get(k);
      if (o instanceof h5wasm.Group) walk(o, `${prefix}${k}/`);
      else if (o instanceof h5wasm.Dataset) out[`${prefix}${k}`] = o.shape ?? [];
    }
  };
  walk(f, '');
  f.close();
  FS.unlink('/inspect.h5');
  return out;
}

const text = (o: unknown) => strToU8(JSON.stringify(o));
const sann = () => unzipSync(new Uint8Array(readFileSync(join(FIXTURES, 'sann.keras'))));
const sannConfig = () =>
  JSON.parse(strFromU8(sann()['config.json'])) as {
    config: { layers: Record<string, unknown>[] } & Record<string, unknown>;
  } & Record<string, unknown>;

describe('the real Keras files', () => {
  const { xTest, yTest } = loadMnist();
  for (const [file, ref] of Object.entries(reference)) {
    it(`${file} loads, and agrees with reference.json: every probability of 200 test digits to 1e-4, the test accuracy exactly`, async () => {
      const model = await loadModel(join(FIXTURES, file));
      expect(['InputLayer', ...model.layers.map((l) => l.className)]).toEqual(ref.layers);
      expect(model.inputShape).toEqual(ref.input);
      const probs = (await model.predict(xTest.div(255).reshape([10000, ...ref.input]))) as Tensor;
      let worst = 0;
      ref.probs200.forEach((row, i) =>
        row.forEach((p, c) => (worst = Math.max(worst, Math.abs(probs.data[i * 10 + c] - p)))),
      );
      expect(worst).toBeLessThan(1e-4);
      const predicted = probs.argMax(-1).data;
      let right = 0;
      for (let i = 0; i < 10000; i++) if (predicted[i] === yTest.data[i]) right++;
      expect(right / 10000).toBe(ref.test_acc);
    });
  }
});

describe('what real Keras files differ in', () => {
  const x = new Tensor(
    Float32Array.from({ length: 3 * 784 }, (_, i) => ((i * 37) % 255) / 255),
    [3, 784],
  );
  let expected: number[];
  const predictions = async (bytes: Uint8Array): Promise<number[]> =>
    Array.from(((await (await modelFromKerasBytes(bytes, 'variant.keras')).predict(x)) as Tensor).data);
  const variant = (
    edit: (c: ReturnType<typeof sannConfig>) => unknown,
    weights: Uint8Array = sann()['model.weights.h5'],
  ): Uint8Array => {
    const c = sannConfig();
    const edited = edit(c) ?? c;
    return zipSync(
      { 'metadata.json': sann()['metadata.json'], 'config.json': text(edited), 'model.weights.h5': weights },
      { level: 0 },
    );
  };

  it('the unedited file (the baseline for the rest)', async () => {
    expected = await predictions(readFileSync(join(FIXTURES, 'sann.keras')));
    expect(expected.length).toBe(30);
  });

  it("weights are found by Keras's positional names (dense, dense_1) whatever the config calls the layers", async () => {
    const bytes = variant((c) => {
      c.config.layers[1].config = { ...(c.config.layers[1].config as object), name: 'dense_12' };
      c.config.layers[2].config = { ...(c.config.layers[2].config as object), name: 'dense_13' };
    });
    const model = await modelFromKerasBytes(bytes, 'renamed.keras');
    expect(model.layers.map((l) => l.name)).toEqual(['dense_12', 'dense_13']);
    expect(await predictions(bytes)).toEqual(expected);
  });

  it("tf.keras 2's weights layout (_layer_checkpoint_dependencies/<name>/vars) and its config (batch_input_shape on the first layer, no InputLayer, no module fields, dtype strings)", async () => {
    const weights = await datasets(sann()['model.weights.h5']);
    expect(Object.keys(weights).filter((k) => k.startsWith('layers/'))).toEqual([
      'layers/dense/vars/0',
      'layers/dense/vars/1',
      'layers/dense_1/vars/0',
      'layers/dense_1/vars/1',
    ]);
    const model = await modelFromKerasBytes(readFileSync(join(FIXTURES, 'sann.keras')), 'sann.keras');
    const w = model.getWeights();
    const tf2 = await writeHdf5((h5) => {
      h5.group('_layer_checkpoint_dependencies');
      ['dense', 'dense_1'].forEach((name, l) => {
        h5.group(`_layer_checkpoint_dependencies/${name}`);
        h5.group(`_layer_checkpoint_dependencies/${name}/vars`);
        [0, 1].forEach((j) =>
          h5.dataset(
            `_layer_checkpoint_dependencies/${name}/vars/${j}`,
            w[2 * l + j].data as Float32Array,
            w[2 * l + j].shape,
          ),
        );
      });
    });
    const bytes = variant(
      (c) => ({
        class_name: 'Sequential',
        config: {
          name: 'sequential',
          layers: c.config.layers.slice(1).map((l, i) => {
            const own = l.config as Record<string, unknown>;
            return {
              class_name: l.class_name,
              config: {
                ...own,
                dtype: 'float32',
                kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
                ...(i === 0 ? { batch_input_shape: [null, 784] } : {}),
              },
            };
          }),
        },
        keras_version: '2.13.1',
        backend: 'tensorflow',
      }),
      tf2,
    );
    expect(await predictions(bytes)).toEqual(expected);
  });

  it('the input shape as input_shape on the first layer, or only as build_input_shape', async () => {
    const inputShape = variant((c) => {
      c.config.layers = c.config.layers.slice(1);
      c.config.layers[0].config = { ...(c.config.layers[0].config as object), input_shape: [784] };
      delete c.config.build_input_shape;
      delete c.build_config;
    });
    expect(await predictions(inputShape)).toEqual(expected);
    const buildOnly = variant((c) => {
      c.config.layers = c.config.layers.slice(1);
    });
    expect(await predictions(buildOnly)).toEqual(expected);
    const none = variant((c) => {
      c.config.layers = c.config.layers.slice(1);
      delete c.config.build_input_shape;
      delete c.build_config;
    });
    await expect(modelFromKerasBytes(none, 'none.keras')).rejects.toThrow(
      /none.keras: the model config gives no input shape/,
    );
  });

  it('InputLayer with batch_input_shape (Keras 2) as well as batch_shape (Keras 3)', async () => {
    const bytes = variant((c) => {
      c.config.layers[0].config = {
        batch_input_shape: [null, 784],
        dtype: 'float32',
        sparse: false,
        ragged: false,
        name: 'input_1',
      };
    });
    expect(await predictions(bytes)).toEqual(expected);
  });

  it('dtype policies as objects, activations as serialized functions, nested module / registered_name fields', async () => {
    const bytes = variant((c) => {
      const dense = c.config.layers[1].config as Record<string, unknown>;
      dense.dtype = {
        module: 'keras',
        class_name: 'DTypePolicy',
        config: { name: 'mixed_float16' },
        registered_name: null,
      };
      dense.activation = {
        module: 'keras.activations',
        class_name: 'function',
        config: 'relu',
        registered_name: 'function',
      };
    });
    expect(await predictions(bytes)).toEqual(expected);
    const float16 = variant((c) => {
      (c.config.layers[2].config as Record<string, unknown>).dtype = {
        module: 'keras',
        class_name: 'DTypePolicy',
        config: { name: 'float16' },
        registered_name: null,
      };
    });
    await expect(modelFromKerasBytes(float16, 'f16.keras')).rejects.toThrow(
      /f16.keras: config.json: layer 1: Dense 'dense_1' uses the dtype "float16"/,
    );
  });

  it('a Functional model that is a plain chain (Keras 3 and tf.keras 2 node formats); a layer that reaches no output is refused', async () => {
    const functional = (nodes: (prev: string) => unknown, outputs: unknown) =>
      variant((c) => {
        const layers = c.config.layers.map((l, i) => {
          const name = (l.config as { name: string }).name;
          return {
            ...l,
            name,
            inbound_nodes: i === 0 ? [] : nodes((c.config.layers[i - 1].config as { name: string }).name),
          };
        });
        return {
          module: 'keras.src.models.functional',
          class_name: 'Functional',
          config: { name: 'f', trainable: true, layers, input_layers: [['input_layer', 0, 0]], output_layers: outputs },
          registered_name: 'Functional',
        };
      });
    const keras3 = functional(
      (prev) => [
        {
          args: [
            {
              class_name: '__keras_tensor__',
              config: { shape: [null, 1], dtype: 'float32', keras_history: [prev, 0, 0] },
            },
          ],
          kwargs: {},
        },
      ],
      [['dense_1', 0, 0]],
    );
    expect(await predictions(keras3)).toEqual(expected);
    const keras2 = functional((prev) => [[[prev, 0, 0, {}]]], [['dense_1', 0, 0]]);
    expect(await predictions(keras2)).toEqual(expected);
    const branch = functional(() => [[['input_layer', 0, 0, {}]]], [['dense_1', 0, 0]]);
    // Not a chain, so read as a graph: there, the first Dense feeds nothing the model outputs.
    await expect(modelFromKerasBytes(branch, 'branch.keras')).rejects.toThrow(
      /branch.keras: Dense 'dense' reaches none of the model's outputs/,
    );
  });

  it('a legacy .h5 from tf.keras 2: the config a list of layers, weight names nested as dense/kernel:0, layer_names split into chunks', async () => {
    const model = await modelFromKerasBytes(readFileSync(join(FIXTURES, 'sann.keras')), 'sann.keras');
    const w = model.getWeights();
    const config = sannConfig();
    // tf.keras before 2.3 wrote a Sequential's config as the list of its layers.
    const modelConfig = {
      class_name: 'Sequential',
      config: config.config.layers.map((l) => ({ class_name: l.class_name, config: l.config })),
    };
    const { FS } = await h5wasm.ready;
    const f = new h5wasm.File('/legacy.h5', 'w');
    f.create_attribute('model_config', JSON.stringify(modelConfig));
    f.create_attribute('keras_version', '2.10.0');
    const g = f.create_group('model_weights');
    g.create_attribute('layer_names0', ['dense']);
    g.create_attribute('layer_names1', ['dense_1']);
    ['dense', 'dense_1'].forEach((name, l) => {
      const lg = g.create_group(name);
      lg.create_attribute('weight_names', [`${name}/kernel:0`, `${name}/bias:0`]);
      const inner = lg.create_group(name);
      inner.create_dataset({
        name: 'kernel:0',
        data: w[2 * l].data as Float32Array,
        shape: w[2 * l].shape,
        dtype: '<f',
      });
      inner.create_dataset({
        name: 'bias:0',
        data: w[2 * l + 1].data as Float32Array,
        shape: w[2 * l + 1].shape,
        dtype: '<f',
      });
    });
    f.close();
    const bytes = FS.readFile('/legacy.h5');
    FS.unlink('/legacy.h5');
    expect(await predictions(bytes)).toEqual(expected);
  });
});

describe('corrupt files', () => {
  // The HDF5 C library looped forever on one of these (a corrupted heap under a string attribute):
  // whatever the damage, a file must load or be refused, and soon.
  it('moon.h5 with the 12 bytes overwritten on which the HDF5 C library (h5wasm 0.10) never returns from reading model_config', async () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'moon.h5')));
    const damage = [
      [1813, 55],
      [2419, 215],
      [2470, 59],
      [3873, 80],
      [5091, 234],
      [5222, 137],
      [5406, 172],
      [6120, 3],
      [118360, 188],
      [173027, 185],
      [364985, 183],
      [406095, 221],
    ];
    for (const [at, value] of damage) bytes[at] = value;
    const start = performance.now();
    await modelFromKerasBytes(bytes, 'looping.h5').catch((e) => expect(e).toBeInstanceOf(FormatError));
    expect(performance.now() - start).toBeLessThan(1000);
  });

  for (const name of ['moon.h5', 'moon.keras']) {
    it(`${name} with random bytes overwritten, 200 ways: each loads or is a FormatError naming it, within a second`, async () => {
      const good = new Uint8Array(readFileSync(join(FIXTURES, name)));
      let seed = 7;
      const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
      const outcomes = { loaded: 0, refused: 0 };
      for (let t = 0; t < 200; t++) {
        const bytes = good.slice();
        // Mostly the first 12 kB, where the zip headers, the HDF5 superblock, groups and attributes are.
        for (let k = 1 + Math.floor(rnd() * 20); k > 0; k--)
          bytes[Math.floor(rnd() * (rnd() < 0.7 ? 12000 : bytes.length))] = Math.floor(rnd() * 256);
        const start = performance.now();
        try {
          await modelFromKerasBytes(bytes, `fuzz-${t}-${name}`);
          outcomes.loaded++;
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(FormatError);
          expect((e as Error).message.startsWith(`fuzz-${t}-${name}`), (e as Error).message).toBe(true);
          outcomes.refused++;
        }
        expect(performance.now() - start).toBeLessThan(1000);
      }
      expect(outcomes.refused).toBeGreaterThan(100);
    });
  }
});

describe("model.save('x.keras')", () => {
  it("writes Keras 3's layout, as the real moon.keras has it: entries, config fields, weight paths and shapes", async () => {
    const theirs = unzipSync(new Uint8Array(readFileSync(join(FIXTURES, 'moon.keras'))));
    const model = await loadModel(join(FIXTURES, 'moon.keras'));
    model.compile({ optimizer: new Adam(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const out = join(dir, 'moon-again.keras');
    expect(await model.save(out)).toEqual({ notes: [] });
    const raw = new Uint8Array(readFileSync(out));
    const ours = unzipSync(raw);
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    // Stored, not deflated, as Keras writes them: each entry's bytes sit in the file as they are.
    for (const name of Object.keys(ours)) expect(Buffer.from(raw).includes(Buffer.from(ours[name]))).toBe(true);
    // The parts of config.json compared here: the compile and model configs, and each layer's.
    type Config = {
      compile_config: Record<string, unknown>;
      config: { layers: { class_name: string; build_config?: unknown; config: Record<string, unknown> }[] };
    };
    const [c, k] = [
      JSON.parse(strFromU8(ours['config.json'])) as Config,
      JSON.parse(strFromU8(theirs['config.json'])) as Config,
    ];
    expect(Object.keys(c).sort()).toEqual(Object.keys(k).sort());
    expect(Object.keys(c.compile_config).sort()).toEqual(Object.keys(k.compile_config).sort());
    expect(c.compile_config).toMatchObject({
      loss: 'categorical_crossentropy',
      metrics: ['accuracy'],
      optimizer: {
        module: 'keras.optimizers',
        class_name: 'Adam',
        config: { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999 },
      },
    });
    expect(Object.keys(c.config).sort()).toEqual(Object.keys(k.config).sort());
    expect(c.config.layers.map((l) => l.class_name)).toEqual(k.config.layers.map((l) => l.class_name));
    c.config.layers.forEach((l, i) => {
      const t = k.config.layers[i];
      // Keras 3 leaves out build_config for a layer with no build step of its own (Dropout); ours has
      // one for every layer, which Keras's build_from_config accepts for any layer.
      const keys = (o: object) =>
        Object.keys(o)
          .filter((key) => key !== 'build_config')
          .sort();
      expect(keys(l), t.class_name).toEqual(keys(t));
      if (t.build_config) expect(l.build_config).toEqual(t.build_config);
      const [ourConfig, theirConfig] = [l.config, t.config];
      // Every option we write is one Keras wrote for this layer (Keras may write more: groups, seed,
      // noise_shape), or one that Keras 3's base Layer takes for any layer (activity_regularizer).
      for (const key of Object.keys(ourConfig))
        if (key !== 'activity_regularizer') expect(theirConfig, `${t.class_name}.${key}`).toHaveProperty(key);
      for (const key of [
        'name',
        'filters',
        'kernel_size',
        'strides',
        'padding',
        'pool_size',
        'activation',
        'units',
        'rate',
        'batch_shape',
      ])
        expect(ourConfig[key], `${t.class_name}.${key}`).toEqual(theirConfig[key]);
    });
    const [ourWeights, theirWeights] = [
      await datasets(ours['model.weights.h5']),
      await datasets(theirs['model.weights.h5']),
    ];
    expect(ourWeights).toEqual(
      Object.fromEntries(Object.entries(theirWeights).filter(([p]) => p.startsWith('layers/'))),
    );
    expect(JSON.parse(strFromU8(ours['metadata.json']))).toMatchObject({
      keras_version: expect.stringMatching(/^3\./) as string,
      date_saved: expect.stringMatching(/^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/) as string,
    });
  });

  it("reads back to the same model, and format: 'keras' writes the file for any path", async () => {
    const model = new Sequential(
      [
        new Flatten({ inputShape: [4, 4] }),
        new Dense(5, { activation: 'tanh' }),
        new Dense(3, { activation: 'softmax' }),
      ],
      { seed: 3 },
    );
    const out = join(dir, 'model.bin');
    await model.save(out, { format: 'keras' });
    const back = await loadModel(out);
    const x = new Tensor(
      Float32Array.from({ length: 32 }, (_, i) => Math.sin(i)),
      [2, 4, 4],
    );
    expect(Array.from(((await back.predict(x)) as Tensor).data)).toEqual(Array.from((await model.predict(x)).data));
    expect((await modelToKerasBytes(model)).bytes.length).toBeGreaterThan(0);
    await expect(new Sequential([new Dense(2)]).save(join(dir, 'unbuilt.keras'))).rejects.toThrow(
      /has not been built yet/,
    );
  });

  it("writes binaryCrossentropy as Keras's 'binary_crossentropy'; the model reads back, and compiles with that name", async () => {
    const model = new Sequential(
      [new Dense(4, { activation: 'relu', inputShape: [3] }), new Dense(1, { activation: 'sigmoid' })],
      { seed: 2 },
    );
    model.compile({ optimizer: new Adam(), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const out = join(dir, 'bce.keras');
    expect(await model.save(out)).toEqual({ notes: [] });
    const config = JSON.parse(strFromU8(unzipSync(new Uint8Array(readFileSync(out)))['config.json'])) as {
      compile_config: { loss: LossIdentifier; metrics: string[] };
    };
    expect(config.compile_config).toMatchObject({ loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const back = await loadModel(out);
    const x = new Tensor(
      Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)),
      [4, 3],
    );
    const y = new Tensor(Float32Array.from([1, 0, 0, 1]), [4]);
    expect(Array.from(((await back.predict(x)) as Tensor).data)).toEqual(Array.from((await model.predict(x)).data));
    back.compile({ optimizer: new Adam(), loss: config.compile_config.loss, metrics: ['accuracy'] });
    expect(back.compileConfig?.loss).toBe('binaryCrossentropy');
    expect(await back.evaluate(x, y)).toEqual(await model.evaluate(x, y));
  });

  it('a .keras file that is not what it claims is a FormatError naming it', async () => {
    await expect(modelFromKerasBytes(strToU8('not a zip at all'), 'junk.keras')).rejects.toThrow(FormatError);
  });
});
