/**
 * Statistics of a plane's values in [0, 1], each in linear time from a histogram (no sort): a
 * quantile, Otsu's threshold, and the value that half the pixels or more have exactly (the paper of
 * a clean picture). The photo pipeline (../preprocess.ts) takes its levels from these.
 */

/** A histogram of values in [0, 1] (clamped), `bins` wide. */
function histogram(values: Float32Array, bins: number): Float64Array {
  const hist = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) hist[Math.min(bins - 1, Math.max(0, Math.floor(values[i] * bins)))]++;
  return hist;
}

/** The q-quantile (0–1) of values in [0, 1], to 1/1024 (from a histogram: linear time, no sort). */
export function quantile(values: Float32Array, q: number): number {
  const bins = 1024;
  const hist = histogram(values, bins);
  let seen = 0;
  for (let b = 0; b < bins; b++) {
    seen += hist[b];
    if (seen > q * values.length) return (b + 0.5) / bins;
  }
  return 1;
}

/**
 * Otsu's threshold of values in [0, 1]: the level that splits their histogram (256 bins) into the
 * two classes with the greatest between-class variance. Values at or above it are the upper class.
 */
export function otsu(values: Float32Array): number {
  const bins = 256;
  const hist = histogram(values, bins);
  let total = 0;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) {
    total += hist[b];
    sumAll += b * hist[b];
  }
  let below = 0;
  let sumBelow = 0;
  let best = 0;
  let bestVar = -1;
  for (let b = 0; b < bins - 1; b++) {
    below += hist[b];
    sumBelow += b * hist[b];
    const above = total - below;
    if (below === 0 || above === 0) continue;
    const between = below * above * (sumBelow / below - (sumAll - sumBelow) / above) ** 2;
    if (between > bestVar) {
      bestVar = between;
      best = b;
    }
  }
  return (best + 1) / bins;
}

/**
 * The value that half the pixels or more have exactly, if any (Boyer–Moore's majority vote, then
 * a count): the paper of a clean picture (MNIST's black, a drawing's white canvas). A photo's paper
 * is never exactly uniform.
 */
export function uniformPaper(v: Float32Array): number | undefined {
  let candidate = v[0];
  let votes = 0;
  for (let i = 0; i < v.length; i++) {
    if (votes === 0) candidate = v[i];
    votes += v[i] === candidate ? 1 : -1;
  }
  let count = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === candidate) count++;
  return count >= v.length / 2 ? candidate : undefined;
}
