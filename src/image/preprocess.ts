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
 *
 * This file holds the pipeline's entry, `mnistFromImage`, and its last steps (crop, fit, centre by
 * mass, normalise); the stages before are in photo/: gray.ts (RGBA to a working plane), levels.ts
 * (quantiles, Otsu's threshold, uniform paper), components.ts (connected components and their
 * measures), morphology.ts (the paper around each pixel, the contrast with it), ink-tone.ts (which
 * tone the ink is, and a seed stroke), digit-ink.ts (the digit's ink without rules or specks) and
 * resize.ts (the anti-aliased resize).
 */
import { ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { INK_FRACTION, MIN_INK, digitInk, noInk } from './photo/digit-ink.js';
import { workingGray, type RgbaImage } from './photo/gray.js';
import { inkTone } from './photo/ink-tone.js';
import { uniformPaper } from './photo/levels.js';
import { resize } from './photo/resize.js';

export type { RgbaImage } from './photo/gray.js';

/** Side of the output field and of the box the digit is scaled to fit, as in MNIST. */
const FIELD = 28;
const BOX = 20;
/** Where the centre of mass goes, in pixel-index coordinates (as MNIST's digits have it on average). */
const CENTRE = 14;

/**
 * Turns a picture of one digit, of any size, colour and background, into an MNIST-like input: a
 * float32 tensor `[28, 28]` with values in [0, 1], white digit on black, like an MNIST digit divided
 * by 255. The steps are MNIST's own, with the ink found as a document scanner finds it:
 *
 * 1. grayscale (BT.601 luma; transparent pixels count as the background the drawing lies on), shrunk
 *    by a whole factor when larger than a megapixel;
 * 2. the ink, as white on black: on a clean picture (half of it or more exactly one value, the
 *    paper: MNIST, a drawing made on a computer) all that differs from the paper, the ink being the
 *    other tone; on a photo, the ink's tone from a pen stroke inside the picture (see inkTone in
 *    photo/ink-tone.ts) and the digit's ink, its dominant connected component and the pieces near
 *    it, without rules, box sides, specks, desk or shadow (see digitInk in photo/digit-ink.ts);
 *    either way, ink fainter than a tenth of the strongest is zeroed;
 * 3. cropped to the bounding box of the ink;
 * 4. scaled so that its longer side is 20 pixels, keeping the aspect ratio (area averaging when
 *    shrinking, bilinear when enlarging, so strokes come out anti-aliased);
 * 5. placed in a 28×28 field so that the ink's centre of mass falls on pixel (14, 14) (rounded to a
 *    whole pixel, and never pushing ink out of the field);
 * 6. scaled so that the strongest ink is 1.
 *
 * @throws ShapeError when `data` is not `width * height * 4` bytes; ValueError when the image holds
 *   no ink (a blank page).
 *
 * @example
 * ```ts
 * import { mnistFromImage } from 'mnist-nn';
 *
 * // A black "1" on a white 60×80 canvas: a bar 6 pixels wide and 50 tall (RGB 0, alpha 255).
 * const width = 60;
 * const height = 80;
 * const data = new Uint8ClampedArray(width * height * 4).fill(255);
 * for (let y = 15; y < 65; y++) {
 *   for (let x = 27; x < 33; x++) data.fill(0, 4 * (y * width + x), 4 * (y * width + x) + 3);
 * }
 * const digit = mnistFromImage({ width, height, data }); // [28, 28], white on black, centred
 * // A photo in Node: mnistFromImage(decodeImage(readFileSync('seven.jpg'), 'seven.jpg')), or loadImageFile.
 * // In a page: mnistFromImage(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height)).
 * ```
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
  // Summed, then divided: adding v/n n times drifts past v, and a blank page must equal its paper.
  let sum = 0;
  for (let i = 0; i < g.v.length; i++) sum += g.v[i];
  const mean = sum / g.v.length;
  const paper = uniformPaper(g.v);
  let ink: Float32Array | undefined;
  if (paper !== undefined) {
    const inkDark = paper > mean || (paper === mean && paper >= 0.5);
    if (!inkDark) invert();
    const level = inkDark ? paper : 1 - paper;
    // Paper at the ink's own extreme (white paper with white ink, say) leaves no room for ink.
    if (!(level > 0)) throw noInk(g, MIN_INK);
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
      if (!ink)
        throw new ValueError(
          `mnistFromImage: the ${g.w}×${g.h} image has no ink that stands out: most of it differs from its paper whichever tone the ink is taken to be.`,
        );
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
  if (x1 < 0) throw noInk(g, MIN_INK); // no pixel survived: nothing to crop to
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
