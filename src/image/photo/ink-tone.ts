/**
 * Which tone a photo's ink is (dark on light, or light on dark), and a pen stroke of its digit (the
 * seed) when one can be seen: candidate strokes are components below Otsu's threshold that are
 * thin, inside the picture and stand out from what lies around them, looked for in the picture as
 * it is, in the picture less its light, and in its contrast with the paper (see inkTone).
 *
 *   Plane (paper-bright or not)  →  { inkDark, seed?: Blob }
 */
import { blobH, blobSize, blobW, components, thickness, type Blob } from './components.js';
import type { Plane } from './gray.js';
import { otsu, quantile } from './levels.js';
import { boxMean, contrast } from './morphology.js';

/** A candidate pen stroke: a component of ink of one tone, and how much it stands out. */
interface Stroke {
  inkDark: boolean;
  blob: Blob;
  score: number;
}

/**
 * The components of `paperness` (high: paper; low: ink) below Otsu's threshold that look like the
 * pen strokes of a digit of tone `inkDark`: lying inside the picture (not touching its border), big
 * enough to be a digit, no wider than 1.5 times their height, thin for their size and not nearly
 * filled (strokes, not a blob: a sheet of paper, the inside of a box or the hole of a 0 is thick or
 * filled), no thicker than `maxThickness`, and standing out from what else lies in their box by at
 * least 0.2 (not a scrap of paper the threshold happens to cut off). Score: contrast times area.
 */
function strokes(paperness: Float32Array, w: number, h: number, inkDark: boolean, maxThickness = Infinity): Stroke[] {
  const t = otsu(paperness);
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) mask[i] = paperness[i] < t ? 1 : 0;
  const { labels, blobs } = components(mask, w, h);
  const minSize = Math.max(6, 0.04 * Math.min(w, h));
  const out: Stroke[] = [];
  for (const b of blobs) {
    const size = blobSize(b);
    if (b.border || size < minSize || blobW(b) > 1.5 * blobH(b) || thickness(b) > Math.min(0.3 * size, maxThickness))
      continue;
    if (b.area > 0.75 * blobW(b) * blobH(b) && blobH(b) < 3 * blobW(b)) continue;
    // Its mean against the mean of what else lies in its box grown by a stroke.
    const m = Math.max(2, Math.round(thickness(b)));
    let inside = 0;
    let around = 0;
    let n = 0;
    for (let y = Math.max(0, b.y0 - m); y <= Math.min(h - 1, b.y1 + m); y++) {
      for (let x = Math.max(0, b.x0 - m); x <= Math.min(w - 1, b.x1 + m); x++) {
        if (labels[y * w + x] === b.label) {
          inside += paperness[y * w + x];
        } else {
          around += paperness[y * w + x];
          n++;
        }
      }
    }
    const stands = around / n - inside / b.area;
    if (stands >= 0.2) out.push({ inkDark, blob: b, score: stands * b.area });
  }
  return out;
}

/**
 * The best of the candidate strokes of both tones. One holding inside its box a sizeable stroke of
 * the other tone (5% of its area) whose strokes are much thinner (by 1.35 times) is the paper around
 * writing, not writing: a sticky note around its digit, the inside of a box. A digit holding a hole
 * or a scrap of paper between its strokes is not, as those are about as thick as its strokes.
 */
function bestStroke(found: Stroke[]): Stroke | undefined {
  const holds = (outer: Blob, inner: Blob) =>
    inner.x0 > outer.x0 &&
    inner.x1 < outer.x1 &&
    inner.y0 > outer.y0 &&
    inner.y1 < outer.y1 &&
    inner.area >= 0.05 * outer.area &&
    thickness(outer) >= 1.35 * thickness(inner);
  let best: Stroke | undefined;
  for (const f of found) {
    if (found.some((o) => o.inkDark !== f.inkDark && holds(f.blob, o.blob))) continue;
    if (!best || f.score > best.score) best = f;
  }
  return best;
}

/** Both tones' candidate strokes in a picture given paper-bright for dark ink (`v`). */
const bothTones = (v: Float32Array, w: number, h: number) =>
  bestStroke([
    ...strokes(v, w, h, true),
    ...strokes(
      v.map((x) => 1 - x),
      w,
      h,
      false,
    ),
  ]);

/**
 * Which tone the ink of a photo is, and a pen stroke of its digit (the seed) when one can be seen.
 *
 * 1. Strokes are looked for in the picture as it is (Otsu's threshold splits it in two): dark ink
 *    on a light sticky note lying on a dark desk is found dark there, though the border is dark.
 * 2. Where light falls off across the page, the threshold can join the digit to the darker half,
 *    so they are looked for as well in the picture less its light (its mean over squares a quarter
 *    of the picture wide), where a desk's or a note's edge blurs instead. When the two disagree,
 *    the stronger stroke decides.
 * 3. A hard shadow across the digit joins it to the shade in both; then strokes are looked for in
 *    the contrast with the paper around each pixel (see contrast), of either tone, thin for the
 *    scale of paper (the wrong tone's "ink" there is the paper around real ink: thick).
 * 4. Without any (ink touching the border all round), the ink is the tone the bulk of the picture is
 *    not: its median, the paper, against its mean, which the ink pulls its way.
 */
export function inkTone(g: Plane): { inkDark: boolean; seed?: Blob } {
  const { w, h, v } = g;
  const r = Math.max(1, Math.round(Math.min(w, h) / 8));
  const asIs = bothTones(v, w, h);
  const light = boxMean(v, w, h, r);
  const flat = bothTones(
    v.map((x, i) => Math.min(1, Math.max(0, x - light[i] + 0.5))),
    w,
    h,
  );
  let pick = asIs && flat && asIs.inkDark !== flat.inkDark && flat.score > asIs.score ? flat : (asIs ?? flat);
  if (!pick) {
    const thin: Stroke[] = [];
    for (const inkDark of [true, false]) {
      const c = contrast({ w, h, v: inkDark ? v : v.map((x) => 1 - x) }, r);
      thin.push(
        ...strokes(
          c.map((x) => 1 - x),
          w,
          h,
          inkDark,
          0.4 * r,
        ),
      );
    }
    pick = bestStroke(thin);
  }
  if (pick) return { inkDark: pick.inkDark, seed: pick.blob };
  let mean = 0;
  for (let i = 0; i < w * h; i++) mean += v[i] / (w * h);
  return { inkDark: quantile(v, 0.5) > mean };
}
