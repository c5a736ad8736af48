// A short training run on a subset of the real MNIST: the library learns, not just computes.
import { describe, expect, it, vi } from 'vitest';
import { Adam, Dense, Dropout, Flatten, Sequential, loadMnist } from '../src/index.js';
import { yieldToEventLoop } from '../src/training/trainer.js';

describe('training smoke test on real MNIST', () => {
  it('784-64-10 with dropout reaches > 90% test accuracy after 3 epochs on 12,000 digits', async () => {
    const { xTrain, yTrain, xTest, yTest } = loadMnist();
    const x = xTrain.slice(0, 12000).div(255);
    const y = yTrain.slice(0, 12000);
    const model = new Sequential(
      [
        new Flatten({ inputShape: [28, 28] }),
        new Dense(64, { activation: 'relu' }),
        new Dropout(0.2),
        new Dense(10, { activation: 'softmax' }),
      ],
      { seed: 7 },
    );
    model.compile({
      optimizer: new Adam({ learningRate: 1e-3 }),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const h = await model.fit(x, y, { epochs: 3, batchSize: 32, validationSplit: 0.1, verbose: 0 });
    expect(h.history.loss[2]).toBeLessThan(h.history.loss[0]);
    expect(h.history.val_accuracy[2]).toBeGreaterThan(0.9);
    const { loss, accuracy } = await model.evaluate(xTest.slice(0, 2000).div(255), yTest.slice(0, 2000));
    expect(accuracy).toBeGreaterThan(0.9);
    expect(loss).toBeLessThan(0.4);
    // uint8 pixels are accepted too and cast to float32, as Keras casts them
    const raw = xTest.slice(0, 3);
    expect(raw.dtype).toBe('uint8');
    const p = await model.predict(raw);
    expect(p.shape).toEqual([3, 10]);
    expect(p.data).toEqual((await model.predict(raw.cast('float32'))).data);
  });
});

describe("fit's yield to the event loop where there is no setImmediate (browsers)", () => {
  const realSetImmediate = setImmediate;
  it('goes by a message, not by setTimeout (which browsers hold to 4 ms once nested), and runs each waiter once, in order', async () => {
    const order: number[] = [];
    const realTimeout = globalThis.setTimeout;
    const timers = vi.fn((f: () => void, ms?: number) => realTimeout(f, ms));
    vi.stubGlobal('setImmediate', undefined);
    vi.stubGlobal('setTimeout', timers);
    try {
      await Promise.all([0, 1, 2].map((i) => yieldToEventLoop().then(() => order.push(i))));
      for (let i = 3; i < 6; i++) {
        await yieldToEventLoop();
        order.push(i);
      }
    } finally {
      vi.unstubAllGlobals();
    }
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(timers).not.toHaveBeenCalled();
  });

  it('holds a port open only while a yield waits (an open port keeps Node and Deno running)', async () => {
    const ports = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
    const before = ports();
    vi.stubGlobal('setImmediate', undefined);
    try {
      const pending = yieldToEventLoop();
      expect(ports()).toBeGreaterThan(before);
      await pending;
      await new Promise((r) => realSetImmediate(r)); // a closed port leaves the list at the next turn
      expect(ports()).toBe(before);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
