/**
 * What `compile` sets for each output of a model (Keras's CompileLoss and CompileMetrics): its loss,
 * the loss's weight in the total, its metrics. The training loss is Σᵢ wᵢ·Lᵢ (+ the penalties); a
 * model of one output logs `loss` and its metrics by their keys, a model of several logs besides
 * `<output>_loss` (unweighted) and `<output>_<metric>` for each output, as Keras does.
 */
import { ValueError } from '../errors.js';
import { getLoss, type Loss } from '../losses/losses.js';
import { parseMetricName } from '../metrics/metrics.js';
import { resolveMetrics, type Tracked } from './metric-logs.js';
import { byName } from './named-lists.js';

/**
 * One output as compiled.
 * @example
 * const losses = ['sparseCategoricalCrossentropy', 'binaryCrossentropy'];
 * const [digit, even] = compileHeads(['digit', 'even'], { loss: losses }, 'compile');
 */
export interface OutputHead {
  /** The output's name (its layer's), the prefix of its log keys when the model has several outputs. */
  name: string;
  loss: Loss;
  /** The loss's weight in the total (lossWeights; 1 by default). */
  weight: number;
  metrics: string[];
  weightedMetrics: string[];
}

const isName = (v: unknown): boolean => typeof v === 'string';
const isMetricEntry = (v: unknown): boolean =>
  v === null || typeof v === 'string' || (Array.isArray(v) && v.every((m) => typeof m === 'string'));

/** A metrics option as one list of names per output: Keras 3's forms (a list per output, or an object by name). */
function metricsPerOutput(value: unknown, names: readonly string[], what: string, where: string): string[][] {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return names.map(() => []);
  const list = (v: unknown): string[] => {
    if (v === null || v === undefined) return [];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((m) => typeof m === 'string')) return [...v];
    throw new ValueError(`${where}: ${what} must be metric names, got ${JSON.stringify(v)}.`);
  };
  // One output: a name or a list of names, as before there were several.
  if (names.length === 1 && (typeof value === 'string' || (Array.isArray(value) && value.every(isName)))) {
    return [list(value)];
  }
  return byName(value, names, what, 'output', where, isMetricEntry, true).map(list);
}

/**
 * Each output's loss, loss weight and metrics from compile's options: each option one value (for
 * every output, the loss; for a model of one output, the metrics), an array in output order, or an
 * object by output name.
 * @example
 * const loss = { digit: 'sparseCategoricalCrossentropy', even: 'binaryCrossentropy' };
 * compileHeads(['digit', 'even'], { loss, lossWeights: [1, 0.5] }, 'compile');
 */
export function compileHeads(
  names: readonly string[],
  args: { loss: unknown; lossWeights?: unknown; metrics?: unknown; weightedMetrics?: unknown },
  where: string,
): OutputHead[] {
  const losses =
    typeof args.loss === 'string'
      ? names.map(() => args.loss)
      : byName(args.loss, names, 'loss', 'output', where, isName);
  const weights =
    args.lossWeights === undefined
      ? names.map(() => 1)
      : byName(args.lossWeights, names, 'lossWeights', 'output', where, (v) => typeof v === 'number');
  const metrics = metricsPerOutput(args.metrics, names, 'metrics', where);
  const weighted = metricsPerOutput(args.weightedMetrics, names, 'weightedMetrics', where);
  return names.map((name, i) => {
    const w = weights[i];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new ValueError(
        `${where}: lossWeights for the output '${name}' must be a finite number ≥ 0, got ${String(w)}.`,
      );
    }
    if (typeof losses[i] !== 'string') {
      throw new ValueError(`${where}: the loss of the output '${name}' must be a loss name, got ${typeof losses[i]}.`);
    }
    // Unknown names fail here, not at fit.
    for (const m of metrics[i]) parseMetricName(m, `${where}: metrics`);
    for (const m of weighted[i]) parseMetricName(m, `${where}: weightedMetrics`);
    return { name, loss: getLoss(losses[i]), weight: w, metrics: metrics[i], weightedMetrics: weighted[i] };
  });
}

/**
 * Each output's metrics resolved against its width (layers added after compile may change it), their
 * keys prefixed with the output's name when the model has several outputs.
 * @example
 * headMetrics(heads, [[10], [1]]).map((ms) => ms.map((m) => m.key)); // [['digit_accuracy'], ['even_accuracy']]
 */
export function headMetrics(heads: readonly OutputHead[], shapes: readonly number[][]): Tracked[][] {
  return heads.map((h, i) => {
    const units = shapes[i][shapes[i].length - 1];
    const ms = resolveMetrics(h.metrics, h.weightedMetrics, h.loss, units);
    return heads.length === 1 ? ms : ms.map((m) => ({ ...m, key: `${h.name}_${m.key}` }));
  });
}

/**
 * The keys of the outputs' own losses in the logs: none for one output (its loss is `loss`).
 * @example
 * outputLossKeys(heads); // ['digit_loss', 'even_loss']
 */
export function outputLossKeys(heads: readonly OutputHead[]): string[] {
  return heads.length === 1 ? [] : heads.map((h) => `${h.name}_loss`);
}
