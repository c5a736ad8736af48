/**
 * Turns an arbitrary picture of a digit (a photo, a drawing, a scan) into an MNIST-like input, the way
 * MNIST itself was made (LeCun et al.): white ink on black, cropped to the ink, scaled to fit a 20×20
 * box keeping the aspect ratio with anti-aliasing, and placed in a 28×28 field so that the centre of
 * mass of the ink is at the field's centre.
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
/** Below this contrast with the background (on a 0–1 scale) nothing counts as ink. */
const MIN_INK = 0.08;
/**
 * Pixels fainter than this fraction of the strongest ink are background noise: zeroed, and not
 * cropped to. So are pixels no stronger than the paper's own variation (uneven light, grain, JPEG
 * noise): the 95th percentile of the border ring plus a small margin.
 */
const INK_FRACTION = 0.1;
const PAPER_QUANTILE = 0.95;
const PAPER_MARGIN = 0.02;

/** The q-quantile (0–1) of the values, by sorting a copy; q = 0.5 is the median. */
function quantile(values: Float32Array, q: number): number {
  const s = Float32Array.from(values).sort();
  const pos = q * (s.length - 1);
  const i = Math.floor(pos);
  return i + 1 < s.length ? s[i] + (pos - i) * (s[i + 1] - s[i]) : s[i];
}

/** Luma (BT.601) in [0, 1], alpha composited over white paper. */
function toGray(img: RgbaImage): Float32Array {
  const { width, height, data } = img;
  const out = new Float32Array(width * height);
  for (let i = 0, p = 0; i < out.length; i++, p += 4) {
    const luma = (0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2]) / 255;
    const a = data[p + 3] / 255;
    out[i] = a * luma + (1 - a);
  }
  return out;
}

/** The pixels of a ring along the edges, a few pixels thick on large images (one on small ones). */
function borderPixels(gray: Float32Array, width: number, height: number): Float32Array {
  const t = Math.max(1, Math.floor(Math.min(width, height) / 50));
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    const edgeRow = y < t || y >= height - t;
    for (let x = 0; x < width; x++) {
      if (edgeRow || x < t || x >= width - t) out.push(gray[y * width + x]);
    }
  }
  return Float32Array.from(out);
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
 * by 255. The steps are MNIST's own:
 *
 * 1. grayscale (BT.601 luma; transparent pixels are composited over white, so they count as paper);
 * 2. white on black: the background level is the median of a ring of border pixels; when it is
 *    brighter than the image's mean (dark ink on light paper) the image is inverted; then the
 *    background level is subtracted, and ink fainter than a tenth of the strongest, or than the
 *    paper's own variation along the border (uneven light, noise), is zeroed;
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

  // 1–2. Grayscale, then ink = contrast with the background, as white on black.
  const gray = toGray(img);
  const border = quantile(borderPixels(gray, width, height), 0.5);
  let mean = 0;
  for (let i = 0; i < gray.length; i++) mean += gray[i];
  mean /= gray.length;
  const invert = border > mean || (border === mean && border >= 0.5);
  const bg = invert ? 1 - border : border;
  let max = 0;
  const ink = gray;
  for (let i = 0; i < ink.length; i++) {
    const v = Math.max(0, (invert ? 1 - gray[i] : gray[i]) - bg);
    ink[i] = v;
    if (v > max) max = v;
  }
  // The paper's own variation, from the border pixels that are paper: ink reaching the edge (a
  // tight crop, a tall 1) must not count as noise, so only border pixels below half the strongest
  // ink are used, and none left means no measurable noise.
  const ring = borderPixels(ink, width, height).filter((v) => v < 0.5 * max);
  const paper = Math.min(ring.length > 0 ? quantile(ring, PAPER_QUANTILE) : 0, 0.5 * max) + PAPER_MARGIN;
  if (max < MIN_INK || max <= paper) {
    throw new ValueError(
      `mnistFromImage: the ${width}×${height} image has no ink: nothing differs from its background by more than ${Math.max(MIN_INK, paper).toFixed(2)} (on a 0–1 scale).`,
    );
  }

  // 3. Crop to the ink.
  const threshold = Math.max(INK_FRACTION * max, paper);
  let x0 = width;
  let x1 = -1;
  let y0 = height;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (ink[i] < threshold) {
        ink[i] = 0;
      } else {
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
  for (let y = 0; y < ch; y++) crop.set(ink.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + cw), y * cw);

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
