/**
 * The training panel's chart: loss on the left, accuracy on the right, against epochs; the training
 * figures as a line (means over every fiftieth of an epoch), validation as dots at epoch ends.
 */

export interface ChartPoint {
  /** Epochs done, fractional within an epoch. */
  x: number;
  loss: number;
  accuracy: number;
  /** Present at epoch ends. */
  valLoss?: number;
  valAccuracy?: number;
}

const TRAIN = '#2f6fde';
const VAL = '#e07b00';
const GRID = '#e3e7ee';
const TEXT = '#5d6677';

interface Panel {
  title: string;
  left: number;
  width: number;
  lo: number;
  hi: number;
  train: (p: ChartPoint) => number;
  val: (p: ChartPoint) => number | undefined;
  format: (v: number) => string;
}

/** Draws every point so far; `epochs` fixes the x axis (default: as far as the points go). */
export function drawChart(canvas: HTMLCanvasElement, points: ChartPoint[], epochs = Math.max(1, Math.ceil(points.at(-1)?.x ?? 1))): void {
  const g = canvas.getContext('2d')!;
  const W = canvas.width;
  const H = canvas.height;
  g.clearRect(0, 0, W, H);
  g.font = '13px system-ui, sans-serif';
  const maxLoss = Math.ceil(2 * Math.max(0.5, ...points.map((p) => Math.max(p.loss, p.valLoss ?? 0)))) / 2;
  const minAcc = Math.min(0.8, ...points.map((p) => Math.min(p.accuracy, p.valAccuracy ?? 1)));
  const gap = 60;
  const pw = (W - gap * 2 - 40) / 2;
  const panels: Panel[] = [
    { title: 'loss', left: gap, width: pw, lo: 0, hi: maxLoss, train: (p) => p.loss, val: (p) => p.valLoss, format: (v) => v.toFixed(2) },
    { title: 'accuracy', left: gap * 2 + pw + 20, width: pw, lo: minAcc < 0.5 ? 0 : Math.floor(minAcc * 10) / 10, hi: 1, train: (p) => p.accuracy, val: (p) => p.valAccuracy, format: (v) => `${Math.round(v * 100)}%` },
  ];
  const top = 28;
  const bottom = H - 34;
  for (const panel of panels) {
    const px = (x: number): number => panel.left + (x / epochs) * panel.width;
    const py = (v: number): number => bottom - ((v - panel.lo) / (panel.hi - panel.lo || 1)) * (bottom - top);
    g.fillStyle = '#1d2330';
    g.fillText(panel.title, panel.left, top - 10);
    g.strokeStyle = GRID;
    g.fillStyle = TEXT;
    g.lineWidth = 1;
    for (let i = 0; i <= 5; i++) {
      const v = panel.lo + ((panel.hi - panel.lo) * i) / 5;
      g.beginPath();
      g.moveTo(panel.left, py(v));
      g.lineTo(panel.left + panel.width, py(v));
      g.stroke();
      const label = panel.format(v);
      g.fillText(label, panel.left - 8 - g.measureText(label).width, py(v) + 4);
    }
    const step = Math.max(1, Math.ceil(epochs / 10));
    for (let e = 0; e <= epochs; e += step) {
      const label = String(e);
      g.fillText(label, px(e) - g.measureText(label).width / 2, bottom + 18);
    }
    g.fillText('epoch', panel.left + panel.width - g.measureText('epoch').width, bottom + 32 > H ? H - 2 : bottom + 32);

    g.strokeStyle = TRAIN;
    g.lineWidth = 2;
    g.beginPath();
    points.forEach((p, i) => (i === 0 ? g.moveTo(px(p.x), py(panel.train(p))) : g.lineTo(px(p.x), py(panel.train(p)))));
    g.stroke();

    const vals = points.filter((p) => panel.val(p) !== undefined);
    g.strokeStyle = VAL;
    g.fillStyle = VAL;
    g.beginPath();
    vals.forEach((p, i) => (i === 0 ? g.moveTo(px(p.x), py(panel.val(p)!)) : g.lineTo(px(p.x), py(panel.val(p)!))));
    g.stroke();
    for (const p of vals) {
      g.beginPath();
      g.arc(px(p.x), py(panel.val(p)!), 4, 0, 2 * Math.PI);
      g.fill();
    }
  }
  // legend
  const legend: [string, string][] = [['training', TRAIN], ['validation', VAL]];
  let lx = W - 20;
  for (const [label, color] of legend.reverse()) {
    lx -= g.measureText(label).width;
    g.fillStyle = TEXT;
    g.fillText(label, lx, 14);
    lx -= 22;
    g.fillStyle = color;
    g.fillRect(lx, 6, 14, 4);
    lx -= 18;
  }
}
