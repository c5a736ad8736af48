// The report's pictures: raster primitives, the bitmap font, and the three charts as PNGs.
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/io/image.js';
import { Raster, digitGrid, heatmap, lineChart, type Rgb } from '../src/report/draw.js';

function pixel(data: ArrayLike<number>, width: number, x: number, y: number): number[] {
  const i = 4 * (y * width + x);
  return [data[i], data[i + 1], data[i + 2], data[i + 3]];
}

function hasColor(img: { data: ArrayLike<number> }, c: Rgb): boolean {
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) if (d[i] === c[0] && d[i + 1] === c[1] && d[i + 2] === c[2]) return true;
  return false;
}

/** Columns (min, max) and rows (min, max) of the pixels darker than `limit`. */
function inkBox(r: { width: number; height: number; data: ArrayLike<number> }, limit = 128): [number, number, number, number] {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      if (r.data[4 * (y * r.width + x)] < limit) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  return [x0, x1, y0, y1];
}

describe('Raster', () => {
  it('starts with the background and fills rectangles, clipped', () => {
    const r = new Raster(10, 8);
    expect(r.data.length).toBe(10 * 8 * 4);
    expect(pixel(r.data, 10, 3, 3)).toEqual([255, 255, 255, 255]);
    r.fillRect(2, 1, 3, 2, [10, 20, 30]);
    expect(pixel(r.data, 10, 2, 1)).toEqual([10, 20, 30, 255]);
    expect(pixel(r.data, 10, 4, 2)).toEqual([10, 20, 30, 255]);
    expect(pixel(r.data, 10, 5, 2)).toEqual([255, 255, 255, 255]);
    expect(pixel(r.data, 10, 2, 3)).toEqual([255, 255, 255, 255]);
    r.fillRect(8, 6, 10, 10, [0, 0, 0]); // runs off the edge
    expect(pixel(r.data, 10, 9, 7)).toEqual([0, 0, 0, 255]);
    const g = new Raster(2, 2, [1, 2, 3]);
    expect(pixel(g.data, 2, 1, 1)).toEqual([1, 2, 3, 255]);
  });

  it('draws lines through their end points and nowhere far from them', () => {
    const r = new Raster(20, 20);
    r.line(2, 5, 12, 5, [255, 0, 0]);
    for (let x = 2; x <= 12; x++) expect(pixel(r.data, 20, x, 5)).toEqual([255, 0, 0, 255]);
    expect(pixel(r.data, 20, 7, 3)).toEqual([255, 255, 255, 255]);
    expect(pixel(r.data, 20, 14, 5)).toEqual([255, 255, 255, 255]);
    r.line(3, 8, 15, 17, [0, 0, 255], 2);
    expect(pixel(r.data, 20, 3, 8)).toEqual([0, 0, 255, 255]);
    expect(pixel(r.data, 20, 15, 17)).toEqual([0, 0, 255, 255]);
    expect(pixel(r.data, 20, 15, 8)).toEqual([255, 255, 255, 255]);
  });

  it('writes text whose inked span is textWidth wide and 7·scale tall', () => {
    for (const scale of [1, 2, 3]) {
      const r = new Raster(200, 40);
      const w = r.text(5, 4, 'HM', [0, 0, 0], scale); // both glyphs touch their first and last columns
      expect(w).toBe(r.textWidth('HM', scale));
      expect(w).toBe(11 * scale);
      const [x0, x1, y0, y1] = inkBox(r);
      expect([x0, x1 - x0 + 1, y0, y1 - y0 + 1]).toEqual([5, w, 4, 7 * scale]);
    }
    const r = new Raster(300, 20);
    const s = '0.25, 1:2 - a_b 50% (x) / = +';
    r.text(0, 0, s, [0, 0, 0]);
    const [, x1] = inkBox(r);
    expect(x1).toBeLessThan(r.textWidth(s));
    expect(r.textWidth('')).toBe(0);
    // Each required character has its own shape (none falls back to the unknown-character box).
    const shapes = new Set<string>();
    const unknown = new Raster(6, 7);
    unknown.text(0, 0, '\u2603', [0, 0, 0]);
    const unknownShape = Array.from(unknown.data).join();
    expect(inkBox(unknown)[0]).toBeLessThan(Infinity); // unknown characters still show as a box
    for (const ch of '0123456789.,:-_%()/=+ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') {
      const g = new Raster(6, 7);
      g.text(0, 0, ch, [0, 0, 0]);
      const shape = Array.from(g.data).join();
      expect(shape, ch).not.toBe(unknownShape);
      shapes.add(shape);
    }
    expect(shapes.size).toBeGreaterThan(60);
  });

  it('encodes itself as a PNG', () => {
    const r = new Raster(7, 5, [0, 128, 0]);
    const img = decodeImage(r.toPng(), 'raster');
    expect([img.width, img.height]).toEqual([7, 5]);
    expect(pixel(img.data, 7, 6, 4)).toEqual([0, 128, 0, 255]);
  });
});

describe('charts', () => {
  it('lineChart draws every series in its colour on a 640×400 picture', () => {
    const a: Rgb = [31, 119, 180];
    const b: Rgb = [255, 127, 14];
    const png = lineChart({
      title: 'Loss',
      xLabel: 'epoch',
      yLabel: 'loss',
      series: [
        { name: 'loss', values: [0.3, 0.15, 0.1, 0.08, 0.06], color: a },
        { name: 'val_loss', values: [0.2, 0.13, 0.11, 0.1, 0.1], color: b },
      ],
    });
    const img = decodeImage(png, 'chart');
    expect([img.width, img.height]).toEqual([640, 400]);
    expect(hasColor(img, a)).toBe(true);
    expect(hasColor(img, b)).toBe(true);
    expect(pixel(img.data, 640, 2, 2)).toEqual([255, 255, 255, 255]);
    const small = decodeImage(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'one', values: [1], color: a }], width: 300, height: 200 }), 'small');
    expect([small.width, small.height]).toEqual([300, 200]);
    expect(hasColor(small, a)).toBe(true);
    // Flat, empty and non-finite data do not throw.
    expect(() => lineChart({ title: '', xLabel: '', yLabel: '', series: [] })).not.toThrow();
    expect(() => lineChart({ title: 'x', xLabel: '', yLabel: '', series: [{ name: 'n', values: [2, NaN, 2, Infinity], color: b }] })).not.toThrow();
  });

  it('heatmap shades the largest count darkest, rows down and columns across', () => {
    // the largest count off the diagonal, at row 0, column 2: a transposed map would put it at [2, 0]
    const matrix = [
      [50, 2, 80],
      [1, 30, 3],
      [0, 5, 20],
    ];
    const labels = ['0', '1', '2'];
    const img = decodeImage(heatmap({ title: 'Confusion', matrix, rowLabels: labels, colLabels: labels, xLabel: 'Predicted', yLabel: 'True' }), 'heatmap');
    // Find the darkest pixel that is bluish (cell fill), and check it lies in the cell of count 80.
    let best = Infinity;
    let at = [0, 0];
    const bluish: number[][] = [];
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const [r, g, b] = pixel(img.data, img.width, x, y);
        if (b > r + 20) {
          bluish.push([x, y]);
          if (r + g + b < best) { best = r + g + b; at = [x, y]; }
        }
      }
    }
    const xs = bluish.map((p) => p[0]);
    const ys = bluish.map((p) => p[1]);
    const [gx0, gx1, gy0, gy1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const col = Math.floor(((at[0] - gx0) / (gx1 - gx0 + 1)) * 3);
    const row = Math.floor(((at[1] - gy0) / (gy1 - gy0 + 1)) * 3);
    expect([row, col]).toEqual([0, 2]);
    expect(hasColor(img, [255, 255, 255])).toBe(true); // white count text on the dark cells, or the background
  });

  it('digitGrid lays images out in rows of `columns`, ink dark on white, highlighted captions red', () => {
    const digit = new Float32Array(784);
    for (let y = 6; y < 22; y++) digit[y * 28 + 14] = 1; // a vertical stroke
    const images = [digit, digit, digit, digit];
    const two = decodeImage(digitGrid({ images, captions: ['1', '1', '1', 'pred 3 / true 5'], columns: 2, highlight: [false, false, false, true] }), 'grid');
    const four = decodeImage(digitGrid({ images, captions: ['1', '1', '1', '1'], columns: 4 }), 'grid4');
    const one = decodeImage(digitGrid({ images: [digit], captions: ['1'], columns: 1 }), 'grid1');
    expect(two.width).toBeGreaterThanOrEqual(2 * 84);
    expect(two.height).toBeGreaterThanOrEqual(2 * 84);
    expect(two.width).toBeLessThan(four.width);
    expect(two.height).toBeGreaterThan(four.height);
    expect(four.width).toBeGreaterThanOrEqual(4 * 84);
    expect(one.width).toBeGreaterThanOrEqual(84);
    expect(hasColor(two, [0, 0, 0])).toBe(true);
    expect(hasColor(two, [200, 30, 30])).toBe(true);
    expect(hasColor(four, [200, 30, 30])).toBe(false);
    // The stroke is 3 px wide (3× enlargement) and 48 px tall, black on white.
    const [x0, x1, y0, y1] = inkBox({ width: one.width, height: one.height, data: one.data }, 1);
    expect([x1 - x0 + 1, y1 - y0 + 1]).toEqual([3, 48]);
    expect(pixel(one.data, one.width, 0, 0)).toEqual([255, 255, 255, 255]);
  });
});
