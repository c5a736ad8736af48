/**
 * The kernels' transforms for Winograd's F(2×2, 3×3) (winograd-wat.ts, which says why and how):
 * U = G g Gᵀ, a 4×4 for each 3×3 kernel g of channel c and filter f, with
 *   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
 * written as gemm_n's packed B for each of the 16 positions ξ = 4i + j: U_ξ [C, F] in panels of
 * `panel` filters (panel q holds row c at (q·C + c)·panel, zero past F), one ξ after another.
 * Once a call, on the calling thread: C·F·16 values, against the call's B·T·16·C·F multiply-adds.
 */

/** Floats of the packed transforms of C channels and F filters (all 16 positions). */
export function winogradKernelsSize(C: number, F: number, panel: number): number {
  return 16 * Math.ceil(F / panel) * panel * C;
}

/**
 * up ← the packed transforms of w [3, 3, C, F] (see above), or (turned) of w [3, 3, F, C] turned by
 * 180° with its channels and filters swapped: the kernels of a convolution's dx, whose C channels are
 * the forward pass's filters and whose F filters its channels. up has winogradKernelsSize(C, F, panel) floats.
 */
export function winogradKernels(up: Float32Array, w: Float32Array, C: number, F: number, panel: number, turned = false): void {
  const per = up.length / 16; // floats of one U_ξ
  up.fill(0);
  const g = new Float64Array(9);
  const t = new Float64Array(12); // G g: 4 rows of 3
  // Tap k of channel c, filter f is at w[k·ks + c·cs + f·fs] (turned: tap 8 − k, channels and filters swapped).
  const [ks, cs, fs] = turned ? [-F * C, 1, C] : [C * F, F, 1];
  const origin = turned ? 8 * F * C : 0;
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < F; f++) {
      const o = origin + c * cs + f * fs;
      for (let k = 0; k < 9; k++) g[k] = w[o + k * ks];
      for (let b = 0; b < 3; b++) {
        const g0 = g[b];
        const g1 = g[3 + b];
        const g2 = g[6 + b];
        t[b] = g0;
        t[3 + b] = (g0 + g1 + g2) / 2;
        t[6 + b] = (g0 - g1 + g2) / 2;
        t[9 + b] = g2;
      }
      const at = (Math.floor(f / panel) * C + c) * panel + (f % panel);
      for (let i = 0; i < 4; i++) {
        const t0 = t[3 * i];
        const t1 = t[3 * i + 1];
        const t2 = t[3 * i + 2];
        const u = at + 4 * i * per;
        up[u] = t0;
        up[u + per] = (t0 + t1 + t2) / 2;
        up[u + 2 * per] = (t0 - t1 + t2) / 2;
        up[u + 3 * per] = t2;
      }
    }
  }
}
