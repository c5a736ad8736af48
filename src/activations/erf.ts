/**
 * The error function and its complement in float64 (JavaScript's Math has neither), for GELU.
 *
 * W. J. Cody, "Rational Chebyshev approximations for the error function", Mathematics of
 * Computation 23 (1969) 631–637, as in his SPECFUN routine CALERF (netlib.org/specfun/erf): three
 * rational approximations, each good to about 1e-16 relative on its interval.
 *
 *   |x| ≤ 0.46875       erf(x)  = x · A(x²) / B(x²)
 *   0.46875 < y ≤ 4     erfc(y) = e^(−y²) · C(y) / D(y)
 *   y > 4               erfc(y) = e^(−y²) / y · (1/√π − z · P(z) / Q(z)),  z = 1/y²
 *
 * and erfc(−y) = 2 − erfc(y). Far from 0 erfc is computed directly, not as 1 − erf, so it keeps its
 * relative accuracy in the tail (GELU's x·Φ(x) for very negative x needs that). e^(−y²) is taken as
 * e^(−s²) · e^(−(y − s)(y + s)) with s = y rounded down to a 1/16, whose square is exact: y² itself
 * would carry a rounding error that e^(−y²) multiplies by y².
 */

// Coefficients as Cody published them, each written as the double it rounds to (the same value, fewer digits).
const A = [3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.185777706184603153];
const B = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171];
const C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769, 1712.0476126340707,
  2051.0783778260716, 1230.3393547979972, 2.1531153547440383e-8,
];
const D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597, 4362.619090143247,
  3439.3676741437216, 1230.3393548037495,
];
const P = [
  0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378,
  0.016315387137302097,
];
const Q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.0605183413124413191, 0.0023352049762686918];
/** 1/√π. */
const SQRPI = 0.5641895835477563;
/** Where the first approximation ends. */
const THRESH = 0.46875;
/** erfc(y) underflows to 0 from here on. */
const XBIG = 26.543;

/** erf(x) for |x| ≤ THRESH (and NaN, which it returns). */
function erfSmall(x: number): number {
  const t = x * x;
  let num = A[4] * t;
  let den = t;
  for (let i = 0; i < 3; i++) {
    num = (num + A[i]) * t;
    den = (den + B[i]) * t;
  }
  return (x * (num + A[3])) / (den + B[3]);
}

/** erfc(y) for y > THRESH. */
function erfcTail(y: number): number {
  let r: number;
  if (y <= 4) {
    let num = C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]) * y;
      den = (den + D[i]) * y;
    }
    r = (num + C[7]) / (den + D[7]);
  } else {
    if (y >= XBIG) return 0;
    const z = 1 / (y * y);
    let num = P[5] * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + P[i]) * z;
      den = (den + Q[i]) * z;
    }
    r = (SQRPI - (z * (num + P[4])) / (den + Q[4])) / y;
  }
  const s = Math.trunc(16 * y) / 16;
  return Math.exp(-s * s) * Math.exp(-(y - s) * (y + s)) * r;
}

/**
 * The error function, erf(x) = 2/√π ∫₀ˣ e^(−t²) dt; NaN for NaN, ±1 for ±Infinity.
 *
 * @example
 * ```ts
 * erf(1); // 0.8427007929497148
 * ```
 */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (!(y > THRESH)) return erfSmall(x); // NaN goes here and stays NaN
  const r = erfcTail(y);
  return x < 0 ? r - 1 : 1 - r;
}

/**
 * The complementary error function, erfc(x) = 1 − erf(x), accurate where it is tiny (large x).
 *
 * @example
 * ```ts
 * erfc(5); // 1.537459794428035e-12, without the cancellation of 1 − erf(5)
 * ```
 */
export function erfc(x: number): number {
  const y = Math.abs(x);
  if (!(y > THRESH)) return 1 - erfSmall(x);
  const r = erfcTail(y);
  return x < 0 ? 2 - r : r;
}
