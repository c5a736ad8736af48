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

/** Keras's column widths: Sequential's table is 65 characters wide, a functional model's 98 with "Connected to". */
const WIDTHS = [29, 26, 10];
const TOTAL = 65;
const FUNCTIONAL_WIDTHS = [32, 21, 12, 32];
const FUNCTIONAL_TOTAL = 98;

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

/** `text` in lines of at most `width` characters, broken at its newlines and at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const part of text.split('\n')) {
    const first = lines.length;
    for (const word of part.split(' ')) {
      const last = lines.length - 1;
      if (last >= first && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
      else lines.push(word);
    }
  }
  return lines;
}

/**
 * The summary's lines, for a built model (a wrapped row is one entry holding newlines).
 * @example
 * summaryLines(model)[0]; // 'Model: "sequential"'
 */
export function summaryLines(model: SummaryModel): string[] {
  const rows = model.layers.map((l) => [`${l.name} (${l.className})`, outputShapeText(l), String(l.countParams())]);
  return table(model, ['Layer (type)', 'Output Shape', 'Param #'], rows, WIDTHS, TOTAL);
}

/**
 * A functional model's summary lines (Keras's, with "Connected to": each input of each of the
 * layer's nodes as `layer[node][tensor]`).
 * @example
 * functionalSummaryLines(model.name, model.dtype, graph)[0]; // 'Model: "functional"'
 */
export function functionalSummaryLines(
  name: string,
  dtype: FloatDType,
  graph: { layers: readonly Layer[]; describeNodes(): { layer: Layer; inputs: [string, number, number][] }[] },
): string[] {
  const nodes = graph.describeNodes();
  const rows = graph.layers.map((l) => {
    const links = nodes.filter((n) => n.layer === l).flatMap((n) => n.inputs.map(([k, i, t]) => `${k}[${i}][${t}]`));
    return [`${l.name} (${l.className})`, outputShapeText(l), String(l.countParams()), links.join('\n') || '-'];
  });
  return table(
    { name, dtype, layers: graph.layers },
    ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'],
    rows,
    FUNCTIONAL_WIDTHS,
    FUNCTIONAL_TOTAL,
  );
}

function outputShapeText(l: Layer): string {
  return `(None, ${(l.outputShape ?? []).join(', ')})`;
}

/** Keras's summary table: the header, a row per layer, the totals. */
function table(model: SummaryModel, header: string[], rows: string[][], widths: number[], total: number): string[] {
  // A cell longer than its column wraps at its spaces onto lines of its own, as Keras (2.11 on)
  // prints `batch_normalization (BatchNormalization)`; a word longer than the column stays whole.
  const row = (cells: string[]): string => {
    const wrapped = cells.map((c, i) => wrap(c, widths[i] - 1));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, k) =>
      ` ${wrapped.map((w, i) => `${(w[k] ?? '').padEnd(widths[i] - 1)} `).join('')}`.padEnd(total),
    ).join('\n');
  };
  const count = (ps: { value: { size: number } }[]): number => ps.reduce((s, p) => s + p.value.size, 0);
  const trainable = model.layers.reduce((s, l) => s + count(l.trainableWeights), 0);
  const fixed = model.layers.reduce((s, l) => s + count(l.nonTrainableWeights), 0);
  const figure = (n: number): string => `${n.toLocaleString('en-US')} (${byteSize(n, model.dtype)})`;
  const lines = [`Model: "${model.name}"`, '_'.repeat(total), row(header), '='.repeat(total)];
  rows.forEach((cells, i) => {
    lines.push(row(cells));
    if (i < rows.length - 1) lines.push(' '.repeat(total));
  });
  lines.push(
    '='.repeat(total),
    `Total params: ${figure(trainable + fixed)}`,
    `Trainable params: ${figure(trainable)}`,
    `Non-trainable params: ${figure(fixed)}`,
    '_'.repeat(total),
  );
  return lines;
}
