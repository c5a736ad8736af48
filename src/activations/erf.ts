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

// Coefficients as Cody published them (more digits than a double holds).
const A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909, 1712.04761263407058, 2051.07837782607147,
  1230.33935479799725, 2.15311535474403846e-8,
];
const D = [15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942];
const P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
const Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
/** 1/√π. */
const SQRPI = 0.56418958354775628695;
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
