/**
 * Training callbacks, with TensorFlow.js's method names (Keras's on_epoch_end is onEpochEnd), the
 * History that `fit` returns, and the progress logger behind `verbose`.
 */
import { ValueError } from '../errors.js';
import type { Optimizer } from '../optimizers/optimizer.js';

/**
 * Figures of a batch or an epoch: `loss`, `accuracy`, `val_loss`, `val_accuracy`, …; an epoch's
 * also `learning_rate`, the optimizer's rate at the epoch's end before any callback changes it
 * (Keras 3's key).
 * @example
 * const onEpochEnd = (epoch: number, logs: Logs) => console.log(epoch + 1, logs.loss, logs.val_accuracy);
 */
export type Logs = Record<string, number>;

/**
 * What `fit` calls as it trains (Keras's Callback, with TensorFlow.js's names): every method is
 * optional and may return a promise, which `fit` awaits before going on.
 * @example
 * const printer: Callback = { onEpochEnd: (epoch, logs) => console.log(`epoch ${epoch + 1}: loss ${logs.loss}`) };
 * await model.fit(x, y, { epochs: 3, callbacks: [printer] });
 */
export interface Callback {
  /** Called by `fit` before training with the model being trained. */
  setModel?(model: CallbackModel): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

/**
 * What a callback may do with the model it is given (Sequential implements it).
 * @example
 * class StopAt90 implements Callback {
 *   private model?: CallbackModel;
 *   setModel(model: CallbackModel): void { this.model = model; }
 *   onEpochEnd(_epoch: number, logs: Logs): void { if (logs.accuracy > 0.9) this.model!.stopTraining = true; }
 * }
 */
export interface CallbackModel {
  stopTraining: boolean;
  getWeights(): import('../tensor/tensor.js').Tensor[];
  setWeights(weights: import('../tensor/tensor.js').Tensor[]): void;
  save(path: string): Promise<unknown>;
  /** The optimizer `compile` chose (the learning-rate callbacks set its rate). */
  readonly optimizer?: Optimizer;
  /**
   * Set by `fit` before `onTrainBegin`: the names every epoch's logs will hold (`loss`, the metrics,
   * their `val_` forms with validation data, `learning_rate`), so that a callback can refuse a
   * monitor the logs will never have before anything trains.
   */
  epochLogNames?: readonly string[];
}

/**
 * The model `fit` gave a callback; a ValueError when the callback is used outside `fit`.
 * @example
 * modelOf(this.model, 'EarlyStopping').stopTraining = true;
 */
export function modelOf(model: CallbackModel | undefined, who: string): CallbackModel {
  if (!model) throw new ValueError(`${who}: no model; a callback works inside fit, which hands it the model.`);
  return model;
}

/**
 * `mode` 'auto' watches for a fall, or for a rise when the monitored name is an accuracy. With
 * `strict` (a callback's name), 'auto' follows Keras 3's MonitorCallback: a loss falls, an accuracy
 * rises, and any other name is a ValueError asking for mode 'min' or 'max'.
 * @example
 * const better = improves('auto', 'val_loss');
 * better(0.3, 0.4, 0); // true: a loss that falls improves
 */
export function improves(
  mode: 'auto' | 'min' | 'max',
  monitor: string,
  strict?: string,
): (current: number, best: number, minDelta: number) => boolean {
  const name = monitor.replace(/^val_/, '');
  if (strict && mode === 'auto' && name !== 'loss' && !/^(acc|accuracy|\w+_accuracy)$/.test(name)) {
    throw new ValueError(
      `${strict}: cannot tell whether monitor '${monitor}' should fall or rise; pass mode: 'min' or mode: 'max'.`,
    );
  }
  const max = mode === 'max' || (mode === 'auto' && /acc/.test(monitor));
  return max ? (c, b, d) => c - d > b : (c, b, d) => c + d < b;
}

/**
 * The monitored figure of an epoch's logs; a warning, and undefined, when the logs lack it.
 * @example
 * const v = monitored(logs, 'val_loss', 'EarlyStopping'); // undefined without validation data
 */
export function monitored(logs: Logs, monitor: string, who: string): number | undefined {
  const v = logs[monitor];
  if (v === undefined) {
    console.warn(`${who}: '${monitor}' is not in the logs (${Object.keys(logs).join(', ')}); skipping this epoch.`);
  }
  return v;
}

/**
 * EarlyStopping's options.
 * @example
 * new EarlyStopping({ monitor: 'val_accuracy', patience: 3, restoreBestWeights: true });
 */
export interface EarlyStoppingArgs {
  /** Default 'val_loss'. */
  monitor?: string;
  /** Epochs without improvement before stopping; default 0. */
  patience?: number;
  /** Smallest change that counts as an improvement; default 0. */
  minDelta?: number;
  /** Default 'auto'. */
  mode?: 'auto' | 'min' | 'max';
  /** When stopping, put back the weights of the best epoch; default false. */
  restoreBestWeights?: boolean;
}

/**
 * Keras's EarlyStopping: stops training when `monitor` has not improved for `patience` epochs.
 * @example
 * const stop = new EarlyStopping({ patience: 2, restoreBestWeights: true });
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.1, callbacks: [stop] });
 * console.log(stop.stoppedEpoch); // 0 when it ran all 50
 */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  /** The epoch training stopped at (0 when it did not stop early). */
  stoppedEpoch = 0;
  private model?: CallbackModel;
  private best = Infinity;
  private wait = 0;
  private bestWeights?: import('../tensor/tensor.js').Tensor[];
  private readonly better: ReturnType<typeof improves>;

  constructor(private readonly args: EarlyStoppingArgs = {}) {
    this.monitor = args.monitor ?? 'val_loss';
    this.better = improves(args.mode ?? 'auto', this.monitor);
  }

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.better(0, Infinity, 0) ? Infinity : -Infinity;
    this.bestWeights = undefined;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const v = monitored(logs, this.monitor, 'EarlyStopping');
    if (v === undefined) return;
    if (this.better(v, this.best, this.args.minDelta ?? 0)) {
      this.best = v;
      this.wait = 0;
      if (this.args.restoreBestWeights) this.bestWeights = modelOf(this.model, 'EarlyStopping').getWeights();
      return;
    }
    this.wait++;
    if (this.wait > (this.args.patience ?? 0) - 1 && epoch > 0) {
      this.stoppedEpoch = epoch;
      const model = modelOf(this.model, 'EarlyStopping');
      model.stopTraining = true;
      if (this.bestWeights) model.setWeights(this.bestWeights);
    }
  }
}

/**
 * ModelCheckpoint's options.
 * @example
 * new ModelCheckpoint({ filepath: 'out/ckpt-{epoch:02d}-{val_loss:.4f}.mnn', saveBestOnly: true });
 */
export interface ModelCheckpointArgs {
  /**
   * Where to save; `{epoch}` (from 1, or `{epoch:02d}`) and any log key (`{val_loss}`, `{val_loss:.4f}`) are filled in.
   */
  filepath: string;
  /** Default 'val_loss'. */
  monitor?: string;
  /** Save only when `monitor` improves on the best so far; default false. */
  saveBestOnly?: boolean;
  /** Default 'auto'. */
  mode?: 'auto' | 'min' | 'max';
}

/**
 * Keras's ModelCheckpoint: saves the model (atomically) at the end of each epoch, or of each improving one.
 * @example
 * const checkpoint = new ModelCheckpoint({ filepath: 'out/best.mnn', monitor: 'val_accuracy', saveBestOnly: true });
 * await model.fit(x, y, { epochs: 10, validationSplit: 0.1, callbacks: [checkpoint] });
 * const best = await loadModel('out/best.mnn');
 */
export class ModelCheckpoint implements Callback {
  private model?: CallbackModel;
  private best: number;
  private readonly better: ReturnType<typeof improves>;

  constructor(private readonly args: ModelCheckpointArgs) {
    this.better = improves(args.mode ?? 'auto', args.monitor ?? 'val_loss');
    this.best = this.better(0, Infinity, 0) ? Infinity : -Infinity;
  }

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.args.saveBestOnly) {
      const v = monitored(logs, this.args.monitor ?? 'val_loss', 'ModelCheckpoint');
      if (v === undefined || !this.better(v, this.best, 0)) return;
      this.best = v;
    }
    // Python's format fields as Keras fills them: {epoch}, {epoch:02d}, {val_loss}, {val_loss:.4f}.
    const path = this.args.filepath.replace(
      /\{(\w+)(?::(?:0(\d+)d|\.(\d+)f))?\}/g,
      (whole, key: string, width?: string, digits?: string) => {
        const value = key === 'epoch' ? epoch + 1 : logs[key];
        if (value === undefined) {
          // As Keras: a field the logs lack is an error, not a file literally named after the field.
          throw new ValueError(
            `ModelCheckpoint: the filepath ${JSON.stringify(this.args.filepath)} has ${whole}, but epoch ${epoch + 1}'s logs have only ${Object.keys(logs).join(', ')}` +
              (key.startsWith('val_') ? ' (val_ figures need validationData or validationSplit).' : '.'),
          );
        }
        if (digits !== undefined) return value.toFixed(Number(digits));
        return width !== undefined ? String(value).padStart(Number(width), '0') : String(value);
      },
    );
    await modelOf(this.model, 'ModelCheckpoint').save(path);
  }
}

/**
 * What `fit` returns: per-epoch figures under Keras's keys. The learning rate of each epoch is under
 * both `learning_rate` (Keras 3's key in the epoch logs) and `lr` (tf.keras 2's key in History).
 * @example
 * const history = await model.fit(x, y, { epochs: 3, validationSplit: 0.1 });
 * history.history.val_loss; // [0.155, 0.118, 0.104], one per epoch
 * await plotHistory(history, 'out/loss.png');
 */
export class History implements Callback {
  /** Epoch indices that were run. */
  readonly epoch: number[] = [];
  /** `history.loss[i]` is the mean training loss of epoch `epoch[i]`, and likewise for every key (`lr` too). */
  readonly history: Record<string, number[]> = {};
  /** The fit parameters: epochs, steps per epoch, samples, batch size. */
  params: { epochs: number; steps: number; samples: number; batchSize: number; verbose: number } | undefined;

  onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
    if (logs.learning_rate !== undefined) (this.history.lr ??= []).push(logs.learning_rate);
  }
}

/**
 * Where progress goes: Node's stdout when present (live on a terminal), else console.log.
 * @example
 * const lines: string[] = [];
 * const out: ProgressOutput = { live: false, write: (l) => lines.push(l), rewrite: () => {} };
 */
export interface ProgressOutput {
  /** Whether lines can be redrawn in place (a terminal). */
  live: boolean;
  write(line: string): void;
  rewrite(line: string): void;
}

function defaultOut(): ProgressOutput {
  const stdout = (globalThis as { process?: { stdout?: { isTTY?: boolean; write(s: string): boolean } } }).process
    ?.stdout;
  if (stdout) {
    return {
      live: !!stdout.isTTY,
      write: (l) => void stdout.write(`${l}\n`),
      rewrite: (l) => void stdout.write(`\r${l}\x1b[K`),
    };
  }
  return { live: false, write: (l) => console.log(l), rewrite: () => {} };
}

function formatDuration(seconds: number): string {
  if (seconds >= 3600)
    return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return `${Math.round(seconds)}s`;
}

function formatPerStep(seconds: number): string {
  if (seconds >= 1) return `${Math.round(seconds)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

// The learning rate is left off the line (Keras 3 prints it only when a callback puts it in the logs).
const formatLogs = (logs: Logs): string =>
  Object.entries(logs)
    .filter(([k]) => k !== 'learning_rate')
    .map(([k, v]) => ` - ${k}: ${v.toFixed(4)}`)
    .join('');

/**
 * Keras's progress output. verbose 1: `Epoch 3/10` then a bar, redrawn live on a terminal with the
 * ETA and running loss and accuracy, finished as
 * `1500/1500 [==============================] - 3s 2ms/step - loss: 0.0852 - accuracy: 0.9745 - val_loss: … -
 * val_accuracy: …`.
 * verbose 2: one line per epoch, `1500/1500 - 3s - loss: … - 3s/epoch - 2ms/step`.
 * fit adds one when `verbose` is 1 or 2; give one to a loop of your own, with an output of your own.
 * @example
 * const progress = new ProgbarLogger(2, 10, 1500, { live: false, write: (l) => log.push(l), rewrite: () => {} });
 */
export class ProgbarLogger implements Callback {
  private epochStart = 0;
  private lastDraw = 0;

  constructor(
    private readonly verbose: 1 | 2,
    private readonly epochs: number,
    private readonly steps: number,
    private readonly out: ProgressOutput = defaultOut(),
  ) {}

  onEpochBegin(epoch: number): void {
    this.out.write(`Epoch ${epoch + 1}/${this.epochs}`);
    this.epochStart = performance.now();
    this.lastDraw = 0;
  }

  onBatchEnd(batch: number, logs: Logs): void {
    if (this.verbose !== 1 || !this.out.live) return;
    const now = performance.now();
    const done = batch + 1;
    if (done < this.steps && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const elapsed = (now - this.epochStart) / 1e3;
    const eta = (elapsed / done) * (this.steps - done);
    this.out.rewrite(`${this.counter(done)} ${this.bar(done)} - ETA: ${formatDuration(eta)}${formatLogs(logs)}`);
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    const elapsed = (performance.now() - this.epochStart) / 1e3;
    const perStep = formatPerStep(elapsed / Math.max(1, this.steps));
    const line =
      this.verbose === 1
        ? `${this.counter(this.steps)} ${this.bar(this.steps)} - ${formatDuration(elapsed)} ${perStep}${formatLogs(logs)}`
        : `${this.counter(this.steps)} - ${formatDuration(elapsed)}${formatLogs(logs)} - ${formatDuration(elapsed)}/epoch - ${perStep}`;
    if (this.out.live && this.verbose === 1) this.out.rewrite(line);
    else this.out.write(line);
    if (this.out.live && this.verbose === 1) this.out.write('');
  }

  private counter(done: number): string {
    const w = String(this.steps).length;
    return `${String(done).padStart(w)}/${this.steps}`;
  }

  private bar(done: number): string {
    const width = 30;
    const filled = Math.floor((width * done) / this.steps);
    const body =
      done >= this.steps
        ? '='.repeat(width)
        : `${'='.repeat(Math.max(0, filled - 1))}>${'.'.repeat(width - Math.max(filled, 1))}`;
    return `[${body}]`;
  }
}
