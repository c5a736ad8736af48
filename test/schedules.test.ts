// Learning-rate schedules: values worked out by hand at chosen steps, the same schedules against
// Keras's and PyTorch's formulas written out again here, optimizers stepping at the rate of their
// `iterations`, configs and files, and a run saved mid-way resuming with the same rates, bit for bit.
import { describe, expect, it } from 'vitest';
import {
  Adam,
  CosineDecay,
  Dense,
  ExponentialDecay,
  OneCycle,
  PiecewiseConstantDecay,
  RMSprop,
  SGD,
  Sequential,
  Tensor,
  ValueError,
  modelFromBytes,
  modelToBytes,
  scheduleFromConfig,
  type LearningRateSchedule,
  type Optimizer,
  type Param,
} from '../src/index.js';
import { optimizerFromConfig } from '../src/optimizers/index.js';
import type { ScheduleConfig } from '../src/optimizers/schedules.js';
import { Rng } from '../src/tensor/random.js';

const at = (s: LearningRateSchedule, steps: number[]) => steps.map((k) => s.at(k));

function expectClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 14));
}

describe('schedules at hand-computed steps', () => {
  it('ExponentialDecay: lr0 · rate^(step / decaySteps), floored with staircase', () => {
    const smooth = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expectClose(at(smooth, [0, 5, 10, 20]), [0.1, 0.1 / Math.SQRT2, 0.05, 0.025]);
    const stairs = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expectClose(at(stairs, [0, 5, 9, 10, 19, 20]), [0.1, 0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it('PiecewiseConstantDecay: values[i] while boundaries[i−1] < step ≤ boundaries[i]', () => {
    const s = new PiecewiseConstantDecay({ boundaries: [3, 6], values: [1, 0.5, 0.1] });
    expect(at(s, [0, 3, 4, 6, 7, 1000])).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });

  it('CosineDecay: half a cosine from lr0 to alpha·lr0 over decaySteps, then flat', () => {
    const s = new CosineDecay({ initialLearningRate: 1, decaySteps: 4 });
    // step 1: ½(1 + cos(π/4)) = ½ + √2/4
    expectClose(at(s, [0, 1, 2, 4, 100]), [1, 0.5 + Math.SQRT2 / 4, 0.5, 0, 0]);
    const floor = new CosineDecay({ initialLearningRate: 2, decaySteps: 4, alpha: 0.1 });
    expectClose(at(floor, [0, 2, 4, 9]), [2, 2 * (0.9 * 0.5 + 0.1), 0.2, 0.2]);
  });

  it("CosineDecay with Keras 3's warmup: linear from lr0 to warmupTarget over warmupSteps, then the cosine from the target", () => {
    const s = new CosineDecay({ initialLearningRate: 0, decaySteps: 4, warmupTarget: 1, warmupSteps: 2 });
    expectClose(at(s, [0, 1, 2, 3, 4, 6, 50]), [0, 0.5, 1, 0.5 + Math.SQRT2 / 4, 0.5, 0, 0]);
    const fromLr0 = new CosineDecay({
      initialLearningRate: 0.2,
      decaySteps: 2,
      alpha: 0.5,
      warmupTarget: 1,
      warmupSteps: 4,
    });
    // warmup 0.2 → 1 in steps of 0.2; decay from 1 to α·1 = 0.5: step 5 is halfway, 0.5·(½) + 0.5
    expectClose(at(fromLr0, [0, 1, 3, 4, 5, 6, 7]), [0.2, 0.4, 0.8, 1, 0.75, 0.5, 0.5]);
  });

  it("OneCycle: PyTorch's two phases, max/25 up to max by step pct·total − 1, then down to max/25/1e4 at the last step", () => {
    const s = new OneCycle({ maxLearningRate: 1, totalSteps: 10 });
    // rising phase: steps 0 … 2 (0.3·10 − 1), cos from 0.04 to 1; falling: steps 2 … 9, cos from 1 to 4e-6
    const half = (a: number, b: number, f: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * f) + 1);
    expectClose(at(s, [0, 1, 2, 9, 12]), [0.04, 0.52, 1, 4e-6, 4e-6]);
    expect(s.at(3)).toBeCloseTo(half(1, 4e-6, 1 / 7), 14);
    const linear = new OneCycle({
      maxLearningRate: 0.5,
      totalSteps: 5,
      pctStart: 0.4,
      divFactor: 10,
      finalDivFactor: 100,
      anneal: 'linear',
    });
    // 0.05 → 0.5 over steps 0 … 1, then 0.5 → 0.0005 over steps 1 … 4
    expectClose(at(linear, [0, 1, 2, 4]), [0.05, 0.5, 0.5 - 0.4995 / 3, 0.0005]);
  });
});

describe("the schedules against Keras's and PyTorch's formulas, written out again", () => {
  const steps = Array.from({ length: 60 }, (_, i) => i);
  it('ExponentialDecay and CosineDecay (keras/src/optimizers/schedules/learning_rate_schedule.py)', () => {
    const keras = {
      exp: (k: number, lr0: number, d: number, r: number, stair: boolean) =>
        lr0 * Math.pow(r, stair ? Math.floor(k / d) : k / d),
      cos: (k: number, lr0: number, d: number, alpha: number, target: number | null, w: number) => {
        const decay = (s: number, from: number) =>
          from * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * (s / d))) + alpha);
        if (target === null) return decay(Math.min(k, d), lr0);
        const s = Math.min(k, d + w);
        return s < w ? (target - lr0) * (s / w) + lr0 : decay(s - w, target);
      },
    };
    const e = new ExponentialDecay({ initialLearningRate: 0.3, decaySteps: 7, decayRate: 0.8, staircase: true });
    expectClose(
      at(e, steps),
      steps.map((k) => keras.exp(k, 0.3, 7, 0.8, true)),
    );
    const c = new CosineDecay({
      initialLearningRate: 0.01,
      decaySteps: 40,
      alpha: 0.05,
      warmupTarget: 0.1,
      warmupSteps: 9,
    });
    expectClose(
      at(c, steps),
      steps.map((k) => keras.cos(k, 0.01, 40, 0.05, 0.1, 9)),
    );
  });

  it("OneCycle (torch/optim/lr_scheduler.py's OneCycleLR, three_phase=False)", () => {
    const torch = (k: number, max: number, total: number, pct: number, div: number, finalDiv: number) => {
      const initial = max / div;
      const phases = [
        { end: pct * total - 1, start: initial, stop: max },
        { end: total - 1, start: max, stop: initial / finalDiv },
      ];
      let begin = 0;
      for (let i = 0; i < phases.length; i++) {
        const p = phases[i];
        if (k <= p.end || i === phases.length - 1) {
          const f = (k - begin) / (p.end - begin);
          return p.stop + ((p.start - p.stop) / 2) * (Math.cos(Math.PI * f) + 1);
        }
        begin = p.end;
      }
      throw new Error('unreachable');
    };
    const s = new OneCycle({ maxLearningRate: 0.2, totalSteps: 60, pctStart: 0.25, divFactor: 20, finalDivFactor: 50 });
    expectClose(
      at(s, steps),
      steps.map((k) => torch(k, 0.2, 60, 0.25, 20, 50)),
    );
  });
});

function param(w: number[]): Param {
  return {
    name: 'w',
    value: new Tensor(Float64Array.from(w), [w.length]),
    grad: new Tensor(new Float64Array(w.length), [w.length]),
    trainable: true,
  };
}

describe('optimizers with a schedule', () => {
  it('each update uses the rate at iterations, the updates taken before it (Keras 3)', () => {
    const sgd = new SGD({ learningRate: new PiecewiseConstantDecay({ boundaries: [0, 1], values: [1, 0.1, 0.01] }) });
    const p = param([0]);
    const seen: number[][] = [];
    for (let k = 0; k < 4; k++) {
      expect(sgd.iterations).toBe(k);
      seen.push([sgd.learningRate]);
      p.grad.data[0] = 1;
      sgd.step([p]);
      seen[k].push(p.value.data[0]);
    }
    // rates 1 (step 0 ≤ 0), 0.1 (step 1), 0.01, 0.01; w = −1, −1.1, −1.11, −1.12
    expect(seen.map((s) => s[0])).toEqual([1, 0.1, 0.01, 0.01]);
    expectClose(
      seen.map((s) => s[1]),
      [-1, -1.1, -1.11, -1.12],
    );
  });

  it.each([
    ['Adam', (lr: number | LearningRateSchedule) => new Adam({ learningRate: lr })],
    ['RMSprop with momentum', (lr: number | LearningRateSchedule) => new RMSprop({ learningRate: lr, momentum: 0.5 })],
    [
      'SGD with nesterov',
      (lr: number | LearningRateSchedule) => new SGD({ learningRate: lr, momentum: 0.9, nesterov: true }),
    ],
  ])('%s steps exactly as with its rate set by hand to schedule.at(iterations) before each update', (_name, make) => {
    const schedule = new CosineDecay({
      initialLearningRate: 0.01,
      decaySteps: 5,
      alpha: 0.1,
      warmupTarget: 0.05,
      warmupSteps: 2,
    });
    const scheduled: Optimizer = make(schedule);
    const manual: Optimizer = make(1);
    const [a, b] = [param([1, -2]), param([1, -2])];
    const r = new Rng(3);
    for (let k = 0; k < 9; k++) {
      const g = [r.normal(), r.normal()];
      a.grad.data.set(g);
      b.grad.data.set(g);
      manual.learningRate = schedule.at(k);
      expect(scheduled.learningRate).toBe(manual.learningRate);
      scheduled.step([a]);
      manual.step([b]);
      expect(Array.from(a.value.data)).toEqual(Array.from(b.value.data));
    }
    expect(a.value.data[0]).not.toBe(1);
  });

  it('learningRate reads as the number in effect; a number cannot replace a schedule (Keras), a schedule can replace a number', () => {
    const s = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 });
    const adam = new Adam({ learningRate: s });
    expect(adam.learningRate).toBe(0.1);
    expect(adam.learningRateSchedule).toBe(s);
    adam.iterations = 3;
    expect(adam.learningRate).toBe(0.0125);
    expect(() => (adam.learningRate = 0.01)).toThrow(
      /Adam: this optimizer was created with the schedule ExponentialDecay as its learningRate, so its learning rate cannot be set to 0.01/,
    );
    const sgd = new SGD();
    expect(sgd.learningRateSchedule).toBeUndefined();
    sgd.learningRate = 0.5;
    expect(sgd.learningRate).toBe(0.5);
    expect(sgd.getConfig().learningRate).toBe(0.5);
    expect(() => (sgd.learningRate = -1)).toThrow(/SGD: learningRate must be a finite number in \(0, ∞\), got -1/);
    expect(sgd.learningRate).toBe(0.5);
    sgd.learningRate = s;
    expect(sgd.learningRateSchedule).toBe(s);
  });
});

describe('configs and files', () => {
  const all: LearningRateSchedule[] = [
    new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.9, staircase: true, name: 'exp' }),
    new PiecewiseConstantDecay({ boundaries: [2, 5], values: [0.3, 0.2, 0.1] }),
    new CosineDecay({ initialLearningRate: 0.001, decaySteps: 10, alpha: 0.1, warmupTarget: 0.01, warmupSteps: 3 }),
    new CosineDecay({ initialLearningRate: 0.001, decaySteps: 10 }),
    new OneCycle({
      maxLearningRate: 0.1,
      totalSteps: 20,
      pctStart: 0.4,
      divFactor: 10,
      finalDivFactor: 100,
      anneal: 'linear',
    }),
  ];

  it.each(all.map((s) => [s.className, s] as const))(
    '%s: getConfig → scheduleFromConfig gives the same rates, and so does the optimizer config',
    (_n, s) => {
      const saved = JSON.parse(JSON.stringify({ className: s.className, config: s.getConfig() })) as ScheduleConfig;
      const back = scheduleFromConfig(saved);
      expect(back.getConfig()).toEqual(s.getConfig());
      const own = (s.constructor as typeof ExponentialDecay).fromConfig(saved.config);
      expect(own).toBeInstanceOf(s.constructor);
      expect(own.getConfig()).toEqual(s.getConfig());
      const steps = Array.from({ length: 25 }, (_, i) => i);
      expect(at(back, steps)).toEqual(at(s, steps));
      const opt = optimizerFromConfig(
        'rmsprop',
        JSON.parse(JSON.stringify(new RMSprop({ learningRate: s }).getConfig())) as Record<string, unknown>,
      );
      expect(opt.learningRateSchedule?.getConfig()).toEqual(s.getConfig());
    },
  );

  it('a model saved mid-run with a schedule resumes with the same rates and weights, bit for bit', async () => {
    const r = new Rng(5);
    const x = new Tensor(
      Float32Array.from({ length: 40 * 4 }, () => r.normal()),
      [40, 4],
    );
    const y = new Tensor(
      Int32Array.from({ length: 40 }, () => r.int(3)),
      [40],
    );
    const make = () => {
      const m = new Sequential(
        [new Dense(6, { activation: 'relu', inputShape: [4] }), new Dense(3, { activation: 'softmax' })],
        { seed: 9 },
      );
      m.compile({
        optimizer: new Adam({
          learningRate: new CosineDecay({
            initialLearningRate: 0.001,
            decaySteps: 20,
            warmupTarget: 0.05,
            warmupSteps: 6,
          }),
        }),
        loss: 'sparseCategoricalCrossentropy',
      });
      return m;
    };
    const whole = make();
    const h = await whole.fit(x, y, { epochs: 4, batchSize: 8, verbose: 0 });
    const first = make();
    await first.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const resumed = modelFromBytes(modelToBytes(first));
    expect(resumed.optimizer!.learningRateSchedule?.className).toBe('CosineDecay');
    expect(resumed.optimizer!.iterations).toBe(10);
    const h2 = await resumed.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 8, verbose: 0 });
    expect(h2.history.loss).toEqual(h.history.loss.slice(2));
    expect(h2.history.lr).toEqual(h.history.lr.slice(2));
    // the rates moved (warmup, then decay), so the resume had something to get right
    expect(new Set(h.history.lr).size).toBe(4);
    resumed.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(whole.getWeights()[i].data)));
  });
});

describe('bad options name the schedule and the option', () => {
  it('a missing required option', () => {
    expect(() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10 } as never)).toThrow(
      new ValueError("ExponentialDecay: the option 'decayRate' is required."),
    );
  });
});
