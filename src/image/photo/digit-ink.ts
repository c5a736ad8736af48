/**
 * The digit's ink in a photo, as a document scanner finds it: the contrast with the paper around
 * each pixel, thresholded (Otsu's, above the paper's noise); straight rules and box sides taken out
 * (with the crossings of strokes put back); the digit the dominant connected component with the
 * pieces near it (see pickDigit), kept with its soft edges (see digitInk).
 *
 *   Plane (paper-bright, ink dark) [h, w]  →  contrast of the digit's ink [h, w], zero elsewhere
 */
import { ValueError } from '../../errors.js';
import { blobH, blobSize, blobW, boxOf, components, overlaps, thickness, type Blob } from './components.js';
import type { Plane } from './gray.js';
import { otsu, quantile } from './levels.js';
import { contrast, runningExtreme } from './morphology.js';

/** Below this contrast with the paper (on a 0–1 scale) nothing counts as ink. */
export const MIN_INK = 0.08;
/** Pixels fainter than this fraction of the digit's strongest ink are zeroed and not cropped to. */
export const INK_FRACTION = 0.1;

/** The error for a picture with no ink: nothing in `g` differs from its paper by more than `level`. */
export const noInk = (g: Plane, level: number) =>
  new ValueError(
    `mnistFromImage: the ${g.w}×${g.h} image has no ink: nothing differs from its paper by more than ${level.toFixed(2)} (on a 0–1 scale).`,
  );

/** A straight run of ink along a row (or a column): pixels `from`…`to` of row (column) `at`. */
interface Run {
  at: number;
  from: number;
  to: number;
}

/**
 * The runs of ink along rows (`horizontal`) or columns at least `minLen` long, gaps of up to `gap`
 * pixels bridged (a faint rule breaks up when thresholded).
 */
function longRuns(mask: Uint8Array, w: number, h: number, horizontal: boolean, minLen: number, gap: number): Run[] {
  const [n, m] = horizontal ? [h, w] : [w, h];
  const at = (i: number, j: number) => mask[horizontal ? i * w + j : j * w + i];
  const runs: Run[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      if (!at(i, j)) continue;
      let last = j;
      for (let k = j + 1; k < m && k - last <= gap + 1; k++) if (at(i, k)) last = k;
      if (last - j + 1 >= minLen) runs.push({ at: i, from: j, to: last });
      j = last;
    }
  }
  return runs;
}

/**
 * The digit among the blobs of ink: the dominant one, then the pieces near it. A blob's weight is
 * its ink (mass), more where the seed stroke is, less for what a digit is not: touching the border
 * (the edge of a desk or of a page; much less when a seed shows the digit lies inside), flat (a
 * rule), much thicker than the seed's strokes (a shadow, the desk between a note and the edge), far
 * from the centre (people aim at what they photograph). The pieces added are blobs near the digit's
 * box with at least 2% of its ink (a bar drawn apart, a stroke cut by a rule), but not line-like
 * things longer than the digit (a box's side), nor ones that would make it half as big again.
 */
function pickDigit(blobs: Blob[], w: number, h: number, seed: Blob | undefined): Blob[] | undefined {
  const stroke = seed && thickness(seed);
  const weight = (b: Blob) => {
    let s = b.mass;
    if (seed && overlaps(b, seed)) s *= 4;
    if (b.border) s *= seed ? 0.1 : 0.5;
    if (blobW(b) > 2.5 * blobH(b)) s *= 0.1;
    if (stroke !== undefined && thickness(b) > 2.5 * stroke) s *= 0.2;
    const d = Math.hypot((b.x0 + b.x1) / 2 - w / 2, (b.y0 + b.y1) / 2 - h / 2) / Math.hypot(w / 2, h / 2);
    return s * (1 - 0.4 * d);
  };
  let main: Blob | undefined;
  for (const b of blobs) if (!main || weight(b) > weight(main)) main = b;
  if (!main) return undefined;
  const group = [main];
  for (let grew = true; grew;) {
    grew = false;
    const box = boxOf(group);
    const size = Math.max(box.x1 - box.x0, box.y1 - box.y0) + 1;
    const mass = group.reduce((s, b) => s + b.mass, 0);
    const e = 0.2 * size + 1;
    for (const b of blobs) {
      if (group.includes(b) || b.mass < 0.02 * mass) continue;
      if (b.x1 < box.x0 - e || b.x0 > box.x1 + e || b.y1 < box.y0 - e || b.y0 > box.y1 + e) continue;
      if (blobSize(b) > 1.1 * size && blobSize(b) > 4 * Math.min(blobW(b), blobH(b))) continue;
      const union = boxOf([...group, b]);
      if (Math.max(union.x1 - union.x0, union.y1 - union.y0) + 1 > 1.5 * size) continue;
      group.push(b);
      grew = true;
    }
  }
  return group;
}

/**
 * Finds the digit's ink in a photo: a plane of contrast with the paper in [0, 1] that is zero
 * everywhere but on the digit. `g` is paper-bright (dark ink); `seed` a stroke of the digit, if seen.
 *
 * 1. The contrast with the paper around each pixel (see contrast), over squares three strokes wide
 *    (a quarter of the picture wide when the stroke is unknown).
 * 2. Ink is contrast above Otsu's threshold and above the paper's own noise (three times the median
 *    contrast, plus 0.05).
 * 3. Long runs of ink along rows are set aside and the digit picked from what is left; then runs
 *    along rows or columns that reach past its box on both sides, or are over 2.5 times its size,
 *    are rules or box sides and are taken out; where a stroke crosses one, the crossing is put back.
 * 4. The digit is picked again (see pickDigit); its ink is kept with the soft edges around it
 *    (within half a stroke), fainter than a tenth of its strongest ink zeroed.
 *
 * @returns undefined when the contrast is high over most of the picture: ink never covers most of
 *   a picture, so the tone was taken the wrong way round.
 * @throws ValueError when nothing stands out from the paper.
 */
export function digitInk(g: Plane, seed: Blob | undefined): Float32Array | undefined {
  const { w, h } = g;
  const stroke = seed && thickness(seed);
  const c = contrast(
    g,
    stroke !== undefined ? Math.ceil(1.5 * stroke) + 1 : Math.max(1, Math.round(Math.min(w, h) / 8)),
  );
  const typical = quantile(c, 0.5);
  if (typical > 0.5) return undefined;
  const noise = 3 * typical + 0.05;
  let peak = 0;
  for (let i = 0; i < w * h; i++) if (c[i] > peak) peak = c[i];
  if (peak < MIN_INK || peak <= noise) throw noInk(g, Math.max(MIN_INK, noise));

  // 2. The ink.
  const threshold = Math.max(otsu(c), MIN_INK, noise);
  const ink = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) ink[i] = c[i] >= threshold ? 1 : 0;

  // 3. Rules and box sides. Runs no longer than the seed's digit could be its strokes, never rules.
  const gap = Math.max(1, Math.round(w / 200));
  const minRun = (side: number) => Math.max(12, 0.15 * side, 1.2 * (seed ? blobSize(seed) : 0));
  const rows = longRuns(ink, w, h, true, minRun(w), gap);
  const withoutRows = ink.slice();
  for (const run of rows) withoutRows.fill(0, run.at * w + run.from, run.at * w + run.to + 1);
  const first =
    pickDigit(components(withoutRows, w, h, c).blobs, w, h, seed) ??
    pickDigit(components(ink, w, h, c).blobs, w, h, seed);
  const kept = ink.slice();
  const removed = new Uint8Array(w * h); // 1: taken out as part of a row rule, 2: of a column rule
  if (first) {
    const box = boxOf(first);
    // A rule reaches past the digit's box on both sides, or is over 2.5 times the digit's size (a
    // slanted rule's stretch along one row can end where the digit is; a 7's bar does not reach past
    // its own digit, and is as long as the digit at most).
    const size = Math.max(box.x1 - box.x0, box.y1 - box.y0) + 1;
    const rule = (run: Run, lo: number, hi: number) => {
      const m = Math.max(2, 0.05 * (hi - lo + 1));
      return (run.from < lo - m && run.to > hi + m) || run.to - run.from + 1 > 2.5 * size;
    };
    for (const run of rows) {
      if (!rule(run, box.x0, box.x1)) continue;
      for (let i = run.at * w + run.from; i <= run.at * w + run.to; i++) {
        if (ink[i]) {
          kept[i] = 0;
          removed[i] = 1;
        }
      }
    }
    for (const run of longRuns(ink, w, h, false, minRun(h), gap)) {
      if (!rule(run, box.y0, box.y1)) continue;
      for (let i = run.from * w + run.at; i <= run.to * w + run.at; i += w) {
        if (ink[i]) {
          kept[i] = 0;
          removed[i] = 2;
        }
      }
    }
    // A stroke crossing a rule: where a removed stretch has ink on both sides (above and below a
    // row rule, left and right of a column rule), the stretch was stroke too.
    for (let i = 0; i < w * h; i++) {
      const kind = removed[i];
      if (!kind) continue;
      const step = kind === 1 ? w : 1;
      const hasPrev = (j: number) => (kind === 1 ? j >= w : j % w > 0);
      const hasNext = (j: number) => (kind === 1 ? j + w < w * h : j % w < w - 1);
      if (hasPrev(i) && removed[i - step] === kind) continue; // not the first pixel of its stretch
      let end = i;
      while (hasNext(end) && removed[end + step] === kind) end += step;
      if (hasPrev(i) && hasNext(end) && kept[i - step] && kept[end + step]) {
        for (let j = i; j <= end; j += step) {
          kept[j] = 1;
          removed[j] = 0;
        }
      }
    }
  }

  // 4. The digit and its soft edges: pixels within `reach` of its own (a square dilation).
  const { labels, blobs } = components(kept, w, h, c);
  const digit = pickDigit(blobs, w, h, seed);
  if (!digit) throw noInk(g, threshold);
  const chosen = new Uint8Array(blobs.length + 1);
  for (const b of digit) chosen[b.label] = 1;
  const reach = Math.max(1, Math.round((stroke ?? thickness(digit[0])) / 2));
  const near = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) near[i] = chosen[labels[i]];
  const keep = runningExtreme(runningExtreme(near, w, h, true, reach, true, 0), w, h, false, reach, true, 0);
  let strongest = 0;
  for (let i = 0; i < w * h; i++) if (chosen[labels[i]] && c[i] > strongest) strongest = c[i];
  if (strongest <= noise) throw noInk(g, noise);
  const out = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) if (keep[i] && !removed[i] && c[i] >= INK_FRACTION * strongest) out[i] = c[i];
  return out;
}
