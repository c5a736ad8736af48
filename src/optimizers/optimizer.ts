/**
 * The optimizer base: it keeps per-weight state (Adam's moments, momentum buffers) and applies
 * one update to every weight from the gradients the last backward pass wrote.
 */
import { ValueError } from '../errors.js';
import type { FloatArray } from '../tensor/kernels.js';
import { backendFloat, firstNonFinite } from '../tensor/tensor.js';
import type { Param } from '../layers/layer.js';
import { LearningRateSchedule, scheduleFromConfig, type ScheduleConfig } from './schedules.js';

/** An optimizer's `learningRate` option: a number, or a schedule of the step count. */
export type LearningRate = number | LearningRateSchedule;

/**
 * The base of the optimizers: the learning rate (a number, or a schedule of the step count), `iterations`
 * (the updates taken), and each weight's state (Adam's moments, momentum), which is saved with a compiled
 * model so that a run resumes exactly. Pass one to `compile`, or its name.
 *
 * @example
 * ```ts
 * const optimizer = new Adam({ learningRate: 1e-3 });
 * model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
 * await model.fit(x, y, { epochs: 1 });
 * optimizer.iterations;          // the updates taken
 * optimizer.learningRate = 1e-4; // a number can be changed between fits
 * ```
 */
export abstract class Optimizer {
  /** Number of updates applied so far (Keras's `iterations`). */
  iterations = 0;
  private readonly state = new Map<Param, FloatArray[]>();
  private rate: LearningRate;

  /** `learningRate` may also be a saved schedule's `{ className, config }` (what getConfig gives). */
  constructor(learningRate: LearningRate | ScheduleConfig | undefined, defaults: number) {
    this.rate = Optimizer.checkRate(new.target.name, learningRate ?? defaults);
  }

  private static checkRate(who: string, lr: unknown): LearningRate {
    if (lr instanceof LearningRateSchedule) return lr;
    if (typeof lr === 'object' && lr !== null) return scheduleFromConfig(lr, `${who}: learningRate`);
    checkRange(who, 'learningRate', lr as number, 0, Infinity, false);
    return lr as number;
  }

  /**
   * The learning rate in effect: the number given, or the schedule's rate at `iterations` (the
   * rate the next update uses, as Keras 3's `optimizer.learning_rate`).
   */
  get learningRate(): number {
    return typeof this.rate === 'number' ? this.rate : this.rate.at(this.iterations);
  }

  /**
   * Sets the rate (LearningRateScheduler and ReduceLROnPlateau do), or replaces it with a schedule.
   * As in Keras, a number cannot replace a schedule: a ValueError (Keras's TypeError).
   */
  set learningRate(lr: LearningRate) {
    if (typeof this.rate !== 'number' && !(lr instanceof LearningRateSchedule)) {
      throw new ValueError(
        `${this.constructor.name}: this optimizer was created with the schedule ${this.rate.className} as its learningRate, so its learning rate cannot be set to ${String(lr)}; ` +
          'create the optimizer with a number as learningRate to have it settable.',
      );
    }
    this.rate = Optimizer.checkRate(this.constructor.name, lr);
  }

  /** The schedule given as `learningRate`, if one was. */
  get learningRateSchedule(): LearningRateSchedule | undefined {
    return typeof this.rate === 'number' ? undefined : this.rate;
  }

  /** The `learningRate` of getConfig: the number now in effect, or the schedule as `{ className, config }`. */
  protected learningRateConfig(): number | ScheduleConfig {
    return typeof this.rate === 'number'
      ? this.rate
      : { className: this.rate.className, config: this.rate.getConfig() };
  }

  /** The optimizer's name, as `compile` takes it. */
  abstract get name(): string;

  /** Number of state buffers per weight. */
  protected abstract readonly slotCount: number;

  /**
   * Updates w in place from its gradient g. `slots` are this weight's state buffers (zeroed at the
   * first step), t is the step number, counting from 1, and lr the learning rate of this step.
   */
  protected abstract update(w: FloatArray, g: FloatArray, slots: FloatArray[], t: number, lr: number): void;

  /**
   * The hyperparameters that rebuild this optimizer (Keras's get_config), e.g. `{ learningRate: 0.001, beta1: 0.9, …
   * }`;
   * a schedule's learningRate is its `{ className, config }`.
   */
  abstract getConfig(): Record<string, number | boolean | ScheduleConfig>;

  /** `iterations` and each param's state buffers, in the order of `params` (empty for a param not yet updated). */
  getState(params: readonly Param[]): { iterations: number; slots: FloatArray[][] } {
    return { iterations: this.iterations, slots: params.map((p) => this.state.get(p) ?? []) };
  }

  /**
   * Restores what getState returned, for the same params; copies the buffers. Checks everything
   * first (a ValueError saying what does not fit), so a bad state changes nothing.
   */
  setState(params: readonly Param[], state: { iterations: number; slots: ArrayLike<number>[][] }): void {
    const who = `${this.name}.setState`;
    if (!Number.isInteger(state.iterations) || state.iterations < 0)
      throw new ValueError(`${who}: iterations must be an integer ≥ 0, got ${String(state.iterations)}.`);
    if (!Array.isArray(state.slots) || state.slots.length !== params.length) {
      throw new ValueError(
        `${who}: expected state for ${params.length} weights, got ${Array.isArray(state.slots) ? state.slots.length : typeof state.slots}.`,
      );
    }
    params.forEach((p, i) => {
      const saved = state.slots[i];
      if (!Array.isArray(saved) || (saved.length !== 0 && saved.length !== this.slotCount)) {
        throw new ValueError(
          `${who}: ${p.name} has ${Array.isArray(saved) ? saved.length : typeof saved} state buffers; ${this.name} keeps ${this.slotCount} per weight (or none before its first update).`,
        );
      }
      if (saved.length > 0 && p.trainable === false)
        throw new ValueError(
          `${who}: ${p.name} is not trainable, so it has no optimizer state, but ${saved.length} buffers came.`,
        );
      for (const s of saved) {
        if (s.length !== p.value.size)
          throw new ValueError(
            `${who}: a state buffer of ${p.name} has ${s.length} values; the weight has ${p.value.size}.`,
          );
        const k = firstNonFinite(s);
        if (k >= 0) throw new ValueError(`${who}: a state buffer of ${p.name} holds ${s[k]} at flat index ${k}.`);
      }
    });
    this.iterations = state.iterations;
    params.forEach((p, i) => {
      const saved = state.slots[i] ?? [];
      if (saved.length === 0) return void this.state.delete(p);
      const dtype = p.value.dtype === 'float64' ? 'float64' : 'float32';
      this.state.set(
        p,
        saved.map((s) => {
          const buf = backendFloat(p.value.size, dtype);
          buf.set(s);
          return buf;
        }),
      );
    });
  }

  /**
   * A ValueError, before any weight changes, when the schedule's rate for the next update is not a
   * finite number ≥ 0 (ExponentialDecay with decayRate > 1 overflows to Infinity after enough steps,
   * OneCycle's maxLearningRate / divFactor may): an update at such a rate would turn every weight to NaN.
   */
  checkScheduledRate(): number {
    const lr = this.learningRate;
    if (typeof this.rate !== 'number' && !(Number.isFinite(lr) && lr >= 0)) {
      throw new ValueError(
        `${this.constructor.name}: the learning-rate schedule ${this.rate.className} gives ${lr} at step ${this.iterations}; a learning rate must be a finite number ≥ 0, so no update was made.`,
      );
    }
    return lr;
  }

  /** Applies one update to every param. */
  step(params: readonly Param[]): void {
    const lr = this.checkScheduledRate(); // at the steps taken before this one, as Keras evaluates a schedule
    this.iterations++;
    for (const p of params) {
      let slots = this.state.get(p);
      if (!slots) {
        slots = Array.from({ length: this.slotCount }, () =>
          backendFloat(p.value.size, p.value.dtype === 'float64' ? 'float64' : 'float32'),
        );
        this.state.set(p, slots);
      }
      this.update(p.value.data, p.grad.data, slots, this.iterations, lr);
    }
  }
}

/** Throws a ValueError unless v lies in the range, each end inclusive or not. */
export function checkRange(
  who: string,
  what: string,
  v: number,
  lo: number,
  hi: number,
  loInclusive = true,
  hiInclusive = true,
): void {
  const ok =
    typeof v === 'number' && Number.isFinite(v) && (loInclusive ? v >= lo : v > lo) && (hiInclusive ? v <= hi : v < hi);
  if (!ok) {
    const range = `${loInclusive ? '[' : '('}${lo}, ${hi === Infinity ? '∞' : hi}${hiInclusive && hi !== Infinity ? ']' : ')'}`;
    throw new ValueError(`${who}: ${what} must be a finite number in ${range}, got ${String(v)}.`);
  }
}
