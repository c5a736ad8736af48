/**
 * Metrics, as counts over a batch so that an epoch's value is the exact mean over its samples.
 * 'accuracy' resolves as Keras resolves it: sparse labels → sparse categorical accuracy, a single
 * output → binary accuracy (threshold 0.5), otherwise categorical accuracy (argmax against argmax).
 */
import { ValueError } from '../errors.js';
import type { FloatArray } from '../tensor/kernels.js';
import type { TypedArray } from '../tensor/tensor.js';
import type { Loss } from './losses.js';

export interface Metric {
  /** The key in logs and History (`accuracy`, `val_accuracy`). */
  readonly key: string;
  /** Number of correct samples among the rows of p [rows, cols]. */
  correct(p: FloatArray, y: TypedArray, rows: number, cols: number): number;
}

function argmaxRow(x: ArrayLike<number>, o: number, cols: number): number {
  let best = 0;
  for (let c = 1; c < cols; c++) if (x[o + c] > x[o + best]) best = c;
  return best;
}

const sparseCategorical = (p: FloatArray, y: TypedArray, rows: number, cols: number): number => {
  let n = 0;
  for (let r = 0; r < rows; r++) if (argmaxRow(p, r * cols, cols) === y[r]) n++;
  return n;
};

const categorical = (p: FloatArray, y: TypedArray, rows: number, cols: number): number => {
  let n = 0;
  for (let r = 0; r < rows; r++) if (argmaxRow(p, r * cols, cols) === argmaxRow(y, r * cols, cols)) n++;
  return n;
};

const binary = (p: FloatArray, y: TypedArray, rows: number, cols: number): number => {
  let n = 0;
  for (let i = 0; i < rows * cols; i++) if (p[i] > 0.5 === y[i] > 0.5) n++;
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

/** Resolves a metric name for a loss and an output width; keys keep Keras's spelling. */
export function getMetric(name: string, loss: Loss, outputUnits: number): Metric {
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  if (!Object.hasOwn(KINDS, camel)) {
    throw new ValueError(`Unknown metric '${name}'; expected one of ${Object.keys(KINDS).map((k) => `'${k}'`).join(', ')}.`);
  }
  let kind = KINDS[camel];
  if (kind === 'auto') kind = loss.sparse ? 'sparse' : outputUnits === 1 ? 'binary' : 'categorical';
  if (kind === 'sparse' && !loss.sparse) {
    throw new ValueError(`Metric '${name}' needs integer labels, but the loss '${loss.name}' takes ${outputUnits}-wide targets.`);
  }
  const key = camel === name ? name.replace(/([A-Z])/g, (c) => `_${c.toLowerCase()}`) : name;
  return { key, correct: FNS[kind] };
}
