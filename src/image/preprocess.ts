/**
 * Turns an arbitrary picture of a digit (a photo, a drawing, a scan) into an MNIST-like input, the way
 * MNIST itself was made (LeCun et al.): white ink on black, cropped to the ink, scaled to fit a 20×20
 * box keeping the aspect ratio with anti-aliasing, and placed in a 28×28 field so that the centre of
 * mass of the ink is at the field's centre.
 *
 * In a photo the ink is found as document scanners find it, so that what surrounds the digit (a
 * desk, the edge of a sticky note, ruled lines, a printed box, a shadow, dust) does not decide the
 * crop: the ink's tone is that of a pen stroke found inside the picture, not the border's; the
 * paper's brightness is measured around each pixel (so light falling off or a shadow is not ink);
 * ink is what is darker than its paper by more than a threshold chosen from the picture (Otsu's);
 * straight rules and box sides that run past the digit are taken out; and the digit is the dominant
 * connected component of ink with the pieces close to it, not every dark pixel. A clean picture,
 * whose paper is exactly uniform (MNIST, a drawing made on a computer), is read as before: all its
 * ink is the digit.
 */
import { ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

/** A decoded image: 8-bit RGBA, row-major, `width * height * 4` bytes. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** Side of the output field and of the box the digit is scaled to fit, as in MNIST. */
const FIELD = 28;
const BOX = 20;
/** Where the centre of mass goes, in pixel-index coordinates (as MNIST's digits have it on average). */
const CENTRE = 14;
/** Below this contrast with the paper (on a 0–1 scale) nothing counts as ink. */
const MIN_INK = 0.08;
/** Pixels fainter than this fraction of the digit's strongest ink are zeroed and not cropped to. */
const INK_FRACTION = 0.1;
/**
 * Pictures are analysed at no more than this many pixels (1024×1024); larger ones are first shrunk by
 * a whole factor, averaging each f×f square. A digit a tenth as tall as a 50-megapixel photo is still
 * about 60 pixels tall after, three times MNIST's 20.
 */
const WORK_PIXELS = 1 << 20;

/** A single-channel picture, row-major: `v[y * w + x]`. */
interface Plane {
  w: number;
  h: number;
  v: Float32Array;
}

/**
 * Luma (BT.601) in [0, 1], shrunk by a whole factor f (area averaging) to at most WORK_PIXELS, in one
 * pass over the RGBA bytes (a 50 MP photo never exists as floats at full size).
 *
 * Transparent pixels are the background the drawing lies on, so they are composited in the tone
 * opposite the drawing's own: under white for dark ink (as scans and most drawings are), under black
 * when the opaque pixels are light on average (white ink on a transparent layer).
 */
function workingGray(img: RgbaImage): Plane {
  const { width, height, data } = img;
  const f = Math.max(1, Math.ceil(Math.sqrt((width * height) / WORK_PIXELS)));
  const w = Math.ceil(width / f);
  const h = Math.ceil(height / f);
  const lit = new Float32Array(w * h); // Σ alpha · luma over each cell
  const clear = new Float32Array(w * h); // Σ (1 − alpha) over each cell
  const cellX = Int32Array.from({ length: width }, (_, x) => Math.floor(x / f));
  let alpha = 0;
  let litAll = 0;
  for (let y = 0, p = 0; y < height; y++) {
    const row = Math.floor(y / f) * w;
    for (let x = 0; x < width; x++, p += 4) {
      const a = data[p + 3] / 255;
      const l = (0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2]) / 255;
      lit[row + cellX[x]] += a * l;
      clear[row + cellX[x]] += 1 - a;
      alpha += a;
      litAll += a * l;
    }
  }
  const under = alpha > 0 && litAll / alpha > 0.5 ? 0 : 1;
  const v = new Float32Array(w * h);
  for (let cy = 0; cy < h; cy++) {
    const rows = Math.min(f, height - cy * f);
    for (let cx = 0; cx < w; cx++) {
      const i = cy * w + cx;
      v[i] = (lit[i] + under * clear[i]) / (rows * Math.min(f, width - cx * f));
    }
  }
  return { w, h, v };
}

/** A histogram of values in [0, 1] (clamped), `bins` wide. */
function histogram(values: Float32Array, bins: number): Float64Array {
  const hist = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) hist[Math.min(bins - 1, Math.max(0, Math.floor(values[i] * bins)))]++;
  return hist;
}

/** The q-quantile (0–1) of values in [0, 1], to 1/1024 (from a histogram: linear time, no sort). */
function quantile(values: Float32Array, q: number): number {
  const bins = 1024;
  const hist = histogram(values, bins);
  let seen = 0;
  for (let b = 0; b < bins; b++) {
    seen += hist[b];
    if (seen > q * values.length) return (b + 0.5) / bins;
  }
  return 1;
}

/**
 * Otsu's threshold of values in [0, 1]: the level that splits their histogram (256 bins) into the
 * two classes with the greatest between-class variance. Values at or above it are the upper class.
 */
function otsu(values: Float32Array): number {
  const bins = 256;
  const hist = histogram(values, bins);
  let total = 0;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) {
    total += hist[b];
    sumAll += b * hist[b];
  }
  let below = 0;
  let sumBelow = 0;
  let best = 0;
  let bestVar = -1;
  for (let b = 0; b < bins - 1; b++) {
    below += hist[b];
    sumBelow += b * hist[b];
    const above = total - below;
    if (below === 0 || above === 0) continue;
    const between = below * above * (sumBelow / below - (sumAll - sumBelow) / above) ** 2;
    if (between > bestVar) {
      bestVar = between;
      best = b;
    }
  }
  return (best + 1) / bins;
}

/** A connected component of a mask (8-connected), with what the choices below look at. */
interface Blob {
  /** Its label in the label image (1, 2, …). */
  label: number;
  /** Pixels. */
  area: number;
  /** Σ of the weight plane over its pixels (the ink's contrast), or the area when there is none. */
  mass: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Pixels on its boundary (with a 4-neighbour outside it or outside the picture). */
  edge: number;
  /** Whether it touches the picture's border. */
  border: boolean;
}

const blobW = (b: Blob) => b.x1 - b.x0 + 1;
const blobH = (b: Blob) => b.y1 - b.y0 + 1;
const blobSize = (b: Blob) => Math.max(blobW(b), blobH(b));
/** The width of its strokes: area over half the boundary (a stroke s wide and l long: s·l / l). */
const thickness = (b: Blob) => (2 * b.area) / b.edge;
const overlaps = (a: Blob, b: Blob) => a.x0 <= b.x1 && a.x1 >= b.x0 && a.y0 <= b.y1 && a.y1 >= b.y0;

/**
 * Labels the 8-connected components of `mask` (non-zero pixels) and measures each. One raster pass
 * gives each pixel the provisional label of an already-seen neighbour (west, north-west, north,
 * north-east), or a new one, and records in a union–find table where two labels meet; a second
 * pass maps each pixel to its set's final label and adds it to that set's measures.
 */
function components(mask: Uint8Array, w: number, h: number, weight?: Float32Array): { labels: Int32Array; blobs: Blob[] } {
  const labels = new Int32Array(w * h);
  let parent = new Int32Array(1024); // parent[l] ≤ l; a root is its own parent
  let next = 1;
  const find = (l: number): number => {
    while (parent[l] !== l) l = parent[l] = parent[parent[l]]; // path halving
    return l;
  };
  const meet = (a: number, b: number): number => {
    a = find(a);
    b = find(b);
    if (a < b) parent[b] = a;
    else if (b < a) parent[a] = b;
    return a < b ? a : b;
  };
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (!mask[i]) continue;
      // North touches west, north-west and north-east, so it alone decides; west touches north-west
      // but not north-east; so at most one pair of sets meets here.
      const west = x > 0 ? labels[i - 1] : 0;
      const nw = x > 0 && y > 0 ? labels[i - w - 1] : 0;
      const north = y > 0 ? labels[i - w] : 0;
      const ne = x < w - 1 && y > 0 ? labels[i - w + 1] : 0;
      let l = north || west || nw || ne;
      if (!north && ne && (west || nw)) l = meet(west || nw, ne);
      if (!l) {
        if (next === parent.length) {
          const grown = new Int32Array(2 * next);
          grown.set(parent);
          parent = grown;
        }
        l = parent[next] = next;
        next++;
      }
      labels[i] = l;
    }
  }
  // Final labels 1, 2, … in order of each set's first pixel; roots are their sets' smallest labels.
  const final = new Int32Array(next);
  let count = 0;
  for (let l = 1; l < next; l++) final[l] = find(l) === l ? ++count : final[find(l)];
  const area = new Int32Array(count + 1);
  const mass = new Float64Array(count + 1);
  const edge = new Int32Array(count + 1);
  const border = new Uint8Array(count + 1);
  const x0 = new Int32Array(count + 1).fill(w);
  const x1 = new Int32Array(count + 1).fill(-1);
  const y0 = new Int32Array(count + 1).fill(h);
  const y1 = new Int32Array(count + 1).fill(-1);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (!mask[i]) continue;
      const l = (labels[i] = final[labels[i]]);
      area[l]++;
      mass[l] += weight ? weight[i] : 1;
      if (x < x0[l]) x0[l] = x;
      if (x > x1[l]) x1[l] = x;
      if (y < y0[l]) y0[l] = y;
      y1[l] = y;
      const onBorder = x === 0 || y === 0 || x === w - 1 || y === h - 1;
      if (onBorder) border[l] = 1;
      if (onBorder || !mask[i - 1] || !mask[i + 1] || !mask[i - w] || !mask[i + w]) edge[l]++;
    }
  }
  const blobs: Blob[] = [];
  for (let l = 1; l <= count; l++) {
    blobs.push({ label: l, area: area[l], mass: mass[l], x0: x0[l], y0: y0[l], x1: x1[l], y1: y1[l], edge: edge[l], border: border[l] === 1 });
  }
  return { labels, blobs };
}

/**
 * A running maximum (or minimum) over windows of 2r+1 pixels along each row (`horizontal`) or each
 * column of a w×h plane, the world beyond its edges taken as `pad`. Van Herk and Gil–Werman's
 * method: within blocks of 2r+1, a prefix and a suffix extreme; a window spans the end of one block
 * and the start of the next, so three comparisons a pixel, whatever r is. Columns are processed a
 * whole row at a time, so that memory is read in order.
 */
function runningExtreme(src: Float32Array, w: number, h: number, horizontal: boolean, r: number, max: boolean, pad: number): Float32Array {
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
      for (let i = (end - 1) * width - 1; i >= start * width; i--) suf[i] = a[i] > suf[i + width] ? a[i] : suf[i + width];
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
function contrast(p: Plane, r: number): Float32Array {
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
function boxMean(v: Float32Array, w: number, h: number, r: number): Float32Array {
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
    if (b.border || size < minSize || blobW(b) > 1.5 * blobH(b) || thickness(b) > Math.min(0.3 * size, maxThickness)) continue;
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
    inner.x0 > outer.x0 && inner.x1 < outer.x1 && inner.y0 > outer.y0 && inner.y1 < outer.y1 && inner.area >= 0.05 * outer.area && thickness(outer) >= 1.35 * thickness(inner);
  let best: Stroke | undefined;
  for (const f of found) {
    if (found.some((o) => o.inkDark !== f.inkDark && holds(f.blob, o.blob))) continue;
    if (!best || f.score > best.score) best = f;
  }
  return best;
}

/** Both tones' candidate strokes in a picture given paper-bright for dark ink (`v`). */
const bothTones = (v: Float32Array, w: number, h: number) => bestStroke([...strokes(v, w, h, true), ...strokes(v.map((x) => 1 - x), w, h, false)]);

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
function inkTone(g: Plane): { inkDark: boolean; seed?: Blob } {
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
      thin.push(...strokes(c.map((x) => 1 - x), w, h, inkDark, 0.4 * r));
    }
    pick = bestStroke(thin);
  }
  if (pick) return { inkDark: pick.inkDark, seed: pick.blob };
  let mean = 0;
  for (let i = 0; i < w * h; i++) mean += v[i] / (w * h);
  return { inkDark: quantile(v, 0.5) > mean };
}

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

/** The bounding box of a group of blobs. */
function boxOf(group: Blob[]): { x0: number; y0: number; x1: number; y1: number } {
  return {
    x0: Math.min(...group.map((b) => b.x0)),
    y0: Math.min(...group.map((b) => b.y0)),
    x1: Math.max(...group.map((b) => b.x1)),
    y1: Math.max(...group.map((b) => b.y1)),
  };
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
  for (let grew = true; grew; ) {
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
 * The value that half the pixels or more have exactly, if any (Boyer–Moore's majority vote, then
 * a count): the paper of a clean picture (MNIST's black, a drawing's white canvas). A photo's paper
 * is never exactly uniform.
 */
function uniformPaper(v: Float32Array): number | undefined {
  let candidate = v[0];
  let votes = 0;
  for (let i = 0; i < v.length; i++) {
    if (votes === 0) candidate = v[i];
    votes += v[i] === candidate ? 1 : -1;
  }
  let count = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === candidate) count++;
  return count >= v.length / 2 ? candidate : undefined;
}

const noInk = (g: Plane, level: number) =>
  new ValueError(`mnistFromImage: the ${g.w}×${g.h} image has no ink: nothing differs from its paper by more than ${level.toFixed(2)} (on a 0–1 scale).`);

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
function digitInk(g: Plane, seed: Blob | undefined): Float32Array | undefined {
  const { w, h } = g;
  const stroke = seed && thickness(seed);
  const c = contrast(g, stroke !== undefined ? Math.ceil(1.5 * stroke) + 1 : Math.max(1, Math.round(Math.min(w, h) / 8)));
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
  const first = pickDigit(components(withoutRows, w, h, c).blobs, w, h, seed) ?? pickDigit(components(ink, w, h, c).blobs, w, h, seed);
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

/**
 * Weights of a 1-D resampling from `n` source pixels to `m`: area averaging (a box filter, each
 * output pixel the mean of the source it covers) when shrinking, bilinear when enlarging. Returns,
 * for each output pixel, its source indices and weights (summing to 1).
 */
function resampleWeights(n: number, m: number): { idx: number[]; w: number[] }[] {
  const out: { idx: number[]; w: number[] }[] = [];
  const scale = n / m;
  for (let i = 0; i < m; i++) {
    const idx: number[] = [];
    const w: number[] = [];
    if (m <= n) {
      const lo = i * scale;
      const hi = (i + 1) * scale;
      for (let j = Math.floor(lo); j < Math.min(n, Math.ceil(hi)); j++) {
        const overlap = Math.min(hi, j + 1) - Math.max(lo, j);
        if (overlap > 0) {
          idx.push(j);
          w.push(overlap / scale);
        }
      }
    } else {
      const c = Math.min(n - 1, Math.max(0, (i + 0.5) * scale - 0.5));
      const j = Math.min(n - 2, Math.floor(c));
      if (j < 0) {
        idx.push(0);
        w.push(1);
      } else {
        const f = c - j;
        idx.push(j, j + 1);
        w.push(1 - f, f);
      }
    }
    out.push({ idx, w });
  }
  return out;
}

/** Separable resize of a `w`×`h` single-channel image to `nw`×`nh`. */
function resize(src: Float32Array, w: number, h: number, nw: number, nh: number): Float32Array {
  const wx = resampleWeights(w, nw);
  const wy = resampleWeights(h, nh);
  const rows = new Float32Array(h * nw);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < nw; x++) {
      const { idx, w: ws } = wx[x];
      let s = 0;
      for (let k = 0; k < idx.length; k++) s += ws[k] * src[y * w + idx[k]];
      rows[y * nw + x] = s;
    }
  }
  const out = new Float32Array(nh * nw);
  for (let y = 0; y < nh; y++) {
    const { idx, w: ws } = wy[y];
    for (let x = 0; x < nw; x++) {
      let s = 0;
      for (let k = 0; k < idx.length; k++) s += ws[k] * rows[idx[k] * nw + x];
      out[y * nw + x] = s;
    }
  }
  return out;
}

/**
 * Turns a picture of one digit, of any size, colour and background, into an MNIST-like input: a
 * float32 tensor `[28, 28]` with values in [0, 1], white digit on black, like an MNIST digit divided
 * by 255. The steps are MNIST's own, with the ink found as a document scanner finds it:
 *
 * 1. grayscale (BT.601 luma; transparent pixels count as the background the drawing lies on), shrunk
 *    by a whole factor when larger than a megapixel;
 * 2. the ink, as white on black: on a clean picture (half of it or more exactly one value, the
 *    paper: MNIST, a drawing made on a computer) all that differs from the paper, the ink being the
 *    other tone; on a photo, the ink's tone from a pen stroke inside the picture (see inkTone) and
 *    the digit's ink, its dominant connected component and the pieces near it, without rules, box
 *    sides, specks, desk or shadow (see digitInk); either way, ink fainter than a tenth of the
 *    strongest is zeroed;
 * 3. cropped to the bounding box of the ink;
 * 4. scaled so that its longer side is 20 pixels, keeping the aspect ratio (area averaging when
 *    shrinking, bilinear when enlarging, so strokes come out anti-aliased);
 * 5. placed in a 28×28 field so that the ink's centre of mass falls on pixel (14, 14) (rounded to a
 *    whole pixel, and never pushing ink out of the field);
 * 6. scaled so that the strongest ink is 1.
 *
 * @throws ShapeError when `data` is not `width * height * 4` bytes; ValueError when the image holds
 *   no ink (a blank page).
 */
export function mnistFromImage(img: RgbaImage): Tensor {
  const { width, height, data } = img ?? ({} as RgbaImage);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ValueError(`mnistFromImage: width and height must be positive integers, got ${width}×${height}.`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray) || data.length !== width * height * 4) {
    throw new ShapeError(
      `mnistFromImage: a ${width}×${height} RGBA image needs a Uint8Array of ${width * height * 4} bytes, got ${data?.length ?? typeof data}.`,
    );
  }

  // 1–2. Grayscale, made paper-bright (ink dark), then the digit's ink as white on black.
  const g = workingGray(img);
  const invert = () => g.v.forEach((x, i) => (g.v[i] = 1 - x));
  let mean = 0;
  for (let i = 0; i < g.v.length; i++) mean += g.v[i] / g.v.length;
  const paper = uniformPaper(g.v);
  let ink: Float32Array | undefined;
  if (paper !== undefined) {
    const inkDark = paper > mean || (paper === mean && paper >= 0.5);
    if (!inkDark) invert();
    const level = inkDark ? paper : 1 - paper;
    const c = g.v.map((x) => Math.max(0, level - x) / level);
    const peak = c.reduce((a, b) => Math.max(a, b), 0);
    if (peak < MIN_INK) throw noInk(g, MIN_INK);
    ink = c.map((x) => (x >= INK_FRACTION * peak ? x : 0));
  } else {
    const { inkDark, seed } = inkTone(g);
    if (!inkDark) invert();
    ink = digitInk(g, seed);
    if (!ink) {
      invert();
      ink = digitInk(g, undefined);
      if (!ink) throw new ValueError(`mnistFromImage: the ${g.w}×${g.h} image has no ink that stands out: most of it differs from its paper whichever tone the ink is taken to be.`);
    }
  }

  // 3. Crop to the ink.
  let x0 = g.w;
  let x1 = -1;
  let y0 = g.h;
  let y1 = -1;
  for (let y = 0; y < g.h; y++) {
    for (let x = 0; x < g.w; x++) {
      if (ink[y * g.w + x] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(ink.subarray((y0 + y) * g.w + x0, (y0 + y) * g.w + x0 + cw), y * cw);

  // 4. Fit the longer side to 20 pixels.
  const s = BOX / Math.max(cw, ch);
  const nw = Math.max(1, Math.min(BOX, Math.round(cw * s)));
  const nh = Math.max(1, Math.min(BOX, Math.round(ch * s)));
  const digit = resize(crop, cw, ch, nw, nh);

  // 5. Centre of mass on (14, 14).
  let mass = 0;
  let mx = 0;
  let my = 0;
  let peak = 0;
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const v = digit[y * nw + x];
      mass += v;
      mx += v * x;
      my += v * y;
      if (v > peak) peak = v;
    }
  }
  const ox = Math.min(FIELD - nw, Math.max(0, Math.round(CENTRE - mx / mass)));
  const oy = Math.min(FIELD - nh, Math.max(0, Math.round(CENTRE - my / mass)));

  // 6. Strongest ink to 1.
  const out = new Float32Array(FIELD * FIELD);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      out[(oy + y) * FIELD + ox + x] = Math.min(1, digit[y * nw + x] / peak);
    }
  }
  return new Tensor(out, [FIELD, FIELD]);
}
