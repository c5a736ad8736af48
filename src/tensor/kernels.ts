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
 */

/** The element arrays that tensors of a floating dtype hold. */
export type FloatArray = Float32Array | Float64Array;

/**
 * The least normal number of x's precision: 2⁻¹²⁶ for float32, 2⁻¹⁰²² for float64. The optimizers
 * flush their moments and velocities to zero below it: a moment of a weight whose gradient is mostly
 * zero decays into the subnormals, where x86 takes a microcode assist on every operation (Adam's
 * step ran 2.5× slower with 1% of its m subnormal). TensorFlow sets the processor's flush-to-zero
 * mode on its CPU threads; WebAssembly cannot, so this is that mode where it matters.
 */
export const leastNormal = (x: FloatArray): number => (x instanceof Float32Array ? 2 ** -126 : 2 ** -1022);

/** The floating dtypes computations run in. */
export type FloatDType = 'float32' | 'float64';

/**
 * Where a sliding window (a convolution's kernel, a pooling window) goes over a batch of images
 * x [batch, height, width, channels] (NHWC): window kh × kw, strides sh, sw, and the padding above
 * and left of the image (positions outside it read as zero for a convolution and are skipped by a
 * pooling). The output is [batch, outH, outW, ·].
 */
export interface WindowGeometry {
  batch: number;
  height: number;
  width: number;
  channels: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
}

/** How an affine resampling reads a pixel outside the image (Keras's `fill_mode`). */
export type FillMode = 'constant' | 'reflect' | 'wrap' | 'nearest';
/** How an affine resampling reads between pixels (Keras's `interpolation`). */
export type Interpolation = 'bilinear' | 'nearest';

/**
 * One affine resampling of a batch of NHWC images x [batch, height, width, channels] into y of the
 * same shape, as Keras's `affine_transform` (its numpy and JAX backends, which extend the image by
 * pixel index as scipy's `map_coordinates` does):
 *
 *   each sample b has a transform t[b] = [a0, a1, a2, b0, b1, b2] (Float64Array [batch, 6]) mapping an
 *   output pixel (row i, column j) to the input point x' = a0·j + a1·i + a2, y' = b0·j + b1·i + b2,
 *   pixel centres at integer coordinates (column j is the point x = j, not j + 0.5);
 *   'bilinear' reads the four pixels around (x', y') with weights (1 − fx)(1 − fy), fx(1 − fy),
 *   (1 − fx)fy, fx·fy, where fx = x' − ⌊x'⌋, fy = y' − ⌊y'⌋; 'nearest' reads pixel (⌊y' + ½⌋, ⌊x' + ½⌋);
 *   a pixel index outside the image is read per `fillMode`: 'constant' reads `fillValue`, 'nearest'
 *   the edge pixel (a a | a b c d | d d), 'wrap' the opposite side (c d | a b c d | a b), 'reflect'
 *   mirrors about the edge (b a | a b c d | d c), period 2n.
 */
export interface ResampleGeometry {
  batch: number;
  height: number;
  width: number;
  channels: number;
  fillMode: FillMode;
  interpolation: Interpolation;
  /** What 'constant' reads outside the image. */
  fillValue: number;
}

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
  scaleShiftCols(out: FloatArray, a: FloatArray, p: FloatArray, b: FloatArray | null, q: FloatArray | null, s: FloatArray, rows: number, cols: number): void;

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
  adamUpdate(w: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, n: number, alpha: number, beta1: number, beta2: number, epsilon: number): void;

  /**
   * Unfolds each window of x [batch, height, width, channels] into a row of
   * cols [batch·outH·outW, kh·kw·channels], ordered (i, j, c) like a Conv2D kernel [kh, kw, c, f],
   * with zeros where the window hangs over the padding: a convolution becomes cols · kernel.
   */
  im2col(cols: FloatArray, x: FloatArray, g: WindowGeometry): void;
  /** The adjoint of im2col: dx [batch, height, width, channels] = Σ of each row of dcols put back where it came from. */
  col2im(dx: FloatArray, dcols: FloatArray, g: WindowGeometry): void;
  /**
   * A convolution, llm.c's matmul_forward over im2col's windows: z [batch·outH·outW, filters] =
   * im2col(x) · w + b, for x [batch, height, width, channels], w [kh·kw·channels, filters] (a Conv2D
   * kernel [kh, kw, c, f]) and b [filters] or null; with `relu`, z = relu(that), as `relu` computes it.
   */
  conv2d(z: FloatArray, x: FloatArray, w: FloatArray, b: FloatArray | null, g: WindowGeometry, filters: number, relu: boolean): void;
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
function pixelTaps(t: Float64Array, o: number, i: number, j: number, base: number, g: ResampleGeometry, nearest: boolean): number {
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

/** A new zeroed array of n elements of a's type (the reference's temporaries). */
function like(a: FloatArray, n: number): FloatArray {
  return a instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/**
 * Kernels.conv2d through K's own kernels over the whole batch: im2col, the product, the bias, ReLU.
 * The reference's, and a faster backend's where its own cannot run (the memory full, an operand
 * outside it), so that the products still run there.
 */
export function conv2dByProducts(K: Kernels, z: FloatArray, x: FloatArray, w: FloatArray, b: FloatArray | null, g: WindowGeometry, filters: number, relu: boolean): void {
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

export const jsKernels: Kernels = {
  name: 'js',

  alloc(n, dtype) {
    return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  },

  allocIndex(n) {
    return new Int32Array(n);
  },

  // Loop order i-p-j: the inner loop walks rows of B and C contiguously.
  matmul(c, a, b, m, k, n) {
    c.fill(0, 0, m * n);
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      const ai = i * k;
      for (let p = 0; p < k; p++) {
        const aip = a[ai + p];
        if (aip === 0) continue; // relu outputs and raw pixels are mostly zero
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
  },

  // Each C element is a dot product of a row of A and a row of B, both contiguous.
  matmulNT(c, a, b, m, k, n) {
    for (let i = 0; i < m; i++) {
      const ai = i * k;
      for (let j = 0; j < n; j++) {
        const bj = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
        c[i * n + j] = s;
      }
    }
  },

  // Loop order p-i-j: A's row p and B's row p are read once each per p.
  matmulTN(c, a, b, m, k, n) {
    c.fill(0, 0, m * n);
    for (let p = 0; p < k; p++) {
      const ap = p * m;
      const bp = p * n;
      for (let i = 0; i < m; i++) {
        const api = a[ap + i];
        if (api === 0) continue;
        const ci = i * n;
        for (let j = 0; j < n; j++) c[ci + j] += api * b[bp + j];
      }
    }
  },

  addBias(y, bias, rows, cols) {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) y[o + c] += bias[c];
    }
  },

  colSum(out, x, rows, cols) {
    out.fill(0, 0, cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) out[c] += x[o + c];
    }
  },

  colMoments(mean, variance, x, rows, cols) {
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
  },

  colDotSums(sumDy, sumDyX, dy, x, rows, cols) {
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
  },

  scaleShiftCols(out, a, p, b, q, s, rows, cols) {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      if (b && q) for (let c = 0; c < cols; c++) out[o + c] = a[o + c] * p[c] + b[o + c] * q[c] + s[c];
      else for (let c = 0; c < cols; c++) out[o + c] = a[o + c] * p[c] + s[c];
    }
  },

  relu(out, x, n) {
    // NaN <= 0 is false: NaN passes through, as TensorFlow's relu propagates it.
    for (let i = 0; i < n; i++) out[i] = x[i] <= 0 ? 0 : x[i];
  },

  reluBackward(dx, dy, y, n) {
    for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
  },

  sigmoid(out, x, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      // Both branches avoid exp of a large positive number.
      if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
      else {
        const e = Math.exp(v);
        out[i] = e / (1 + e);
      }
    }
  },

  sigmoidBackward(dx, dy, y, n) {
    for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
  },

  tanh(out, x, n) {
    for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
  },

  tanhBackward(dx, dy, y, n) {
    for (let i = 0; i < n; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
  },

  softmax(out, x, rows, cols) {
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
  },

  softmaxBackward(dx, dy, y, rows, cols) {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += dy[o + c] * y[o + c];
      for (let c = 0; c < cols; c++) dx[o + c] = y[o + c] * (dy[o + c] - dot);
    }
  },

  argmax(out, x, rows, cols) {
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
  },

  mul(out, a, b, n) {
    for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
  },

  scale(out, x, s, n) {
    for (let i = 0; i < n; i++) out[i] = s * x[i];
  },

  bernoulli(out, n, p, value, state) {
    // The state in locals for the loop: a method call and four field writes a draw cost more than the draw.
    let [s0, s1, s2, s3] = state;
    for (let i = 0; i < n; i++) {
      const x = Math.imul(s1, 5);
      const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = result / 4294967296 < p ? value : 0;
    }
    state.set([s0, s1, s2, s3].map((w) => w >>> 0));
  },

  adamUpdate(w, g, m, v, n, alpha, beta1, beta2, epsilon) {
    const tiny = leastNormal(m);
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      m[i] += (gi - m[i]) * (1 - beta1);
      v[i] += (gi * gi - v[i]) * (1 - beta2);
      if (Math.abs(m[i]) < tiny) m[i] = 0;
      if (Math.abs(v[i]) < tiny) v[i] = 0;
      w[i] -= (alpha * m[i]) / (Math.sqrt(v[i]) + epsilon);
    }
  },

  im2col(cols, x, g) {
    const { batch, height: H, width: W, channels: C, kh, kw, sh, sw, padTop, padLeft, outH, outW } = g;
    let o = 0;
    for (let b = 0; b < batch; b++) {
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          for (let i = 0; i < kh; i++) {
            const ih = oh * sh - padTop + i;
            for (let j = 0; j < kw; j++) {
              const iw = ow * sw - padLeft + j;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
                cols.fill(0, o, o + C);
              } else {
                const src = ((b * H + ih) * W + iw) * C;
                for (let c = 0; c < C; c++) cols[o + c] = x[src + c];
              }
              o += C;
            }
          }
        }
      }
    }
  },

  col2im(dx, dcols, g) {
    const { batch, height: H, width: W, channels: C, kh, kw, sh, sw, padTop, padLeft, outH, outW } = g;
    dx.fill(0, 0, batch * H * W * C);
    let o = 0;
    for (let b = 0; b < batch; b++) {
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          for (let i = 0; i < kh; i++) {
            const ih = oh * sh - padTop + i;
            for (let j = 0; j < kw; j++) {
              const iw = ow * sw - padLeft + j;
              if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
                const dst = ((b * H + ih) * W + iw) * C;
                for (let c = 0; c < C; c++) dx[dst + c] += dcols[o + c];
              }
              o += C;
            }
          }
        }
      }
    }
  },

  conv2d(z, x, w, b, g, filters, relu) {
    conv2dByProducts(jsKernels, z, x, w, b, g, filters, relu);
  },

  conv2dBackward(dx, dw, db, dy, mask, x, w, g, filters) {
    conv2dBackwardByProducts(jsKernels, dx, dw, db, dy, mask, x, w, g, filters);
  },

  // Channels are contiguous in NHWC, so each window position updates a run of C maxima at once.
  maxPool(y, argmax, x, g) {
    const { batch, height: H, width: W, channels: C, kh, kw, sh, sw, padTop, padLeft, outH, outW } = g;
    let o = 0;
    for (let b = 0; b < batch; b++) {
      for (let oh = 0; oh < outH; oh++) {
        const i0 = Math.max(0, oh * sh - padTop);
        const i1 = Math.min(H, oh * sh - padTop + kh);
        for (let ow = 0; ow < outW; ow++, o += C) {
          const j0 = Math.max(0, ow * sw - padLeft);
          const j1 = Math.min(W, ow * sw - padLeft + kw);
          let first = true;
          for (let ih = i0; ih < i1; ih++) {
            for (let iw = j0; iw < j1; iw++) {
              const src = ((b * H + ih) * W + iw) * C;
              if (first) {
                for (let c = 0; c < C; c++) {
                  y[o + c] = x[src + c];
                  argmax[o + c] = src + c;
                }
                first = false;
              } else {
                for (let c = 0; c < C; c++) {
                  if (x[src + c] > y[o + c]) {
                    y[o + c] = x[src + c];
                    argmax[o + c] = src + c;
                  }
                }
              }
            }
          }
        }
      }
    }
  },

  maxPoolBackward(dx, dy, argmax, g) {
    dx.fill(0, 0, g.batch * g.height * g.width * g.channels);
    const n = g.batch * g.outH * g.outW * g.channels;
    for (let o = 0; o < n; o++) dx[argmax[o]] += dy[o];
  },

  // Sums in f64, first term first (so a lone 'nearest' read is copied exactly, −0 included).
  affineResample(y, x, transforms, g) {
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
  },

  affineResampleBackward(dx, dy, transforms, g) {
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
  },
};
