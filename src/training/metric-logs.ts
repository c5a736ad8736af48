/**
 * The loss and metrics of an epoch or an evaluation as the logs report them (Keras's compile_utils
 * and its metrics' states): each batch's figures are summed over samples and the logs hold means,
 *   loss = Σ_batches loss_b · n_b / Σ n_b,   metric = Σ correct / Σ counted
 * (weighted metrics count Σ w over the samples, Σ w·correct as correct).
 */
import type { FloatArray } from '../tensor/kernels.js';
import type { TypedArray } from '../tensor/tensor.js';
import type { Loss } from '../losses/losses.js';
import { getMetric, type Metric } from '../metrics/metrics.js';
import type { Evaluation } from './training-args.js';

/**
 * A metric as fit tracks it: its key in the logs, and whether sample weights weigh it.
 * @example
 * const [acc] = resolveMetrics(['accuracy'], [], loss, 10); // acc.key === 'accuracy', acc.weighted === false
 */
export type Tracked = Metric & { weighted: boolean };

/**
 * A metric's [correct, out of], in samples (rows of outputs of rank ≥ 3 count as fractions of their
 * sample): unweighted, [correct samples, samples]; weighted, [Σ w of the correct, Σ w].
 * @example
 * const t: Tally = [29, 32]; // 29 of 32 samples right
 */
export type Tally = [number, number];

/**
 * The metrics of `compile` resolved against an output `units` wide (layers added after compile may
 * change it); a weighted metric whose key the plain ones have already is logged as `weighted_<key>`.
 * @example
 * resolveMetrics(['accuracy'], ['accuracy'], loss, 10).map((m) => m.key); // ['accuracy', 'weighted_accuracy']
 */
export function resolveMetrics(
  names: readonly string[],
  weightedNames: readonly string[],
  loss: Loss,
  units: number,
): Tracked[] {
  const plain = names.map((m) => ({ ...getMetric(m, loss, units), weighted: false }));
  const keys = new Set(plain.map((m) => m.key));
  const weighted = weightedNames.map((name) => {
    const m = getMetric(name, loss, units);
    const key = keys.has(m.key) ? `weighted_${m.key}` : m.key;
    keys.add(key);
    return { ...m, key, weighted: true };
  });
  return [...plain, ...weighted];
}

/**
 * The tallies of a batch of n samples: outputs p [rows, cols], targets y, per-row weights w if any.
 * @example
 * tally(metrics, p.data, y.data, 32, 10, 32); // [[correct, 32], …]
 */
export function tally(
  metrics: Tracked[],
  p: FloatArray,
  y: TypedArray,
  rows: number,
  cols: number,
  n: number,
  w?: Float64Array,
): Tally[] {
  return metrics.map((m): Tally => {
    if (!(m.weighted && w)) return [(m.correct(p, y, rows, cols) * n) / rows, n];
    let total = 0;
    for (let r = 0; r < rows; r++) total += w[r];
    return [(m.correct(p, y, rows, cols, w) * n) / rows, (total * n) / rows];
  });
}

/**
 * Logs from a loss, the outputs' own losses (a model of several outputs) and each metric's tally
 * (all weights 0 give 0, as Keras's divide_no_nan).
 * @example
 * logsOf(0.25, [[29, 32]], [accuracy]); // { loss: 0.25, accuracy: 0.90625 }
 */
export function logsOf(
  loss: number,
  tallies: Tally[],
  metrics: Tracked[],
  outputLosses: readonly { key: string; value: number }[] = [],
): Evaluation {
  const logs: Record<string, number> = { loss };
  for (const o of outputLosses) logs[o.key] = o.value;
  metrics.forEach((m, i) => (logs[m.key] = tallies[i][1] > 0 ? tallies[i][0] / tallies[i][1] : 0));
  return logs as Evaluation;
}

/**
 * The running means of an epoch (or an evaluation): batches go in, logs come out at any point.
 * @example
 * const running = new RunningLogs(metrics);
 * running.add(0.3, [[29, 32]], 32);
 * running.logs(); // { loss: 0.3, accuracy: 0.90625 }
 */
export class RunningLogs {
  private lossSum = 0;
  private seen = 0;
  private readonly tallies: Tally[];
  private readonly outputSums: number[];

  constructor(
    private readonly metrics: Tracked[],
    /** The keys of the outputs' own losses (`digit_loss`, …), none for a model of one output. */
    private readonly outputLossKeys: readonly string[] = [],
  ) {
    this.tallies = metrics.map((): Tally => [0, 0]);
    this.outputSums = outputLossKeys.map(() => 0);
  }

  /** A batch of `size` samples with its mean loss, its tallies and its outputs' mean losses. */
  add(loss: number, tallies: Tally[], size: number, outputLosses: readonly number[] = []): void {
    this.seen += size;
    this.lossSum += loss * size;
    outputLosses.forEach((l, i) => (this.outputSums[i] += l * size));
    tallies.forEach(([c, n], i) => ((this.tallies[i][0] += c), (this.tallies[i][1] += n)));
  }

  /** The means so far; `penalty` (the regularization an evaluation adds once) is added to the loss. */
  logs(penalty?: number): Evaluation {
    const loss = this.lossSum / this.seen;
    const outputs = this.outputLossKeys.map((key, i) => ({ key, value: this.outputSums[i] / this.seen }));
    return logsOf(penalty === undefined ? loss : loss + penalty, this.tallies, this.metrics, outputs);
  }
}
