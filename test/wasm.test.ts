// The wasm backend as a whole: its binary is what its source assembles to, a training run gives
// the same results as on the reference kernels, and it keeps layer buffers in its own memory.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { assembleKernels } from '../scripts/assemble.js';
import { Adam, Dense, Dropout, Flatten, Sequential, loadMnist, setBackend, setThreads, getBackend, getThreads } from '../src/index.js';
import { KERNELS_PLAIN, KERNELS_SHARED } from '../src/tensor/wasm/binary.js';
import { ValueError } from '../src/errors.js';
import { availableCores } from '../src/tensor/wasm/pool.js';

describe('the wasm binary', () => {
  it('is what src/tensor/wasm/*-wat.ts assembles to (run `npm run build:wasm` after changing them)', async () => {
    expect(Buffer.from(await assembleKernels(true)).toString('base64')).toBe(KERNELS_SHARED);
    expect(Buffer.from(await assembleKernels(false)).toString('base64')).toBe(KERNELS_PLAIN);
  });
  it('is embedded: no .wasm file ships or is read at run time', () => {
    const src = readFileSync(new URL('../src/tensor/wasm/backend.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(/readFile|fetch\(|\.wasm['"]/);
  });
});

describe('backend choice', () => {
  afterEach(() => {
    setBackend('wasm');
    setThreads(availableCores());
  });
  it("is 'wasm' by default here, with every core", () => {
    expect(getBackend()).toBe('wasm');
    expect(getThreads()).toBe(availableCores());
  });
  it('rejects unknown backends and thread counts', () => {
    expect(() => setBackend('webgl')).toThrow(/Unknown backend 'webgl': expected one of 'wasm', 'js'/);
    expect(() => setThreads(0)).toThrow(ValueError);
  });

  async function train(backend: 'js' | 'wasm', threads = 2) {
    setBackend(backend);
    setThreads(threads);
    const { xTrain, yTrain, xTest, yTest } = loadMnist();
    const model = new Sequential(
      [new Flatten({ inputShape: [28, 28] }), new Dense(64, { activation: 'relu' }), new Dropout(0.2), new Dense(10, { activation: 'softmax' })],
      { seed: 11 },
    );
    model.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(xTrain.slice(0, 12000).div(255), yTrain.slice(0, 12000), { epochs: 3, batchSize: 64, verbose: 0 });
    const e = await model.evaluate(xTest.slice(0, 2000).div(255), yTest.slice(0, 2000));
    return { h: h.history, e };
  }

  it('a training run gives the same losses and accuracy on js and on wasm with 1 and 2 threads', async () => {
    const js = await train('js');
    for (const threads of [1, 2]) {
      const w = await train('wasm', threads);
      // float32 sums in another order round differently; over 3 epochs the runs stay together
      js.h.loss.forEach((l, i) => expect(Math.abs(w.h.loss[i] - l)).toBeLessThan(2e-3));
      expect(Math.abs(w.e.accuracy - js.e.accuracy)).toBeLessThanOrEqual(0.005);
      expect(w.e.accuracy).toBeGreaterThan(0.9);
    }
  });

  it('keeps weights and layer buffers in its own memory, so products copy nothing', () => {
    setBackend('wasm');
    const model = new Sequential([new Dense(8, { inputShape: [4] })]);
    const kernel = model.parameters()[0].value.data;
    expect(kernel.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});
