/**
 * The reference's affine resampling of a batch of NHWC images x [batch, height, width, channels]
 * into y of the same shape, through each sample's transform t[b] (Float64Array [batch, 6]), as
 * Keras's `affine_transform` (see ResampleGeometry in ./operands.ts for the mapping, the
 * interpolations and the fill modes):
 *
 *   affineResample:         y[b, i, j, c] = Σ_k w_k · x[b, r_k, c_k, c] over the pixels read (one
 *                           for 'nearest', four for 'bilinear'); one outside the image under
 *                           'constant' contributes w_k · fillValue
 *   affineResampleBackward: dx = 0, then dx[b, r_k, c_k, c] += w_k · dy[b, i, j, c] (y is linear in
 *                           x, affine for 'constant', so this is its exact gradient)
 *
 * The wasm kernel computes the same taps and weights in the same order, in f64.
 */
import type { FillMode, FloatArray, ResampleGeometry } from './operands.js';

/** Index i of an axis of n pixels read under `mode`: an index in [0, n), or −1 for the fill value. */
function readIndex(i: number, n: number, mode: FillMode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (mode === 'nearest') return i < 0 ? 0 : n - 1;
  if (mode === 'wrap') return ((i % n) + n) % n;
  const m = ((i % (2 * n)) + 2 * n) % (2 * n); // reflect: period 2n, mirrored in its second half
  return m < n ? m : 2 * n - 1 - m;
}

/** The pixels one output pixel reads: element offsets of their channel 0 in x (−1: the fill value), and weights. */
const tapAt = new Int32Array(4);
const tapW = new Float64Array(4);

/**
 * Fills tapAt / tapW for output pixel (i, j) of the sample whose transform is at t[o] and whose
 * image starts at element `base`, and returns how many pixels it reads: 1 for 'nearest', 4 for
 * 'bilinear' (in the order (⌊y'⌋, ⌊x'⌋), (⌊y'⌋, ⌊x'⌋+1), (⌊y'⌋+1, ⌊x'⌋), (⌊y'⌋+1, ⌊x'⌋+1)).
 * The wasm kernel computes the same numbers in the same order, in f64.
 */
function pixelTaps(
  t: Float64Array,
  o: number,
  i: number,
  j: number,
  base: number,
  g: ResampleGeometry,
  nearest: boolean,
): number {
  const H = g.height;
  const W = g.width;
  const C = g.channels;
  const mode = g.fillMode;
  const xs = t[o] * j + t[o + 1] * i + t[o + 2];
  const ys = t[o + 3] * j + t[o + 4] * i + t[o + 5];
  if (nearest) {
    const r = readIndex(Math.floor(ys + 0.5), H, mode);
    const c = readIndex(Math.floor(xs + 0.5), W, mode);
    tapAt[0] = r < 0 || c < 0 ? -1 : base + (r * W + c) * C;
    tapW[0] = 1;
    return 1;
  }
  const x0 = Math.floor(xs);
  const y0 = Math.floor(ys);
  const fx = xs - x0;
  const fy = ys - y0;
  const c0 = readIndex(x0, W, mode);
  const c1 = readIndex(x0 + 1, W, mode);
  const r0 = readIndex(y0, H, mode);
  const r1 = readIndex(y0 + 1, H, mode);
  tapAt[0] = r0 < 0 || c0 < 0 ? -1 : base + (r0 * W + c0) * C;
  tapAt[1] = r0 < 0 || c1 < 0 ? -1 : base + (r0 * W + c1) * C;
  tapAt[2] = r1 < 0 || c0 < 0 ? -1 : base + (r1 * W + c0) * C;
  tapAt[3] = r1 < 0 || c1 < 0 ? -1 : base + (r1 * W + c1) * C;
  tapW[0] = (1 - fy) * (1 - fx);
  tapW[1] = (1 - fy) * fx;
  tapW[2] = fy * (1 - fx);
  tapW[3] = fy * fx;
  return 4;
}

/**
 * y [batch, height, width, channels] = x resampled through each sample's transform. Sums in f64,
 * first term first (so a lone 'nearest' read is copied exactly, −0 included).
 */
export function affineResample(y: FloatArray, x: FloatArray, transforms: Float64Array, g: ResampleGeometry): void {
  const { batch, height: H, width: W, channels: C, fillValue } = g;
  const nearest = g.interpolation === 'nearest';
  let out = 0;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++, out += C) {
        const n = pixelTaps(transforms, 6 * b, i, j, b * H * W * C, g, nearest);
        for (let c = 0; c < C; c++) {
          let s = tapAt[0] < 0 ? tapW[0] * fillValue : tapW[0] * x[tapAt[0] + c];
          for (let k = 1; k < n; k++) s += tapAt[k] < 0 ? tapW[k] * fillValue : tapW[k] * x[tapAt[k] + c];
          y[out + c] = s;
        }
      }
    }
  }
}

/** The transpose of affineResample in x: dx = 0, then dx[b, r_k, c_k, c] += w_k · dy[b, i, j, c]. */
export function affineResampleBackward(
  dx: FloatArray,
  dy: FloatArray,
  transforms: Float64Array,
  g: ResampleGeometry,
): void {
  const { batch, height: H, width: W, channels: C } = g;
  const nearest = g.interpolation === 'nearest';
  dx.fill(0, 0, batch * H * W * C);
  let out = 0;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++, out += C) {
        const n = pixelTaps(transforms, 6 * b, i, j, b * H * W * C, g, nearest);
        for (let k = 0; k < n; k++) {
          const a = tapAt[k];
          if (a < 0) continue;
          const w = tapW[k];
          for (let c = 0; c < C; c++) dx[a + c] += w * dy[out + c];
        }
      }
    }
  }
}
