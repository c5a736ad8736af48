/**
 * Training callbacks, with TensorFlow.js's method names (Keras's on_epoch_end is onEpochEnd), the
 * History that `fit` returns, and the progress logger behind `verbose`.
 */

/** Figures of a batch or an epoch: `loss`, `accuracy`, `val_loss`, `val_accuracy`, … */
export type Logs = Record<string, number>;

/** Every method is optional and may return a promise, which `fit` awaits. */
export interface Callback {
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

/** What `fit` returns: per-epoch figures under Keras's keys. */
export class History implements Callback {
  /** Epoch indices that were run. */
  readonly epoch: number[] = [];
  /** `history.loss[i]` is the mean training loss of epoch `epoch[i]`, and likewise for every key. */
  readonly history: Record<string, number[]> = {};
  /** The fit parameters: epochs, steps per epoch, samples, batch size. */
  params: { epochs: number; steps: number; samples: number; batchSize: number; verbose: number } | undefined;

  onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

/** Where progress goes: Node's stdout when present (live on a terminal), else console.log. */
export interface ProgressOutput {
  /** Whether lines can be redrawn in place (a terminal). */
  live: boolean;
  write(line: string): void;
  rewrite(line: string): void;
}

function defaultOut(): ProgressOutput {
  const stdout = (globalThis as { process?: { stdout?: { isTTY?: boolean; write(s: string): boolean } } }).process?.stdout;
  if (stdout) {
    return { live: !!stdout.isTTY, write: (l) => void stdout.write(`${l}\n`), rewrite: (l) => void stdout.write(`\r${l}\x1b[K`) };
  }
  return { live: false, write: (l) => console.log(l), rewrite: () => {} };
}

function formatDuration(seconds: number): string {
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return `${Math.round(seconds)}s`;
}

function formatPerStep(seconds: number): string {
  if (seconds >= 1) return `${Math.round(seconds)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

const formatLogs = (logs: Logs): string =>
  Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${v.toFixed(4)}`)
    .join('');

/**
 * Keras's progress output. verbose 1: `Epoch 3/10` then a bar, redrawn live on a terminal with the
 * ETA and running loss and accuracy, finished as
 * `1500/1500 [==============================] - 3s 2ms/step - loss: 0.0852 - accuracy: 0.9745 - val_loss: … - val_accuracy: …`.
 * verbose 2: one line per epoch, `1500/1500 - 3s - loss: … - 3s/epoch - 2ms/step`.
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
    const body = done >= this.steps ? '='.repeat(width) : `${'='.repeat(Math.max(0, filled - 1))}>${'.'.repeat(width - Math.max(filled, 1))}`;
    return `[${body}]`;
  }
}
