/**
 * The plots the tutorials draw, for scripts: training curves, a grid of digits, the probabilities
 * of one digit, the confusion matrix, per-class precision and recall. Each takes the library's own
 * objects (a History, Tensors, label arrays) and resolves to a Plot: its SVG, `toPng()`, and
 * `save(path)` (`.svg` or `.png`). The chart packages load on the first call (render.ts).
 *
 * ```ts
 * const history = await model.fit(x, y, { epochs: 10, validationSplit: 0.2 });
 * await (await plotHistory(history, { metrics: ['accuracy'] })).save('accuracy.png');
 * ```
 */
import { ShapeError, ValueError, checkInt, checkKeys, formatShape } from '../errors.js';
import { encodePng } from '../image/codecs.js';
import { History } from '../training/callbacks.js';
import { confusionMatrix, perClass } from '../metrics/classification.js';
import type { Tensor } from '../tensor/tensor.js';
import { Plot, renderSpec } from './render.js';
import {
  classMetricsSpec,
  confusionSpec,
  curvesSpec,
  imageGridSpec,
  probabilitiesSpec,
  type CurveRow,
  type GridCell,
} from './specs.js';

export { Plot };

/** Labels as a Tensor of integers or a plain array. */
export type Labels = Tensor | ArrayLike<number>;

const valuesOf = (x: Labels): ArrayLike<number> => ('shape' in x && 'data' in x ? x.data : x);

/** Checks `title`, `width` and `height`, the options every plot takes. */
function checkFrame(where: string, o: { title?: unknown; width?: unknown; height?: unknown }): void {
  if (o.title !== undefined && typeof o.title !== 'string')
    throw new ValueError(`${where}: title must be a string, got ${typeof o.title}.`);
  if (o.width !== undefined) checkInt(where, 'width', o.width, 50);
  if (o.height !== undefined) checkInt(where, 'height', o.height, 50);
}

/** Class labels: integers in [0, classes), as many as `n` when given. */
function checkLabels(where: string, what: string, x: Labels, n?: number): ArrayLike<number> {
  const v = valuesOf(x);
  if (n !== undefined && v.length !== n)
    throw new ShapeError(`${where}: ${what} has ${v.length} labels, expected ${n} (one per image).`);
  for (let i = 0; i < v.length; i++) {
    if (!(Number.isInteger(v[i]) && v[i] >= 0))
      throw new ValueError(`${where}: ${what}[${i}] is ${v[i]}; labels must be integers ≥ 0.`);
  }
  return v;
}

// ---- training curves ---------------------------------------------------------------------------

export interface PlotHistoryOptions {
  /**
   * The metrics to draw, one panel each, with their `val_` curves: e.g. `['loss', 'accuracy']`, or
   * `['learning_rate']`. Default: every metric recorded, the learning rate only when it changed.
   */
  metrics?: string[];
  title?: string;
  /** Each panel's size in pixels (default 320 × 220). */
  width?: number;
  height?: number;
}

/**
 * Per-epoch curves as Keras's `history.history` has them: training and (where recorded) validation, one
 * panel per metric.
 *
 * Takes a `History` or Keras's `history.history` record; by default every metric recorded, the learning
 * rate only when it changed.
 *
 * @example
 * ```ts
 * const history = await model.fit(x, y, { epochs: 10, validationSplit: 0.2 });
 * await (await plotHistory(history, { metrics: ['loss', 'accuracy'] })).save('curves.png');
 * ```
 */
export async function plotHistory(
  history: History | Record<string, number[]>,
  options: PlotHistoryOptions = {},
): Promise<Plot> {
  checkKeys('plotHistory', options, ['metrics', 'title', 'width', 'height']);
  checkFrame('plotHistory', options);
  const wrong = () =>
    new ValueError('plotHistory: history must be a History (what fit resolves to) or a record of per-epoch arrays.');
  if (typeof history !== 'object' || history === null) throw wrong();
  const h = history instanceof History ? history.history : history;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw wrong();
  const recorded = Object.keys(h).filter(
    (k) => !k.startsWith('val_') && k !== 'lr' && Array.isArray(h[k]) && h[k].length > 0,
  );
  const varies = (k: string) => h[k].some((v) => v !== h[k][0]);
  const metrics = options.metrics ?? recorded.filter((k) => k !== 'learning_rate' || varies(k));
  if (!Array.isArray(metrics) || metrics.length === 0)
    throw new ValueError(
      `plotHistory: metrics must be a non-empty array of names; the history has ${recorded.join(', ') || 'nothing'}.`,
    );
  const rows: CurveRow[] = [];
  let epochs = 1;
  for (const m of metrics) {
    if (!Array.isArray(h[m]) || h[m].length === 0)
      throw new ValueError(
        `plotHistory: metrics names '${m}', which the history does not have; it has ${recorded.join(', ') || 'nothing'}.`,
      );
    for (const [series, values] of [
      ['training', h[m]],
      ['validation', h[`val_${m}`]],
    ] as const) {
      values?.forEach((y, i) => Number.isFinite(y) && rows.push({ panel: m, series, x: i + 1, y, dot: true }));
      epochs = Math.max(epochs, values?.length ?? 0);
    }
  }
  const { title, width, height } = options;
  return renderSpec(curvesSpec({ panels: metrics, xDomain: [1, Math.max(2, epochs)], rows, title, width, height }));
}

// ---- digits -------------------------------------------------------------------------------------

export interface PlotDigitsOptions {
  /** The predicted digit of each image: shown under it, in red where it differs from the label. */
  predictions?: Labels;
  /**
   * The model's probabilities [n, classes]: the two most probable digits go under each image (and the predictions, if
   * not given).
   */
  probabilities?: Tensor;
  /** Images per row (default: a square grid, at most 10). */
  columns?: number;
  title?: string;
  /** Each image's side on screen in pixels, a multiple of its own for sharp pixels (default twice its side). */
  pixels?: number;
}

/** The images of a [n, h, w], [n, h, w, 1] or [n, h·w] tensor (square), as [n, side] and gray values in [0, 1]. */
function grayImages(images: Tensor): { n: number; side: number; at: (i: number, j: number) => number } {
  const s = images.shape;
  const ok =
    (s.length === 3 && s[1] === s[2]) ||
    (s.length === 4 && s[1] === s[2] && s[3] === 1) ||
    (s.length === 2 && Number.isInteger(Math.sqrt(s[1])));
  if (!ok || s[0] === 0)
    throw new ShapeError(
      `plotDigits: images must be square gray images [n, h, h], [n, h, h, 1] or [n, h·h] with n ≥ 1, got ${formatShape(s)}.`,
    );
  const side = s.length === 2 ? Math.sqrt(s[1]) : s[1];
  const d = images.data;
  // Bytes (0–255) or floats in [0, 1], as loadMnist and x.div(255) give them.
  let max = 0;
  for (let i = 0; i < d.length; i++) if (d[i] > max) max = d[i];
  const scale = images.dtype === 'uint8' || max > 1 ? 1 / 255 : 1;
  return { n: s[0], side, at: (i, j) => Math.min(1, Math.max(0, d[i * side * side + j] * scale)) };
}

/** A probability as a whole percentage; one that rounds to 0 but is not 0 shows as <1%. */
const percent = (p: number): string => (p > 0 && p < 0.005 ? '<1%' : `${(100 * p).toFixed(0)}%`);

/** The `k` most probable classes of a row, most probable first. */
function topK(row: ArrayLike<number>, k: number): number[] {
  return Array.from(row, (_, c) => c)
    .sort((a, b) => row[b] - row[a])
    .slice(0, k);
}

/**
 * Digits in a grid, pixel for pixel (ink black on white, as `plt.imshow(x, cmap='binary')`), each
 * captioned with its label; with predictions, wrong ones in red; with probabilities, the two most
 * probable digits and their chances.
 *
 * Images are uint8 or [0, 1], [n, 28, 28], [n, 28, 28, 1] or [n, 784], drawn pixel for pixel, black ink on
 * white.
 *
 * @example
 * ```ts
 * await (await plotDigits(xTrain.slice(0, 49), yTrain.slice(0, 49))).save('digits.png');
 * const probabilities = await model.predict(xTest.slice(0, 25).div(255));
 * await (await plotDigits(xTest.slice(0, 25), yTest.slice(0, 25), { probabilities })).save('predicted.svg');
 * ```
 */
export async function plotDigits(
  images: Tensor,
  labels?: Labels | null,
  options: PlotDigitsOptions = {},
): Promise<Plot> {
  checkKeys('plotDigits', options, ['predictions', 'probabilities', 'columns', 'title', 'pixels']);
  checkFrame('plotDigits', options);
  const g = grayImages(images);
  const truth = labels == null ? undefined : checkLabels('plotDigits', 'labels', labels, g.n);
  const probs = options.probabilities;
  if (probs !== undefined && !(probs.shape.length === 2 && probs.shape[0] === g.n)) {
    throw new ShapeError(
      `plotDigits: probabilities must be [${g.n}, classes], one row per image, got ${formatShape(probs.shape)}.`,
    );
  }
  const k = probs?.shape[1] ?? 0;
  const rowOf = (i: number) => probs!.data.subarray(i * k, (i + 1) * k);
  const predicted =
    options.predictions !== undefined
      ? checkLabels('plotDigits', 'predictions', options.predictions, g.n)
      : probs
        ? Array.from({ length: g.n }, (_, i) => topK(rowOf(i), 1)[0])
        : undefined;
  const columns =
    options.columns === undefined
      ? Math.min(10, Math.ceil(Math.sqrt(g.n)))
      : checkInt('plotDigits', 'columns', options.columns, 1);
  const pixels = options.pixels === undefined ? 2 * g.side : checkInt('plotDigits', 'pixels', options.pixels, g.side);

  const cells: GridCell[] = [];
  const ink = new Uint8Array(g.side * g.side);
  for (let i = 0; i < g.n; i++) {
    for (let j = 0; j < ink.length; j++) ink[j] = Math.round(255 * (1 - g.at(i, j)));
    const url = `data:image/png;base64,${Buffer.from(encodePng(g.side, g.side, ink)).toString('base64')}`;
    const t = truth?.[i];
    const p = predicted?.[i];
    const wrong = p !== undefined && t !== undefined && p !== t;
    const caption = [p === undefined ? (t === undefined ? '' : String(t)) : wrong ? `${p} (true ${t})` : String(p)];
    if (probs)
      caption.push(
        topK(rowOf(i), 2)
          .map((c) => `${c}: ${percent(rowOf(i)[c])}`)
          .join('  '),
      );
    cells.push({ url, caption, wrong });
  }
  return renderSpec(imageGridSpec({ cells, columns, title: options.title, pixels }));
}

// ---- one digit's probabilities ---------------------------------------------------------------------

/**
 * The probabilities of one image as bars, the most probable coloured: `probs` is [classes], [1, classes]
 * or an array.
 *
 * @example
 * ```ts
 * const probs = await model.predict(xTest.slice(0, 1).div(255));
 * await (await plotProbabilities(probs, { title: 'test digit 0' })).save('probabilities.png');
 * ```
 */
export async function plotProbabilities(
  probs: Tensor | ArrayLike<number>,
  options: { title?: string; width?: number; height?: number } = {},
): Promise<Plot> {
  checkKeys('plotProbabilities', options, ['title', 'width', 'height']);
  checkFrame('plotProbabilities', options);
  const shape = 'shape' in probs && 'data' in probs ? probs.shape : [probs.length];
  if (!(shape.length === 1 || (shape.length === 2 && shape[0] === 1)) || shape[shape.length - 1] < 2) {
    throw new ShapeError(
      `plotProbabilities: probs must be one image's probabilities, [classes] or [1, classes] with classes ≥ 2, got ${formatShape(shape)}.`,
    );
  }
  const p = Array.from(valuesOf(probs));
  const bad = p.findIndex((v) => !(v >= 0 && v <= 1));
  if (bad >= 0)
    throw new ValueError(`plotProbabilities: probs[${bad}] is ${p[bad]}; probabilities must lie in [0, 1].`);
  return renderSpec(probabilitiesSpec({ probabilities: p, ...options }));
}

// ---- from true and predicted labels ---------------------------------------------------------------

export interface PlotLabelsOptions {
  /**
   * How many classes, at most 100 (default: 10, or more if a prediction is larger); a true label
   * outside them is refused.
   */
  classes?: number;
  title?: string;
}

/** The most classes a confusion plot draws (40 px a cell): a matrix of more is neither legible nor cheap. */
const MAX_CLASSES = 100;

/** The first label of v at or above `classes`, as [index, label], if any. */
function firstAbove(v: ArrayLike<number>, classes: number): [number, number] | undefined {
  for (let i = 0; i < v.length; i++) if (v[i] >= classes) return [i, v[i]];
  return undefined;
}

/**
 * The confusion matrix of one labelling, rows true and columns predicted. Its size comes from
 * `classes` or the predictions, never from a true label: a stray one is refused before anything is
 * allocated.
 */
function confusionOf(where: string, yTrue: Labels, yPred: Labels, options: PlotLabelsOptions): number[][] {
  checkKeys(where, options, ['classes', 'title']);
  checkFrame(where, options);
  const t = checkLabels(where, 'yTrue', yTrue);
  const p = checkLabels(where, 'yPred', yPred, t.length);
  const given = options.classes === undefined ? undefined : checkInt(where, 'classes', options.classes, 2);
  if (given !== undefined && given > MAX_CLASSES)
    throw new ValueError(
      `${where}: classes must be at most ${MAX_CLASSES} (a plot of more is unreadable), got ${given}.`,
    );
  const tooMany = firstAbove(p, MAX_CLASSES);
  if (tooMany)
    throw new ValueError(
      `${where}: yPred[${tooMany[0]}] is ${tooMany[1]}; ` +
        `a plot draws at most ${MAX_CLASSES} classes, 0 to ${MAX_CLASSES - 1}.`,
    );
  let top = 0;
  for (let i = 0; i < p.length; i++) top = Math.max(top, p[i]);
  const classes = given ?? Math.max(10, top + 1);
  const badPred = firstAbove(p, classes);
  if (badPred)
    throw new ValueError(
      `${where}: yPred[${badPred[0]}] is ${badPred[1]}, but classes is ${classes}; labels must be below it.`,
    );
  const badTrue = firstAbove(t, classes);
  if (badTrue) {
    const whence = given !== undefined ? `classes is ${classes}` : `the predictions have classes 0 to ${classes - 1}`;
    throw new ValueError(
      `${where}: yTrue[${badTrue[0]}] is ${badTrue[1]}, but ${whence}; a label must be one of them` +
        (given !== undefined ? '.' : ' (pass classes if the model has more).'),
    );
  }
  return confusionMatrix(t, p, classes);
}

/**
 * The confusion matrix as a heat map with the counts written in, rows the true class, columns the
 * predicted one.
 *
 * @example
 * ```ts
 * const predicted = (await model.predict(xTest.div(255))).argMax(-1);
 * await (await plotConfusion(yTest, predicted)).save('confusion.png');
 * ```
 */
export async function plotConfusion(yTrue: Labels, yPred: Labels, options: PlotLabelsOptions = {}): Promise<Plot> {
  return renderSpec(
    confusionSpec({ matrix: confusionOf('plotConfusion', yTrue, yPred, options), title: options.title }),
  );
}

/**
 * Each class's precision and recall as bars side by side.
 *
 * @example
 * ```ts
 * const predicted = (await model.predict(xTest.div(255))).argMax(-1);
 * await (await plotClassMetrics(yTest, predicted)).save('class-metrics.png');
 * ```
 */
export async function plotClassMetrics(yTrue: Labels, yPred: Labels, options: PlotLabelsOptions = {}): Promise<Plot> {
  const figures = perClass(confusionOf('plotClassMetrics', yTrue, yPred, options));
  return renderSpec(
    classMetricsSpec({
      precision: figures.map((f) => f.precision),
      recall: figures.map((f) => f.recall),
      title: options.title,
    }),
  );
}
