/**
 * The callbacks that set the optimizer's learning rate between epochs, with Keras 3's semantics
 * (keras/src/callbacks/learning_rate_scheduler.py, reduce_lr_on_plateau.py). They need a number
 * as the optimizer's `learningRate`: with a schedule (ExponentialDecay, …) they throw a ValueError
 * before training starts, where Keras throws a TypeError when it first sets the rate. The rate of
 * each epoch is in its logs as `learning_rate` and in History as `learning_rate` and `lr`.
 */
import { ValueError, checkInt, checkKeys } from '../errors.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { improves, modelOf, monitored, type Callback, type CallbackModel, type Logs } from './callbacks.js';

/** The optimizer of the model being trained, checked to have a settable (number) learning rate. */
function settableOptimizer(model: CallbackModel | undefined, who: string): Optimizer {
  const opt = modelOf(model, who).optimizer;
  if (!opt) throw new ValueError(`${who}: the model has no optimizer; compile it first.`);
  const s = opt.learningRateSchedule;
  if (s) {
    throw new ValueError(
      `${who}: the optimizer's learningRate is the schedule ${s.className}, which is not settable; create the optimizer with a number as learningRate to use ${who}.`,
    );
  }
  return opt;
}

const log = (verbose: number, line: string): void => {
  if (verbose > 0) console.log(line);
};

/**
 * Keras's LearningRateScheduler: at the start of each epoch, sets the optimizer's learning rate to
 * `schedule(epoch, lr)` (epoch from 0, lr the rate in effect). The result must be a finite number
 * > 0, else a ValueError naming the epoch.
 * @example
 * // the rate halves every 5 epochs
 * const halve = new LearningRateScheduler((epoch, lr) => (epoch > 0 && epoch % 5 === 0 ? lr / 2 : lr), 1);
 * await model.fit(x, y, { epochs: 20, callbacks: [halve] });
 */
export class LearningRateScheduler implements Callback {
  private model?: CallbackModel;

  constructor(
    readonly schedule: (epoch: number, lr: number) => number,
    readonly verbose = 0,
  ) {
    if (typeof schedule !== 'function')
      throw new ValueError(
        `LearningRateScheduler: schedule must be a function (epoch, lr) => lr, got ${typeof schedule}.`,
      );
    checkInt('LearningRateScheduler', 'verbose', verbose, 0);
  }

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    settableOptimizer(this.model, 'LearningRateScheduler');
  }

  onEpochBegin(epoch: number): void {
    const opt = settableOptimizer(this.model, 'LearningRateScheduler');
    const lr: unknown = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
      throw new ValueError(
        `LearningRateScheduler: the schedule must return a finite number > 0, got ${String(lr)} for epoch ${epoch + 1}.`,
      );
    }
    opt.learningRate = lr;
    log(this.verbose, `\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }
}

/**
 * ReduceLROnPlateau's options.
 * @example
 * new ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 2, minLr: 1e-5 });
 */
export interface ReduceLROnPlateauArgs {
  /** Default 'val_loss'. */
  monitor?: string;
  /** The rate is multiplied by this, in (0, 1); default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing; default 10. */
  patience?: number;
  /** 1 prints a line at each reduction; default 0. */
  verbose?: number;
  /** 'min', 'max' or 'auto' (a loss falls, an accuracy rises); default 'auto'. */
  mode?: 'auto' | 'min' | 'max';
  /** The smallest change that counts as an improvement (its absolute value is used); default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again; default 0. */
  cooldown?: number;
  /** The rate is never reduced below this; default 0. */
  minLr?: number;
}

/**
 * Keras 3's ReduceLROnPlateau. At each epoch's end, with `current` the monitored value: in cooldown,
 * the cooldown counter falls by one and `wait` resets; an improvement on the best so far (the first
 * value always is one; `current − minDelta < best` for 'min') resets `wait`; otherwise, out of
 * cooldown, `wait` grows, and at `patience` the rate becomes max(lr · factor, minLr) if lr > minLr,
 * and then cooldown starts and `wait` resets. Inside fit, a monitor the epoch logs will not hold
 * is a ValueError before training starts (Keras warns at each epoch's end and never reduces); given
 * logs without it otherwise (no fit to tell their names), it is a warning, that epoch skipped. A
 * monitor whose direction 'auto' cannot tell is a ValueError (at construction, where Keras raises at
 * the first epoch's end).
 * @example
 * const reduce = new ReduceLROnPlateau({ factor: 0.2, patience: 3, verbose: 1 });
 * await model.fit(x, y, { epochs: 30, validationSplit: 0.1, callbacks: [reduce] });
 */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  private readonly better: ReturnType<typeof improves>;
  private model?: CallbackModel;
  private best: number | undefined;
  private wait = 0;
  private cooldownCounter = 0;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    const who = 'ReduceLROnPlateau';
    if (args === null) throw new ValueError(`${who}: options must be an object, got null.`);
    checkKeys(who, args, ['monitor', 'factor', 'patience', 'verbose', 'mode', 'minDelta', 'cooldown', 'minLr']);
    this.monitor = args.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string')
      throw new ValueError(`${who}: monitor must be the name of a log, got ${String(this.monitor)}.`);
    this.factor = args.factor ?? 0.1;
    if (typeof this.factor !== 'number' || !(this.factor > 0 && this.factor < 1)) {
      throw new ValueError(
        `${who}: factor must be a number in (0, 1) (Keras does not support a factor ≥ 1), got ${String(this.factor)}.`,
      );
    }
    this.patience = checkInt(who, 'patience', args.patience ?? 10, 0);
    this.cooldown = checkInt(who, 'cooldown', args.cooldown ?? 0, 0);
    this.verbose = checkInt(who, 'verbose', args.verbose ?? 0, 0);
    const minDelta = args.minDelta ?? 1e-4;
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta))
      throw new ValueError(`${who}: minDelta must be a finite number, got ${String(minDelta)}.`);
    this.minDelta = Math.abs(minDelta);
    this.minLr = args.minLr ?? 0;
    if (typeof this.minLr !== 'number' || !Number.isFinite(this.minLr) || this.minLr < 0)
      throw new ValueError(`${who}: minLr must be a finite number ≥ 0, got ${String(this.minLr)}.`);
    let mode = args.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max') {
      console.warn(`${who}: mode '${String(mode)}' is unknown; falling back to 'auto' (as Keras).`);
      mode = 'auto';
    }
    this.better = improves(mode, this.monitor, who);
  }

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    const who = 'ReduceLROnPlateau';
    settableOptimizer(this.model, who);
    // Keras warns at each epoch's end and never reduces; in fit, where the logs' names are known,
    // a monitor they lack is refused before anything trains.
    const names = this.model?.epochLogNames;
    if (names && !names.includes(this.monitor)) {
      throw new ValueError(
        `${who}: monitor '${this.monitor}' will not be in the logs, which hold ${names.join(', ')}` +
          (this.monitor.startsWith('val_') && !names.some((n) => n.startsWith('val_'))
            ? ' (val_ figures need validationData or validationSplit).'
            : '.'),
      );
    }
    this.best = undefined;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const current = monitored(logs, this.monitor, 'ReduceLROnPlateau');
    if (current === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.best === undefined || this.better(current, this.best, this.minDelta)) {
      this.best = current;
      this.wait = 0;
      return;
    }
    if (this.cooldownCounter > 0) return;
    this.wait++;
    if (this.wait < this.patience) return;
    const opt = settableOptimizer(this.model, 'ReduceLROnPlateau');
    const old = opt.learningRate;
    if (old > this.minLr) {
      const lr = Math.max(old * this.factor, this.minLr);
      opt.learningRate = lr;
      log(this.verbose, `\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${lr}.`);
      this.cooldownCounter = this.cooldown;
      this.wait = 0;
    }
  }
}
