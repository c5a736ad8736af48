// Saving and loading: round trips, exact resumption, atomic writes under kill, corrupt files, callbacks.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Conv2D,
  Dense,
  Dropout,
  EarlyStopping,
  Flatten,
  FormatError,
  MaxPooling2D,
  ModelCheckpoint,
  RMSprop,
  SGD,
  Sequential,
  Tensor,
  ValueError,
  loadModel,
  regularizers,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { encodeModelFile } from '../src/io/model-file.js';
import { modelToFile } from '../src/io/serialize.js';

const dir = mkdtempSync(join(tmpdir(), 'mnist-nn-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function data(n: number, seed = 0): { x: Tensor; y: Tensor } {
  const r = new Rng(seed);
  return {
    x: new Tensor(
      Float32Array.from({ length: n * 8 * 8 }, () => r.normal()),
      [n, 8, 8, 1],
    ),
    y: new Tensor(
      Int32Array.from({ length: n }, () => r.int(3)),
      [n],
    ),
  };
}

function cnn(seed: number): Sequential {
  const m = new Sequential(
    [
      new Conv2D(4, 3, { activation: 'relu', inputShape: [8, 8, 1], kernelRegularizer: regularizers.l2(0.001) }),
      new MaxPooling2D(2),
      new Flatten(),
      new Dropout(0.3),
      new Dense(3, { activation: 'softmax' }),
    ],
    { seed },
  );
  m.compile({
    optimizer: new RMSprop({ learningRate: 0.01, momentum: 0.5 }),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return m;
}

describe('save and load', () => {
  it('round trip: same architecture, weights and predictions', async () => {
    const m = cnn(1);
    const { x, y } = data(20);
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const path = join(dir, 'cnn.mnn');
    await m.save(path);
    const back = await loadModel(path);
    expect(back.toConfig()).toEqual(m.toConfig());
    back.getWeights().forEach((w, i) => expect(w.data).toEqual(m.getWeights()[i].data));
    expect(((await back.predict(x)) as Tensor).data).toEqual((await m.predict(x)).data);
    expect(back.summary(() => {})).toBe(m.summary(() => {}));
    expect(await back.evaluate(x, y)).toEqual(await m.evaluate(x, y));
  });

  it('resume: fit 2 epochs, save, load, fit on from epoch 2 equals 4 uninterrupted epochs, bit for bit', async () => {
    const { x, y } = data(40, 3);
    const straight = cnn(7);
    const h = await straight.fit(x, y, { epochs: 4, batchSize: 8, validationSplit: 0.25, verbose: 0 });
    const first = cnn(7);
    await first.fit(x, y, { epochs: 2, batchSize: 8, validationSplit: 0.25, verbose: 0 });
    const path = join(dir, 'resume.mnn');
    await first.save(path);
    const resumed = await loadModel(path);
    const h2 = await resumed.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 8, validationSplit: 0.25, verbose: 0 });
    expect(h2.epoch).toEqual([2, 3]);
    expect(h2.history.loss).toEqual(h.history.loss.slice(2));
    expect(h2.history.val_loss).toEqual(h.history.val_loss.slice(2));
    resumed.getWeights().forEach((w, i) => expect(w.data).toEqual(straight.getWeights()[i].data));
    expect(resumed.optimizer!.iterations).toBe(straight.optimizer!.iterations);
  });

  it('without the optimizer: weights and compile settings only', async () => {
    const m = cnn(2);
    const path = join(dir, 'light.mnn');
    await m.save(path, { includeOptimizer: false });
    const back = await loadModel(path);
    expect(back.optimizer!.iterations).toBe(0);
    expect(readFileSync(path).length).toBeLessThan(readFileSync(join(dir, 'cnn.mnn')).length);
    await expect(m.save(path, { format: 'h5' } as never)).rejects.toThrow(
      "save: format must be 'mnist-nn', 'tfjs' or 'keras', got \"h5\".",
    );
    await expect(m.save(path, { optimizer: true } as never)).rejects.toThrow(/unknown option 'optimizer'/);
  });

  it('a model compiled with binary cross-entropy: the loss comes back, and training resumes bit for bit', async () => {
    const make = () => {
      const m = new Sequential(
        [new Dense(4, { activation: 'relu', inputShape: [3] }), new Dense(1, { activation: 'sigmoid' })],
        { seed: 8 },
      );
      m.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy'] });
      return m;
    };
    const r = new Rng(4);
    const x = new Tensor(
      Float32Array.from({ length: 30 * 3 }, () => r.normal()),
      [30, 3],
    );
    const y = new Tensor(
      Float32Array.from({ length: 30 }, (_, i) => (x.data[3 * i] > 0 ? 1 : 0)),
      [30],
    );
    const straight = make();
    await straight.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const first = make();
    await first.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(modelToFile(first).header.training).toMatchObject({ loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const path = join(dir, 'bce.mnn');
    await first.save(path);
    const back = await loadModel(path);
    expect(back.compileConfig).toEqual({ loss: 'binaryCrossentropy', metrics: ['accuracy'], weightedMetrics: [] });
    expect(await back.evaluate(x, y)).toEqual(await first.evaluate(x, y));
    await back.fit(x, y, { epochs: 2, initialEpoch: 1, batchSize: 8, verbose: 0 });
    back.getWeights().forEach((w, i) => expect(w.data).toEqual(straight.getWeights()[i].data));
  });

  it('rejects missing, corrupt, truncated and hostile files with a FormatError that says what is wrong', async () => {
    const m = cnn(3);
    const path = join(dir, 'good.mnn');
    await m.save(path);
    const good = readFileSync(path);
    const bad = (name: string, bytes: Uint8Array) => {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      return loadModel(p);
    };
    await expect(loadModel(join(dir, 'nope.mnn'))).rejects.toThrow(/cannot read .*nope\.mnn: no such file \(ENOENT\)/);
    await expect(bad('magic.mnn', Buffer.from('hello world, not a model'))).rejects.toThrow(
      /is neither an mnist-nn model file, a Keras .keras or .h5 file, nor a TensorFlow.js model.json/,
    );
    await expect(bad('short.mnn', good.subarray(0, good.length - 4))).rejects.toThrow(
      /truncated: the tensors need \d+ bytes of data, the file has \d+/,
    );
    await expect(bad('long.mnn', Buffer.concat([good, Buffer.alloc(8)]))).rejects.toThrow(/trailing bytes/);
    await expect(bad('header.mnn', good.subarray(0, 40))).rejects.toThrow(/truncated: the header needs/);
    const header = (json: string) => {
      const h = Buffer.from(json);
      const out = Buffer.alloc(Math.ceil((12 + h.length) / 8) * 8); // the data starts at the next multiple of 8
      out.write('MNISTNN1');
      out.writeUInt32LE(h.length, 8);
      h.copy(out, 12);
      return out;
    };
    await expect(bad('proto.mnn', header('{"format":"mnist-nn","tensors":[],"__proto__":{"x":1}}'))).rejects.toThrow(
      "the JSON has a '__proto__' key",
    );
    await expect(
      bad('ctor.mnn', header('{"format":"mnist-nn","tensors":[],"model":{"constructor":{}}}')),
    ).rejects.toThrow(/'constructor' key/);
    await expect(
      bad(
        'class.mnn',
        header(
          '{"format":"mnist-nn","version":1,"tensors":[],"model":{"className":"Sequential","config":{"layers":[{"className":"Evil","config":{}}]}}}',
        ),
      ),
    ).rejects.toThrow(/layer 0: unknown layer class "Evil"/);
    await expect(bad('json.mnn', header('{"format": oops'))).rejects.toThrow(FormatError);
    // a weight of the wrong shape for its layer
    const wrong = header(
      '{"format":"mnist-nn","version":1,"tensors":[{"name":"k","shape":[5,3],"dtype":"float32"},{"name":"b","shape":[3],"dtype":"float32"}],"model":{"className":"Sequential","config":{"inputShape":[4],"layers":[{"className":"Dense","config":{"units":3}}]}}}',
    );
    const padded = Buffer.concat([wrong, Buffer.alloc((8 - (wrong.length % 8)) % 8), Buffer.alloc(18 * 4)]);
    await expect(bad('shape.mnn', padded)).rejects.toThrow(FormatError);
    await expect(bad('shape.mnn', padded)).rejects.toThrow(
      /shape\.mnn: weight 0 is k \[5, 3\] float32, but dense(_\d+)?\/kernel needs \[4,3\]/,
    );
  });
});

describe('paths: run directories and extensions (issue 29)', () => {
  it('loadModel takes a directory holding model.mnn, .json, .keras or .h5, as the CLI does', async () => {
    const m = cnn(5);
    const run = join(dir, 'a-run');
    mkdirSync(run);
    await m.save(join(run, 'model.mnn'));
    expect((await loadModel(run)).getWeights()[0].data).toEqual(m.getWeights()[0].data);
    const keras = join(dir, 'a-keras-dir');
    mkdirSync(keras);
    await m.save(join(keras, 'model.keras'));
    expect((await loadModel(keras)).countParams()).toBe(m.countParams());
    const ckpts = join(dir, 'ckpt-dir');
    mkdirSync(ckpts);
    await m.save(join(ckpts, 'ckpt-01.mnn'));
    await expect(loadModel(ckpts)).rejects.toThrow(
      new FormatError(
        `loadModel: ${ckpts} holds no model: expected model.mnn, model.json, model.keras or model.h5 in it; ` +
          'it holds ckpt-01.mnn: give that file itself.',
      ),
    );
    mkdirSync(join(dir, 'empty-dir'));
    await expect(loadModel(join(dir, 'empty-dir'))).rejects.toThrow(/empty-dir holds no model: expected model\.mnn/);
  });

  it('save refuses an extension no format owns, naming the ones that exist, and writes nothing', async () => {
    const m = cnn(6);
    for (const name of ['m.onnx', 'm.pb', 'm.bin', 'm.h5', 'model.json']) {
      const e = await m.save(join(dir, name)).catch((err: unknown) => err);
      expect(e, name).toBeInstanceOf(ValueError);
      expect((e as Error).message, name).toMatch(
        name === 'm.h5'
          ? /not the legacy \.h5 \(name the output .*m\.keras\)/
          : /\.mnn is mnist-nn's file and \.keras Keras 3's/,
      );
      expect(existsSync(join(dir, name)), name).toBe(false);
    }
    await expect(m.save(join(dir, 'm.onnx'))).rejects.toThrow(
      `save: ${join(dir, 'm.onnx')}: no format mnist-nn writes has the extension .onnx; .mnn is mnist-nn's file ` +
        "and .keras Keras 3's; a name without one gets mnist-nn's file, " +
        "or TensorFlow.js's directory with { format: 'tfjs' }.",
    );
    // What the guides promise still holds: no extension (or a number's) is our file, an explicit format any name.
    for (const name of ['plain', 'ckpt-03-0.1234', 'UPPER.MNN']) {
      await m.save(join(dir, name));
      expect((await loadModel(join(dir, name))).countParams(), name).toBe(m.countParams());
    }
    await m.save(join(dir, 'chosen.onnx'), { format: 'mnist-nn' });
    expect(existsSync(join(dir, 'chosen.onnx'))).toBe(true);
  });
});

describe('atomic saves', () => {
  it('a process killed in the middle of saving leaves the previous file whole and loadable, every time', async () => {
    const path = join(dir, 'killed.mnn');
    const make = (seed: number) =>
      new Sequential([new Dense(512, { inputShape: [784] }), new Dense(10, { activation: 'softmax' })], {
        seed,
        name: 'victim',
      });
    const old = make(1);
    const fresh = make(2); // what the child writes, again and again
    await old.save(path);
    // The child runs the library's atomic writer on the new model's bytes, over and over; it loads
    // only that module, so it starts fast and is killed while writing.
    const bytes = join(dir, 'fresh.bytes');
    writeFileSync(bytes, encodeModelFile(modelToFile(fresh)));
    const script = `
      import { readFileSync } from 'node:fs';
      import { writeFileAtomic } from ${JSON.stringify(new URL('../src/io/write.ts', import.meta.url).pathname)};
      const bytes = readFileSync(${JSON.stringify(bytes)});
      process.stdout.write('ready\\n');
      for (;;) writeFileAtomic(${JSON.stringify(path)}, bytes);
    `;
    const kills = 8;
    for (let i = 0; i < kills; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 5 + 13 * i)); // somewhere inside the save loop
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      // whole: the old model or the new one, never a torn mixture of the two
      const loaded = (await loadModel(path)).getWeights();
      const matches = (m: Sequential) =>
        m.getWeights().every((w, k) => w.data.every((v, j) => v === loaded[k].data[j]));
      expect(matches(old) || matches(fresh)).toBe(true);
    }
    // Kills that landed mid-save leave the writer's temporary file behind (never the model itself):
    // there must be some, or the test never caught a save in the act.
    const debris = readdirSync(dir).filter((f) => f.startsWith('.killed.mnn.') && f.endsWith('.tmp'));
    console.log(`kill test: ${debris.length} of ${kills} kills landed mid-save`);
    expect(debris.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('callbacks', () => {
  it('EarlyStopping stops after `patience` epochs without improvement and can restore the best weights', async () => {
    const m = cnn(4);
    const { x, y } = data(24);
    let calls = 0;
    const stop = new EarlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
    // make every epoch after the first look worse to the callback, whatever the real loss does
    const fakeLoss = { onEpochEnd: (_e: number, logs: Record<string, number>) => void (logs.loss = 1 + calls++) };
    const h = await m.fit(x, y, { epochs: 10, batchSize: 8, verbose: 0, callbacks: [fakeLoss, stop] });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(stop.stoppedEpoch).toBe(2);
    expect(m.stopTraining).toBe(true);
  });

  it('ModelCheckpoint saves each epoch, or only improving ones, with the epoch and logs in the name', async () => {
    const m = cnn(5);
    const { x, y } = data(24);
    const every = join(dir, 'ck-{epoch:02d}.mnn');
    const best = join(dir, 'best.mnn');
    await m.fit(x, y, {
      epochs: 3,
      batchSize: 8,
      verbose: 0,
      validationSplit: 0.25,
      callbacks: [
        new ModelCheckpoint({ filepath: every }),
        new ModelCheckpoint({ filepath: best, monitor: 'val_loss', saveBestOnly: true }),
      ],
    });
    for (const e of ['01', '02', '03']) expect(existsSync(join(dir, `ck-${e}.mnn`))).toBe(true);
    const ck3 = await loadModel(join(dir, 'ck-03.mnn'));
    ck3.getWeights().forEach((w, i) => expect(w.data).toEqual(m.getWeights()[i].data));
    expect((await loadModel(best)).countParams()).toBe(m.countParams());
  });

  it('a diverging loss stops training with an error naming the epoch and batch, unless turned off', async () => {
    const m = new Sequential([new Dense(1, { inputShape: [1], kernelInitializer: 'ones' })]);
    m.compile({ optimizer: new SGD({ learningRate: 1e30 }), loss: 'mse' });
    const x = new Tensor(Float32Array.from([1e20, 1e20]), [2, 1]);
    const y = new Tensor(Float32Array.from([0, 0]), [2, 1]);
    await expect(m.fit(x, y, { epochs: 3, batchSize: 1, verbose: 0 })).rejects.toThrow(
      /fit: the loss became (NaN|Infinity) at epoch 1, batch [12] of 2/,
    );
    await expect(m.fit(x, y, { epochs: 1, batchSize: 1, verbose: 0, terminateOnNaN: false })).resolves.toBeDefined();
  });
});
