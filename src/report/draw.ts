/**
 * Pictures for the training report, drawn from scratch into an RGBA raster and written as PNG: a
 * line chart of training curves, a confusion-matrix heat map and a grid of digits. Text uses a
 * built-in 5×7 bitmap font (integer magnification), so no font files or canvas are needed.
 */
import { encodePng } from '../io/image.js';

export type Rgb = [number, number, number];

// ---------------------------------------------------------------------------------------------
// The 5×7 font. Each glyph is seven rows of five cells, '#' for ink, rows separated by spaces.

const GLYPH_W = 5;
const GLYPH_H = 7;
const ADVANCE = GLYPH_W + 1;

const FONT_SRC: Record<string, string> = {
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '###.. #..#. #...# #...# #...# #..#. ###..',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  a: '..... ..... .###. ....# .#### #...# .####',
  b: '#.... #.... #.##. ##..# #...# #...# ####.',
  c: '..... ..... .###. #.... #.... #...# .###.',
  d: '....# ....# .##.# #..## #...# #...# .####',
  e: '..... ..... .###. #...# ##### #.... .###.',
  f: '..##. .#..# .#... ###.. .#... .#... .#...',
  g: '..... .#### #...# #...# .#### ....# .###.',
  h: '#.... #.... #.##. ##..# #...# #...# #...#',
  i: '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  j: '...#. ..... ..##. ...#. ...#. #..#. .##..',
  k: '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  l: '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  m: '..... ..... ##.#. #.#.# #.#.# #...# #...#',
  n: '..... ..... #.##. ##..# #...# #...# #...#',
  o: '..... ..... .###. #...# #...# #...# .###.',
  p: '..... ..... ####. #...# ####. #.... #....',
  q: '..... ..... .##.# #..## .#### ....# ....#',
  r: '..... ..... #.##. ##..# #.... #.... #....',
  s: '..... ..... .###. #.... .###. ....# ####.',
  t: '.#... .#... ###.. .#... .#... .#..# ..##.',
  u: '..... ..... #...# #...# #...# #..## .##.#',
  v: '..... ..... #...# #...# #...# .#.#. ..#..',
  w: '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  x: '..... ..... #...# .#.#. ..#.. .#.#. #...#',
  y: '..... ..... #...# #...# .#### ....# .###.',
  z: '..... ..... ##### ...#. ..#.. .#... #####',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  ',': '..... ..... ..... ..... .##.. ..#.. .#...',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  ';': '..... .##.. .##.. ..... .##.. ..#.. .#...',
  '-': '..... ..... ..... ##### ..... ..... .....',
  '_': '..... ..... ..... ..... ..... ..... #####',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '[': '.###. .#... .#... .#... .#... .#... .###.',
  ']': '.###. ...#. ...#. ...#. ...#. ...#. .###.',
  '/': '..... ....# ...#. ..#.. .#... #.... .....',
  '=': '..... ..... ##### ..... ##### ..... .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  "'": '..#.. ..#.. .#... ..... ..... ..... .....',
  '"': '.#.#. .#.#. ..... ..... ..... ..... .....',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#.. .....',
  '×': '..... #...# .#.#. ..#.. .#.#. #...# .....',
  '–': '..... ..... ..... ##### ..... ..... .....',
  '·': '..... ..... ..... .##.. .##.. ..... .....',
};
const UNKNOWN_SRC = '..... ..... .###. .#.#. .#.#. .###. .....';

/** Each glyph as seven row bitmasks, bit 4 the leftmost cell. */
function parseGlyph(src: string): number[] {
  return src.split(' ').map((row) => [...row].reduce((m, c) => (m << 1) | (c === '#' ? 1 : 0), 0));
}
const FONT = new Map<string, number[]>(Object.entries(FONT_SRC).map(([k, v]) => [k, parseGlyph(v)]));
const UNKNOWN = parseGlyph(UNKNOWN_SRC);
const glyphOf = (ch: string): number[] => FONT.get(ch) ?? UNKNOWN;

const clampByte = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));
const scaleOf = (scale: number | undefined): number => Math.max(1, Math.round(scale ?? 1));

// ---------------------------------------------------------------------------------------------

/** An opaque RGBA picture with a few drawing operations. Pixel (x, y) has its centre at (x, y). */
export class Raster {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Rgb = [255, 255, 255]) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`Raster: width and height must be positive integers, got ${width}×${height}.`);
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Blends `color` into pixel (x, y) with opacity `a` in [0, 1]; outside pixels are ignored. */
  private blend(x: number, y: number, color: Rgb, a: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || !(a > 0)) return;
    const i = 4 * (y * this.width + x);
    const d = this.data;
    if (a >= 1) {
      d[i] = clampByte(color[0]);
      d[i + 1] = clampByte(color[1]);
      d[i + 2] = clampByte(color[2]);
    } else {
      d[i] = clampByte(d[i] + (color[0] - d[i]) * a);
      d[i + 1] = clampByte(d[i + 1] + (color[1] - d[i + 1]) * a);
      d[i + 2] = clampByte(d[i + 2] + (color[2] - d[i + 2]) * a);
    }
    d[i + 3] = 255;
  }

  /** Fills the pixels x..x+w-1 × y..y+h-1 (rounded, clipped to the raster). */
  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.blend(xx, yy, color, 1);
  }

  /** An anti-aliased segment with round ends, `thickness` pixels wide (default 1). */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1): void {
    const half = Math.max(0.5, thickness / 2);
    const reach = half + 1;
    const minX = Math.max(0, Math.floor(Math.min(x0, x1) - reach));
    const maxX = Math.min(this.width - 1, Math.ceil(Math.max(x0, x1) + reach));
    const minY = Math.max(0, Math.floor(Math.min(y0, y1) - reach));
    const maxY = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1) + reach));
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy;
    for (let y = minY; y <= maxY; y++) {
      for (let x = minX; x <= maxX; x++) {
        let t = len2 > 0 ? ((x - x0) * dx + (y - y0) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const d = Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy));
        const cover = half + 0.5 - d;
        if (cover > 0) this.blend(x, y, color, Math.min(1, cover));
      }
    }
  }

  /** A filled, anti-aliased disc. */
  disc(cx: number, cy: number, r: number, color: Rgb): void {
    this.line(cx, cy, cx, cy, color, 2 * r);
  }

  /** Draws `s` with its top-left corner at (x, y); returns the width drawn (see {@link textWidth}). */
  text(x: number, y: number, s: string, color: Rgb, scale?: number): number {
    const x0 = Math.round(x);
    const y0 = Math.round(y);
    return this.glyphs(s, color, scale, (i, r, c, k) => [x0 + (i * ADVANCE + c) * k, y0 + r * k]);
  }

  /** Draws `s` turned a quarter counter-clockwise (read bottom to top), starting at the bottom (x, y): the text occupies x..x+7·scale-1 horizontally and y-width+1..y vertically. */
  textUp(x: number, y: number, s: string, color: Rgb, scale?: number): number {
    const x0 = Math.round(x);
    const y0 = Math.round(y);
    return this.glyphs(s, color, scale, (i, r, c, k) => [x0 + r * k, y0 - (i * ADVANCE + c + 1) * k + 1]);
  }

  /** Fills a k×k block for every set bit of every glyph of `s`, at `at(char index, glyph row, glyph column, k)`. */
  private glyphs(s: string, color: Rgb, scale: number | undefined, at: (i: number, r: number, c: number, k: number) => [number, number]): number {
    const k = scaleOf(scale);
    let i = 0;
    for (const ch of s) {
      const rows = glyphOf(ch);
      for (let r = 0; r < GLYPH_H; r++) {
        for (let c = 0; c < GLYPH_W; c++) {
          if ((rows[r] >> (GLYPH_W - 1 - c)) & 1) {
            const [px, py] = at(i, r, c, k);
            this.fillRect(px, py, k, k, color);
          }
        }
      }
      i++;
    }
    return this.textWidth(s, k);
  }

  /** The width in pixels of `s` drawn at `scale`: 6·scale per character, less the trailing gap. */
  textWidth(s: string, scale?: number): number {
    const n = [...s].length;
    return n === 0 ? 0 : (n * ADVANCE - 1) * scaleOf(scale);
  }

  toPng(): Uint8Array {
    return encodePng(this.width, this.height, this.data);
  }
}

// ---------------------------------------------------------------------------------------------
// Shared chart pieces.

const INK: Rgb = [33, 33, 33];
const MUTED: Rgb = [90, 90, 90];
const GRID: Rgb = [228, 228, 228];
const AXIS: Rgb = [120, 120, 120];
const RED: Rgb = [200, 30, 30];
const WHITE: Rgb = [255, 255, 255];
const TEXT_H = GLYPH_H;

/** Draws a centred title, shrinking it to fit the width; returns the y just below it. */
function drawTitle(r: Raster, title: string, y: number): number {
  if (!title) return y;
  let k = 3;
  while (k > 1 && r.textWidth(title, k) > r.width - 20) k--;
  r.text(Math.max(4, (r.width - r.textWidth(title, k)) / 2), y, title, INK, k);
  return y + TEXT_H * k;
}

/** A "nice" step (1, 2 or 5 × 10^k) giving about `target` intervals over `range`. */
function niceStep(range: number, target: number): number {
  const raw = range / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  const s = v.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

// ---------------------------------------------------------------------------------------------

/** Training curves: one line per series over epochs 1..n, axes with tick labels, a legend, a title. */
export function lineChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: { name: string; values: number[]; color: Rgb }[];
  width?: number;
  height?: number;
}): Uint8Array {
  const W = opts.width ?? 640;
  const H = opts.height ?? 400;
  const r = new Raster(W, H);
  const k = 2; // text scale for labels and ticks

  // Data range.
  const n = Math.max(0, ...opts.series.map((s) => s.values.length));
  const finite = opts.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  if (hi - lo < 1e-12) {
    const pad = Math.abs(hi) > 1e-12 ? Math.abs(hi) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const yStep = niceStep(hi - lo, 5);
  const yMin = Math.floor(lo / yStep + 1e-9) * yStep;
  const yMax = Math.ceil(hi / yStep - 1e-9) * yStep;
  const yTicks: number[] = [];
  for (let v = yMin; v <= yMax + yStep * 1e-6; v += yStep) yTicks.push(v);
  const yLabels = yTicks.map((v) => formatTick(v, yStep));

  const xMin = n > 1 ? 1 : 0;
  const xMax = n > 1 ? n : 2;
  const xStep = Math.max(1, Math.round(niceStep(Math.max(1, xMax - xMin), 10)));
  const xTicks: number[] = [];
  for (let e = 1; e <= Math.max(1, n); e++) if (e % xStep === 0 || (e === 1 && xStep >= 5)) xTicks.push(e);

  // Layout.
  const top = drawTitle(r, opts.title, 12) + 16;
  const tickW = Math.max(...yLabels.map((s) => r.textWidth(s, k)));
  const left = 12 + (opts.yLabel ? TEXT_H * k + 12 : 0) + tickW + 8;
  const right = W - 24;
  const bottom = H - 12 - (opts.xLabel ? TEXT_H * k + 10 : 0) - TEXT_H * k - 10;
  const px = (e: number) => left + ((e - xMin) / (xMax - xMin)) * (right - left);
  const py = (v: number) => bottom - ((v - yMin) / (yMax - yMin)) * (bottom - top);

  // Grid and ticks.
  yTicks.forEach((v, i) => {
    const y = Math.round(py(v));
    r.fillRect(left, y, right - left + 1, 1, GRID);
    r.fillRect(left - 5, y, 5, 1, AXIS);
    r.text(left - 8 - r.textWidth(yLabels[i], k), y - (TEXT_H * k) / 2 + 1, yLabels[i], MUTED, k);
  });
  for (const e of xTicks) {
    const x = Math.round(px(e));
    r.fillRect(x, top, 1, bottom - top, GRID);
    r.fillRect(x, bottom, 1, 5, AXIS);
    const s = String(e);
    r.text(x - r.textWidth(s, k) / 2, bottom + 10, s, MUTED, k);
  }
  r.fillRect(left, top, 1, bottom - top + 1, AXIS);
  r.fillRect(left, bottom, right - left + 1, 1, AXIS);

  // Axis titles.
  if (opts.xLabel) r.text((left + right - r.textWidth(opts.xLabel, k)) / 2, H - 12 - TEXT_H * k, opts.xLabel, INK, k);
  if (opts.yLabel) r.textUp(12, (top + bottom + r.textWidth(opts.yLabel, k)) / 2, opts.yLabel, INK, k);

  // Series.
  for (const s of opts.series) {
    for (let i = 0; i + 1 < s.values.length; i++) {
      const a = s.values[i];
      const b = s.values[i + 1];
      if (Number.isFinite(a) && Number.isFinite(b)) r.line(px(i + 1), py(a), px(i + 2), py(b), s.color, 2);
    }
    s.values.forEach((v, i) => {
      if (Number.isFinite(v)) r.disc(px(i + 1), py(v), 3.5, s.color);
    });
  }

  // Legend, in the top-right corner unless the curves pass there, then in the emptiest corner.
  if (opts.series.length > 0) {
    const pad = 8;
    const rowH = TEXT_H * k + 6;
    const boxW = pad * 3 + 24 + Math.max(...opts.series.map((s) => r.textWidth(s.name, k)));
    const boxH = pad * 2 + rowH * opts.series.length - 6;
    const corners: [number, number][] = [
      [right - 8 - boxW, top + 8],
      [right - 8 - boxW, bottom - 8 - boxH],
      [left + 8, bottom - 8 - boxH],
      [left + 8, top + 8],
    ];
    const hits = corners.map(([bx, by]) => {
      let count = 0;
      for (const s of opts.series) {
        const v = s.values;
        for (let i = 0; i < v.length; i++) {
          const steps = i + 1 < v.length ? 10 : 0;
          for (let q = 0; q <= steps; q++) {
            const t = q / 10;
            const x = px(i + 1 + t);
            const y = py(steps ? v[i] * (1 - t) + v[i + 1] * t : v[i]);
            if (x >= bx - 4 && x <= bx + boxW + 4 && y >= by - 4 && y <= by + boxH + 4) count++;
          }
        }
      }
      return count;
    });
    const best = hits.indexOf(Math.min(...hits));
    const [bx, by] = corners[best];
    r.fillRect(bx, by, boxW, boxH, WHITE);
    r.fillRect(bx, by, boxW, 1, AXIS);
    r.fillRect(bx, by + boxH - 1, boxW, 1, AXIS);
    r.fillRect(bx, by, 1, boxH, AXIS);
    r.fillRect(bx + boxW - 1, by, 1, boxH, AXIS);
    opts.series.forEach((s, i) => {
      const y = by + pad + i * rowH;
      const cy = y + (TEXT_H * k) / 2 - 0.5;
      r.line(bx + pad, cy, bx + pad + 24, cy, s.color, 2);
      r.disc(bx + pad + 12, cy, 3.5, s.color);
      r.text(bx + pad * 2 + 24, y, s.name, INK, k);
    });
  }
  return r.toPng();
}

// ---------------------------------------------------------------------------------------------

/** Matplotlib's "Blues" colour map, sampled. */
const BLUES: Rgb[] = [
  [247, 251, 255],
  [198, 219, 239],
  [107, 174, 214],
  [33, 113, 181],
  [8, 48, 107],
];

function blues(t: number): Rgb {
  const u = Math.max(0, Math.min(1, t)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(u));
  const f = u - i;
  return [0, 1, 2].map((c) => BLUES[i][c] + (BLUES[i + 1][c] - BLUES[i][c]) * f) as Rgb;
}

/**
 * A confusion matrix as a heat map (white → dark blue by count), the count printed in each cell
 * (white text on dark cells), row/column labels, axis titles. The shade follows the square root of
 * count / largest count, so that a handful of errors next to a thousand right answers still shows.
 */
export function heatmap(opts: {
  title: string;
  matrix: number[][];
  rowLabels: string[];
  colLabels: string[];
  xLabel: string;
  yLabel: string;
}): Uint8Array {
  const rows = opts.matrix.length;
  const cols = Math.max(1, ...opts.matrix.map((row) => row.length));
  const max = Math.max(0, ...opts.matrix.flat().filter((v) => Number.isFinite(v)));
  const cellText = opts.matrix.map((row) => row.map((v) => (Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : '')));
  const probe = new Raster(1, 1);
  const k = 2;
  const longest = Math.max(1, ...cellText.flat().map((s) => s.length));
  const cellK = probe.textWidth('0'.repeat(longest), 2) <= 58 ? 2 : 1;
  const cell = Math.max(40, Math.min(68, probe.textWidth('0'.repeat(longest), cellK) + 12));
  const rowLabelW = Math.max(0, ...opts.rowLabels.map((s) => probe.textWidth(s, k)));
  const colLabelW = Math.max(0, ...opts.colLabels.map((s) => probe.textWidth(s, k)));
  const colK = colLabelW <= cell - 4 ? k : 1;

  const titleW = probe.textWidth(opts.title, 3);
  const gridW = cols * cell;
  const gridH = rows * cell;
  const left = 16 + (opts.yLabel ? TEXT_H * k + 14 : 0) + rowLabelW + 10;
  const W = Math.max(left + gridW + 32, Math.min(900, titleW + 32), probe.textWidth(opts.xLabel, k) + left + 32);
  const titleH = opts.title ? TEXT_H * 3 : 0;
  const top = 14 + titleH + 18;
  const H = top + gridH + 10 + TEXT_H * colK + (opts.xLabel ? 14 + TEXT_H * k : 0) + 16;
  const r = new Raster(W, H);
  drawTitle(r, opts.title, 14);

  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = opts.matrix[i][j];
      const t = max > 0 && Number.isFinite(v) ? Math.sqrt(Math.max(0, v) / max) : 0;
      const x = left + j * cell;
      const y = top + i * cell;
      r.fillRect(x, y, cell, cell, blues(t));
      const s = cellText[i][j] ?? '';
      if (s) r.text(x + (cell - r.textWidth(s, cellK)) / 2, y + (cell - TEXT_H * cellK) / 2, s, t > 0.6 ? WHITE : INK, cellK);
    }
  }
  // Thin white separators between cells, then a frame.
  for (let j = 1; j < cols; j++) r.fillRect(left + j * cell, top, 1, gridH, WHITE);
  for (let i = 1; i < rows; i++) r.fillRect(left, top + i * cell, gridW, 1, WHITE);
  r.fillRect(left - 1, top - 1, gridW + 2, 1, AXIS);
  r.fillRect(left - 1, top + gridH, gridW + 2, 1, AXIS);
  r.fillRect(left - 1, top - 1, 1, gridH + 2, AXIS);
  r.fillRect(left + gridW, top - 1, 1, gridH + 2, AXIS);

  opts.rowLabels.slice(0, rows).forEach((s, i) => {
    r.text(left - 10 - r.textWidth(s, k), top + i * cell + (cell - TEXT_H * k) / 2, s, MUTED, k);
  });
  opts.colLabels.slice(0, cols).forEach((s, j) => {
    r.text(left + j * cell + (cell - r.textWidth(s, colK)) / 2, top + gridH + 10, s, MUTED, colK);
  });
  if (opts.xLabel) r.text(left + (gridW - r.textWidth(opts.xLabel, k)) / 2, top + gridH + 10 + TEXT_H * colK + 14, opts.xLabel, INK, k);
  if (opts.yLabel) r.textUp(16, top + (gridH + r.textWidth(opts.yLabel, k)) / 2, opts.yLabel, INK, k);
  return r.toPng();
}

// ---------------------------------------------------------------------------------------------

/**
 * Digits in a grid: each image is 28×28 floats in [0,1] (white ink on black, as MNIST), drawn
 * enlarged 3× as dark ink on white (like the tutorials' plots), with a caption under each; captions
 * of highlighted cells in red (and the digit framed in red).
 */
export function digitGrid(opts: {
  images: Float32Array[];
  captions: string[];
  columns: number;
  title?: string;
  highlight?: boolean[];
}): Uint8Array {
  const SIDE = 28;
  const ZOOM = 3;
  const img = SIDE * ZOOM;
  const count = opts.images.length;
  const columns = Math.max(1, Math.min(Math.floor(opts.columns) || 1, Math.max(1, count)));
  const rowsN = Math.max(1, Math.ceil(count / columns));
  const probe = new Raster(1, 1);
  const captions = opts.images.map((_, i) => opts.captions[i] ?? '');
  // Captions at scale 2, wrapped at spaces to the digit's width when they are long; scale 1 only
  // when a single word is still too wide.
  const wrapAt = img + 16;
  const wrap = (s: string, k: number): string[] => {
    const lines: string[] = [];
    for (const para of s.split('\n')) {
      let line = '';
      for (const word of para.split(' ')) {
        const next = line ? `${line} ${word}` : word;
        if (line && probe.textWidth(next, k) > wrapAt) {
          lines.push(line);
          line = word;
        } else line = next;
      }
      lines.push(line);
    }
    return lines;
  };
  let capK = 2;
  let lines = captions.map((s) => (s ? wrap(s, 2) : []));
  if (lines.flat().some((l) => probe.textWidth(l, 2) > wrapAt)) {
    capK = 1;
    lines = captions.map((s) => (s ? wrap(s, 1) : []));
  }
  const capW = Math.max(0, ...lines.flat().map((l) => probe.textWidth(l, capK)));
  const lineH = TEXT_H * capK + 4;
  const maxLines = Math.max(0, ...lines.map((l) => l.length));
  const cellW = Math.max(img, capW) + 16;
  const cellH = img + (maxLines ? 8 + maxLines * lineH - 4 : 0) + 14;
  const margin = 12;
  const titleK = 2;
  const title = opts.title ?? '';
  const titleH = title ? TEXT_H * titleK + 16 : 0;
  const W = Math.max(margin * 2 + columns * cellW, title ? probe.textWidth(title, titleK) + 2 * margin : 0);
  const H = margin + titleH + rowsN * cellH + margin - 14;
  const r = new Raster(W, H);
  if (title) r.text((W - r.textWidth(title, titleK)) / 2, margin, title, INK, titleK);
  const x0 = Math.floor((W - columns * cellW) / 2);
  const y0 = margin + titleH;

  opts.images.forEach((pixels, n) => {
    const cx = x0 + (n % columns) * cellW;
    const cy = y0 + Math.floor(n / columns) * cellH;
    const ix = cx + Math.floor((cellW - img) / 2);
    const hot = opts.highlight?.[n] === true;
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const v = pixels[y * SIDE + x];
        const g = 255 * (1 - (Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0));
        if (g < 255) r.fillRect(ix + x * ZOOM, cy + y * ZOOM, ZOOM, ZOOM, [g, g, g]);
      }
    }
    const frame: Rgb = hot ? RED : [215, 215, 215];
    const fw = hot ? 2 : 1;
    r.fillRect(ix - fw, cy - fw, img + 2 * fw, fw, frame);
    r.fillRect(ix - fw, cy + img, img + 2 * fw, fw, frame);
    r.fillRect(ix - fw, cy, fw, img, frame);
    r.fillRect(ix + img, cy, fw, img, frame);
    lines[n].forEach((l, j) => {
      r.text(cx + (cellW - r.textWidth(l, capK)) / 2, cy + img + 8 + j * lineH, l, hot ? RED : INK, capK);
    });
  });
  return r.toPng();
}
