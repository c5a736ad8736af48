/**
 * Learning-rate schedules: a function of the optimizer's step count that an optimizer takes as its
 * `learningRate` (Keras's keras.optimizers.schedules). As in Keras 3 (base_optimizer.py), the
 * schedule is evaluated at `iterations`, the number of updates applied before the current one, so
 * the first update uses `schedule.at(0)`. Rates are computed in float64 (Keras computes them in the
 * initial rate's dtype, float32).
 *
 * Each schedule has `getConfig()` (JSON values: what a model file holds) and is rebuilt by
 * {@link scheduleFromConfig}; bad options are a ValueError naming the schedule and the option.
 * A little over 400 lines: five schedules, each with its checks, config and example, and the lookup
 * that rebuilds them.
 */
import { ValueError, checkBoolean, checkInt, checkKeys } from '../errors.js';

/** What a schedule is saved as: `{ className: 'CosineDecay', config: { … } }`. */
export interface ScheduleConfig {
  className: string;
  config: Record<string, number | boolean | string | number[] | null>;
}

/**
 * The base of the learning-rate schedules: the rate as a function of the updates taken so far, evaluated
 * by the optimizer before each update (as Keras 3 does, at `optimizer.iterations`). Give one as an
 * optimizer's `learningRate`; it is saved with the optimizer, so a run saved mid-way resumes with the same
 * rates.
 *
 * @example
 * ```ts
 * const schedule = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.5 });
 * schedule.at(0);    // 0.1
 * schedule.at(1000); // 0.05
 * const optimizer = new SGD({ learningRate: schedule });
 * ```
 */
export abstract class LearningRateSchedule {
  /** The name files and fromConfig know the class by. */
  abstract get className(): string;
  /** The learning rate for the update that follows `step` earlier updates (step ≥ 0). */
  abstract at(step: number): number;
  /** The options that rebuild this schedule. */
  abstract getConfig(): ScheduleConfig['config'];

  /** Keras's from_config: the schedule a getConfig() describes, e.g. `CosineDecay.fromConfig(s.getConfig())`. */
  static fromConfig<T extends LearningRateSchedule>(this: new (args: never) => T, config: ScheduleConfig['config']): T {
    return new this(config as never);
  }
}

/**
 * A value as an error message shows it: numbers as String gives them (JSON would write NaN and Infinity as null), the
 * rest as JSON.
 */
function shown(v: unknown): string {
  return typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
}

/** A finite number ≥ min (or > min when `strict`); else a ValueError naming schedule and option. */
function num(who: string, what: string, v: unknown, min: number, strict = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? v <= min : v < min)) {
    throw new ValueError(`${who}: ${what} must be a finite number ${strict ? '>' : '≥'} ${min}, got ${shown(v)}.`);
  }
  return v;
}

function str(who: string, what: string, v: unknown): string {
  if (typeof v !== 'string') throw new ValueError(`${who}: ${what} must be a string, got ${shown(v)}.`);
  return v;
}

/**
 * An optional option's value, or `fallback` when it is absent. null is not absent: it is what JSON
 * makes of NaN and Infinity, so a saved schedule holding it is refused rather than given the default.
 */
function or(v: unknown, fallback: unknown): unknown {
  return v === undefined ? fallback : v;
}

/** A required option: a ValueError when it is missing (the checks above would say "got undefined"). */
function need<T>(who: string, args: Record<string, unknown>, key: string): T {
  if (args[key] === undefined) throw new ValueError(`${who}: the option '${key}' is required.`);
  return args[key] as T;
}

export interface ExponentialDecayArgs {
  initialLearningRate: number;
  /** > 0. */
  decaySteps: number;
  /** > 0. */
  decayRate: number;
  /** Decay at whole multiples of decaySteps only; default false. */
  staircase?: boolean;
  /** Default 'ExponentialDecay'. */
  name?: string;
}

/**
 * Keras's ExponentialDecay: `initialLearningRate · decayRate^(step / decaySteps)`, the exponent floored
 * when `staircase`.
 *
 * @example
 * ```ts
 * const schedule = new ExponentialDecay({
 *   initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.96, staircase: true, // × 0.96 every 1000 updates
 * });
 * new SGD({ learningRate: schedule });
 * ```
 */
export class ExponentialDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  readonly name: string;

  constructor(args: ExponentialDecayArgs) {
    super();
    const who = 'ExponentialDecay';
    checkKeys(who, args, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase', 'name']);
    const a = (args ?? {}) as unknown as Record<string, unknown>;
    this.initialLearningRate = num(who, 'initialLearningRate', need(who, a, 'initialLearningRate'), 0);
    this.decaySteps = num(who, 'decaySteps', need(who, a, 'decaySteps'), 0, true);
    this.decayRate = num(who, 'decayRate', need(who, a, 'decayRate'), 0, true); // a negative base has no real powers
    this.staircase = checkBoolean(who, 'staircase', or(a.staircase, false));
    this.name = str(who, 'name', a.name ?? 'ExponentialDecay');
  }

  get className(): string {
    return 'ExponentialDecay';
  }

  at(step: number): number {
    const p = step / this.decaySteps;
    return this.initialLearningRate * this.decayRate ** (this.staircase ? Math.floor(p) : p);
  }

  getConfig(): ScheduleConfig['config'] {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      decayRate: this.decayRate,
      staircase: this.staircase,
      name: this.name,
    };
  }
}

export interface PiecewiseConstantDecayArgs {
  /** Strictly increasing step counts. */
  boundaries: number[];
  /** One more than boundaries: `values[0]` up to and including boundaries[0], …, `values[k]` after the last. */
  values: number[];
  /** Default 'PiecewiseConstant'. */
  name?: string;
}

/**
 * Keras's PiecewiseConstantDecay: `values[i]` for boundaries[i − 1] < step ≤ boundaries[i].
 *
 * @example
 * ```ts
 * // 1e-3 up to step 1000, then 1e-4 up to step 2000, then 1e-5
 * new Adam({ learningRate: new PiecewiseConstantDecay({ boundaries: [1000, 2000], values: [1e-3, 1e-4, 1e-5] }) });
 * ```
 */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly boundaries: number[];
  readonly values: number[];
  readonly name: string;

  constructor(args: PiecewiseConstantDecayArgs) {
    super();
    const who = 'PiecewiseConstantDecay';
    checkKeys(who, args, ['boundaries', 'values', 'name']);
    const a = (args ?? {}) as unknown as Record<string, unknown>;
    const b = need<unknown>(who, a, 'boundaries');
    const v = need<unknown>(who, a, 'values');
    if (!Array.isArray(b))
      throw new ValueError(`${who}: boundaries must be an array of step counts, got ${JSON.stringify(b)}.`);
    if (!Array.isArray(v))
      throw new ValueError(`${who}: values must be an array of learning rates, got ${JSON.stringify(v)}.`);
    b.forEach((x, i) => num(who, `boundaries[${i}]`, x, -Infinity));
    b.forEach((x, i) => {
      if (i > 0 && !(x > b[i - 1]))
        throw new ValueError(
          `${who}: boundaries must be strictly increasing, got ${JSON.stringify(b)} (boundaries[${i}] = ${x} after ${b[i - 1]}).`,
        );
    });
    if (v.length !== b.length + 1) {
      throw new ValueError(
        `${who}: values must have one more entry than boundaries (${b.length + 1}), got ${v.length}: boundaries ${JSON.stringify(b)}, values ${JSON.stringify(v)}.`,
      );
    }
    v.forEach((x, i) => num(who, `values[${i}]`, x, 0));
    this.boundaries = [...(b as number[])];
    this.values = [...(v as number[])];
    this.name = str(who, 'name', a.name ?? 'PiecewiseConstant');
  }

  get className(): string {
    return 'PiecewiseConstantDecay';
  }

  at(step: number): number {
    let i = 0;
    while (i < this.boundaries.length && step > this.boundaries[i]) i++;
    return this.values[i];
  }

  getConfig(): ScheduleConfig['config'] {
    return { boundaries: [...this.boundaries], values: [...this.values], name: this.name };
  }
}

export interface CosineDecayArgs {
  initialLearningRate: number;
  /** Steps of the cosine (after the warmup); > 0. */
  decaySteps: number;
  /** The floor, as a fraction of the rate the decay starts from; default 0. */
  alpha?: number;
  /** Default 'CosineDecay'. */
  name?: string;
  /** When set, a linear warmup from initialLearningRate to this over warmupSteps comes first; default none. */
  warmupTarget?: number | null;
  /** Default 0. */
  warmupSteps?: number;
}

/**
 * Keras 3's CosineDecay. Without warmupTarget: `lr0 · ((1 − α)·½(1 + cos(π·s/D)) + α)` with
 * s = min(step, D). With warmupTarget T over W steps: s = min(step, D + W); for s < W the rate
 * goes linearly from lr0 to T (`lr0 + (T − lr0)·s/W`), then the cosine above decays from T over
 * s − W.
 *
 * @example
 * ```ts
 * // 500 updates of linear warmup from 0 to 1e-3, then a cosine down to 1% of it over 10,000
 * const schedule = new CosineDecay({
 *   initialLearningRate: 0, warmupTarget: 1e-3, warmupSteps: 500, decaySteps: 10_000, alpha: 0.01,
 * });
 * new Adam({ learningRate: schedule });
 * ```
 */
export class CosineDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly name: string;
  readonly warmupTarget: number | null;
  readonly warmupSteps: number;

  constructor(args: CosineDecayArgs) {
    super();
    const who = 'CosineDecay';
    checkKeys(who, args, ['initialLearningRate', 'decaySteps', 'alpha', 'name', 'warmupTarget', 'warmupSteps']);
    const a = (args ?? {}) as unknown as Record<string, unknown>;
    this.initialLearningRate = num(who, 'initialLearningRate', need(who, a, 'initialLearningRate'), 0);
    this.decaySteps = num(who, 'decaySteps', need(who, a, 'decaySteps'), 0, true);
    this.alpha = num(who, 'alpha', or(a.alpha, 0), 0);
    if (this.alpha > 1) throw new ValueError(`${who}: alpha must be a finite number in [0, 1], got ${this.alpha}.`);
    this.name = str(who, 'name', a.name ?? 'CosineDecay');
    this.warmupTarget =
      a.warmupTarget === undefined || a.warmupTarget === null ? null : num(who, 'warmupTarget', a.warmupTarget, 0);
    this.warmupSteps = num(who, 'warmupSteps', or(a.warmupSteps, 0), 0);
    // Keras ignores warmupSteps without a warmupTarget: an option that silently changes nothing.
    if (this.warmupTarget === null && this.warmupSteps > 0) {
      throw new ValueError(
        `${who}: warmupSteps ${this.warmupSteps} needs a warmupTarget (the rate the warmup climbs to from initialLearningRate); without one there is no warmup.`,
      );
    }
  }

  get className(): string {
    return 'CosineDecay';
  }

  at(step: number): number {
    const { decaySteps: D, warmupSteps: W, warmupTarget: T, initialLearningRate: lr0 } = this;
    if (T === null) return this.decay(Math.min(step, D), lr0);
    const s = Math.min(step, D + W);
    return s < W ? (T - lr0) * (s / W) + lr0 : this.decay(s - W, T);
  }

  private decay(s: number, from: number): number {
    const cosine = 0.5 * (1 + Math.cos(Math.PI * (s / this.decaySteps)));
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }

  getConfig(): ScheduleConfig['config'] {
    const { initialLearningRate, decaySteps, alpha, name, warmupTarget, warmupSteps } = this;
    return { initialLearningRate, decaySteps, alpha, name, warmupTarget, warmupSteps };
  }
}

export interface OneCycleArgs {
  /** The peak rate. */
  maxLearningRate: number;
  /** Steps in the cycle (an integer ≥ 1). */
  totalSteps: number;
  /** Fraction of totalSteps spent rising; default 0.3. */
  pctStart?: number;
  /** The starting rate is maxLearningRate / divFactor; default 25. */
  divFactor?: number;
  /** The final rate is the starting rate / finalDivFactor; default 1e4. */
  finalDivFactor?: number;
  /** How each phase moves between its ends; default 'cos'. */
  anneal?: 'cos' | 'linear';
}

/**
 * The one-cycle learning rate of PyTorch's OneCycleLR (two phases, `three_phase=False`): from
 * maxLearningRate / divFactor up to maxLearningRate by step pctStart·totalSteps − 1, then down to
 * maxLearningRate / (divFactor · finalDivFactor) at step totalSteps − 1. A phase from a to b at
 * fraction f of its steps is `b + (a − b)·½(cos(πf) + 1)` ('cos') or `a + (b − a)·f` ('linear').
 * Only the learning rate cycles: PyTorch's momentum cycling (cycle_momentum) is not done. Where
 * PyTorch raises after totalSteps steps, this holds the final rate; and a rising phase of zero steps
 * (pctStart·totalSteps = 1, where PyTorch divides 0 by 0) starts at the peak.
 *
 * @example
 * ```ts
 * const totalSteps = Math.ceil(60_000 / 128) * 15; // 15 epochs of batch 128
 * new Adam({ learningRate: new OneCycle({ maxLearningRate: 0.01, totalSteps }) });
 * ```
 */
export class OneCycle extends LearningRateSchedule {
  readonly maxLearningRate: number;
  readonly totalSteps: number;
  readonly pctStart: number;
  readonly divFactor: number;
  readonly finalDivFactor: number;
  readonly anneal: 'cos' | 'linear';

  constructor(args: OneCycleArgs) {
    super();
    const who = 'OneCycle';
    checkKeys(who, args, ['maxLearningRate', 'totalSteps', 'pctStart', 'divFactor', 'finalDivFactor', 'anneal']);
    const a = (args ?? {}) as unknown as Record<string, unknown>;
    this.maxLearningRate = num(who, 'maxLearningRate', need(who, a, 'maxLearningRate'), 0);
    this.totalSteps = checkInt(who, 'totalSteps', need(who, a, 'totalSteps'), 1);
    this.pctStart = num(who, 'pctStart', or(a.pctStart, 0.3), 0);
    if (this.pctStart > 1)
      throw new ValueError(`${who}: pctStart must be a finite number in [0, 1], got ${this.pctStart}.`);
    this.divFactor = num(who, 'divFactor', or(a.divFactor, 25), 0, true);
    this.finalDivFactor = num(who, 'finalDivFactor', or(a.finalDivFactor, 1e4), 0, true);
    if (a.anneal !== undefined && a.anneal !== 'cos' && a.anneal !== 'linear')
      throw new ValueError(`${who}: anneal must be 'cos' or 'linear', got ${JSON.stringify(a.anneal)}.`);
    this.anneal = a.anneal ?? 'cos';
  }

  get className(): string {
    return 'OneCycle';
  }

  at(step: number): number {
    const initial = this.maxLearningRate / this.divFactor;
    const min = initial / this.finalDivFactor;
    const peakStep = this.pctStart * this.totalSteps - 1; // PyTorch's end_step of the first phase (a float)
    const last = this.totalSteps - 1;
    const s = Math.min(step, last);
    const [from, to, start, end] =
      s <= peakStep ? [initial, this.maxLearningRate, 0, peakStep] : [this.maxLearningRate, min, peakStep, last];
    const f = end > start ? (s - start) / (end - start) : 1;
    return this.anneal === 'cos' ? to + ((from - to) / 2) * (Math.cos(Math.PI * f) + 1) : (to - from) * f + from;
  }

  getConfig(): ScheduleConfig['config'] {
    const { maxLearningRate, totalSteps, pctStart, divFactor, finalDivFactor, anneal } = this;
    return { maxLearningRate, totalSteps, pctStart, divFactor, finalDivFactor, anneal };
  }
}

const SCHEDULES: Record<string, new (args: never) => LearningRateSchedule> = {
  ExponentialDecay,
  PiecewiseConstantDecay,
  CosineDecay,
  OneCycle,
};

/**
 * A schedule from what `{ className, config: schedule.getConfig() }` saved; a ValueError for anything
 * else.
 *
 * @example
 * ```ts
 * const s = new OneCycle({ maxLearningRate: 0.01, totalSteps: 1000 });
 * const again = scheduleFromConfig({ className: s.className, config: s.getConfig() }); // the same rates
 * ```
 */
export function scheduleFromConfig(saved: unknown, where = 'learningRate'): LearningRateSchedule {
  const s = saved as Partial<ScheduleConfig> | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.className !== 'string' ||
    typeof s.config !== 'object' ||
    s.config === null
  ) {
    throw new ValueError(
      `${where}: expected a number or a schedule's { className, config }, got ${JSON.stringify(saved)}.`,
    );
  }
  if (!Object.hasOwn(SCHEDULES, s.className)) {
    throw new ValueError(
      `${where}: unknown schedule '${s.className}'; expected one of ${Object.keys(SCHEDULES)
        .map((k) => `'${k}'`)
        .join(', ')}.`,
    );
  }
  return new SCHEDULES[s.className](s.config as never);
}
