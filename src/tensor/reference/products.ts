/**
 * The reference's matrix products, row-major, each C [m, n] overwritten:
 *
 *   matmul:   C[m,n] = A[m,k] · B[k,n]
 *   matmulNT: C[m,n] = A[m,k] · B[n,k]ᵀ
 *   matmulTN: C[m,n] = A[k,m]ᵀ · B[k,n]
 *
 * matmul and matmulTN skip the zeros of A (most MNIST pixels and ReLU outputs are zero), so 0·∞ and
 * 0·NaN count as 0 there (see ../kernels.ts). The wasm backend's products (gemm) match these.
 */
import type { FloatArray } from './operands.js';

/** C[m,n] = A[m,k] · B[k,n]. Loop order i-p-j: the inner loop walks rows of B and C contiguously. */
export function matmul(c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): void {
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
}

/** C[m,n] = A[m,k] · B[n,k]ᵀ: each C element is a dot product of a row of A and a row of B, both contiguous. */
export function matmulNT(c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
      c[i * n + j] = s;
    }
  }
}

/** C[m,n] = A[k,m]ᵀ · B[k,n]. Loop order p-i-j: A's row p and B's row p are read once each per p. */
export function matmulTN(c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): void {
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
}
