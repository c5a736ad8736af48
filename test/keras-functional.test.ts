// Real Keras 3 functional models (test/fixtures/keras-functional, made by make_fixtures.py with
// Keras 3.15.1): each .keras and .h5 file loads as a functional Model whose predictions on the
// fixture's inputs agree with Keras's to 1e-5; our .keras file of each loads back the same; the
// files we write keep the layout of Keras's (Functional class, node-form inbound_nodes, weight keys).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readHdf5 } from '../src/io/hdf5.js';
import {
  Model,
  Sequential,
  Tensor,
  loadMnist,
  loadModel,
  modelFromKerasBytes,
  modelToKerasBytes,
} from '../src/index.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'keras-functional');

interface Ref {
  files: { keras: string; h5: string };
  inputs: {
    name: string;
    shape: (number | null)[];
    test: { mnist_test_images?: number[]; values?: number[][]; shape: number[] };
  }[];
  outputs: { name: string; shape: (number | null)[] }[];
  predictions: number[][][];
  layers: { name: string; class_name: string }[];
}
const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as { models: Record<string, Ref> };
const { xTest } = loadMnist();

/** The fixture's inputs: MNIST test digits / 255 reshaped, or the stored values. */
function inputs(ref: Ref): Tensor[] {
  return ref.inputs.map(({ test }) => {
    if (test.values) return new Tensor(Float32Array.from(test.values.flat()), test.shape);
    const per = 28 * 28;
    const data = new Float32Array(test.mnist_test_images!.length * per);
    test.mnist_test_images!.forEach((d, i) => {
      for (let k = 0; k < per; k++) data[i * per + k] = xTest.data[d * per + k] / 255;
    });
    return new Tensor(data, test.shape);
  });
}

function worst(model: Model, outs: Tensor | Tensor[], ref: Ref): number {
  const list = Array.isArray(outs) ? outs : [outs];
  expect(list).toHaveLength(ref.predictions.length);
  let w = 0;
  list.forEach((t, o) => ref.predictions[o].flat().forEach((v, i) => (w = Math.max(w, Math.abs(t.data[i] - v)))));
  expect(model.outputNames).toEqual(ref.outputs.map((o) => o.name));
  return w;
}

const graphs = ['residual', 'two_inputs', 'two_outputs', 'shared_tower'];

describe('real Keras 3 functional files', () => {
  for (const name of graphs) {
    const ref = reference.models[name];
    for (const kind of ['keras', 'h5'] as const) {
      it(`${ref.files[kind]} loads and predicts as Keras does, to 1e-5`, async () => {
        const model = await loadModel(join(DIR, ref.files[kind]));
        expect(model).toBeInstanceOf(Model);
        expect(model).not.toBeInstanceOf(Sequential);
        expect(model.layers.map((l) => l.name).sort()).toEqual(ref.layers.map((l) => l.name).sort());
        expect(model.inputNames).toEqual(ref.inputs.map((i) => i.name));
        expect(worst(model, await model.predict(inputs(ref)), ref)).toBeLessThan(1e-5);
      });
    }

    it(`${name}: our .keras file of it loads back the same, laid out as Keras's`, async () => {
      const model = await loadModel(join(DIR, ref.files.keras));
      const { bytes } = await modelToKerasBytes(model);
      const back = await modelFromKerasBytes(bytes, `${name} (ours).keras`);
      expect(worst(back, await back.predict(inputs(ref)), ref)).toBeLessThan(1e-5);
      interface KerasConfig {
        class_name: string;
        config: {
          input_layers: unknown;
          output_layers: unknown;
          layers: { name: string; inbound_nodes: { args: unknown }[] }[];
        };
      }
      const configOf = (b: Uint8Array) =>
        JSON.parse(new TextDecoder().decode(unzipSync(b)['config.json'])) as KerasConfig;
      const ours = configOf(bytes);
      const theirs = configOf(readFileSync(join(DIR, ref.files.keras)));
      expect(ours.class_name).toBe(theirs.class_name);
      expect(ours.config.input_layers).toEqual(theirs.config.input_layers);
      expect(ours.config.output_layers).toEqual(theirs.config.output_layers);
      const nodes = (c: KerasConfig) =>
        Object.fromEntries(c.config.layers.map((l) => [l.name, JSON.stringify(l.inbound_nodes.map((n) => n.args))]));
      expect(nodes(ours)).toEqual(nodes(theirs));
      // The weights sit where Keras puts them: the same layers/<key>/vars/<i>, of the same shapes.
      const layout = (b: Uint8Array) =>
        readHdf5(unzipSync(b)['model.weights.h5'], name, (h5) =>
          (h5.keys('layers') ?? []).sort().map((k) => {
            const vars = (h5.keys(`layers/${k}/vars`) ?? []).sort();
            return [k, vars.map((v) => h5.shape(`layers/${k}/vars/${v}`))];
          }),
        );
      expect(await layout(bytes)).toEqual(await layout(readFileSync(join(DIR, ref.files.keras))));
    });
  }

  it('writes an optimizer’s whole-number options as floats, as Keras’s optimizers require (momentum 0.0)', async () => {
    const model = await loadModel(join(DIR, reference.models.residual.files.keras));
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const { bytes } = await modelToKerasBytes(model);
    const text = new TextDecoder().decode(unzipSync(bytes)['config.json']);
    expect(text).toContain('"momentum":0.0');
    expect(JSON.parse(text)).toMatchObject({ compile_config: { optimizer: { config: { momentum: 0 } } } });
  });

  for (const kind of ['keras', 'h5'] as const) {
    it(`nested.${kind} (a Sequential and two functional models inside) loads inlined and predicts as Keras does, to 1e-5`, async () => {
      const ref = reference.models.nested;
      const model = await loadModel(join(DIR, ref.files[kind]));
      // The models inside are inlined: their layers, with their weights, are the outer model's.
      expect(model.layers.map((l) => l.className)).toEqual(
        expect.arrayContaining(['Conv2D', 'BatchNormalization', 'LeakyReLU', 'AveragePooling2D', 'Dense', 'Softmax']),
      );
      expect(worst(model, await model.predict(inputs(ref)), ref)).toBeLessThan(1e-5);
    });
  }
});
