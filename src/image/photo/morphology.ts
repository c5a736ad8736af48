/**
 * The paper around each pixel of a plane [h, w], seen at a scale larger than a pen stroke: running
 * maxima and minima over (2r+1)-pixel windows (van Herk–Gil–Werman), the morphological closing
 * that fills strokes with the paper around them, the contrast of each pixel with that paper in
 * [0, 1], and the mean over squares from a summed-area table (the light falling on the page).
 */
import type { Plane } from './gray.js';
import { quantile } from './levels.js';

/**
 * A running maximum (or minimum) over windows of 2r+1 pixels along each row (`horizontal`) or each
 * column of a w×h plane, the world beyond its edges taken as `pad`. Van Herk and Gil–Werman's
 * method: within blocks of 2r+1, a prefix and a suffix extreme; a window spans the end of one block
 * and the start of the next, so three comparisons a pixel, whatever r is. Columns are processed a
 * whole row at a time, so that memory is read in order.
 */
export function runningExtreme(
  src: Float32Array,
  w: number,
  h: number,
  horizontal: boolean,
  r: number,
  max: boolean,
  pad: number,
): Float32Array {
  const sign = max ? 1 : -1; // a minimum is a maximum of the negated values
  const [lines, m, width] = horizontal ? [h, w, 1] : [1, h, w]; // `width` lanes side by side
  const k = 2 * r + 1;
  const len = m + 2 * r;
  const a = new Float32Array(len * width); // the padded input of one line, negated for a minimum
  const pre = new Float32Array(len * width);
  const suf = new Float32Array(len * width);
  const dst = new Float32Array(w * h);
  for (let line = 0; line < lines; line++) {
    a.fill(sign * pad);
    const from = line * m * width;
    for (let i = 0; i < m * width; i++) a[r * width + i] = sign * src[from + i];
    for (let start = 0; start < len; start += k) {
      const end = Math.min(len, start + k);
      for (let x = 0; x < width; x++) pre[start * width + x] = a[start * width + x];
      for (let i = (start + 1) * width; i < end * width; i++) pre[i] = a[i] > pre[i - width] ? a[i] : pre[i - width];
      for (let x = 0; x < width; x++) suf[(end - 1) * width + x] = a[(end - 1) * width + x];
      for (let i = (end - 1) * width - 1; i >= start * width; i--)
        suf[i] = a[i] > suf[i + width] ? a[i] : suf[i + width];
    }
    for (let i = 0; i < m * width; i++) {
      const lo = suf[i];
      const hi = pre[i + 2 * r * width];
      dst[from + i] = sign * (lo > hi ? lo : hi);
    }
  }
  return dst;
}

/**
 * Morphological closing (a maximum, then a minimum, over (2r+1)² squares) of paper-bright values:
 * every dark feature narrower than the square (pen strokes) is filled with the paper around it,
 * while the paper itself, however its light varies, and dark regions wider than the square (a desk,
 * a shadow) stay as they are. Beyond the picture is paper, so ink reaching the edge is still ink.
 */
function closing(p: Plane, r: number): Float32Array {
  const { w, h, v } = p;
  const dilated = runningExtreme(runningExtreme(v, w, h, true, r, true, 1), w, h, false, r, true, 1);
  return runningExtreme(runningExtreme(dilated, w, h, true, r, false, 1), w, h, false, r, false, 1);
}

/**
 * How much darker than its paper each pixel of a paper-bright picture is, in [0, 1]: the paper's
 * brightness is the closing over (2r+1)² squares, and the difference is relative to it (so ink in
 * a shadow is as strong as in the light), but never relative to less than half the brightest paper
 * (so the grain of a dark desk is not ink).
 */
export function contrast(p: Plane, r: number): Float32Array {
  const bg = closing(p, r);
  const floor = 0.5 * quantile(bg, 0.99);
  const c = new Float32Array(p.w * p.h);
  for (let i = 0; i < c.length; i++) c[i] = Math.max(0, bg[i] - p.v[i]) / Math.max(bg[i], floor, 1e-6);
  return c;
}

/**
 * The mean of `v` over (2r+1)² squares (clipped at the edges), from a summed-area table: the light
 * falling on the paper, seen at a scale much larger than a stroke.
 */
export function boxMean(v: Float32Array, w: number, h: number, r: number): Float32Array {
  const sat = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += v[y * w + x];
      sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1] + row;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const ya = Math.max(0, y - r);
    const yb = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const xa = Math.max(0, x - r);
      const xb = Math.min(w, x + r + 1);
      const sum = sat[yb * (w + 1) + xb] - sat[ya * (w + 1) + xb] - sat[yb * (w + 1) + xa] + sat[ya * (w + 1) + xa];
      out[y * w + x] = sum / ((yb - ya) * (xb - xa));
    }
  }
  return out;
}
