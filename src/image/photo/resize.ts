/**
 * The separable resize of a single-channel image [h, w] to [nh, nw] that scales a cropped digit to
 * fit MNIST's 20×20 box: area averaging (a box filter) when shrinking, bilinear when enlarging, so
 * that strokes come out anti-aliased.
 */

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
export function resize(src: Float32Array, w: number, h: number, nw: number, nh: number): Float32Array {
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
