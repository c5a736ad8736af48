// The TensorFlow.js Layers format, checked against the real @tensorflow/tfjs in both directions.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { savedByTfjs, tfjsFromMemory, useTfjsCpu, type TfjsModelJson } from './helpers/tfjs.js';
import {
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  FormatError,
  MaxPooling2D,
  Sequential,
  Tensor,
  loadModel,
  regularizers,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';

const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-tfjs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
useTfjsCpu();

const rng = new Rng(8);
const images = (n: number) =>
  new Tensor(
    Float32Array.from({ length: n * 10 * 10 }, () => rng.next()),
    [n, 10, 10, 1],
  );

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('TensorFlow.js Layers format', () => {
  it('a model trained here loads in TensorFlow.js and predicts the same to 1e-5', async () => {
    const m = new Sequential(
      [
        new Conv2D(4, 3, {
          activation: 'relu',
          padding: 'same',
          inputShape: [10, 10, 1],
          kernelRegularizer: regularizers.l2(1e-3),
        }),
        new MaxPooling2D(2),
        new Conv2D(3, [2, 3], { strides: [1, 2], activation: 'tanh' }),
        new Flatten(),
        new Dropout(0.25),
        new Dense(6, { activation: 'sigmoid' }),
        new Dense(3, { activation: 'softmax' }),
      ],
      { seed: 3 },
    );
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = images(16);
    await m.fit(
      x,
      new Tensor(
        Int32Array.from({ length: 16 }, () => rng.int(3)),
        [16],
      ),
      { epochs: 2, batchSize: 4, verbose: 0 },
    );
    const out = join(dir, 'ours');
    await m.save(out, { format: 'tfjs' });
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as TfjsModelJson;
    const weights = readFileSync(join(out, json.weightsManifest[0].paths[0]));
    const theirs = await tfjsFromMemory(json, weights);
    const p = theirs.predict(tf.tensor4d(x.data as Float32Array, [16, 10, 10, 1])) as tf.Tensor;
    expect(maxDiff(p.dataSync(), (await m.predict(x)).data)).toBeLessThan(1e-5);
    expect(theirs.layers.map((l) => l.getClassName())).toEqual([
      'Conv2D',
      'MaxPooling2D',
      'Conv2D',
      'Flatten',
      'Dropout',
      'Dense',
      'Dense',
    ]);
    // and it comes back here through loadModel, telling the format apart by content
    const back = await loadModel(out);
    expect(maxDiff(((await back.predict(x)) as Tensor).data, (await m.predict(x)).data)).toBe(0);
  });

  it('a model made in TensorFlow.js loads here and predicts the same to 1e-5', async () => {
    const theirs = tf.sequential({
      layers: [
        tf.layers.conv2d({
          filters: 5,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'relu',
          inputShape: [10, 10, 1],
        }),
        tf.layers.maxPooling2d({ poolSize: 2, strides: 1 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 7, activation: 'tanh' }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    // what tf.io's file handler writes: model.json naming its weight shard, and the shard
    const out = await savedByTfjs(theirs, dir, 'theirs');
    const ours = await loadModel(join(out, 'model.json'));
    expect(ours.layers.map((l) => l.className)).toEqual([
      'Conv2D',
      'MaxPooling2D',
      'Flatten',
      'Dense',
      'Dropout',
      'Dense',
    ]);
    const x = images(9);
    const p = theirs.predict(tf.tensor4d(x.data as Float32Array, [9, 10, 10, 1])) as tf.Tensor;
    expect(maxDiff(p.dataSync(), ((await ours.predict(x)) as Tensor).data)).toBeLessThan(1e-5);
  });

  it('refuses what it cannot translate, saying what', async () => {
    const out = join(dir, 'odd');
    mkdirSync(out, { recursive: true });
    const topo = (layers: unknown[]) =>
      writeFileSync(
        join(out, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          modelTopology: { class_name: 'Sequential', config: { layers } },
          weightsManifest: [{ paths: [], weights: [] }],
        }),
      );
    topo([{ class_name: 'LSTM', config: { units: 3, batch_input_shape: [null, 4, 2] } }]);
    await expect(loadModel(out)).rejects.toThrow(/unknown layer class "LSTM"/);
    topo([
      {
        class_name: 'Conv2D',
        config: { filters: 2, kernel_size: [3, 3], data_format: 'channels_first', batch_input_shape: [null, 1, 8, 8] },
      },
    ]);
    await expect(loadModel(out)).rejects.toThrow(/data_format 'channels_first', which mnist-nn does not support/);
    topo([{ class_name: 'Dense', config: { units: 2, batch_input_shape: [null, 3] } }]);
    await expect(loadModel(out)).rejects.toThrow(
      /layer 0 needs more weights than the file holds \(0 values\): Dense '[\w]+': its kernel \[3, 2\] would need 6 values/,
    );
    writeFileSync(join(out, 'model.json'), '{"modelTopology": {"__proto__": {}}}');
    await expect(loadModel(out)).rejects.toThrow(FormatError);
  });
});
