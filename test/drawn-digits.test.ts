// test/helpers/drawn-digits.ts, the drawings bench/drawings.ts reads: the set is repeatable and on the pad, and
// strokes rendered as the page's canvas draws them become plausible 28×28 inputs.
import { describe, expect, it } from 'vitest';
import { mnistFromImage } from '../src/index.js';
import { PAD, PAGE_TEST_DIGITS, PEN, TEMPLATES, drawingSet, renderStrokes } from './helpers/drawn-digits.js';

/** Ink extent and centre of mass of a 28×28 input. */
function ink(x: ArrayLike<number>) {
  let sum = 0,
    sx = 0,
    sy = 0;
  let x0 = 28,
    x1 = -1,
    y0 = 28,
    y1 = -1;
  for (let i = 0; i < 784; i++) {
    const v = x[i],
      c = i % 28,
      r = Math.floor(i / 28);
    sum += v;
    sx += v * c;
    sy += v * r;
    if (v > 0) [x0, x1, y0, y1] = [Math.min(x0, c), Math.max(x1, c), Math.min(y0, r), Math.max(y1, r)];
  }
  return { cx: sx / sum, cy: sy / sum, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

describe('the drawing set', () => {
  it('is the same for the same seed, another for another, perClass of each digit, every template used', () => {
    const a = drawingSet(12, 1);
    expect(a).toEqual(drawingSet(12, 1));
    expect(a).not.toEqual(drawingSet(12, 2));
    expect(a.length).toBe(120);
    for (let d = 0; d < 10; d++) {
      const of = a.filter((x) => x.label === d);
      expect(of.length).toBe(12);
      expect(new Set(of.map((x) => x.variant)).size).toBe(TEMPLATES[d].length);
      expect(of.filter((x) => x.style.tier === 'neat').length).toBe(6);
    }
  });

  it('keeps every stroke, pen included, on the pad', () => {
    const off = drawingSet(30, 3).filter((d) =>
      d.strokes
        .flat()
        .flat()
        .some((v) => v < PEN / 2 || v > PAD - PEN / 2),
    );
    expect(off.map((d) => d.id)).toEqual([]);
  });
});

describe('renderStrokes', () => {
  it('draws a dot as a 20-pixel disc, black on white, where the mouse put it on the canvas', () => {
    const img = renderStrokes([[[140, 140]]]);
    const at = (x: number, y: number) => img.data[4 * (y * PAD + x)];
    const c = 140 * (284 / 280) - 2; // the pad's border box is 284 pixels wide, its canvas 280
    expect(at(Math.round(c), Math.round(c))).toBe(0);
    expect(at(Math.round(c + 8), Math.round(c))).toBe(0);
    expect(at(Math.round(c + 12), Math.round(c))).toBe(255);
    expect(at(5, 5)).toBe(255);
    expect(img.data.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
  });

  it("renders the page test's 1 as a tall, narrow digit fitted to 20 rows and centred by mass", () => {
    const x = mnistFromImage(renderStrokes(PAGE_TEST_DIGITS[1][1])).data;
    const { cx, cy, width, height } = ink(x);
    expect(height).toBeGreaterThanOrEqual(19);
    expect(height).toBeLessThanOrEqual(21);
    expect(width).toBeLessThan(9);
    expect(Math.abs(cx - 14)).toBeLessThan(1);
    expect(Math.abs(cy - 14)).toBeLessThan(1);
    expect(Math.max(...x)).toBeCloseTo(1, 5);
  });

  it("renders the page test's 0 with a hole in the middle", () => {
    const x = mnistFromImage(renderStrokes(PAGE_TEST_DIGITS[0][1])).data;
    expect(x[14 * 28 + 14]).toBe(0);
    expect(ink(x).height).toBeGreaterThanOrEqual(19);
  });
});
