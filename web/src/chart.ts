/**
 * The training panel's chart: loss on the left, accuracy on the right, against epochs; the training
 * figures as a line (means over every fiftieth of an epoch), validation as dots at epoch ends.
 *
 * It is the library's own curves chart (curvesSpec in src/plot/specs.ts, the one the report and the
 * scripts' plotHistory draw), compiled from Vega-Lite to Vega when the page is built
 * (build/curves.vg.json, by scripts/demo.ts) and drawn here by Vega's SVG renderer (vega.ts: its
 * runtime without the Vega-Lite compiler). main.ts imports this module dynamically, so Vega comes in
 * a chunk of its own, fetched after the page is up.
 */
import { View, parse, type Spec } from './vega.js';
import type { CurveRow } from '../../src/plot/specs.js';

export interface ChartPoint {
  /** Epochs done, fractional within an epoch. */
  x: number;
  loss: number;
  accuracy: number;
  /** Present at epoch ends. */
  valLoss?: number;
  valAccuracy?: number;
}

/** The chart's rows: two per point (loss and accuracy), training on the line, validation as dots. */
export function rowsOf(points: ChartPoint[]): CurveRow[] {
  const rows: CurveRow[] = [];
  for (const p of points) {
    rows.push(
      { panel: 'loss', series: 'training', x: p.x, y: p.loss, dot: false },
      { panel: 'accuracy', series: 'training', x: p.x, y: p.accuracy, dot: false },
    );
    if (p.valLoss !== undefined) rows.push({ panel: 'loss', series: 'validation', x: p.x, y: p.valLoss, dot: true });
    if (p.valAccuracy !== undefined)
      rows.push({ panel: 'accuracy', series: 'validation', x: p.x, y: p.valAccuracy, dot: true });
  }
  return rows;
}

/** Draws the chart into `container`; resolves to its update: every point so far, and the epochs the x axis spans. */
export async function createChart(
  container: HTMLElement,
  specUrl: URL,
): Promise<(points: ChartPoint[], epochs: number) => Promise<void>> {
  const response = await fetch(specUrl);
  if (!response.ok) throw new Error(`chart: ${specUrl} answered ${response.status}`);
  const view = new View(parse((await response.json()) as Spec), { renderer: 'svg', container, hover: false });
  await view.runAsync();
  return async (points, epochs) => {
    view.data('curves', rowsOf(points)).signal('xmax', epochs);
    await view.runAsync();
  };
}
