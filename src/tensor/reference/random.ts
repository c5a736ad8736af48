/**
 * The reference's random kernel: a Bernoulli mask (Dropout's), drawn with xoshiro128**, Rng's
 * generator (../random.ts), from its four words of state:
 *
 *   out[i] = value if the i-th draw / 2³² < p, else 0, for i < n; state is left n draws on.
 */
import type { FloatArray } from './operands.js';

/**
 * out[i] = value where the i-th draw of xoshiro128** from `state` (four words) is below p·2³² (as Rng's
 * `next() < p`), else 0, for i < n; `state` is left n draws on.
 */
export function bernoulli(out: FloatArray, n: number, p: number, value: number, state: Uint32Array): void {
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
}
