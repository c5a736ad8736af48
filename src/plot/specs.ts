/**
 * The charts as Vega-Lite specifications: plain data in, a spec out, no Node and no chart library
 * imported. Node renders them to SVG and PNG (render.ts); the draw-a-digit page compiles the curves'
 * spec when it is built and draws it live with Vega, so a chart looks the same everywhere.
 *
 * The look is matplotlib's, which drew the tutorials' plots: DejaVu Sans (its default font, shipped
 * to the PNG renderer by the dejavu-fonts-ttf package), the tab10 colours, white background.
 */

/**
 * A Vega-Lite spec, as JSON. Checked when compiled: vega-lite's warnings are errors (render.ts), and a test renders
 * every chart.
 */
export type VlSpec = Record<string, unknown>;

/**
 * matplotlib's default font first; browsers without it fall back to a close one.
 *
 * @example
 * ```ts
 * const spec = { config: { font: FONT } }; // text in matplotlib's DejaVu Sans
 * ```
 */
export const FONT = 'DejaVu Sans, Verdana, Arial, sans-serif';
/**
 * matplotlib's tab10: training blue, validation orange, as `plt.plot` colours two curves.
 *
 * @example
 * ```ts
 * const [training, validation] = TAB10; // '#1f77b4', '#ff7f0e'
 * ```
 */
export const TAB10 = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const INK = '#222222';
const MUTED = '#555555';
const WRONG = '#d62728';

/**
 * The shared look: every spec below carries it.
 *
 * @example
 * ```ts
 * const spec = { config: CONFIG, mark: 'bar', data: { values } }; // a chart in the house look
 * ```
 */
export const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#bbbbbb' },
  title: { fontSize: 14, fontWeight: 'normal', color: INK, anchor: 'middle', offset: 8 },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    labelColor: INK,
    titleColor: INK,
    gridColor: '#e6e6e6',
    domainColor: '#888888',
    tickColor: '#888888',
  },
  header: { labelFontSize: 12, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', labelColor: INK, symbolStrokeWidth: 2 },
  range: { category: TAB10 },
  text: { color: INK },
};

/**
 * What every chart's spec starts with: the schema, the shared look (`config`, amended where a chart needs), the title.
 */
function chart(title: string | undefined, config: Record<string, unknown> = CONFIG): VlSpec {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config, ...(title ? { title } : {}) };
}

// ---- training curves ---------------------------------------------------------------------------

/** One point of a curve: `panel` is the metric (loss, accuracy, …), `series` training or validation. */
export interface CurveRow {
  panel: string;
  series: string;
  x: number;
  y: number;
  /** Drawn as a dot as well as on the line: per-epoch values (a sparse curve reads better with its points marked). */
  dot: boolean;
}

export interface CurvesOptions {
  /** The panels, left to right: each metric's name. */
  panels: string[];
  /** The x axis's extent, in epochs (its end is the spec's parameter `xmax`). */
  xDomain: [number, number];
  title?: string;
  /** Each panel's width and height in pixels. */
  width?: number;
  height?: number;
  /**
   * The points inline; without them the spec reads a named data set `curves` that its user fills
   * (the page, as training reports).
   */
  rows?: CurveRow[];
}

/** A zero-based y axis for losses and rates, a tight one for accuracies (which live near 1). */
const zeroBased = (panel: string): boolean => !/acc|precision|recall|auc/i.test(panel);

/**
 * Line charts side by side, one per metric, training and validation curves in each, one legend.
 *
 * @example
 * ```ts
 * const spec = curvesSpec({ rows: [{ panel: 'loss', series: 'loss', x: 1, y: 0.3, dot: true }] });
 * ```
 */
export function curvesSpec(o: CurvesOptions): VlSpec {
  const width = o.width ?? 320;
  const height = o.height ?? 220;
  const data = o.rows ? { values: o.rows } : { name: 'curves' };
  // The axis's end is a parameter, `xmax`, so a live chart can set it (the epochs planned) without a new spec.
  const x = {
    field: 'x',
    type: 'quantitative',
    title: 'epoch',
    scale: { domainMin: o.xDomain[0], domainMax: { expr: 'xmax' }, nice: false },
    axis: { tickMinStep: 1, format: 'd' },
  };
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    sort: ['training', 'validation'],
    legend: { orient: 'top', direction: 'horizontal', symbolType: 'stroke' },
  };
  const panel = (name: string): VlSpec => ({
    width,
    height,
    title: { text: name, fontSize: 12, anchor: 'start' },
    transform: [{ filter: { field: 'panel', equal: name } }],
    encoding: {
      x,
      y: { field: 'y', type: 'quantitative', title: null, scale: { zero: zeroBased(name) } },
      color,
    },
    layer: [
      { mark: { type: 'line', strokeWidth: 1.8, interpolate: 'linear' } },
      { transform: [{ filter: 'datum.dot' }], mark: { type: 'point', filled: true, size: 28, opacity: 1 } },
    ],
  });
  return {
    ...chart(o.title),
    data,
    // A live chart grows its legend and axis labels as data comes: let the view resize to them.
    autosize: { type: 'pad', resize: true },
    params: [{ name: 'xmax', value: o.xDomain[1] }],
    hconcat: o.panels.map(panel),
    resolve: { scale: { y: 'independent' } },
  };
}

// ---- bars ----------------------------------------------------------------------------------------

/**
 * The ten probabilities of one digit as bars, the most probable one coloured, each bar labelled.
 *
 * @example
 * ```ts
 * const spec = probabilitiesSpec({ probabilities: [0.01, 0.9, 0.09], title: 'test digit 0' });
 * ```
 */
export function probabilitiesSpec(o: {
  probabilities: number[];
  title?: string;
  width?: number;
  height?: number;
}): VlSpec {
  const p = o.probabilities;
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  const values = p.map((v, c) => ({ digit: String(c), probability: v, top: c === best }));
  return {
    ...chart(o.title),
    width: o.width ?? 420,
    height: o.height ?? 220,
    data: { values },
    encoding: {
      x: { field: 'digit', type: 'ordinal', title: 'digit', sort: null, axis: { labelAngle: 0 } },
      y: { field: 'probability', type: 'quantitative', title: 'probability', scale: { domain: [0, 1] } },
    },
    layer: [
      {
        mark: { type: 'bar', width: { band: 0.7 } },
        encoding: { color: { condition: { test: 'datum.top', value: TAB10[0] }, value: '#a6c8e4' } },
      },
      {
        mark: { type: 'text', dy: -6, fontSize: 10, color: MUTED },
        encoding: { text: { field: 'probability', type: 'quantitative', format: '.2f' } },
      },
    ],
  };
}

/**
 * Per-class precision and recall as grouped bars; the y axis starts where the lowest bar needs it to.
 *
 * @example
 * ```ts
 * const spec = classMetricsSpec({ precision: [0.99, 0.98], recall: [0.97, 0.99] });
 * ```
 */
export function classMetricsSpec(o: {
  precision: number[];
  recall: number[];
  title?: string;
  width?: number;
  height?: number;
}): VlSpec {
  const values = o.precision.flatMap((p, c) => [
    { digit: String(c), measure: 'precision', value: p },
    { digit: String(c), measure: 'recall', value: o.recall[c] },
  ]);
  const lowest = Math.min(...values.map((v) => v.value));
  // Bars of 0.97 and 0.99 from zero look alike: start the axis at the tenth below the lowest bar.
  const floor = Math.max(0, Math.floor(lowest * 10 - 0.5) / 10);
  return {
    ...chart(o.title),
    width: o.width ?? 480,
    height: o.height ?? 220,
    data: { values },
    encoding: {
      x: { field: 'digit', type: 'ordinal', title: 'digit', sort: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'measure', sort: ['precision', 'recall'] },
      y: {
        field: 'value',
        type: 'quantitative',
        title: floor > 0 ? `value (axis from ${floor})` : 'value',
        scale: { domain: [floor, 1] },
      },
      color: {
        field: 'measure',
        type: 'nominal',
        title: null,
        sort: ['precision', 'recall'],
        legend: { orient: 'top', direction: 'horizontal' },
      },
    },
    layer: [{ mark: { type: 'bar', clip: true } }],
  };
}

// ---- confusion matrix ---------------------------------------------------------------------------

/**
 * The confusion matrix as a heat map (rows true, columns predicted), each cell's count written in it.
 *
 * @example
 * ```ts
 * const spec = confusionSpec({ matrix: [[50, 2], [1, 47]] });
 * ```
 */
export function confusionSpec(o: { matrix: number[][]; title?: string; cell?: number }): VlSpec {
  const k = o.matrix.length;
  const values = o.matrix.flatMap((row, t) =>
    row.map((count, p) => ({ true: String(t), predicted: String(p), count })),
  );
  const max = Math.max(1, ...values.map((v) => v.count));
  const size = (o.cell ?? 40) * k;
  return {
    ...chart(o.title),
    width: size,
    height: size,
    data: { values },
    encoding: {
      x: {
        field: 'predicted',
        type: 'ordinal',
        title: 'predicted',
        sort: null,
        axis: { orient: 'top', labelAngle: 0 },
      },
      y: { field: 'true', type: 'ordinal', title: 'true', sort: null },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues', domain: [0, max] }, title: 'count' },
        },
      },
      {
        mark: { type: 'text', fontSize: k > 12 ? 8 : 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          // White on the dark half of the scale, ink on the light half, as scikit-learn's display does.
          color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: INK },
        },
      },
    ],
  };
}

// ---- pixel images -------------------------------------------------------------------------------

/** One picture of a grid: an image URL (a PNG data URL) and its caption lines. */
export interface GridCell {
  url: string;
  caption: string[];
  /** The caption in red: a wrong prediction. */
  wrong?: boolean;
}

/**
 * Pictures in a grid, each drawn pixel for pixel (no smoothing) with its caption in real type under
 * it; `pixels` is the side of each picture on screen.
 *
 * @example
 * ```ts
 * const spec = imageGridSpec({ cells: [{ url: pngDataUrl, caption: ['7'] }], columns: 10 });
 * ```
 */
export function imageGridSpec(o: { cells: GridCell[]; columns: number; title?: string; pixels?: number }): VlSpec {
  const side = o.pixels ?? 56;
  const lines = Math.max(0, ...o.cells.map((c) => c.caption.length));
  const lineHeight = 13;
  // Wide enough for the longest caption line (DejaVu Sans at 11 px averages under 7 px a character).
  const longest = Math.max(0, ...o.cells.flatMap((c) => c.caption.map((line) => line.length)));
  const cellW = Math.max(side, 80, Math.ceil(7 * longest)) + 12;
  const cellH = side + 6 + lines * lineHeight + 6;
  const rows = Math.ceil(o.cells.length / o.columns);
  const values = o.cells.map((c, i) => ({
    url: c.url,
    caption: c.caption,
    wrong: c.wrong === true,
    cx: (i % o.columns) * cellW + cellW / 2,
    top: Math.floor(i / o.columns) * cellH,
  }));
  // y runs down the page, in pixels from the top: both layers place by it.
  const y = { type: 'quantitative', scale: { domain: [rows * cellH, 0], nice: false, zero: false }, axis: null };
  return {
    ...chart(o.title, { ...CONFIG, view: { stroke: null } }),
    width: o.columns * cellW,
    height: rows * cellH,
    data: { values },
    encoding: {
      x: {
        field: 'cx',
        type: 'quantitative',
        scale: { domain: [0, o.columns * cellW], nice: false, zero: true },
        axis: null,
      },
    },
    layer: [
      {
        // aria off: Vega would otherwise repeat each image's data URL in its label.
        mark: {
          type: 'image',
          width: side,
          height: side,
          align: 'center',
          baseline: 'top',
          smooth: false,
          aspect: false,
          aria: false,
        },
        encoding: { url: { field: 'url', type: 'nominal' }, y: { field: 'top', ...y } },
      },
      {
        transform: [{ calculate: `datum.top + ${side + 4}`, as: 'captionTop' }],
        mark: { type: 'text', baseline: 'top', align: 'center', fontSize: 11, lineHeight },
        encoding: {
          y: { field: 'captionTop', ...y },
          text: { field: 'caption' },
          color: { condition: { test: 'datum.wrong', value: WRONG }, value: INK },
        },
      },
    ],
  };
}
