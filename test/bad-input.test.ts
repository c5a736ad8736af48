// Every kind of bad input a user can give, the typed error it must get, and that the model is left
// as it was (no kernel crash, no half-changed weights).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Dense,
  Flatten,
  FormatError,
  MnistNnError,
  Sequential,
  ShapeError,
  Tensor,
  ValueError,
  encodeIdx,
  loadModel,
  parseIdx,
  tensor,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(loss = 'sparseCategoricalCrossentropy', compile = true): Sequential {
  const m = new Sequential([new Flatten({ inputShape: [2, 3] }), new Dense(4, { activation: 'relu' }), new Dense(3, { activation: 'softmax' })], { seed: 1 });
  if (compile) m.compile({ optimizer: 'adam', loss, metrics: ['accuracy'] });
  return m;
}
const x = (n = 4) => new Tensor(Float32Array.from({ length: n * 6 }, (_, i) => i / 10), [n, 2, 3]);
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

type Case = [what: string, act: (m: Sequential) => unknown, error: new (...a: never[]) => MnistNnError, message: RegExp];

const CASES: Case[] = [
  ['wrong input shape for the first layer', (m) => m.fit(x().reshape([4, 6]), labels(0, 1, 2, 0)), ShapeError, /Flatten 'flatten(_\d+)?' expects input of shape \[None, 2, 3\], got \[4, 6\]/],
  ['a layer that cannot take the previous output', (m) => m.add(new Dense(2, { inputShape: [7] })), ShapeError, /declared with inputShape \[None, 7\] but receives \[None, 3\]/],
  ['NaN in the inputs', (m) => m.fit(withValue(x(), 5, NaN), labels(0, 1, 2, 0)), ValueError, /x holds NaN at flat index 5/],
  ['an infinite input', (m) => m.predict(withValue(x(), 2, -Infinity)), ValueError, /x holds -Infinity at flat index 2/],
  ['NaN in one-hot targets', (m) => { m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' }); return m.fit(x(2), tensor([[1, 0, 0], [0, NaN, 1]])); }, ValueError, /targets contain NaN at flat index 4/],
  ['a label that is not an integer', (m) => m.fit(x(), labels(0, 1.5, 2, 0)), ValueError, /label 1.5 at index 1 is not an integer in \[0, 3\)/],
  ['a label out of range', (m) => m.evaluate(x(), labels(0, 1, 3, 0)), ValueError, /label 3 at index 2 is not an integer in \[0, 3\)/],
  ['a negative label', (m) => m.trainOnBatch(x(), labels(0, -1, 2, 0)), ValueError, /label -1 at index 1/],
  ['one-hot width that does not match the output', (m) => { m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' }); return m.fit(x(2), tensor([[1, 0], [0, 1]])); }, ShapeError, /one-hot targets of shape \[2, 3\].*got \[2, 2\]/],
  ['as many targets as samples', (m) => m.fit(x(), labels(0, 1)), ShapeError, /x has 4 samples but y has shape \[2\]/],
  ['batchSize 0', (m) => m.fit(x(), labels(0, 1, 2, 0), { batchSize: 0 }), ValueError, /batchSize must be an integer ≥ 1, got 0/],
  ['batchSize not an integer', (m) => m.predict(x(), { batchSize: 2.5 }), ValueError, /batchSize must be an integer ≥ 1, got 2.5/],
  ['validationSplit of 1', (m) => m.fit(x(), labels(0, 1, 2, 0), { validationSplit: 1 }), ValueError, /validationSplit must be a number in \[0, 1\), got 1/],
  ['a negative validationSplit', (m) => m.fit(x(), labels(0, 1, 2, 0), { validationSplit: -0.1 }), ValueError, /validationSplit must be a number in \[0, 1\)/],
  ['fit before compile', () => model(undefined, false).fit(x(), labels(0, 1, 2, 0)), ValueError, /call compile\(\{ optimizer, loss \}\) before fit\(\)/],
  ['an unknown optimizer', (m) => m.compile({ optimizer: 'adamax', loss: 'mse' }), ValueError, /Unknown optimizer 'adamax'/],
  ['an unknown loss', (m) => m.compile({ optimizer: 'adam', loss: 'hinge' }), ValueError, /Unknown loss 'hinge'/],
  ['an unknown activation', () => new Dense(3, { activation: 'swish' as 'relu' }), ValueError, /unknown activation 'swish'/],
  ['an unknown option', (m) => m.fit(x(), labels(0, 1, 2, 0), { batch_size: 2 } as never), ValueError, /unknown option 'batch_size'/],
  ['a corrupt IDX file', () => parseIdx(Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 1, 7]), 'bad.idx'), FormatError, /bad\.idx/],
  ['a truncated IDX file', () => { const good = encodeIdx(new Tensor(Uint8Array.from([1, 2, 3]), [3])); return parseIdx(good.subarray(0, good.length - 1), 'cut.idx'); }, FormatError, /cut\.idx.*truncated/],
  ['a corrupt model file', () => loadModel(file('corrupt.mnn', 'MNISTNN1\u00ff\u00ff\u00ff\u00ff')), FormatError, /truncated: the header needs/],
  ['a truncated model file', async (m) => { const p = join(dir, 'cut.mnn'); await m.save(p); const b = readFileSync(p); return loadModel(file('cut2.mnn', b.subarray(0, b.length - 3))); }, FormatError, /truncated: the tensors need \d+ bytes of data/],
  ['model JSON naming an unknown layer class', () => loadModel(file('cls.json', '{"modelTopology":{"class_name":"Sequential","config":{"layers":[{"class_name":"Lambda","config":{"batch_input_shape":[null,2]}}]}}}')), FormatError, /unknown layer class "Lambda"/],
  ['model JSON carrying __proto__', () => loadModel(file('proto.json', '{"modelTopology":{"class_name":"Sequential","__proto__":{"polluted":true}}}')), FormatError, /'__proto__' key/],
  ['model JSON carrying constructor', () => loadModel(file('ctor.json', '{"modelTopology":{"constructor":{}}}')), FormatError, /'constructor' key/],
  ['a weights file of the wrong length', () => {
      const d = join(dir, 'short');
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'w.bin'), new Uint8Array(12));
      writeFileSync(join(d, 'model.json'), JSON.stringify({ modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { units: 2, batch_input_shape: [null, 3] } }] } }, weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'k', shape: [3, 2], dtype: 'float32' }, { name: 'b', shape: [2], dtype: 'float32' }] }] }));
      return loadModel(d);
    }, FormatError, /truncated weights: k needs bytes 0–24, the shards hold 12/],
  ['setWeights with the wrong count', (m) => m.setWeights(m.getWeights().slice(1)), ValueError, /expected 4 tensors, got 3/],
  ['setWeights with a wrong shape', (m) => { const w = m.getWeights(); w[2] = tensor([[1, 2, 3]]); return m.setWeights(w); }, ShapeError, /weight 2 .* must have shape \[4, 3\], got \[1, 3\]/],
  ['setWeights with NaN', (m) => { const w = m.getWeights(); w[0] = withValue(w[0], 3, NaN); return m.setWeights(w); }, ValueError, /holds NaN at flat index 3/],
];

describe('bad input gets a typed error saying what was expected and what came, and changes nothing', () => {
  it.each(CASES)('%s', async (_what, act, ErrorClass, message) => {
    const m = model();
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
  });
});
