// Functional models in TensorFlow.js's Layers format, checked against the real @tensorflow/tfjs both
// ways: TF.js loads our export (residual Add, two inputs, two outputs, a shared layer, the other merge
// layers, augmentation layers left out) and predicts the same to 1e-5; we load what TF.js saves for
// the same kinds of models and predict the same to 1e-5. Then what is refused: Subtract (TF.js lacks
// it) on export, hostile graphs in a model.json on reading. Each merge layer alone goes through the
// format in test/layer-harness.test.ts (part 4).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { savedByTfjs, tfjsFromMemory, useTfjsCpu } from './helpers/tfjs.js';
import {
  Activation,
  Add,
  Average,
  BatchNormalization,
  Concatenate,
  Conv2D,
  Dense,
  Flatten,
  FormatError,
  Input,
  Maximum,
  Minimum,
  Model,
  Multiply,
  RandomRotation,
  RandomZoom,
  Sequential,
  Subtract,
  Tensor,
  loadModel,
  type SymbolicTensor,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { randn } from './helpers/gradcheck.js';

const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-tfjs-functional-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
useTfjsCpu();
const rng = new Rng(23);

/** What a functional model.json holds, as far as these tests read it. */
interface FunctionalJson {
  modelTopology: {
    class_name: string;
    config: {
      name: string;
      layers: { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[][] }[];
      input_layers: unknown[];
      output_layers: unknown[];
    };
    keras_version: string;
    backend: string;
  };
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** A float32 batch of n samples of each shape. */
const batch = (n: number, shapes: number[][]): Tensor[] => shapes.map((s) => randn([n, ...s], rng).cast('float32'));

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/**
 * Weights drawn away from their initial values (zero biases would hide a bias read from the wrong place),
 * variances positive.
 */
function jiggle(m: Model): Model {
  const names = m.parameters().map((p) => p.name);
  m.setWeights(
    m.getWeights().map(
      (w, i) =>
        new Tensor(
          Float32Array.from(w.data, () =>
            names[i].endsWith('/moving_variance') ? 0.2 + Math.abs(rng.normal()) : rng.normal() * 0.5,
          ),
          w.shape,
        ),
    ),
  );
  return m;
}

/** Saves ours in the TF.js format and loads it with the real TF.js; the model.json and its notes too. */
async function exportToTfjs(
  m: Model,
  name: string,
): Promise<{ out: string; json: FunctionalJson; theirs: tf.LayersModel; notes: string[] }> {
  const out = join(dir, name);
  const { notes } = await m.save(out, { format: 'tfjs' });
  const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as FunctionalJson;
  const theirs = await tfjsFromMemory(json, readFileSync(join(out, json.weightsManifest[0].paths[0])));
  return { out, json, theirs, notes };
}

/** TF.js's outputs and ours for the same inputs agree to 1e-5, output by output. */
async function expectSamePredictions(theirs: tf.LayersModel, ours: Model, xs: Tensor[]): Promise<void> {
  const t = list(theirs.predict(xs.map((x) => tf.tensor(x.data, x.shape))));
  const o = list(await ours.predict(xs));
  expect(t.length).toBe(o.length);
  t.forEach((p, i) => {
    expect(p.shape, `output ${i}`).toEqual(o[i].shape);
    expect(maxDiff(p.dataSync(), o[i].data), `output ${i}`).toBeLessThan(1e-5);
  });
}

/** Our outputs for the same inputs from two models, exactly. */
async function expectSameOutputs(a: Model, b: Model, xs: Tensor[]): Promise<void> {
  const [pa, pb] = [list(await a.predict(xs)), list(await b.predict(xs))];
  expect(pb.length).toBe(pa.length);
  pa.forEach((p, i) => expect(Array.from(pb[i].data), `output ${i}`).toEqual(Array.from(p.data)));
}

/** TF.js's weights drawn away from their initial values. */
function jiggleTfjs(m: tf.LayersModel): tf.LayersModel {
  m.setWeights(m.getWeights().map((w) => tf.randomNormal(w.shape, 0, 0.5, 'float32', rng.int(1e6))));
  return m;
}

const sym = (x: tf.SymbolicTensor | tf.SymbolicTensor[] | tf.Tensor | tf.Tensor[]): tf.SymbolicTensor =>
  x as tf.SymbolicTensor;

describe('our functional models, loaded by TensorFlow.js', () => {
  it('a residual model (Add): the topology TF.js writes, and the same predictions', async () => {
    const x = Input({ shape: [6, 6, 1], name: 'image' });
    const c = new Conv2D(4, 3, { padding: 'same', activation: 'relu', name: 'stem' }).apply(x);
    const r = new Conv2D(4, 3, { padding: 'same', name: 'branch' }).apply(c);
    const s = new Add({ name: 'residual' }).apply([c, r]);
    const y = new Dense(3, { activation: 'softmax', name: 'head' }).apply(new Flatten({ name: 'flat' }).apply(s));
    const m = jiggle(new Model({ inputs: x, outputs: y, name: 'resnet', seed: 1 }));
    const { out, json, theirs, notes } = await exportToTfjs(m, 'residual');
    expect(notes).toEqual([]);
    // What tf.model(...).save() writes.
    const topo = json.modelTopology;
    expect(topo.class_name).toBe('Model');
    expect(topo.keras_version).toBe('tfjs-layers 4.22.0');
    expect(topo.backend).toBe('tensor_flow.js');
    expect(topo.config.name).toBe('resnet');
    expect(topo.config.layers.map((l) => [l.name, l.class_name])).toEqual([
      ['image', 'InputLayer'],
      ['stem', 'Conv2D'],
      ['branch', 'Conv2D'],
      ['residual', 'Add'],
      ['flat', 'Flatten'],
      ['head', 'Dense'],
    ]);
    expect(topo.config.layers[0]).toEqual({
      name: 'image',
      class_name: 'InputLayer',
      config: { batch_input_shape: [null, 6, 6, 1], dtype: 'float32', sparse: false, name: 'image' },
      inbound_nodes: [],
    });
    expect(topo.config.layers[3].inbound_nodes).toEqual([
      [
        ['stem', 0, 0, {}],
        ['branch', 0, 0, {}],
      ],
    ]);
    expect(topo.config.input_layers).toEqual([['image', 0, 0]]);
    expect(topo.config.output_layers).toEqual([['head', 0, 0]]);
    // The manifest layer by layer, named as TF.js names weights.
    expect(json.weightsManifest[0].weights.map((w) => w.name)).toEqual([
      'stem/kernel',
      'stem/bias',
      'branch/kernel',
      'branch/bias',
      'head/kernel',
      'head/bias',
    ]);
    expect(theirs.layers.map((l) => l.name)).toEqual(['image', 'stem', 'branch', 'residual', 'flat', 'head']);
    const xs = batch(5, [[6, 6, 1]]);
    await expectSamePredictions(theirs, m, xs);
    // And it comes back here as a Model, the same.
    const back = await loadModel(out);
    expect(back).not.toBeInstanceOf(Sequential);
    expect(back.toConfig()).toEqual(m.toConfig());
    await expectSameOutputs(m, back, xs);
  });

  it('two inputs joined by Concatenate, one on a negative axis other than −1 (written counted from the front)', async () => {
    const image = Input({ shape: [4, 4, 2], name: 'image' });
    const hint = Input({ shape: [3], name: 'hint' });
    const top = Input({ shape: [1, 4, 2], name: 'top' });
    // axis −3 of [None, 4, 4, 2] is the rows: TF.js is given 1.
    const rows = new Concatenate({ axis: -3, name: 'rows' }).apply([top, image]);
    const conv = new Conv2D(3, 2, { activation: 'tanh', name: 'conv' }).apply(rows);
    const h = new Dense(4, { activation: 'relu', name: 'hint_dense' }).apply(hint);
    const joined = new Concatenate({ name: 'joined' }).apply([new Flatten().apply(conv), h]);
    const y = new Dense(2, { name: 'out' }).apply(joined);
    const m = jiggle(new Model({ inputs: [image, hint, top], outputs: y, seed: 2 }));
    const { out, json, theirs } = await exportToTfjs(m, 'two-inputs');
    const byName = new Map(json.modelTopology.config.layers.map((l) => [l.name, l]));
    expect(byName.get('rows')!.config.axis).toBe(1);
    expect(byName.get('joined')!.config.axis).toBe(-1);
    expect(json.modelTopology.config.input_layers).toEqual([
      ['image', 0, 0],
      ['hint', 0, 0],
      ['top', 0, 0],
    ]);
    const xs = batch(4, [[4, 4, 2], [3], [1, 4, 2]]);
    await expectSamePredictions(theirs, m, xs);
    const back = await loadModel(out);
    // Our reader takes TF.js's axis: the same join, counted from the front.
    expect(back.layers.find((l) => l.name === 'rows')!.getConfig().axis).toBe(1);
    await expectSameOutputs(m, back, xs);
  });

  it('two outputs, in output order', async () => {
    const x = Input({ shape: [5] });
    const trunk = new Dense(6, { activation: 'tanh' }).apply(x);
    const digit = new Dense(3, { activation: 'softmax', name: 'digit' }).apply(trunk);
    const score = new Dense(1, { name: 'score' }).apply(new BatchNormalization().apply(trunk));
    const m = jiggle(new Model({ inputs: x, outputs: [score, digit], seed: 3 }));
    const bn = m.layers.find((l) => l instanceof BatchNormalization)!;
    const { out, json, theirs } = await exportToTfjs(m, 'two-outputs');
    expect(json.modelTopology.config.output_layers).toEqual([
      ['score', 0, 0],
      ['digit', 0, 0],
    ]);
    expect(theirs.outputNames).toEqual(['score', 'digit']);
    expect(bn.parameters().map((p) => p.name.split('/')[1])).toEqual([
      'gamma',
      'beta',
      'moving_mean',
      'moving_variance',
    ]);
    const xs = batch(6, [[5]]);
    await expectSamePredictions(theirs, m, xs);
    await expectSameOutputs(m, await loadModel(out), xs);
  });

  it('a layer applied twice: one set of weights, its two nodes', async () => {
    const x = Input({ shape: [4], name: 'x' });
    const shared = new Dense(4, { activation: 'tanh', name: 'shared' });
    const y = new Dense(2, { name: 'head' }).apply(shared.apply(new Activation('relu').apply(shared.apply(x))));
    const m = jiggle(new Model({ inputs: x, outputs: y, seed: 4 }));
    const { out, json, theirs } = await exportToTfjs(m, 'shared');
    const sharedJson = json.modelTopology.config.layers.find((l) => l.name === 'shared')!;
    expect(sharedJson.inbound_nodes).toHaveLength(2);
    expect(json.weightsManifest[0].weights.filter((w) => w.name.startsWith('shared/'))).toHaveLength(2);
    expect(theirs.getLayer('shared').inboundNodes).toHaveLength(2);
    const xs = batch(5, [[4]]);
    await expectSamePredictions(theirs, m, xs);
    await expectSameOutputs(m, await loadModel(out), xs);
  });

  it("a shared layer whose later node TF.js's loader makes first: its nodes are numbered as TF.js will make them", async () => {
    // shared runs on a (node 0), then on after(node 0) (node 1), then on b (node 2). TF.js's loader,
    // passing over the layers in order, makes node 0 and the node on b in its first pass (after is
    // further down), the node on after's output in its second: the file numbers them 0, 2, 1.
    const a = Input({ shape: [3], name: 'a' });
    const b = Input({ shape: [3], name: 'b' });
    const shared = new Dense(3, { activation: 'tanh', name: 'shared' });
    const deep = shared.apply(new Dense(3, { name: 'after' }).apply(shared.apply(a)));
    const side = shared.apply(b);
    const m = jiggle(new Model({ inputs: [a, b], outputs: [deep, side], seed: 5 }));
    const ours = m.toConfig() as { outputs: unknown };
    expect(ours.outputs).toEqual([
      ['shared', 1, 0],
      ['shared', 2, 0],
    ]);
    const { out, json, theirs } = await exportToTfjs(m, 'shared-order');
    expect(json.modelTopology.config.output_layers).toEqual([
      ['shared', 2, 0],
      ['shared', 1, 0],
    ]);
    expect(json.modelTopology.config.layers.find((l) => l.name === 'shared')!.inbound_nodes).toEqual([
      [['a', 0, 0, {}]],
      [['b', 0, 0, {}]],
      [['after', 0, 0, {}]],
    ]);
    const xs = batch(4, [[3], [3]]);
    await expectSamePredictions(theirs, m, xs);
    await expectSameOutputs(m, await loadModel(out), xs);
  });

  it('a model applied as a layer, twice (its layers inlined, one set of weights)', async () => {
    const t = Input({ shape: [4] });
    const tower = new Model({
      inputs: t,
      outputs: new Dense(3, { activation: 'tanh', name: 'tower_out' }).apply(
        new Dense(5, { name: 'tower_in' }).apply(t),
      ),
    });
    const a = Input({ shape: [4], name: 'left' });
    const b = Input({ shape: [4], name: 'right' });
    const y = new Dense(2, { name: 'out' }).apply(
      new Concatenate().apply([tower.apply(a) as SymbolicTensor, tower.apply(b) as SymbolicTensor]),
    );
    const m = jiggle(new Model({ inputs: [a, b], outputs: y, seed: 8 }));
    const { out, json, theirs } = await exportToTfjs(m, 'tower');
    expect(json.weightsManifest[0].weights.map((w) => w.name)).toEqual([
      'tower_in/kernel',
      'tower_in/bias',
      'tower_out/kernel',
      'tower_out/bias',
      'out/kernel',
      'out/bias',
    ]);
    const xs = batch(4, [[4], [4]]);
    await expectSamePredictions(theirs, m, xs);
    await expectSameOutputs(m, await loadModel(out), xs);
  });

  it('Multiply, Average, Maximum and Minimum', async () => {
    const ins = [0, 1, 2].map((i) => Input({ shape: [5], name: `in${i}` }));
    const [p, q, r] = ins.map((t, i) => new Dense(4, { activation: 'tanh', name: `d${i}` }).apply(t));
    const merged = [
      new Multiply().apply([p, q]),
      new Average().apply([p, q, r]),
      new Maximum().apply([q, r]),
      new Minimum().apply([p, q, r]),
    ];
    const y = new Dense(2, { name: 'out' }).apply(new Concatenate().apply(merged));
    const m = jiggle(new Model({ inputs: ins, outputs: [y, merged[1]], seed: 6 }));
    const { out, json, theirs } = await exportToTfjs(m, 'merges');
    expect(json.modelTopology.config.layers.map((l) => l.class_name)).toEqual(
      expect.arrayContaining(['Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate']),
    );
    const xs = batch(6, [[5], [5], [5]]);
    await expectSamePredictions(theirs, m, xs);
    await expectSameOutputs(m, await loadModel(out), xs);
  });

  it('leaves augmentation layers out, each with a note, their consumers taking their inputs', async () => {
    const x = Input({ shape: [6, 6, 1], name: 'image' });
    // two augmentation layers in a row before one branch, one before the other
    const zoomed = new RandomRotation(0.1, { name: 'turn' }).apply(
      new RandomZoom(0.2, null, { name: 'zoom' }).apply(x),
    );
    const a = new Conv2D(2, 3, { name: 'a' }).apply(zoomed);
    const b = new Conv2D(2, 3, { name: 'b' }).apply(new RandomZoom(0.1, null, { name: 'zoom_b' }).apply(x));
    const y = new Dense(3, { name: 'head' }).apply(new Flatten().apply(new Add().apply([a, b])));
    const m = jiggle(new Model({ inputs: x, outputs: y, seed: 7 }));
    const { out, json, theirs, notes } = await exportToTfjs(m, 'augmented');
    expect(notes).toEqual(
      ['zoom', 'turn', 'zoom_b'].map((n): unknown =>
        expect.stringMatching(
          new RegExp(
            `^The Random\\w+ layer '${n}' is left out of the TensorFlow.js export: TensorFlow.js has no Random\\w+, and the layer is the identity at inference, so the exported model predicts the same \\(the layers it fed take its input instead\\)\\.$`,
          ),
        ),
      ),
    );
    const layers = json.modelTopology.config.layers;
    expect(layers.map((l) => l.class_name).filter((c) => c.startsWith('Random'))).toEqual([]);
    expect(layers.find((l) => l.name === 'a')!.inbound_nodes).toEqual([[['image', 0, 0, {}]]]);
    expect(layers.find((l) => l.name === 'b')!.inbound_nodes).toEqual([[['image', 0, 0, {}]]]);
    const xs = batch(3, [[6, 6, 1]]);
    await expectSamePredictions(theirs, m, xs);
    const back = await loadModel(out);
    expect(back.layers.map((l) => l.className)).not.toContain('RandomZoom');
    await expectSameOutputs(m, back, xs);
  });

  it('leaves out a Flatten of one-dimensional samples (the identity, which TF.js refuses), in a functional model and a Sequential', async () => {
    const x = Input({ shape: [5], name: 'v' });
    const f = new Flatten({ name: 'flat' }).apply(x);
    const y = new Add().apply([f, new Dense(5, { activation: 'tanh' }).apply(f)]);
    const m = jiggle(new Model({ inputs: x, outputs: y, seed: 9 }));
    const { json, theirs, notes } = await exportToTfjs(m, 'flat-1d');
    expect(notes).toEqual([
      "The Flatten layer 'flat' is left out of the TensorFlow.js export: on samples of one dimension it is the identity, and TensorFlow.js's Flatten refuses them, so the exported model predicts the same (the layers it fed take its input instead).",
    ]);
    expect(json.modelTopology.config.layers.map((l) => l.class_name)).toEqual(['InputLayer', 'Dense', 'Add']);
    await expectSamePredictions(theirs, m, batch(4, [[5]]));
    const seq = jiggle(new Sequential([new Flatten({ inputShape: [5] }), new Dense(2)], { seed: 9 }));
    const s = await exportToTfjs(seq, 'flat-1d-seq');
    expect(s.notes).toHaveLength(1);
    expect(s.json.modelTopology.config.layers.map((l) => [l.class_name, l.config.batch_input_shape])).toEqual([
      ['Dense', [null, 5]],
    ]);
    await expectSamePredictions(s.theirs, seq, batch(4, [[5]]));
    // A Flatten of images stays.
    const img = jiggle(new Sequential([new Flatten({ inputShape: [2, 3] }), new Dense(2)], { seed: 9 }));
    expect((await exportToTfjs(img, 'flat-2d-seq')).notes).toEqual([]);
  });

  it('refuses a model of augmentation layers only, and one output of which is an augmentation of an input is written as the input', async () => {
    const x = Input({ shape: [4, 4, 1] });
    const only = new Model({ inputs: x, outputs: new RandomZoom(0.2, null, { name: 'z' }).apply(x) });
    await expect(only.save(join(dir, 'only-aug'), { format: 'tfjs' })).rejects.toThrow(
      /every layer of the model '\w+' between its inputs and its outputs \('z'\) is left out of the TensorFlow.js export/,
    );
    expect(existsSync(join(dir, 'only-aug'))).toBe(false);
    const x2 = Input({ shape: [4, 4, 1], name: 'pic' });
    const aug = new RandomZoom(0.2, null).apply(x2);
    const m = jiggle(new Model({ inputs: x2, outputs: [new Dense(2).apply(aug), aug] }));
    const { json, theirs } = await exportToTfjs(m, 'aug-output');
    expect(json.modelTopology.config.output_layers[1]).toEqual(['pic', 0, 0]);
    await expectSamePredictions(theirs, m, batch(2, [[4, 4, 1]]));
  });

  it('refuses Subtract, which TensorFlow.js lacks, with a FormatError naming it; nothing is written', async () => {
    const a = Input({ shape: [3] });
    const b = Input({ shape: [3] });
    const m = new Model({ inputs: [a, b], outputs: new Subtract({ name: 'diff' }).apply([a, b]) });
    const out = join(dir, 'subtract');
    await expect(m.save(out, { format: 'tfjs' })).rejects.toThrow(FormatError);
    await expect(m.save(out, { format: 'tfjs' })).rejects.toThrow(
      /the Subtract layer 'diff' cannot be exported: TensorFlow.js \(tfjs-layers 4.22\) has no Subtract layer/,
    );
    expect(existsSync(out)).toBe(false);
    expect(tf.layers).not.toHaveProperty('subtract'); // still so in the TF.js the tests run against
  });
});

describe('functional models saved by TensorFlow.js, loaded here', () => {
  it('a residual model (Add)', async () => {
    const x = tf.input({ shape: [5, 5, 2] });
    const c = sym(tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x));
    const r = sym(tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(c));
    const s = sym(tf.layers.add().apply([c, r]));
    const y = sym(tf.layers.dense({ units: 4, activation: 'softmax' }).apply(sym(tf.layers.flatten().apply(s))));
    const theirs = jiggleTfjs(tf.model({ inputs: x, outputs: y }));
    const ours = await loadModel(await savedByTfjs(theirs, dir, 'tf-residual'));
    expect(ours).not.toBeInstanceOf(Sequential);
    expect(ours.layers.map((l) => l.className)).toEqual(['InputLayer', 'Conv2D', 'Conv2D', 'Add', 'Flatten', 'Dense']);
    await expectSamePredictions(theirs, ours, batch(4, [[5, 5, 2]]));
  });

  it('two inputs joined by Concatenate (on the last axis and on an axis counted from the front)', async () => {
    const a = tf.input({ shape: [2, 3] });
    const b = tf.input({ shape: [4, 3] });
    const rows = sym(tf.layers.concatenate({ axis: 1 }).apply([a, b]));
    const flat = sym(tf.layers.flatten().apply(rows));
    const c = tf.input({ shape: [5] });
    const h = sym(tf.layers.dense({ units: 3, activation: 'tanh' }).apply(c));
    const joined = sym(tf.layers.concatenate().apply([flat, h]));
    const y = sym(tf.layers.dense({ units: 2 }).apply(joined));
    const theirs = jiggleTfjs(tf.model({ inputs: [a, b, c], outputs: y }));
    const ours = await loadModel(await savedByTfjs(theirs, dir, 'tf-two-inputs'));
    expect(ours.inputNames).toEqual(theirs.inputNames);
    await expectSamePredictions(theirs, ours, batch(3, [[2, 3], [4, 3], [5]]));
  });

  it('two outputs', async () => {
    const x = tf.input({ shape: [6] });
    const t = sym(tf.layers.dense({ units: 5, activation: 'relu' }).apply(x));
    const p = sym(tf.layers.dense({ units: 3, activation: 'softmax' }).apply(t));
    const q = sym(tf.layers.dense({ units: 1 }).apply(sym(tf.layers.batchNormalization().apply(t))));
    const theirs = tf.model({ inputs: x, outputs: [q, p] });
    theirs.setWeights(
      theirs
        .getWeights()
        .map((w, i) =>
          theirs.weights[i].name.includes('moving_variance')
            ? tf.randomUniform(w.shape, 0.5, 2, 'float32', i)
            : tf.randomNormal(w.shape, 0, 0.5, 'float32', i),
        ),
    );
    const ours = await loadModel(await savedByTfjs(theirs, dir, 'tf-two-outputs'));
    expect(ours.outputNames).toEqual(theirs.outputNames);
    await expectSamePredictions(theirs, ours, batch(5, [[6]]));
  });

  it('a layer applied twice', async () => {
    const x = tf.input({ shape: [4] });
    const shared = tf.layers.dense({ units: 4, activation: 'tanh', name: 'shared' });
    const once = sym(shared.apply(x));
    const twice = sym(shared.apply(sym(tf.layers.activation({ activation: 'relu' }).apply(once))));
    const y = sym(tf.layers.add().apply([once, twice]));
    const theirs = jiggleTfjs(tf.model({ inputs: x, outputs: y }));
    const ours = await loadModel(await savedByTfjs(theirs, dir, 'tf-shared'));
    expect(ours.getWeights()).toHaveLength(2);
    await expectSamePredictions(theirs, ours, batch(5, [[4]]));
  });

  it('Multiply, Average, Maximum and Minimum', async () => {
    const ins = [0, 1, 2].map(() => tf.input({ shape: [3, 2] }));
    const merged = [
      sym(tf.layers.multiply().apply(ins)),
      sym(tf.layers.average().apply([ins[0], ins[2]])),
      sym(tf.layers.maximum().apply(ins)),
      sym(tf.layers.minimum().apply([ins[1], ins[2]])),
    ];
    const y = sym(tf.layers.dense({ units: 2 }).apply(sym(tf.layers.concatenate({ axis: 1 }).apply(merged))));
    const theirs = jiggleTfjs(tf.model({ inputs: ins, outputs: [y, merged[3]] }));
    const ours = await loadModel(await savedByTfjs(theirs, dir, 'tf-merges'));
    expect(ours.layers.map((l) => l.className)).toEqual(
      expect.arrayContaining(['Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate']),
    );
    await expectSamePredictions(
      theirs,
      ours,
      batch(4, [
        [3, 2],
        [3, 2],
        [3, 2],
      ]),
    );
  });

  it('a chain saved as a functional model comes back as a Sequential', async () => {
    const x = tf.input({ shape: [3] });
    const y = sym(tf.layers.dense({ units: 2 }).apply(sym(tf.layers.dense({ units: 4 }).apply(x))));
    const theirs = jiggleTfjs(tf.model({ inputs: x, outputs: y }));
    const ours = await loadModel(await savedByTfjs(theirs, dir, 'tf-chain'));
    expect(ours).toBeInstanceOf(Sequential);
    await expectSamePredictions(theirs, ours, batch(3, [[3]]));
  });

  it('refuses a model inside the model, naming it (read from Keras files, not yet from TF.js’s)', async () => {
    const tower = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })], name: 'tower' });
    const a = tf.input({ shape: [3] });
    const y = sym(tf.layers.add().apply([sym(tower.apply(a)), sym(tower.apply(a))]));
    const out = await savedByTfjs(tf.model({ inputs: a, outputs: y }), dir, 'tf-nested');
    await expect(loadModel(out)).rejects.toThrow(FormatError);
    await expect(loadModel(out)).rejects.toThrow(/layer 1 \('tower'\) is a model inside the model/);
  });

  it('finds the weights by name, whatever the manifest’s order; a weight of no layer is refused', async () => {
    const a = tf.input({ shape: [3] });
    const b = tf.input({ shape: [3] });
    const y = sym(
      tf.layers.add().apply([sym(tf.layers.dense({ units: 2 }).apply(a)), sym(tf.layers.dense({ units: 2 }).apply(b))]),
    );
    const theirs = jiggleTfjs(tf.model({ inputs: [a, b], outputs: y }));
    const out = await savedByTfjs(theirs, dir, 'tf-reordered');
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as FunctionalJson;
    const bytes = readFileSync(join(out, 'weights.bin'));
    // Reverse the manifest and its bytes: the same weights, listed last to first.
    const specs = json.weightsManifest[0].weights;
    let o = 0;
    const chunks = specs.map((w) => {
      const n = w.shape.reduce((p, q) => p * q, 1) * 4;
      return bytes.subarray(o, (o += n));
    });
    json.weightsManifest[0].weights = [...specs].reverse();
    writeFileSync(join(out, 'weights.bin'), Buffer.concat([...chunks].reverse()));
    writeFileSync(join(out, 'model.json'), JSON.stringify(json));
    await expectSamePredictions(theirs, await loadModel(out), batch(3, [[3], [3]]));
    // A manifest that names a weight no layer has.
    json.weightsManifest[0].weights[0] = { ...json.weightsManifest[0].weights[0], name: 'nowhere/bias' };
    writeFileSync(join(out, 'model.json'), JSON.stringify(json));
    await expect(loadModel(out)).rejects.toThrow(FormatError);
    await expect(loadModel(out)).rejects.toThrow(/the manifest has no weight \w+\/bias/);
  });
});

describe('hostile model.json graphs are refused with a FormatError before anything is allocated', () => {
  /** A functional topology whose Dense 'huge' would need 4·10⁹ weights if it were ever built. */
  function write(name: string, layers: unknown[], inputs: unknown[], outputs: unknown[]): string {
    const out = join(dir, name);
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'model.json'),
      JSON.stringify({
        format: 'layers-model',
        modelTopology: {
          class_name: 'Model',
          config: { name, layers, input_layers: inputs, output_layers: outputs },
        },
        weightsManifest: [{ paths: [], weights: [] }],
      }),
    );
    return out;
  }
  const input = (name: string) => ({
    name,
    class_name: 'InputLayer',
    config: { batch_input_shape: [null, 4], dtype: 'float32', name },
    inbound_nodes: [],
  });
  const dense = (name: string, units: number, nodes: unknown[][]) => ({
    name,
    class_name: 'Dense',
    config: { name, units },
    inbound_nodes: nodes,
  });
  const two = (from: string[]) => ({
    name: 'add',
    class_name: 'Add',
    config: { name: 'add' },
    inbound_nodes: [from.map((f) => [f, 0, 0, {}])],
  });

  it('a cycle in inbound_nodes', async () => {
    const out = write(
      'cycle',
      [
        input('x'),
        dense('huge', 1e9, [[['loop', 0, 0, {}]]]),
        dense('loop', 4, [[['huge', 0, 0, {}]]]),
        two(['x', 'loop']),
      ],
      [['x', 0, 0]],
      [['add', 0, 0]],
    );
    await expect(loadModel(out)).rejects.toThrow(FormatError);
    await expect(loadModel(out)).rejects.toThrow(/the graph has a cycle: node 0 of the layer '(huge|loop|add)'/);
  });

  it('a node index that does not exist', async () => {
    const out = write(
      'no-node',
      [input('x'), dense('huge', 1e9, [[['x', 0, 0, {}]]]), dense('next', 4, [[['huge', 3, 0, {}]]])],
      [['x', 0, 0]],
      [['next', 0, 0]],
    );
    await expect(loadModel(out)).rejects.toThrow(FormatError);
    await expect(loadModel(out)).rejects.toThrow(/names node 3 of the layer 'huge', which has 1/);
  });

  it('a layer named twice', async () => {
    const out = write(
      'twice',
      [input('x'), dense('huge', 1e9, [[['x', 0, 0, {}]]]), dense('huge', 4, [[['x', 0, 0, {}]]]), two(['huge', 'x'])],
      [['x', 0, 0]],
      [['add', 0, 0]],
    );
    await expect(loadModel(out)).rejects.toThrow(FormatError);
    await expect(loadModel(out)).rejects.toThrow(/two layers are named 'huge'/);
  });

  it('and a sound graph of that huge layer is refused by the weights budget, not allocated', async () => {
    const out = write(
      'huge',
      [input('x'), dense('huge', 1e9, [[['x', 0, 0, {}]]]), two(['huge', 'huge'])],
      [['x', 0, 0]],
      [['add', 0, 0]],
    );
    await expect(loadModel(out)).rejects.toThrow(/needs more weights than the file holds \(0 values\)/);
  });
});
