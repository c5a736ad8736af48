/**
 * The kernel layer: every numeric loop the layers run, as functions over typed arrays with explicit
 * sizes. All matrices are row-major. Outputs come first and are overwritten (never accumulated into),
 * so a kernel's result does not depend on what its output buffer held.
 *
 * `jsKernels` is the plain TypeScript reference. Faster backends implement the same `Kernels`
 * interface and are held against this one in the tests. Every kernel works for Float32Array and
 * Float64Array alike (float64 is what the gradient checks use).
 *
 * Products may skip the zeros of A (most MNIST pixels and ReLU outputs are zero), so 0·∞ and 0·NaN
 * in a product count as 0: non-finite values are stopped at the model's entry and by the loss
 * checks, not relied on to propagate through a matrix product.
 *
 * This file holds the `Kernels` interface, the types its kernels take (written in
 * reference/operands.ts, exported from here), the convolutions through any backend's own products
 * (conv2dByProducts, conv2dBackwardByProducts), and the `jsKernels` table. The reference kernels
 * themselves are in reference/, one file per family as the wasm backend has them: products,
 * channels, element-wise, windows (im2col, pooling), resampling, the optimizer's update, random.
 */
import * as channels from './reference/channels.js';
import * as elementwise from './reference/elementwise.js';
import type { FloatArray, FloatDType, ResampleGeometry, WindowGeometry } from './reference/operands.js';
import * as optimizer from './reference/optimizer.js';
import * as products from './reference/products.js';
import * as random from './reference/random.js';
import * as resampling from './reference/resampling.js';
import * as windows from './reference/windows.js';

export { leastNormal } from './reference/operands.js';
export type {
  FillMode,
  FloatArray,
  FloatDType,
  Interpolation,
  ResampleGeometry,
  WindowGeometry,
} from './reference/operands.js';

/**
 * The seam every backend implements: the reference (`jsKernels`) and the wasm backend each give one
 * of these, and `setBackend` chooses which the layers call. Each kernel's equation and shapes are
 * on its entry below.
 */
export interface Kernels {
  /** This backend's name, as `setBackend` takes it. */
  readonly name: string;
  /** A zeroed buffer of `n` elements. Backends that compute in their own memory allocate there. */
  alloc(n: number, dtype: FloatDType): FloatArray;
  /** A zeroed Int32Array of `n` elements for indices (max pooling's argmax), allocated as `alloc` does. */
  allocIndex(n: number): Int32Array;

  /** C[m,n] = A[m,k] · B[k,n] */
  matmul(c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): void;
  /** C[m,n] = A[m,k] · B[n,k]ᵀ */
  matmulNT(c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): void;
  /** C[m,n] = A[k,m]ᵀ · B[k,n] */
  matmulTN(c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): void;

  /** y[r,c] += bias[c], in place; y is [rows, cols]. */
  addBias(y: FloatArray, bias: FloatArray, rows: number, cols: number): void;
  /** out[c] = Σ_r x[r,c]; x is [rows, cols], out is [cols]. */
  colSum(out: FloatArray, x: FloatArray, rows: number, cols: number): void;
  /**
   * Per column of x [rows, cols]: mean[c] = (1/rows) Σ_r x[r,c] and the biased variance
   * variance[c] = (1/rows) Σ_r (x[r,c] − mean[c])² (two passes, so no cancellation), as
   * BatchNormalization takes a batch's statistics. mean and variance are [cols].
   */
  colMoments(mean: FloatArray, variance: FloatArray, x: FloatArray, rows: number, cols: number): void;
  /** Per column of dy and x [rows, cols]: sumDy[c] = Σ_r dy[r,c] and sumDyX[c] = Σ_r dy[r,c]·x[r,c]. */
  colDotSums(sumDy: FloatArray, sumDyX: FloatArray, dy: FloatArray, x: FloatArray, rows: number, cols: number): void;
  /**
   * out[r,c] = a[r,c]·p[c] + b[r,c]·q[c] + s[c] over [rows, cols] (without the b term when b is
   * null): BatchNormalization's per-channel affine maps, forward and backward, each in one pass.
   */
  scaleShiftCols(
    out: FloatArray,
    a: FloatArray,
    p: FloatArray,
    b: FloatArray | null,
    q: FloatArray | null,
    s: FloatArray,
    rows: number,
    cols: number,
  ): void;

  /** out = max(x, 0), elementwise over n; NaN stays NaN (as TensorFlow). */
  relu(out: FloatArray, x: FloatArray, n: number): void;
  /** dx = dy where y > 0, else 0 (y is relu's output). */
  reluBackward(dx: FloatArray, dy: FloatArray, y: FloatArray, n: number): void;
  /** out = 1 / (1 + e^-x). */
  sigmoid(out: FloatArray, x: FloatArray, n: number): void;
  /** dx = dy · y · (1 − y) (y is sigmoid's output). */
  sigmoidBackward(dx: FloatArray, dy: FloatArray, y: FloatArray, n: number): void;
  /** out = tanh(x). */
  tanh(out: FloatArray, x: FloatArray, n: number): void;
  /** dx = dy · (1 − y²) (y is tanh's output). */
  tanhBackward(dx: FloatArray, dy: FloatArray, y: FloatArray, n: number): void;

  /** Row-wise softmax of x [rows, cols], shifted by the row maximum so that no exp overflows. */
  softmax(out: FloatArray, x: FloatArray, rows: number, cols: number): void;
  /** dx[r,:] = y[r,:] ⊙ (dy[r,:] − Σ_c dy[r,c]·y[r,c]) (y is softmax's output). */
  softmaxBackward(dx: FloatArray, dy: FloatArray, y: FloatArray, rows: number, cols: number): void;
  /** out[r] = the first index of the largest value in row r of x [rows, cols]. */
  argmax(out: Int32Array, x: FloatArray, rows: number, cols: number): void;

  /** out = a ⊙ b, elementwise over n. */
  mul(out: FloatArray, a: FloatArray, b: FloatArray, n: number): void;
  /** out = s · x, elementwise over n. */
  scale(out: FloatArray, x: FloatArray, s: number, n: number): void;
  /**
   * out[i] = value where the i-th draw of xoshiro128** (Rng's generator) from `state`, its four
   * words, is below p·2³² (as `next() < p`), else 0, for i < n; `state` is left n draws on.
   */
  bernoulli(out: FloatArray, n: number, p: number, value: number, state: Uint32Array): void;

  /**
   * One Adam step over n weights, Keras's rule: m ← m + (g − m)(1 − β1); v ← v + (g² − v)(1 − β2);
   * w ← w − α·m / (√v + ε), where α is the bias-corrected learning rate. m and v are flushed to
   * zero below the least normal number of their precision (`leastNormal`), as on TensorFlow's CPU
   * threads: subnormals cost a microcode assist an operation on x86.
   */
  adamUpdate(
    w: FloatArray,
    g: FloatArray,
    m: FloatArray,
    v: FloatArray,
    n: number,
    alpha: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): void;

  /**
   * Unfolds each window of x [batch, height, width, channels] into a row of
   * cols [batch·outH·outW, kh·kw·channels], ordered (i, j, c) like a Conv2D kernel [kh, kw, c, f],
   * with zeros where the window hangs over the padding: a convolution becomes cols · kernel.
   */
  im2col(cols: FloatArray, x: FloatArray, g: WindowGeometry): void;
  /**
   * The adjoint of im2col: dx [batch, height, width, channels] = Σ of each row of dcols put back
   * where it came from.
   */
  col2im(dx: FloatArray, dcols: FloatArray, g: WindowGeometry): void;
  /**
   * A convolution, llm.c's matmul_forward over im2col's windows: z [batch·outH·outW, filters] =
   * im2col(x) · w + b, for x [batch, height, width, channels], w [kh·kw·channels, filters] (a Conv2D
   * kernel [kh, kw, c, f]) and b [filters] or null; with `relu`, z = relu(that), as `relu` computes it.
   */
  conv2d(
    z: FloatArray,
    x: FloatArray,
    w: FloatArray,
    b: FloatArray | null,
    g: WindowGeometry,
    filters: number,
    relu: boolean,
  ): void;
  /**
   * Its backward pass, from dy [batch·outH·outW, filters]: dz = dy, or with a `mask` (ReLU's output)
   * dz = dy where mask > 0, else 0; then dw = im2col(x)ᵀ · dz [kh·kw·channels, filters],
   * db = Σ_rows dz [filters] and dx = col2im(dz · wᵀ) [batch, height, width, channels], each
   * written when not null.
   */
  conv2dBackward(
    dx: FloatArray | null,
    dw: FloatArray | null,
    db: FloatArray | null,
    dy: FloatArray,
    mask: FloatArray | null,
    x: FloatArray,
    w: FloatArray,
    g: WindowGeometry,
    filters: number,
  ): void;
  /**
   * Max over each window (positions in the padding are skipped), per channel:
   * y [batch, outH, outW, channels], and in `argmax` the flat index into x of each maximum.
   */
  maxPool(y: FloatArray, argmax: Int32Array, x: FloatArray, g: WindowGeometry): void;
  /** dx [batch, height, width, channels] = 0, then dx[argmax[o]] += dy[o] for every output o. */
  maxPoolBackward(dx: FloatArray, dy: FloatArray, argmax: Int32Array, g: WindowGeometry): void;

  /**
   * y [batch, height, width, channels] = x resampled through each sample's transform (see
   * ResampleGeometry): y[b, i, j, c] = Σ_k w_k · x[b, r_k, c_k, c], over the (one or four) pixels
   * read, a pixel outside the image under 'constant' contributing w_k · fillValue.
   */
  affineResample(y: FloatArray, x: FloatArray, transforms: Float64Array, g: ResampleGeometry): void;
  /**
   * The transpose of affineResample in x: dx = 0, then dx[b, r_k, c_k, c] += w_k · dy[b, i, j, c]
   * for every pixel read (the fill value's terms do not depend on x and give nothing). y is linear
   * in x (affine, for 'constant'), so this is its exact gradient.
   */
  affineResampleBackward(dx: FloatArray, dy: FloatArray, transforms: Float64Array, g: ResampleGeometry): void;
}

/** A new zeroed array of n elements of a's type (the reference's temporaries). */
function like(a: FloatArray, n: number): FloatArray {
  return a instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/**
 * Kernels.conv2d through K's own kernels over the whole batch: im2col, the product, the bias, ReLU.
 * The reference's, and a faster backend's where its own cannot run (the memory full, an operand
 * outside it), so that the products still run there.
 */
export function conv2dByProducts(
  K: Kernels,
  z: FloatArray,
  x: FloatArray,
  w: FloatArray,
  b: FloatArray | null,
  g: WindowGeometry,
  filters: number,
  relu: boolean,
): void {
  const rows = g.batch * g.outH * g.outW;
  const depth = g.kh * g.kw * g.channels;
  const cols = like(z, rows * depth);
  K.im2col(cols, x, g);
  K.matmul(z, cols, w, rows, depth, filters);
  if (b) K.addBias(z, b, rows, filters);
  if (relu) K.relu(z, z, rows * filters);
}

/** Kernels.conv2dBackward through K's own kernels over the whole batch, as conv2dByProducts. */
export function conv2dBackwardByProducts(K: Kernels, ...args: Parameters<Kernels['conv2dBackward']>): void {
  const [dx, dw, db, dy, mask, x, w, g, filters] = args;
  const rows = g.batch * g.outH * g.outW;
  const depth = g.kh * g.kw * g.channels;
  let dz = dy;
  if (mask) {
    dz = like(dy, rows * filters);
    K.reluBackward(dz, dy, mask, rows * filters);
  }
  if (db) K.colSum(db, dz, rows, filters);
  if (dw) {
    const cols = like(dw, rows * depth);
    K.im2col(cols, x, g);
    K.matmulTN(dw, cols, dz, depth, rows, filters);
  }
  if (dx) {
    const dcols = like(dx, rows * depth);
    K.matmulNT(dcols, dz, w, rows, filters, depth);
    K.col2im(dx, dcols, g);
  }
}

/**
 * The plain TypeScript reference backend, `'js'`: the kernels of reference/, and the convolutions
 * through its own im2col and products. Every other backend is held to it in the tests.
 *
 * @example
 * ```ts
 * import { jsKernels } from 'mnist-nn';
 *
 * // C[2,2] = A[2,3] · B[3,2]
 * const a = Float32Array.of(1, 2, 3, 4, 5, 6);
 * const b = Float32Array.of(1, 0, 0, 1, 1, 1);
 * const c = jsKernels.alloc(4, 'float32');
 * jsKernels.matmul(c, a, b, 2, 3, 2); // c = [4, 5, 10, 11]
 * ```
 */
export const jsKernels: Kernels = {
  name: 'js',

  alloc(n, dtype) {
    return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  },

  allocIndex(n) {
    return new Int32Array(n);
  },

  matmul: products.matmul,
  matmulNT: products.matmulNT,
  matmulTN: products.matmulTN,

  addBias: channels.addBias,
  colSum: channels.colSum,
  colMoments: channels.colMoments,
  colDotSums: channels.colDotSums,
  scaleShiftCols: channels.scaleShiftCols,

  relu: elementwise.relu,
  reluBackward: elementwise.reluBackward,
  sigmoid: elementwise.sigmoid,
  sigmoidBackward: elementwise.sigmoidBackward,
  tanh: elementwise.tanh,
  tanhBackward: elementwise.tanhBackward,
  softmax: elementwise.softmax,
  softmaxBackward: elementwise.softmaxBackward,
  argmax: elementwise.argmax,
  mul: elementwise.mul,
  scale: elementwise.scale,

  bernoulli: random.bernoulli,

  adamUpdate: optimizer.adamUpdate,

  im2col: windows.im2col,
  col2im: windows.col2im,

  conv2d(z, x, w, b, g, filters, relu) {
    conv2dByProducts(jsKernels, z, x, w, b, g, filters, relu);
  },

  conv2dBackward(dx, dw, db, dy, mask, x, w, g, filters) {
    conv2dBackwardByProducts(jsKernels, dx, dw, db, dy, mask, x, w, g, filters);
  },

  maxPool: windows.maxPool,
  maxPoolBackward: windows.maxPoolBackward,

  affineResample: resampling.affineResample,
  affineResampleBackward: resampling.affineResampleBackward,
};
