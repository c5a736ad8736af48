// LearningRateScheduler and ReduceLROnPlateau with Keras 3's semantics, on crafted logs (the
// reductions worked out by hand below) and inside fit; the learning rate in History.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Dense,
  ExponentialDecay,
  LearningRateScheduler,
  ReduceLROnPlateau,
  SGD,
  Sequential,
  Tensor,
  ValueError,
  modelFromBytes,
  modelToBytes,
  type CallbackModel,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';

afterEach(() => vi.restoreAllMocks());

/** A stand-in for the model fit hands a callback: only its optimizer matters here. */
function fakeModel(lr = 1): CallbackModel {
  return {
    stopTraining: false,
    optimizer: new SGD({ learningRate: lr }),
    getWeights: () => [],
    setWeights: () => {},
    save: async () => {},
  };
}

/** Feeds `values` of `monitor` to the callback, epoch by epoch; the rate after each epoch's end. */
function plateau(cb: ReduceLROnPlateau, values: number[], monitor = 'val_loss', lr = 1): number[] {
  const model = fakeModel(lr);
  cb.setModel(model);
  cb.onTrainBegin();
  return values.map((v, epoch) => {
    cb.onEpochEnd(epoch, { loss: 0, [monitor]: v });
    return model.optimizer!.learningRate;
  });
}

describe('ReduceLROnPlateau', () => {
  it('reduces after patience epochs without improvement, waits out the cooldown, and stops at minLr', () => {
    // patience 2, cooldown 1: epoch 0 sets the best; 1, 2 wait → ×0.5 at epoch 2 and a cooldown of 1;
    // epoch 3 spends the cooldown (wait reset, then counted: 1); epoch 4 reduces again (0.25);
    // epoch 6 would give 0.125 but minLr holds it at 0.2; from then on lr ≤ minLr, so nothing changes.
    const cb = new ReduceLROnPlateau({ factor: 0.5, patience: 2, cooldown: 1, minLr: 0.2 });
    expect(plateau(cb, Array<number>(10).fill(1))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2]);
  });

  it('a longer cooldown counts no epochs until it is over', () => {
    // cooldown 2, patience 1: reductions at epochs 1, 3, 5, 7. After each, the next epoch spends one
    // cooldown epoch (and is not counted); the one after spends the second, which ends the cooldown,
    // so that epoch is counted: wait 1 = patience, and it reduces again.
    const cb = new ReduceLROnPlateau({ factor: 0.5, patience: 1, cooldown: 2 });
    expect(plateau(cb, Array<number>(8).fill(3))).toEqual([1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.0625]);
    // without a cooldown, every epoch after the first reduces
    expect(plateau(new ReduceLROnPlateau({ factor: 0.5, patience: 1 }), Array<number>(4).fill(3))).toEqual([
      1, 0.5, 0.25, 0.125,
    ]);
  });

  it('an improvement by more than minDelta resets the wait; a smaller one does not', () => {
    // patience 2: 1.0 best; 0.99995 is within minDelta 1e-4 (wait 1); 0.9 improves (wait 0);
    // 0.9, 0.9 → wait 1, 2 → reduce at epoch 4
    const cb = new ReduceLROnPlateau({ factor: 0.1, patience: 2 });
    expect(plateau(cb, [1, 0.99995, 0.9, 0.9, 0.9])).toEqual([1, 1, 1, 1, 0.1]);
    // the same without the improvement at epoch 2 reduces at epoch 2
    expect(plateau(new ReduceLROnPlateau({ factor: 0.1, patience: 2 }), [1, 0.99995, 0.99995])).toEqual([1, 1, 0.1]);
  });

  it("mode 'auto' lets an accuracy rise; 'max' and 'min' take any name", () => {
    const cb = new ReduceLROnPlateau({ monitor: 'val_accuracy', factor: 0.5, patience: 1 });
    expect(plateau(cb, [0.5, 0.6, 0.55, 0.7], 'val_accuracy')).toEqual([1, 1, 0.5, 0.5]);
    expect(
      plateau(new ReduceLROnPlateau({ monitor: 'score', mode: 'max', factor: 0.5, patience: 1 }), [1, 2, 1], 'score'),
    ).toEqual([1, 1, 0.5]);
    expect(() => new ReduceLROnPlateau({ monitor: 'score' })).toThrow(
      new ValueError(
        "ReduceLROnPlateau: cannot tell whether monitor 'score' should fall or rise; pass mode: 'min' or mode: 'max'.",
      ),
    );
  });

  it('a monitor missing from the logs is a warning, and that epoch changes nothing (Keras)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const cb = new ReduceLROnPlateau({ patience: 0 });
    expect(plateau(cb, [1, 1], 'loss')).toEqual([1, 1]);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/ReduceLROnPlateau: 'val_loss' is not in the logs \(loss\); skipping this epoch/),
    );
  });

  it('an unknown mode falls back to auto with a warning (Keras)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const cb = new ReduceLROnPlateau({ mode: 'lowest' as never, factor: 0.5, patience: 1 });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/mode 'lowest' is unknown; falling back to 'auto'/));
    expect(plateau(cb, [1, 2])).toEqual([1, 0.5]);
  });
});

function data(n: number): { x: Tensor; y: Tensor } {
  const r = new Rng(2);
  return {
    x: new Tensor(
      Float32Array.from({ length: n * 3 }, () => r.normal()),
      [n, 3],
    ),
    y: new Tensor(
      Int32Array.from({ length: n }, () => r.int(2)),
      [n],
    ),
  };
}

function model(lr: number | ExponentialDecay = 0.1): Sequential {
  const m = new Sequential([new Dense(2, { activation: 'softmax', inputShape: [3] })], { seed: 1 });
  m.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy' });
  return m;
}

describe('LearningRateScheduler', () => {
  it('sets the rate at the start of each epoch from (epoch, lr); every update of the epoch uses it, and History records it', async () => {
    const m = model(0.1);
    const { x, y } = data(12);
    const used: number[][] = [];
    const probe = {
      onEpochBegin: () => void used.push([]),
      onBatchBegin: () => void used[used.length - 1].push(m.optimizer!.learningRate),
    };
    const h = await m.fit(x, y, {
      epochs: 3,
      batchSize: 4,
      verbose: 0,
      callbacks: [new LearningRateScheduler((epoch, lr) => (epoch === 0 ? lr : lr / 2)), probe],
    });
    expect(used).toEqual([
      [0.1, 0.1, 0.1],
      [0.05, 0.05, 0.05],
      [0.025, 0.025, 0.025],
    ]);
    expect(h.history.lr).toEqual([0.1, 0.05, 0.025]);
    expect(h.history.learning_rate).toEqual([0.1, 0.05, 0.025]);
  });

  it('prints the rate it sets with verbose 1', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const { x, y } = data(4);
    await model().fit(x, y, { epochs: 1, verbose: 0, callbacks: [new LearningRateScheduler(() => 0.3, 1)] });
    expect(log).toHaveBeenCalledWith('\nEpoch 1: LearningRateScheduler setting learning rate to 0.3.');
  });
});

describe('the learning rate in fit', () => {
  it('ReduceLROnPlateau in fit: History records the rate each epoch trained with, before the reduction', async () => {
    const m = model(0.1);
    const { x, y } = data(8);
    // monitoring the rate itself (mode 'min'): it never improves on its own first value, so with
    // patience 1 every epoch from the second reduces it, after History has recorded it
    const h = await m.fit(x, y, {
      epochs: 4,
      verbose: 0,
      callbacks: [
        new ReduceLROnPlateau({ monitor: 'learning_rate', mode: 'min', minDelta: 0.5, factor: 0.5, patience: 1 }),
      ],
    });
    expect(h.history.lr).toEqual([0.1, 0.1, 0.05, 0.025]);
    expect(m.optimizer!.learningRate).toBe(0.0125);
    // the reduced rate is what a saved model keeps, as Keras saves its learning-rate variable
    expect(modelFromBytes(modelToBytes(m)).optimizer!.learningRate).toBe(0.0125);
  });

  it('with a schedule, History records the rate at the epoch end (the next update’s, as Keras 3 logs it)', async () => {
    const m = model(new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 }));
    const { x, y } = data(8);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(h.history.lr).toEqual([0.1 * 0.5 ** 2, 0.1 * 0.5 ** 4]);
  });

  it.each([
    ['LearningRateScheduler', () => new LearningRateScheduler((_e, lr) => lr)],
    ['ReduceLROnPlateau', () => new ReduceLROnPlateau({ monitor: 'loss' })],
  ])(
    '%s refuses an optimizer with a schedule before training starts (Keras: a TypeError when it first sets it)',
    async (name, make) => {
      const m = model(new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 }));
      const before = m.getWeights();
      const { x, y } = data(8);
      await expect(m.fit(x, y, { epochs: 2, verbose: 0, callbacks: [make()] })).rejects.toThrow(
        new ValueError(
          `${name}: the optimizer's learningRate is the schedule ExponentialDecay, which is not settable; create the optimizer with a number as learningRate to use ${name}.`,
        ),
      );
      expect(m.optimizer!.iterations).toBe(0);
      m.getWeights().forEach((w, i) => expect(w.data).toEqual(before[i].data));
    },
  );
});
