/**
 * The reference's per-column kernels over matrices [rows, cols] whose columns are channels (a
 * Dense layer's units, a convolution's filters): the bias, and BatchNormalization's statistics and
 * affine maps. For x, dy [rows, cols] and per-column vectors [cols]:
 *
 *   addBias:        y[r,c] += bias[c] (in place)
 *   colSum:         out[c] = Σ_r x[r,c]
 *   colMoments:     mean[c] = (1/rows) Σ_r x[r,c];  variance[c] = (1/rows) Σ_r (x[r,c] − mean[c])²
 *   colDotSums:     sumDy[c] = Σ_r dy[r,c];  sumDyX[c] = Σ_r dy[r,c]·x[r,c]
 *   scaleShiftCols: out[r,c] = a[r,c]·p[c] + b[r,c]·q[c] + s[c] (without the b term when b is null)
 *
 * colMoments and colDotSums sum in float64 whatever the arrays' dtype.
 */
import type { FloatArray } from './operands.js';

/** y[r,c] += bias[c], in place, for y [rows, cols] and bias [cols]. */
export function addBias(y: FloatArray, bias: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) y[o + c] += bias[c];
  }
}

/** out[c] = Σ_r x[r,c], for x [rows, cols] and out [cols]. */
export function colSum(out: FloatArray, x: FloatArray, rows: number, cols: number): void {
  out.fill(0, 0, cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c] += x[o + c];
  }
}

/**
 * Each column's mean and biased variance of x [rows, cols] into mean, variance [cols], in two passes
 * (so no cancellation), as BatchNormalization takes a batch's statistics.
 */
export function colMoments(mean: FloatArray, variance: FloatArray, x: FloatArray, rows: number, cols: number): void {
  // Sums in float64 whatever x's dtype: a batch of convolution outputs has ~10⁵ rows per channel.
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += x[o + c];
  }
  for (let c = 0; c < cols; c++) acc[c] /= rows;
  const sq = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const d = x[o + c] - acc[c];
      sq[c] += d * d;
    }
  }
  for (let c = 0; c < cols; c++) {
    mean[c] = acc[c];
    variance[c] = sq[c] / rows;
  }
}

/** sumDy[c] = Σ_r dy[r,c] and sumDyX[c] = Σ_r dy[r,c]·x[r,c], for dy, x [rows, cols], summed in float64. */
export function colDotSums(
  sumDy: FloatArray,
  sumDyX: FloatArray,
  dy: FloatArray,
  x: FloatArray,
  rows: number,
  cols: number,
): void {
  const s = new Float64Array(cols);
  const sx = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      s[c] += dy[o + c];
      sx[c] += dy[o + c] * x[o + c];
    }
  }
  sumDy.set(s);
  sumDyX.set(sx);
}

/**
 * out[r,c] = a[r,c]·p[c] + b[r,c]·q[c] + s[c] over [rows, cols] (without the b term when b is null):
 * BatchNormalization's per-channel affine maps, forward and backward, each in one pass.
 */
export function scaleShiftCols(
  out: FloatArray,
  a: FloatArray,
  p: FloatArray,
  b: FloatArray | null,
  q: FloatArray | null,
  s: FloatArray,
  rows: number,
  cols: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    if (b && q) for (let c = 0; c < cols; c++) out[o + c] = a[o + c] * p[c] + b[o + c] * q[c] + s[c];
    else for (let c = 0; c < cols; c++) out[o + c] = a[o + c] * p[c] + s[c];
  }
}
