/**
 * Keras's model summary: a table of layers with their output shapes and parameter counts, then the
 * totals split into trainable and non-trainable weights (a frozen layer's count as non-trainable).
 */
import type { FloatDType } from '../tensor/kernels.js';
import type { Layer } from './layer.js';

/** What the summary reads of a model (Sequential is one). */
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

/** The summary's lines, for a built model. */
export function summaryLines(model: SummaryModel): string[] {
  // A cell longer than its column still leaves one space before the next.
  const row = (cells: string[]): string => ` ${cells.map((c, i) => `${c.padEnd(WIDTHS[i] - 1)} `).join('')}`.padEnd(TOTAL);
  const count = (ps: { value: { size: number } }[]): number => ps.reduce((s, p) => s + p.value.size, 0);
  const trainable = model.layers.reduce((s, l) => s + count(l.trainableWeights), 0);
  const fixed = model.layers.reduce((s, l) => s + count(l.nonTrainableWeights), 0);
  const total = trainable + fixed;
  const figure = (n: number): string => `${n.toLocaleString('en-US')} (${byteSize(n, model.dtype)})`;
  const lines = [`Model: "${model.name}"`, '_'.repeat(TOTAL), row(['Layer (type)', 'Output Shape', 'Param #']), '='.repeat(TOTAL)];
  model.layers.forEach((l, i) => {
    lines.push(row([`${l.name} (${l.className})`, `(None, ${(l.outputShape ?? []).join(', ')})`, String(l.countParams())]));
    if (i < model.layers.length - 1) lines.push(' '.repeat(TOTAL));
  });
  lines.push('='.repeat(TOTAL), `Total params: ${figure(total)}`, `Trainable params: ${figure(trainable)}`, `Non-trainable params: ${figure(fixed)}`, '_'.repeat(TOTAL));
  return lines;
}
