/**
 * Metrics, as counts over a batch so that an epoch's value is the exact mean over its samples.
 * 'accuracy' resolves as Keras resolves it: binary cross-entropy or a single output → binary accuracy
 * (prediction > 0.5 against the target), integer labels → sparse categorical accuracy, otherwise
 * categorical accuracy (argmax against argmax).
 */
import { ValueError } from '../errors.js';
import type { FloatArray } from '../tensor/kernels.js';
import type { TypedArray } from '../tensor/tensor.js';
import type { Loss, RowWeights } from '../losses/losses.js';

export interface Metric {
  /** The key in logs and History (`accuracy`, `val_accuracy`). */
  readonly key: string;
  /**
   * Number of correct rows of p [rows, cols] (a row is a sample, or a position of one for outputs of
   * rank ≥ 3); with w [rows], the sum of the correct rows' weights (compile's weightedMetrics).
   */
  correct(p: FloatArray, y: TypedArray, rows: number, cols: number, w?: RowWeights): number;
}

function argmaxRow(x: ArrayLike<number>, o: number, cols: number): number {
  let best = 0;
  for (let c = 1; c < cols; c++) if (x[o + c] > x[o + best]) best = c;
  return best;
}

const sparseCategorical = (p: FloatArray, y: TypedArray, rows: number, cols: number, w?: RowWeights): number => {
  let n = 0;
  for (let r = 0; r < rows; r++) if (argmaxRow(p, r * cols, cols) === y[r]) n += w ? w[r] : 1;
  return n;
};

const categorical = (p: FloatArray, y: TypedArray, rows: number, cols: number, w?: RowWeights): number => {
  let n = 0;
  for (let r = 0; r < rows; r++) if (argmaxRow(p, r * cols, cols) === argmaxRow(y, r * cols, cols)) n += w ? w[r] : 1;
  return n;
};

const binary = (p: FloatArray, y: TypedArray, rows: number, cols: number, w?: RowWeights): number => {
  let n = 0;
  for (let i = 0; i < rows * cols; i++) if (y[i] === (p[i] > 0.5 ? 1 : 0)) n += w ? w[(i / cols) | 0] : 1;
  return n / cols;
};

type Kind = 'sparse' | 'categorical' | 'binary';
const KINDS: Record<string, Kind | 'auto'> = {
  accuracy: 'auto',
  acc: 'auto',
  sparseCategoricalAccuracy: 'sparse',
  categoricalAccuracy: 'categorical',
  binaryAccuracy: 'binary',
};
const FNS: Record<Kind, Metric['correct']> = { sparse: sparseCategorical, categorical, binary };

/**
 * Checks a metric name; throws a ValueError for an unknown one, naming `where` it was given when known.
 *
 * @example
 * ```ts
 * parseMetricName('sparse_categorical_accuracy'); // { camel: 'sparseCategoricalAccuracy', key0: the same }
 * parseMetricName('acc');                         // { camel: 'acc', key0: 'acc' }
 * ```
 */
export function parseMetricName(name: string, where?: string): { camel: string; key0: string } {
  const camel = String(name).replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const lower = camel.toLowerCase();
  const key0 = lower === 'accuracy' || lower === 'acc' ? lower : camel;
  if (!Object.hasOwn(KINDS, key0)) {
    throw new ValueError(
      `${where ? `${where}: unknown` : 'Unknown'} metric '${name}'; expected one of ${Object.keys(KINDS)
        .map((k) => `'${k}'`)
        .join(', ')}.`,
    );
  }
  return { camel, key0 };
}

/**
 * Resolves a metric name (camelCase or Keras's snake_case) for a loss and an output width.
 *
 * 'accuracy' becomes binary, sparse categorical or categorical accuracy, as Keras resolves it
 * (binary whenever the loss is binaryCrossentropy).
 *
 * @example
 * ```ts
 * getMetric('accuracy', getLoss('sparseCategoricalCrossentropy'), 10).key; // 'accuracy' (sparse categorical)
 * getMetric('accuracy', getLoss('binaryCrossentropy'), 3); // binary accuracy over 3 independent outputs
 * ```
 */
export function getMetric(name: string, loss: Loss, outputUnits: number): Metric {
  const { camel, key0 } = parseMetricName(name);
  let kind = KINDS[key0];
  // With binary cross-entropy the outputs are independent probabilities at any width (multi-label): binary, as
  // tf.keras 2 and TF.js resolve it (Keras 3 looks at shapes only, and would take argmax over several outputs).
  if (kind === 'auto')
    kind = outputUnits === 1 || loss.name === 'binaryCrossentropy' ? 'binary' : loss.sparse ? 'sparse' : 'categorical';
  if (kind === 'sparse' && !loss.sparse) {
    throw new ValueError(
      `Metric '${name}' needs integer labels, but the loss '${loss.name}' takes ${outputUnits}-wide targets.`,
    );
  }
  if (loss.sparse && kind !== 'sparse' && outputUnits !== 1) {
    throw new ValueError(
      `Metric '${name}' needs ${outputUnits}-wide targets, but the loss '${loss.name}' takes integer labels; use 'accuracy'.`,
    );
  }
  // Logs use Keras's keys: 'accuracy' / 'acc' as given, the others in snake_case.
  const key = KINDS[key0] === 'auto' ? key0 : camel.replace(/([A-Z])/g, (c) => `_${c.toLowerCase()}`);
  return { key, correct: FNS[kind] };
}
