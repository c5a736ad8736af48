/**
 * The optimizer base: it keeps per-weight state (Adam's moments, momentum buffers) and applies
 * one update to every weight from the gradients the last backward pass wrote.
 */
import { ValueError } from '../errors.js';
import type { FloatArray } from '../tensor/kernels.js';
import { backendFloat, firstNonFinite } from '../tensor/tensor.js';
import type { Param } from '../nn/layer.js';

export abstract class Optimizer {
  readonly learningRate: number;
  /** Number of updates applied so far (Keras's `iterations`). */
  iterations = 0;
  private readonly state = new Map<Param, FloatArray[]>();

  constructor(learningRate: number, defaults: number) {
    this.learningRate = learningRate ?? defaults;
    checkRange(new.target.name, 'learningRate', this.learningRate, 0, Infinity, false);
  }

  /** The optimizer's name, as `compile` takes it. */
  abstract get name(): string;

  /** Number of state buffers per weight. */
  protected abstract readonly slotCount: number;

  /**
   * Updates w in place from its gradient g. `slots` are this weight's state buffers (zeroed at the
   * first step) and t is the step number, counting from 1.
   */
  protected abstract update(w: FloatArray, g: FloatArray, slots: FloatArray[], t: number): void;

  /** The hyperparameters that rebuild this optimizer (Keras's get_config), e.g. `{ learningRate: 0.001, beta1: 0.9, … }`. */
  abstract getConfig(): Record<string, number | boolean>;

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
    if (!Number.isInteger(state.iterations) || state.iterations < 0) throw new ValueError(`${who}: iterations must be an integer ≥ 0, got ${String(state.iterations)}.`);
    if (!Array.isArray(state.slots) || state.slots.length !== params.length) {
      throw new ValueError(`${who}: expected state for ${params.length} weights, got ${Array.isArray(state.slots) ? state.slots.length : typeof state.slots}.`);
    }
    params.forEach((p, i) => {
      const saved = state.slots[i];
      if (!Array.isArray(saved) || (saved.length !== 0 && saved.length !== this.slotCount)) {
        throw new ValueError(`${who}: ${p.name} has ${Array.isArray(saved) ? saved.length : typeof saved} state buffers; ${this.name} keeps ${this.slotCount} per weight (or none before its first update).`);
      }
      if (saved.length > 0 && p.trainable === false) throw new ValueError(`${who}: ${p.name} is not trainable, so it has no optimizer state, but ${saved.length} buffers came.`);
      for (const s of saved) {
        if (s.length !== p.value.size) throw new ValueError(`${who}: a state buffer of ${p.name} has ${s.length} values; the weight has ${p.value.size}.`);
        const k = firstNonFinite(s);
        if (k >= 0) throw new ValueError(`${who}: a state buffer of ${p.name} holds ${s[k]} at flat index ${k}.`);
      }
    });
    this.iterations = state.iterations;
    params.forEach((p, i) => {
      const saved = state.slots[i] ?? [];
      if (saved.length === 0) return void this.state.delete(p);
      const dtype = p.value.dtype === 'float64' ? 'float64' : 'float32';
      this.state.set(p, saved.map((s) => {
        const buf = backendFloat(p.value.size, dtype);
        buf.set(s);
        return buf;
      }));
    });
  }

  /** Applies one update to every param. */
  step(params: readonly Param[]): void {
    this.iterations++;
    for (const p of params) {
      let slots = this.state.get(p);
      if (!slots) {
        slots = Array.from({ length: this.slotCount }, () => backendFloat(p.value.size, p.value.dtype === 'float64' ? 'float64' : 'float32'));
        this.state.set(p, slots);
      }
      this.update(p.value.data, p.grad.data, slots, this.iterations);
    }
  }
}

/** Throws a ValueError unless v lies in the range, each end inclusive or not. */
export function checkRange(who: string, what: string, v: number, lo: number, hi: number, loInclusive = true, hiInclusive = true): void {
  const ok = typeof v === 'number' && Number.isFinite(v) && (loInclusive ? v >= lo : v > lo) && (hiInclusive ? v <= hi : v < hi);
  if (!ok) {
    const range = `${loInclusive ? '[' : '('}${lo}, ${hi === Infinity ? '∞' : hi}${hiInclusive && hi !== Infinity ? ']' : ')'}`;
    throw new ValueError(`${who}: ${what} must be a finite number in ${range}, got ${String(v)}.`);
  }
}
