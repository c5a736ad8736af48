/**
 * The training report as one HTML page: settings, figures, and the charts inline as SVG (crisp at any zoom, text
 * selectable), each linking to its PNG beside the page.
 */
import type { ClassFigures } from '../metrics/classification.js';

/** What `mnist-nn train` writes to report.json. */
export interface TrainReport {
  model: string;
  description: string;
  settings: Record<string, string | number | null>;
  trainSamples: number;
  validationSamples: number;
  history: { epoch: number[]; loss: number[]; accuracy: number[]; val_loss?: number[]; val_accuracy?: number[] };
  test: { loss: number; accuracy: number; samples: number };
  perClass: (ClassFigures & { digit: number })[];
  confusion: number[][];
  wallTimeSeconds: number;
  createdAt: string;
}

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(s: unknown): string {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const fmt = (v: number | undefined, digits = 4) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

function table(header: string[], rows: (string | number)[][]): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${trs}\n</tbody>\n</table>`;
}

/** A chart of the report: its SVG, the PNG written beside the page, and a caption. */
export interface ReportFigure {
  /** A short name, unique in the report: the PNG is `${name}.png` and the SVG's ids are prefixed with it. */
  name: string;
  svg: string;
  caption: string;
}

/**
 * An SVG document made fit to sit inline in a page beside others: its ids (clip paths, gradients)
 * prefixed, with every reference to them, so two charts' `clip1` cannot clash.
 */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/\b((?:xlink:)?href)="#([^"]+)"/g, `$1="#${prefix}-$2"`);
}

/** The page, the charts inline. */
export function renderReportHtml(r: TrainReport, charts: ReportFigure[]): string {
  const title = `mnist-nn: ${r.model} — test accuracy ${(100 * r.test.accuracy).toFixed(2)}%`;
  const h = r.history;
  const settings = table(
    ['setting', 'value'],
    [
      ['model', `${r.model} (${r.description})`],
      ...Object.entries(r.settings).map(([k, v]) => [k, v === null ? '–' : v]),
      ['training samples', r.trainSamples],
      ['validation samples', r.validationSamples],
    ],
  );
  const figures = table(
    ['figure', 'value'],
    [
      ['test accuracy', `${(100 * r.test.accuracy).toFixed(2)}%`],
      ['test loss', fmt(r.test.loss)],
      ['test samples', r.test.samples],
      ['wall time', `${r.wallTimeSeconds.toFixed(1)} s`],
    ],
  );
  const epochs = table(
    ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy'],
    h.epoch.map((e, i) => [e, fmt(h.loss[i]), fmt(h.accuracy[i]), fmt(h.val_loss?.[i]), fmt(h.val_accuracy?.[i])]),
  );
  const classes = table(
    ['digit', 'precision', 'recall', 'F1', 'support'],
    r.perClass.map((c) => [c.digit, fmt(c.precision), fmt(c.recall), fmt(c.f1), c.support]),
  );
  const figs = charts
    .map(
      (c) =>
        `<figure id="${escapeHtml(c.name)}">\n${inlineSvg(c.svg, c.name)}\n<figcaption>${escapeHtml(c.caption)} (<a href="${escapeHtml(c.name)}.png">PNG</a>)</figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }
th { background: #f3f3f3; }
td:first-child { text-align: left; }
.figs { display: flex; flex-wrap: wrap; gap: 1.5em; }
figure { margin: 0; }
figure svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 0.9em; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Written ${escapeHtml(r.createdAt)} by <code>mnist-nn train</code>.</p>
<h2>Settings</h2>
${settings}
<h2>Figures</h2>
${figures}
<h2>Per epoch</h2>
${epochs}
<h2>Per class (test set)</h2>
${classes}
<h2>Charts</h2>
<div class="figs">
${figs}
</div>
</body>
</html>
`;
}
