/**
 * Keras's model summary: a table of layers with their output shapes and parameter counts, then the
 * totals split into trainable and non-trainable weights (a frozen layer's count as non-trainable).
 */
import type { FloatDType } from '../tensor/kernels.js';
import type { Layer } from '../layers/layer.js';

/**
 * What the summary reads of a model (Sequential is one).
 * @example
 * const lines = summaryLines(model satisfies SummaryModel);
 */
export interface SummaryModel {
  readonly name: string;
  readonly dtype: FloatDType;
  readonly layers: readonly Layer[];
}

const WIDTHS = [29, 26, 10];
const TOTAL = 65;

/** `4 * 101770` bytes as Keras prints them: `397.54 KB`. */
function byteSize(n: number, dtype: FloatDType): string {
  const b = n * (dtype === 'float64' ? 8 : 4);
  if (b === 0) return '0.00 Byte';
  const units = ['Byte', 'KB', 'MB', 'GB'];
  let v = b;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

/** `text` in lines of at most `width` characters, broken at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/**
 * The summary's lines, for a built model (a wrapped row is one entry holding newlines).
 * @example
 * summaryLines(model)[0]; // 'Model: "sequential"'
 */
export function summaryLines(model: SummaryModel): string[] {
  // A cell longer than its column wraps at its spaces onto lines of its own, as Keras (2.11 on)
  // prints `batch_normalization (BatchNormalization)`; a word longer than the column stays whole.
  const row = (cells: string[]): string => {
    const wrapped = cells.map((c, i) => wrap(c, WIDTHS[i] - 1));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, k) =>
      ` ${wrapped.map((w, i) => `${(w[k] ?? '').padEnd(WIDTHS[i] - 1)} `).join('')}`.padEnd(TOTAL),
    ).join('\n');
  };
  const count = (ps: { value: { size: number } }[]): number => ps.reduce((s, p) => s + p.value.size, 0);
  const trainable = model.layers.reduce((s, l) => s + count(l.trainableWeights), 0);
  const fixed = model.layers.reduce((s, l) => s + count(l.nonTrainableWeights), 0);
  const total = trainable + fixed;
  const figure = (n: number): string => `${n.toLocaleString('en-US')} (${byteSize(n, model.dtype)})`;
  const lines = [
    `Model: "${model.name}"`,
    '_'.repeat(TOTAL),
    row(['Layer (type)', 'Output Shape', 'Param #']),
    '='.repeat(TOTAL),
  ];
  model.layers.forEach((l, i) => {
    lines.push(
      row([`${l.name} (${l.className})`, `(None, ${(l.outputShape ?? []).join(', ')})`, String(l.countParams())]),
    );
    if (i < model.layers.length - 1) lines.push(' '.repeat(TOTAL));
  });
  lines.push(
    '='.repeat(TOTAL),
    `Total params: ${figure(total)}`,
    `Trainable params: ${figure(trainable)}`,
    `Non-trainable params: ${figure(fixed)}`,
    '_'.repeat(TOTAL),
  );
  return lines;
}
