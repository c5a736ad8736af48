// Every kernel of every backend against a naive float64 oracle written independently here, over
// random shapes including odd sizes. (float64 arrays take the reference path on every backend.)
import { describe, expect, it } from 'vitest';
import { afterAll } from 'vitest';
import {
  jsKernels,
  type FillMode,
  type FloatArray,
  type Interpolation,
  type Kernels,
  type ResampleGeometry,
  type WindowGeometry,
} from '../src/tensor/kernels.js';
import { Rng } from '../src/tensor/random.js';
import { createWasmKernels } from '../src/tensor/wasm/backend.js';

// The wasm backend on one thread, and on two with every product split however small, so that odd
// shapes cross thread boundaries too; each with the products' fused multiply-adds (relaxed SIMD,
// which vitest.config.ts turns on in the test processes) and without.
// Every 3×3 convolution of stride 1 that can goes by Winograd, however few its tiles (winogradMinTiles).
const wasm1 = createWasmKernels({ threads: 1, fma: true, winogradMinTiles: 1 });
const wasm2 = createWasmKernels({ threads: 2, minParallelMacs: 1, fma: true, winogradMinTiles: 1 });
const wasm1NoFma = createWasmKernels({ threads: 1, fma: false, winogradMinTiles: 1 });
const wasm2NoFma = createWasmKernels({ threads: 2, minParallelMacs: 1, fma: false, winogradMinTiles: 1 });
// The path taken where SharedArrayBuffer is missing: one thread over a plain memory, operands copied.
const wasmPlain = createWasmKernels({ shared: false, fma: true, winogradMinTiles: 1 });
const wasmPlainNoFma = createWasmKernels({ shared: false, fma: false, winogradMinTiles: 1 });
// More threads than this machine has cores: parts of 3 and 4, some of which a split could leave
// empty (a pack of B once got a negative width that way).
const wasm3 = createWasmKernels({ threads: 3, minParallelMacs: 1, fma: true, winogradMinTiles: 1 });
const wasm4NoFma = createWasmKernels({ threads: 4, minParallelMacs: 1, fma: false, winogradMinTiles: 1 });
const ALL_WASM = [wasm1, wasm2, wasm1NoFma, wasm2NoFma, wasmPlain, wasmPlainNoFma, wasm3, wasm4NoFma];
afterAll(() => ALL_WASM.forEach((k) => k.close()));
const BACKENDS: [label: string, kernels: Kernels][] = [
  ['js', jsKernels],
  ['wasm, 1 thread', wasm1],
  ['wasm, 2 threads', wasm2],
  ['wasm, 1 thread, no FMA', wasm1NoFma],
  ['wasm, 2 threads, no FMA', wasm2NoFma],
  ['wasm, plain memory', wasmPlain],
  ['wasm, plain memory, no FMA', wasmPlainNoFma],
  ['wasm, 3 threads', wasm3],
  ['wasm, 4 threads, no FMA', wasm4NoFma],
];
const SIZES = [1, 3, 7, 16, 33];
const rng = new Rng(11);

/** Random values, in the backend's own memory (`alloc`) or, with `foreign`, in a plain array. */
function rand(n: number, f32: boolean, zeroFrac = 0, K: Kernels = jsKernels, foreign = false): FloatArray {
  const a = foreign ? (f32 ? new Float32Array(n) : new Float64Array(n)) : K.alloc(n, f32 ? 'float32' : 'float64');
  for (let i = 0; i < n; i++) a[i] = rng.next() < zeroFrac ? 0 : rng.normal();
  return a;
}

// Oracle: C[i,j] = Σ_p A[i,p]·B[p,j] in float64, over plain row-major A [m,k] and B [k,n]; the
// transpose forms hand it explicitly transposed copies (transposed below), so the oracle itself is one
// plain loop.
function oracle(m: number, k: number, n: number, A: ArrayLike<number>, B: ArrayLike<number>): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = A[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += aip * B[p * n + j];
    }
  }
  return c;
}

/** The transpose of x read as [rows, cols], as a float64 [cols, rows]. */
function transposed(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c];
  return t;
}

/**
 * Oracle for affineResample, written apart from the kernels: the image extended to every integer
 * (r, c) by folding the index one reflection, wrap or clamp at a time, then read at the input point
 * by nested linear interpolation (bilinear) or at the rounded point (nearest), in float64.
 */
function resampleOracle(x: ArrayLike<number>, t: Float64Array, g: ResampleGeometry): Float64Array {
  const { batch: B, height: H, width: W, channels: C, fillMode, interpolation, fillValue } = g;
  const fold = (i: number, n: number): number | null => {
    if (fillMode === 'constant') return i < 0 || i >= n ? null : i;
    if (fillMode === 'nearest') return Math.min(n - 1, Math.max(0, i));
    if (fillMode === 'wrap') {
      while (i < 0) i += n;
      while (i >= n) i -= n;
      return i;
    }
    while (i < 0 || i >= n) i = i < 0 ? -1 - i : 2 * n - 1 - i; // mirror about −½ and n − ½
    return i;
  };
  const pixel = (b: number, r: number, c: number, ch: number): number => {
    const rr = fold(r, H);
    const cc = fold(c, W);
    return rr === null || cc === null ? fillValue : x[((b * H + rr) * W + cc) * C + ch];
  };
  const y = new Float64Array(B * H * W * C);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let ch = 0; ch < C; ch++) {
          const [a0, a1, a2, b0, b1, b2] = t.subarray(6 * b, 6 * b + 6);
          const xs = a0 * j + a1 * i + a2;
          const ys = b0 * j + b1 * i + b2;
          let v: number;
          if (interpolation === 'nearest') v = pixel(b, Math.floor(ys + 0.5), Math.floor(xs + 0.5), ch);
          else {
            const [c0, r0] = [Math.floor(xs), Math.floor(ys)];
            const lerp = (p: number, q: number, f: number) => p + (q - p) * f;
            const top = lerp(pixel(b, r0, c0, ch), pixel(b, r0, c0 + 1, ch), xs - c0);
            const bottom = lerp(pixel(b, r0 + 1, c0, ch), pixel(b, r0 + 1, c0 + 1, ch), xs - c0);
            v = lerp(top, bottom, ys - r0);
          }
          y[((b * H + i) * W + j) * C + ch] = v;
        }
  return y;
}

const FILL_MODES: FillMode[] = ['constant', 'reflect', 'wrap', 'nearest'];
const INTERPOLATIONS: Interpolation[] = ['bilinear', 'nearest'];

function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return e;
}

for (const [label, K] of BACKENDS) {
  describe(`${label} kernels`, () => {
    for (const f32 of [false, true]) {
      // float32 products accumulate k roundings of ~6e-8 each; float64 ones ~1e-16.
      const tol = (k: number): number => (f32 ? 2e-6 * Math.sqrt(k) + 1e-6 : 1e-13 * k);
      const dtype = f32 ? 'float32' : 'float64';

      it(`matmul, matmulNT, matmulTN in ${dtype} over odd shapes`, () => {
        const shapes: number[][] = [];
        for (const m of [1, 3, 7, 16, 127])
          for (const k of [1, 3, 7, 127, 785]) for (const n of [1, 3, 10, 17, 129]) shapes.push([m, k, n]);
        // every row-tile height and the split of the last rows (m = 2, 8…12), whole k blocks and one
        // past (256, 257, 512 for 't'; 384, 385, 768 for 'n'), whole column panels (8, 16)
        for (const m of [2, 8, 9, 10, 11, 12])
          for (const k of [256, 257, 384, 385, 512, 768]) for (const n of [8, 16]) shapes.push([m, k, n]);
        // Tall A in blocks of 128 rows: a whole number of blocks and a few rows more (the last block
        // takes in fewer than 8 rows left after it), alone and as each of two threads' halves.
        shapes.push([128, 784, 128], [785, 128, 128], [133, 300, 9], [266, 40, 24], [512, 20, 33]);
        // 4 to 6 panels of B over 3 or 4 threads: parts of 2 panels leave the last thread none.
        for (const n of [25, 30, 33, 41]) shapes.push([9, 40, n]);
        shapes.forEach(([m, k, n], i) => {
          const foreign = i % 3 === 0; // some operands from outside the backend's memory
          const a = rand(m * k, f32, 0.3, K, foreign);
          const b = rand(k * n, f32, 0, K, foreign);
          // C sits between guard values: a kernel writing past either end of C changes them.
          const guarded = rand(m * n + 32, f32, 0, K, i % 2 === 0);
          guarded.fill(777);
          const c = guarded.subarray(16, 16 + m * n); // garbage: kernels overwrite
          const guardsIntact = (): boolean =>
            guarded.subarray(0, 16).every((v) => v === 777) && guarded.subarray(16 + m * n).every((v) => v === 777);
          K.matmul(c, a, b, m, k, n);
          expect(maxErr(c, oracle(m, k, n, a, b))).toBeLessThan(tol(k));
          K.matmulNT(c, a, b, m, k, n); // b read as [n, k]
          expect(maxErr(c, oracle(m, k, n, a, transposed(b, n, k)))).toBeLessThan(tol(k));
          K.matmulTN(c, a, b, m, k, n); // a read as [k, m]
          expect(maxErr(c, oracle(m, k, n, transposed(a, k, m), b))).toBeLessThan(tol(k));
          expect(guardsIntact(), `writes outside C for ${m}×${k}×${n}`).toBe(true);
        });
      });

      it(`addBias, colSum, mul, scale in ${dtype}`, () => {
        for (const rows of SIZES)
          for (const cols of SIZES) {
            const x = rand(rows * cols, f32, 0, K);
            const bias = rand(cols, f32, 0, K);
            const y = rand(rows * cols, f32, 0, K);
            y.set(x);
            K.addBias(y, bias, rows, cols);
            for (let i = 0; i < y.length; i++) expect(y[i]).toBeCloseTo(x[i] + bias[i % cols], 5);
            const s = rand(cols, f32, 0, K);
            K.colSum(s, x, rows, cols);
            for (let c = 0; c < cols; c++) {
              let ref = 0;
              for (let r = 0; r < rows; r++) ref += x[r * cols + c];
              expect(s[c]).toBeCloseTo(ref, 4);
            }
            const z = rand(rows * cols, f32, 0, K);
            const out = rand(rows * cols, f32, 0, K);
            K.mul(out, x, z, x.length);
            for (let i = 0; i < x.length; i++) expect(out[i]).toBeCloseTo(x[i] * z[i], 5);
            K.scale(out, x, -2.5, x.length);
            for (let i = 0; i < x.length; i++) expect(out[i]).toBeCloseTo(-2.5 * x[i], 5);
          }
      });

      it(`elementwise activations and their backward in ${dtype}`, () => {
        const n = 257;
        const x = rand(n, f32, 0, K);
        const dy = rand(n, f32, 0, K);
        const y = rand(n, f32, 0, K);
        const dx = rand(n, f32, 0, K);
        const cases: [keyof Kernels, keyof Kernels, (v: number) => number, (yv: number, xv: number) => number][] = [
          ['relu', 'reluBackward', (v) => Math.max(v, 0), (_y, xv) => (xv > 0 ? 1 : 0)],
          ['sigmoid', 'sigmoidBackward', (v) => 1 / (1 + Math.exp(-v)), (yv) => yv * (1 - yv)],
          ['tanh', 'tanhBackward', Math.tanh, (yv) => 1 - yv * yv],
        ];
        for (const [fwd, bwd, f, df] of cases) {
          (K[fwd] as (o: FloatArray, x: FloatArray, n: number) => void)(y, x, n);
          (K[bwd] as (d: FloatArray, dy: FloatArray, y: FloatArray, n: number) => void)(dx, dy, y, n);
          for (let i = 0; i < n; i++) {
            expect(y[i]).toBeCloseTo(f(x[i]), 6);
            expect(dx[i]).toBeCloseTo(dy[i] * df(f(x[i]), x[i]), 6);
          }
        }
        const big = Float64Array.from([-1000, 1000, -50, 50]);
        const out = new Float64Array(4);
        K.sigmoid(out, big, 4);
        expect([...out].every(Number.isFinite)).toBe(true);
      });

      it(`per-channel moments, dot sums and scale-shift (BatchNormalization) in ${dtype}`, () => {
        // A mean far from 0 beside the spread (3 ± 2, and 10⁴ ± 10⁻²): a one-pass variance, or one
        // taken against a mean rounded to float32, loses digits there.
        for (const [rows, cols, shift, spread] of [
          [1, 1, 3, 2],
          [7, 3, 3, 2],
          [33, 16, 3, 2],
          [1000, 5, 3, 2],
          [64, 37, 3, 2],
          [2, 3, 1e4, 1e-2],
          [500, 6, 1e4, 1e-2],
        ]) {
          const x = rand(rows * cols, f32, 0.2, K);
          for (let i = 0; i < x.length; i++) x[i] = shift + spread * x[i];
          const dy = rand(rows * cols, f32, 0, K);
          const [mean, variance, sdy, sdyx, p, q, sh] = [0, 0, 0, 0, 0, 0, 0].map(() => rand(cols, f32, 0, K));
          K.colMoments(mean, variance, x, rows, cols);
          K.colDotSums(sdy, sdyx, dy, x, rows, cols);
          // The oracle in float64 over the values as stored (already rounded to the dtype).
          const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);
          for (let c = 0; c < cols; c++) {
            let m = 0;
            let d = 0;
            let e = 0;
            let scaleD = 0;
            let scaleE = 0;
            for (let r = 0; r < rows; r++) m += x[r * cols + c];
            m /= rows;
            let v = 0;
            for (let r = 0; r < rows; r++) v += (x[r * cols + c] - m) ** 2;
            v /= rows;
            for (let r = 0; r < rows; r++) {
              d += dy[r * cols + c];
              e += dy[r * cols + c] * x[r * cols + c];
              scaleD += Math.abs(dy[r * cols + c]);
              scaleE += Math.abs(dy[r * cols + c] * x[r * cols + c]);
            }
            const eps = f32 ? 2e-7 : 1e-15;
            expect(rel(mean[c], m)).toBeLessThan(eps);
            if (v > 0)
              expect(
                rel(variance[c], v),
                `variance of column ${c} (${rows}×${cols}, ${shift} ± ${spread})`,
              ).toBeLessThan(f32 ? 1e-6 : 1e-12);
            // Sums of terms of either sign: the error is relative to Σ |terms|.
            expect(Math.abs(sdy[c] - d) / scaleD).toBeLessThan(eps);
            expect(Math.abs(sdyx[c] - e) / scaleE).toBeLessThan(eps);
          }
          const out = rand(rows * cols, f32, 0, K);
          const tol = f32 ? 1e-6 : 1e-14;
          K.scaleShiftCols(out, x, p, null, null, sh, rows, cols);
          for (let i = 0; i < out.length; i++) {
            const [a, s] = [x[i] * p[i % cols], sh[i % cols]];
            expect(Math.abs(out[i] - (a + s)) / (Math.abs(a) + Math.abs(s))).toBeLessThan(tol);
          }
          K.scaleShiftCols(out, dy, p, x, q, sh, rows, cols);
          for (let i = 0; i < out.length; i++) {
            const [a, b, s] = [dy[i] * p[i % cols], x[i] * q[i % cols], sh[i % cols]];
            expect(Math.abs(out[i] - (a + b + s)) / (Math.abs(a) + Math.abs(b) + Math.abs(s))).toBeLessThan(tol);
          }
        }
      });

      it(`adamUpdate in ${dtype}`, () => {
        const n = 259;
        const [w, g, m, v] = [rand(n, f32, 0, K), rand(n, f32, 0.1, K), rand(n, f32, 0, K), rand(n, f32, 0, K)];
        for (let i = 0; i < n; i++) v[i] = Math.abs(v[i]); // a second moment is never negative
        const [w0, m0, v0] = [Float64Array.from(w), Float64Array.from(m), Float64Array.from(v)];
        K.adamUpdate(w, g, m, v, n, 0.01, 0.9, 0.999, 1e-7);
        for (let i = 0; i < n; i++) {
          const mi = m0[i] + (g[i] - m0[i]) * 0.1;
          const vi = v0[i] + (g[i] * g[i] - v0[i]) * 0.001;
          expect(m[i]).toBeCloseTo(mi, 6);
          expect(v[i]).toBeCloseTo(vi, 6);
          expect(w[i]).toBeCloseTo(w0[i] - (0.01 * mi) / (Math.sqrt(vi) + 1e-7), 5);
        }
      });

      it(`adamUpdate flushes m and v to zero below the least normal number, keeping NaN, in ${dtype}`, () => {
        // 9 weights: the SIMD part and the scalar tail. A zero gradient decays m by β1 and v by β2;
        // from just above the least normal number they fall below it and must come out 0, not subnormal.
        const tiny = f32 ? 2 ** -126 : 2 ** -1022;
        const n = 9;
        const [w, g, m, v] = [rand(n, f32, 0, K), rand(n, f32, 0, K), rand(n, f32, 0, K), rand(n, f32, 0, K)];
        g.fill(0);
        w.fill(1);
        m.set([tiny, 2 * tiny, Number.NaN, 1e-3, tiny, -tiny, Number.NaN, 0.5, -tiny]);
        v.set([1e-6, tiny, 1e-6, tiny * 1.0005, 1e-6, tiny, 1e-6, 1e-6, tiny]);
        K.adamUpdate(w, g, m, v, n, 0.01, 0.9, 0.999, 1e-7);
        // 2·tiny·0.9 and 1e-3·0.9 stay normal; tiny·1.0005·0.999 falls below tiny.
        expect([...m].map((x) => (Number.isNaN(x) ? 'NaN' : x === 0 ? 0 : Math.sign(x)))).toEqual([
          0,
          1,
          'NaN',
          1,
          0,
          0,
          'NaN',
          1,
          0,
        ]);
        expect([...v].map((x) => (x === 0 ? 0 : 1))).toEqual([1, 0, 1, 0, 1, 0, 1, 1, 0]);
        for (const x of [...m, ...v]) if (x !== 0 && !Number.isNaN(x)) expect(Math.abs(x)).toBeGreaterThanOrEqual(tiny);
        expect(Number.isNaN(w[2]) && Number.isNaN(w[6])).toBe(true);
      });

      it(`relu propagates NaN (as TensorFlow) and keeps −0 out, in ${dtype}`, () => {
        const x = rand(6, f32, 0, K);
        x.set([Number.NaN, -0, 2, -3, Number.NaN, 5]); // NaN in the SIMD part and in the scalar tail
        const y = rand(6, f32, 0, K);
        K.relu(y, x, 6);
        expect([...y]).toEqual([Number.NaN, 0, 2, 0, Number.NaN, 5]);
        expect(Object.is(y[1], -0)).toBe(false);
      });

      it(`im2col, col2im, maxPool and its backward in ${dtype}, over strides, paddings and odd sizes`, () => {
        const geos: WindowGeometry[] = [];
        for (const [H, W, C, kh, kw, sh, sw, pt, pl] of [
          [6, 7, 1, 3, 3, 1, 1, 0, 0],
          [5, 5, 3, 3, 3, 2, 2, 1, 1],
          [7, 6, 8, 2, 3, 2, 1, 0, 1],
          [4, 4, 5, 4, 4, 3, 3, 1, 2],
          [5, 3, 32, 2, 2, 2, 2, 0, 0],
          [7, 7, 1, 2, 2, 2, 2, 0, 0], // the last windows short of the image's last row and column
          // windows that tile the image, channels in fours, with a last row and column that no
          // window reaches (7, 11 from 3×3)
          [6, 6, 4, 2, 2, 2, 2, 0, 0],
          [7, 11, 8, 3, 3, 3, 3, 0, 0],
          [4, 9, 12, 1, 3, 1, 3, 0, 0],
        ]) {
          const outH = Math.floor((H + 2 * pt - kh) / sh) + 1;
          const outW = Math.floor((W + 2 * pl - kw) / sw) + 1;
          geos.push({
            batch: 3,
            height: H,
            width: W,
            channels: C,
            kh,
            kw,
            sh,
            sw,
            padTop: pt,
            padLeft: pl,
            outH,
            outW,
          });
        }
        for (const g of geos) {
          const { batch: B, height: H, width: W, channels: C, kh, kw, outH, outW } = g;
          const nx = B * H * W * C;
          const rows = B * outH * outW;
          const depth = kh * kw * C;
          const x = rand(nx, f32, 0, K);
          for (let i = 0; i < nx; i++) x[i] += i * 1e-3; // no ties within a window
          const at = (b: number, ih: number, iw: number, c: number) => ((b * H + ih) * W + iw) * C + c;
          const inside = (ih: number, iw: number) => ih >= 0 && ih < H && iw >= 0 && iw < W;
          // Four floats past the rows, which im2col must leave alone (its last runs are its own).
          const cols = rand(rows * depth + 4, f32, 0, K);
          const tail = [...cols.subarray(rows * depth)];
          K.im2col(cols, x, g);
          expect([...cols.subarray(rows * depth)]).toEqual(tail);
          let r = 0;
          for (let b = 0; b < B; b++)
            for (let oh = 0; oh < outH; oh++)
              for (let ow = 0; ow < outW; ow++, r++) {
                for (let i = 0; i < kh; i++)
                  for (let j = 0; j < kw; j++)
                    for (let c = 0; c < C; c++) {
                      const ih = oh * g.sh - g.padTop + i;
                      const iw = ow * g.sw - g.padLeft + j;
                      expect(cols[r * depth + (i * kw + j) * C + c]).toBe(inside(ih, iw) ? x[at(b, ih, iw, c)] : 0);
                    }
              }
          // col2im is im2col's adjoint: <im2col(x), d> = <x, col2im(d)>
          const d = rand(rows * depth, f32, 0, K);
          const dx = rand(nx, f32, 0, K);
          K.col2im(dx, d, g);
          let lhs = 0;
          let rhs = 0;
          for (let i = 0; i < rows * depth; i++) lhs += cols[i] * d[i];
          for (let i = 0; i < nx; i++) rhs += x[i] * dx[i];
          expect(Math.abs(lhs - rhs) / (1 + Math.abs(lhs))).toBeLessThan(f32 ? 1e-4 : 1e-12);
          // max pooling over the window positions inside the image
          const ny = rows * C;
          const y = rand(ny, f32, 0, K);
          const arg = K.allocIndex(ny);
          K.maxPool(y, arg, x, g);
          let o = 0;
          for (let b = 0; b < B; b++)
            for (let oh = 0; oh < outH; oh++)
              for (let ow = 0; ow < outW; ow++)
                for (let c = 0; c < C; c++, o++) {
                  let best = -Infinity;
                  let where = -1;
                  for (let i = 0; i < kh; i++)
                    for (let j = 0; j < kw; j++) {
                      const ih = oh * g.sh - g.padTop + i;
                      const iw = ow * g.sw - g.padLeft + j;
                      if (inside(ih, iw) && x[at(b, ih, iw, c)] > best) {
                        best = x[at(b, ih, iw, c)];
                        where = at(b, ih, iw, c);
                      }
                    }
                  expect(y[o]).toBe(best);
                  expect(arg[o]).toBe(where);
                }
          const dy = rand(ny, f32, 0, K);
          const dxp = rand(nx, f32, 0, K);
          K.maxPoolBackward(dxp, dy, arg, g);
          const ref = new Float64Array(nx);
          for (let i = 0; i < ny; i++) ref[arg[i]] += dy[i];
          for (let i = 0; i < nx; i++) expect(dxp[i]).toBeCloseTo(ref[i], 5);
        }
      });

      it(`maxPool and its backward give the reference's bits with ties, NaN and −0, in ${dtype}`, () => {
        // Ties take the window's first position, a NaN first stays, a later NaN is passed over; dx
        // is the sum of dy into zeros (so +0 for a −0). Tiling windows and overlapping ones.
        for (const [H, W, C, k, s] of [
          [4, 6, 8, 2, 2],
          [5, 5, 4, 2, 1],
          [7, 7, 4, 3, 3],
        ]) {
          const outH = Math.floor((H - k) / s) + 1;
          const outW = Math.floor((W - k) / s) + 1;
          const g: WindowGeometry = {
            batch: 2,
            height: H,
            width: W,
            channels: C,
            kh: k,
            kw: k,
            sh: s,
            sw: s,
            padTop: 0,
            padLeft: 0,
            outH,
            outW,
          };
          const nx = 2 * H * W * C;
          const ny = 2 * outH * outW * C;
          const x = rand(nx, f32, 0, K);
          for (let i = 0; i < nx; i++) x[i] = [Number.NaN, 1, 1, -0, 0, 2, -1][Math.floor(rng.next() * 7)];
          const dy = rand(ny, f32, 0, K);
          for (let i = 0; i < ny; i++) dy[i] = [-0, 1.5, Number.NaN, -2][i % 4];
          const want = {
            y: new (f32 ? Float32Array : Float64Array)(ny),
            arg: new Int32Array(ny),
            dx: new (f32 ? Float32Array : Float64Array)(nx),
          };
          jsKernels.maxPool(want.y, want.arg, x, g);
          jsKernels.maxPoolBackward(want.dx, dy, want.arg, g);
          const [y, arg, dx] = [rand(ny, f32, 0, K), K.allocIndex(ny), rand(nx, f32, 0, K)];
          K.maxPool(y, arg, x, g);
          K.maxPoolBackward(dx, dy, arg, g);
          expect([...arg]).toEqual([...want.arg]);
          for (let i = 0; i < ny; i++) expect(Object.is(y[i], want.y[i]), `y[${i}]`).toBe(true);
          for (let i = 0; i < nx; i++)
            expect(Object.is(dx[i], want.dx[i]), `dx[${i}]: ${dx[i]} against ${want.dx[i]}`).toBe(true);
        }
      });

      it(`conv2d and conv2dBackward in ${dtype} against the sums over windows, over strides, paddings, odd sizes and batches across chunks`, () => {
        for (const [B, H, W, C, kh, kw, sh, sw, pt, pl, F] of [
          [3, 6, 7, 1, 3, 3, 1, 1, 0, 0, 8],
          [17, 5, 5, 3, 3, 3, 2, 2, 1, 1, 5],
          [2, 7, 6, 8, 2, 3, 2, 1, 0, 1, 33],
          [35, 4, 4, 2, 4, 4, 3, 3, 1, 2, 4],
          [1, 9, 9, 1, 3, 3, 1, 1, 1, 1, 32],
          // 3×3, stride 1, channels and filters in fours: the wasm backend goes by Winograd (forward,
          // dw, and dx where the filters are 8 or more: tutorial 002's second convolution; 'same' over
          // odd sizes; uneven paddings across chunks; paddings of 2, so dx's are 0).
          [3, 13, 13, 32, 3, 3, 1, 1, 0, 0, 64],
          [2, 7, 8, 8, 3, 3, 1, 1, 1, 1, 12],
          [19, 5, 6, 16, 3, 3, 1, 1, 0, 1, 4],
          [2, 5, 4, 8, 3, 3, 1, 1, 2, 2, 8],
          // dx by Winograd with uneven paddings (dx's: 2 and 0), across chunks, 12 channels (a half panel).
          [17, 6, 5, 12, 3, 3, 1, 1, 0, 2, 8],
          [2, 6, 6, 12, 3, 3, 1, 1, 1, 1, 12],
          // 1×1 outputs: the windows' way (Winograd would spend 16 multiply-adds for 9).
          [3, 3, 3, 8, 3, 3, 1, 1, 0, 0, 8],
        ]) {
          const outH = Math.floor((H + 2 * pt - kh) / sh) + 1;
          const outW = Math.floor((W + 2 * pl - kw) / sw) + 1;
          const g: WindowGeometry = {
            batch: B,
            height: H,
            width: W,
            channels: C,
            kh,
            kw,
            sh,
            sw,
            padTop: pt,
            padLeft: pl,
            outH,
            outW,
          };
          const depth = kh * kw * C;
          const rows = B * outH * outW;
          const nx = B * H * W * C;
          const x = rand(nx, f32, 0, K);
          const w = rand(depth * F, f32, 0, K);
          const b = rand(F, f32, 0, K);
          const dy = rand(rows * F, f32, 0, K);
          const mask = rand(rows * F, f32, 0.2, K);
          // Each (output, window position) pair once, as the definition sums them.
          const pairs = (visit: (r: number, t: number, xi: number) => void) => {
            let r = 0;
            for (let s = 0; s < B; s++)
              for (let oh = 0; oh < outH; oh++)
                for (let ow = 0; ow < outW; ow++, r++) {
                  for (let i = 0; i < kh; i++)
                    for (let j = 0; j < kw; j++)
                      for (let c = 0; c < C; c++) {
                        const ih = oh * sh - pt + i;
                        const iw = ow * sw - pl + j;
                        if (ih >= 0 && ih < H && iw >= 0 && iw < W)
                          visit(r, (i * kw + j) * C + c, ((s * H + ih) * W + iw) * C + c);
                      }
                }
          };
          const z = rand(rows * F, f32, 0, K);
          for (const bias of [b, null])
            for (const relu of [false, true]) {
              K.conv2d(z, x, w, bias, g, F, relu);
              const zr = new Float64Array(rows * F);
              for (let r = 0; r < rows; r++) for (let f = 0; f < F; f++) zr[r * F + f] = bias ? bias[f] : 0;
              pairs((r, t, xi) => {
                for (let f = 0; f < F; f++) zr[r * F + f] += x[xi] * w[t * F + f];
              });
              if (relu) zr.forEach((v, i) => (zr[i] = Math.max(v, 0)));
              expect(maxErr(z, zr)).toBeLessThan(tol(depth));
            }
          for (const m of [mask, null]) {
            const dz = Float64Array.from(dy, (v, i) => (m && !(m[i] > 0) ? 0 : v));
            const dwr = new Float64Array(depth * F);
            const dbr = new Float64Array(F);
            const dxr = new Float64Array(nx);
            for (let r = 0; r < rows; r++) for (let f = 0; f < F; f++) dbr[f] += dz[r * F + f];
            pairs((r, t, xi) => {
              for (let f = 0; f < F; f++) {
                dwr[t * F + f] += x[xi] * dz[r * F + f];
                dxr[xi] += w[t * F + f] * dz[r * F + f];
              }
            });
            const dw = rand(depth * F, f32, 0, K);
            const db = rand(F, f32, 0, K);
            const dx = rand(nx, f32, 0, K);
            K.conv2dBackward(dx, dw, db, dy, m, x, w, g, F);
            expect(maxErr(dw, dwr)).toBeLessThan(tol(rows));
            expect(maxErr(db, dbr)).toBeLessThan(tol(rows));
            expect(maxErr(dx, dxr)).toBeLessThan(tol(F * kh * kw));
            // Each gradient alone, the others absent, comes out the same.
            const one = rand(Math.max(depth * F, nx), f32, 0, K);
            K.conv2dBackward(null, one, null, dy, m, x, w, g, F);
            expect([...one.subarray(0, depth * F)]).toEqual([...dw]);
            K.conv2dBackward(null, null, one, dy, m, x, w, g, F);
            expect([...one.subarray(0, F)]).toEqual([...db]);
            K.conv2dBackward(one, null, null, dy, m, x, w, g, F);
            expect([...one.subarray(0, nx)]).toEqual([...dx]);
          }
        }
      });

      it(`affineResample in ${dtype}: a 90° rotation, integer shifts and the identity exactly, in every fill mode and interpolation`, () => {
        const n = 5;
        for (const C of [1, 3])
          for (const fillMode of FILL_MODES)
            for (const interpolation of INTERPOLATIONS) {
              const g: ResampleGeometry = {
                batch: 3,
                height: n,
                width: n,
                channels: C,
                fillMode,
                interpolation,
                fillValue: -7,
              };
              const size = 3 * n * n * C;
              const x = rand(size, f32, 0, K);
              const y = rand(size, f32, 0, K);
              const at = (b: number, r: number, c: number, ch: number) => ((b * n + r) * n + c) * C + ch;
              // sample 0: the identity (RandomZoom's zoom 0, a translation by 0); sample 1: a quarter
              // turn, output (i, j) reading input (j, n − 1 − i); sample 2: a shift by 2 rows down and 1
              // column left, output (i, j) reading input (i − 2, j + 1)
              const t = Float64Array.from([1, 0, 0, 0, 1, 0, 0, -1, n - 1, 1, 0, 0, 1, 0, 1, 0, 1, -2]);
              K.affineResample(y, x, t, g);
              const fold = (i: number) =>
                fillMode === 'wrap'
                  ? (i + n) % n
                  : fillMode === 'reflect'
                    ? i < 0
                      ? -1 - i
                      : i >= n
                        ? 2 * n - 1 - i
                        : i
                    : Math.min(n - 1, Math.max(0, i));
              for (let i = 0; i < n; i++)
                for (let j = 0; j < n; j++)
                  for (let ch = 0; ch < C; ch++) {
                    expect(y[at(0, i, j, ch)]).toBe(x[at(0, i, j, ch)]);
                    expect(y[at(1, i, j, ch)]).toBe(x[at(1, j, n - 1 - i, ch)]);
                    const [r, c] = [i - 2, j + 1];
                    const outside = r < 0 || c >= n;
                    expect(y[at(2, i, j, ch)]).toBe(
                      outside && fillMode === 'constant' ? -7 : x[at(2, fold(r), fold(c), ch)],
                    );
                  }
            }
      });

      it(`affineResample in ${dtype} against an independent oracle, and its backward as its transpose, over random transforms`, () => {
        for (const [H, W, C] of [
          [5, 7, 1],
          [6, 6, 3],
          [4, 9, 5],
          [1, 3, 2],
          [7, 2, 4],
        ])
          for (const fillMode of FILL_MODES)
            for (const interpolation of INTERPOLATIONS) {
              const B = 3;
              const g: ResampleGeometry = {
                batch: B,
                height: H,
                width: W,
                channels: C,
                fillMode,
                interpolation,
                fillValue: 0.25,
              };
              // rotations, scales up to 3 and shifts up to two image sizes: points far outside the image,
              // folded more than once
              const t = new Float64Array(6 * B);
              for (let b = 0; b < B; b++) {
                const th = rng.uniform(-Math.PI, Math.PI);
                const s = rng.uniform(0.3, 3);
                t.set(
                  [
                    s * Math.cos(th),
                    -s * Math.sin(th),
                    rng.uniform(-2, 2) * W,
                    s * Math.sin(th),
                    s * Math.cos(th),
                    rng.uniform(-2, 2) * H,
                  ],
                  6 * b,
                );
              }
              const n = B * H * W * C;
              const foreign = H % 2 === 1; // operands from outside the backend's memory for odd heights
              const x = rand(n, f32, 0, K, foreign);
              const y = rand(n, f32, 0, K, foreign);
              K.affineResample(y, x, t, g);
              expect(maxErr(y, resampleOracle(x, t, g)), `${H}×${W}×${C} ${fillMode} ${interpolation}`).toBeLessThan(
                f32 ? 1e-6 : 1e-13,
              );
              if (K !== jsKernels) {
                // the same arithmetic as the reference, in the same order: the same bits
                const ref = rand(n, f32, 0);
                jsKernels.affineResample(ref, x, t, g);
                expect(Array.from(y)).toEqual(Array.from(ref));
              }
              // <L x, d> = <x, Lᵀ d>, L the linear part (the resampling of x less that of zeros, which is
              // the fill value's share)
              const zero = K.alloc(n, f32 ? 'float32' : 'float64');
              const y0 = rand(n, f32, 0, K);
              K.affineResample(y0, zero, t, g);
              const d = rand(n, f32, 0, K, foreign);
              const dx = rand(n, f32, 0, K, !foreign);
              K.affineResampleBackward(dx, d, t, g);
              let lhs = 0;
              let rhs = 0;
              for (let i = 0; i < n; i++) {
                lhs += (y[i] - y0[i]) * d[i];
                rhs += x[i] * dx[i];
              }
              expect(
                Math.abs(lhs - rhs) / (1 + Math.abs(lhs)),
                `${H}×${W}×${C} ${fillMode} ${interpolation}`,
              ).toBeLessThan(f32 ? 1e-5 : 1e-12);
              if (K !== jsKernels) {
                const ref = rand(n, f32, 0);
                jsKernels.affineResampleBackward(ref, d, t, g);
                expect(Array.from(dx)).toEqual(Array.from(ref));
              }
            }
      });

      it(`affineResample in ${dtype} with points beyond ±2³⁰ pixels (the saturating conversions), beside near ones, as the reference`, () => {
        // The wasm kernels convert with a trapping instruction when every point of the call is within
        // ±2³⁰ and a saturating one otherwise: a sample shifted by 10¹⁰ columns and one by −10¹² rows
        // send this call the second way, which must not trap. Constant fill and the nearest pixel:
        // the modes whose far points the reference and the kernels read alike (wrap and reflect fold
        // 10¹⁰ in doubles in the reference, clamped to 2³¹ − 1 in the kernels).
        const [B, H, W, C] = [3, 6, 5, 2];
        const t = Float64Array.from([0.8, -0.6, 1.5, 0.6, 0.8, -0.5, 1, 0, 1e10, 0, 1, 0, 1.2, 0, 0, 0, 1.2, -1e12]);
        for (const [fillMode, interpolation] of [
          ['constant', 'bilinear'],
          ['constant', 'nearest'],
          ['nearest', 'nearest'],
        ] as const) {
          const g: ResampleGeometry = {
            batch: B,
            height: H,
            width: W,
            channels: C,
            fillMode,
            interpolation,
            fillValue: 0.25,
          };
          const n = B * H * W * C;
          const x = rand(n, f32, 0, K);
          const y = rand(n, f32, 0, K);
          K.affineResample(y, x, t, g);
          const ref = rand(n, f32, 0);
          jsKernels.affineResample(ref, x, t, g);
          expect(Array.from(y), `${fillMode} ${interpolation}`).toEqual(Array.from(ref));
          const dx = rand(n, f32, 0, K);
          K.affineResampleBackward(dx, y, t, g);
          const dref = rand(n, f32, 0);
          jsKernels.affineResampleBackward(dref, y, t, g);
          expect(Array.from(dx), `${fillMode} ${interpolation} backward`).toEqual(Array.from(dref));
        }
      });

      it(`softmax, its backward and argmax in ${dtype}`, () => {
        for (const rows of SIZES)
          for (const cols of [1, 2, 10, 33]) {
            const x = rand(rows * cols, f32, 0, K);
            const y = rand(rows * cols, f32, 0, K);
            K.softmax(y, x, rows, cols);
            const dy = rand(rows * cols, f32, 0, K);
            const dx = rand(rows * cols, f32, 0, K);
            K.softmaxBackward(dx, dy, y, rows, cols);
            const am = new Int32Array(rows);
            K.argmax(am, x, rows, cols);
            for (let r = 0; r < rows; r++) {
              const o = r * cols;
              const e = Array.from({ length: cols }, (_, c) => Math.exp(x[o + c]));
              const sum = e.reduce((a, b) => a + b, 0);
              const p = e.map((v) => v / sum);
              let best = 0;
              for (let c = 0; c < cols; c++) {
                expect(y[o + c]).toBeCloseTo(p[c], 6);
                if (x[o + c] > x[o + best]) best = c;
                // Jacobian-vector product: dx_c = Σ_j dy_j ∂p_j/∂x_c = p_c(dy_c − Σ_j dy_j p_j)
                const dot = p.reduce((s, pj, j) => s + pj * dy[o + j], 0);
                expect(dx[o + c]).toBeCloseTo(p[c] * (dy[o + c] - dot), 6);
              }
              expect(am[r]).toBe(best);
            }
          }
        const huge = Float64Array.from([1e4, -1e4, 0]);
        const p = new Float64Array(3);
        K.softmax(p, huge, 1, 3);
        expect([...p]).toEqual([1, 0, 0]);
      });
    }
  });
}

describe('conv2d and conv2dBackward across threads', () => {
  // The weight gradients sum each chunk of 8 samples, then the chunks in order: the same bits on
  // every thread count (per path: the fused multiply-adds round differently). A batch of one chunk
  // (5, 1) goes, on more than one thread, through the products over the whole batch, split by rows
  // (and so does the forward pass of fewer samples than threads, 1), or by Winograd split by
  // samples, with dw by the chunk's kernel on one thread: the same sums in the same order.
  // With 8 channels the forward pass goes by Winograd (a sample at a time, any batch: the same sums on any thread).
  it.each([
    [37, 2],
    [5, 2],
    [1, 2],
    [37, 8],
    [1, 8],
  ])('gives the same bits on 1, 2 and 3 or 4 threads, with and without FMA (batch %i, %i channels)', (B, C) => {
    const g: WindowGeometry = {
      batch: B,
      height: 8,
      width: 8,
      channels: C,
      kh: 3,
      kw: 3,
      sh: 1,
      sw: 1,
      padTop: 1,
      padLeft: 1,
      outH: 8,
      outW: 8,
    };
    const F = 12;
    const src = [
      rand(B * 64 * C, true),
      rand(9 * C * F, true),
      rand(B * 64 * F, true),
      rand(B * 64 * F, true, 0.3),
      rand(F, true),
    ];
    for (const group of [
      [wasm1, wasm2, wasm3],
      [wasm1NoFma, wasm2NoFma, wasm4NoFma],
    ]) {
      const results = group.map((K) => {
        const [x, w, dy, mask, b] = src.map((a) => {
          const c = K.alloc(a.length, 'float32');
          c.set(a);
          return c;
        });
        const [dx, dw, db, z] = [
          K.alloc(x.length, 'float32'),
          K.alloc(w.length, 'float32'),
          K.alloc(F, 'float32'),
          K.alloc(dy.length, 'float32'),
        ];
        K.conv2d(z, x, w, b, g, F, true);
        K.conv2dBackward(dx, dw, db, dy, mask, x, w, g, F);
        return [...z, ...dx, ...dw, ...db];
      });
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    }
  });
});
