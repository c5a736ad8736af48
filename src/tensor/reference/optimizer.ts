/**
 * The reference's optimizer update: one Adam step over n weights w with gradients g, moments m, v,
 * all [n], in place (Keras's rule):
 *
 *   m ← m + (g − m)(1 − β1);  v ← v + (g² − v)(1 − β2);  w ← w − α·m / (√v + ε)
 *
 * where α is the bias-corrected learning rate, and m and v are flushed to zero below the least
 * normal number of their precision (see leastNormal in ./operands.ts).
 */
import { leastNormal, type FloatArray } from './operands.js';

/** One Adam step over n weights, in place in w, m and v (see this file's header for the rule). */
export function adamUpdate(
  w: FloatArray,
  g: FloatArray,
  m: FloatArray,
  v: FloatArray,
  n: number,
  alpha: number,
  beta1: number,
  beta2: number,
  epsilon: number,
): void {
  const tiny = leastNormal(m);
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    m[i] += (gi - m[i]) * (1 - beta1);
    v[i] += (gi * gi - v[i]) * (1 - beta2);
    if (Math.abs(m[i]) < tiny) m[i] = 0;
    if (Math.abs(v[i]) < tiny) v[i] = 0;
    w[i] -= (alpha * m[i]) / (Math.sqrt(v[i]) + epsilon);
  }
}
