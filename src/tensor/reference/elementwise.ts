/**
 * The reference's element-wise kernels over n elements, and the row-wise ones over x [rows, cols]:
 * the activations with their backward passes (each from the forward pass's output y), softmax,
 * argmax, and the products by an array or a number.
 *
 *   relu:    out = max(x, 0) (NaN stays NaN)      reluBackward:    dx = dy where y > 0, else 0
 *   sigmoid: out = 1 / (1 + e^-x)                 sigmoidBackward: dx = dy · y · (1 − y)
 *   tanh:    out = tanh(x)                        tanhBackward:    dx = dy · (1 − y²)
 *   softmax: out[r,c] = e^(x[r,c] − max_r) / Σ_c' e^(x[r,c'] − max_r)
 *   softmaxBackward: dx[r,:] = y[r,:] ⊙ (dy[r,:] − Σ_c dy[r,c]·y[r,c])
 *   argmax:  out[r] = the first index of the largest value in row r
 *   mul:     out = a ⊙ b                         scale:           out = s · x
 */
import type { FloatArray } from './operands.js';

/** out = max(x, 0), elementwise over n; NaN stays NaN (as TensorFlow). */
export function relu(out: FloatArray, x: FloatArray, n: number): void {
  // NaN <= 0 is false: NaN passes through, as TensorFlow's relu propagates it.
  for (let i = 0; i < n; i++) out[i] = x[i] <= 0 ? 0 : x[i];
}

/** dx = dy where y > 0, else 0, over n (y is relu's output). */
export function reluBackward(dx: FloatArray, dy: FloatArray, y: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}

/** out = 1 / (1 + e^-x), over n. */
export function sigmoid(out: FloatArray, x: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    // Both branches avoid exp of a large positive number.
    if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
    else {
      const e = Math.exp(v);
      out[i] = e / (1 + e);
    }
  }
}

/** dx = dy · y · (1 − y), over n (y is sigmoid's output). */
export function sigmoidBackward(dx: FloatArray, dy: FloatArray, y: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
}

/** out = tanh(x), over n. */
export function tanh(out: FloatArray, x: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
}

/** dx = dy · (1 − y²), over n (y is tanh's output). */
export function tanhBackward(dx: FloatArray, dy: FloatArray, y: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
}

/** Row-wise softmax of x [rows, cols] into out, shifted by the row maximum so that no exp overflows. */
export function softmax(out: FloatArray, x: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (x[o + c] > max) max = x[o + c];
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(x[o + c] - max);
      out[o + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < cols; c++) out[o + c] *= inv;
  }
}

/** dx[r,:] = y[r,:] ⊙ (dy[r,:] − Σ_c dy[r,c]·y[r,c]), over [rows, cols] (y is softmax's output). */
export function softmaxBackward(dx: FloatArray, dy: FloatArray, y: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += dy[o + c] * y[o + c];
    for (let c = 0; c < cols; c++) dx[o + c] = y[o + c] * (dy[o + c] - dot);
  }
}

/** out[r] = the first index of the largest value in row r of x [rows, cols]. */
export function argmax(out: Int32Array, x: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let best = 0;
    let max = x[o];
    for (let c = 1; c < cols; c++) {
      if (x[o + c] > max) {
        max = x[o + c];
        best = c;
      }
    }
    out[r] = best;
  }
}

/** out = a ⊙ b, elementwise over n. */
export function mul(out: FloatArray, a: FloatArray, b: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
}

/** out = s · x, elementwise over n. */
export function scale(out: FloatArray, x: FloatArray, s: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = s * x[i];
}
