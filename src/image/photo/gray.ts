/**
 * The photo pipeline's first stage (see ../preprocess.ts): a decoded RGBA picture to one plane of
 * brightness in [0, 1] (BT.601 luma), shrunk by a whole factor to at most a megapixel, transparent
 * pixels composited under the tone the drawing's own is not.
 *
 *   RgbaImage { width, height, data [height, width, 4] bytes }  →  Plane { w, h, v [h, w] }
 */

/** A decoded image: 8-bit RGBA, row-major, `width * height * 4` bytes. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * Pictures are analysed at no more than this many pixels (1024×1024); larger ones are first shrunk by
 * a whole factor, averaging each f×f square. A digit a tenth as tall as a 50-megapixel photo is still
 * about 60 pixels tall after, three times MNIST's 20.
 */
const WORK_PIXELS = 1 << 20;

/** A single-channel picture, row-major: `v[y * w + x]`. */
export interface Plane {
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
export function workingGray(img: RgbaImage): Plane {
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
