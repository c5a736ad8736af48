/**
 * The geometry of a sliding window over NHWC images, shared by Conv2D and the poolings, with
 * TensorFlow's padding rules: 'valid' keeps windows inside the image, out = ⌊(in − k)/s⌋ + 1;
 * 'same' gives out = ⌈in/s⌉ and pads max((out − 1)·s + k − in, 0), the smaller half above/left.
 */
import { ShapeError, ValueError, formatShape } from '../errors.js';
import type { WindowGeometry } from '../tensor/kernels.js';
import type { LayerConfig } from './layer.js';
import type { Json, Require } from './registry.js';

export type Padding = 'valid' | 'same';

/**
 * A size given as n or [h, w], checked to be positive integers.
 *
 * @example
 * ```ts
 * pair(3, 'kernelSize', this.describe()); // [3, 3]
 * pair([3, 5], 'kernelSize', this.describe()); // [3, 5]
 * ```
 */
export function pair(v: number | [number, number], what: string, where: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ValueError(`${where}: ${what} must be a positive integer or two of them, got ${JSON.stringify(v)}.`);
  }
  return p;
}

/**
 * `p` when it is 'valid' or 'same'; else a ValueError naming `where`.
 *
 * @example
 * ```ts
 * checkPadding('same', "Conv2D 'conv2d'"); // 'same'
 * ```
 */
export function checkPadding(p: string, where: string): Padding {
  if (p !== 'valid' && p !== 'same') throw new ValueError(`${where}: padding must be 'valid' or 'same', got '${p}'.`);
  return p;
}

/** Output rows or columns, and the padding before them, for one axis. */
function axis(size: number, k: number, s: number, padding: Padding): [out: number, padBefore: number] {
  if (padding === 'valid') return [size >= k ? Math.floor((size - k) / s) + 1 : 0, 0];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max((out - 1) * s + k - size, 0) / 2)];
}

/**
 * Geometry for a sample shape [height, width, channels]; throws when no window fits.
 *
 * @example
 * ```ts
 * const g = windowGeometry([28, 28, 1], [3, 3], [1, 1], 'valid', this.describe()); // g.outH = g.outW = 26
 * ```
 */
export function windowGeometry(
  sample: number[],
  [kh, kw]: [number, number],
  [sh, sw]: [number, number],
  padding: Padding,
  where: string,
  batch = 1,
): WindowGeometry {
  if (sample.length !== 3) {
    throw new ShapeError(
      `${where} expects images [batch, height, width, channels], got ${formatShape([null, ...sample])}.`,
    );
  }
  const [height, width, channels] = sample;
  const [outH, padTop] = axis(height, kh, sh, padding);
  const [outW, padLeft] = axis(width, kw, sw, padding);
  if (outH === 0 || outW === 0) {
    throw new ShapeError(
      `${where}: a ${kh}×${kw} window with 'valid' padding does not fit in an input of ${formatShape([null, ...sample])}.`,
    );
  }
  return { batch, height, width, channels, kh, kw, sh, sw, padTop, padLeft, outH, outW };
}

/**
 * Refuses a Keras config whose data_format is channels-first: mnist-nn's images are NHWC.
 *
 * @example
 * ```ts
 * requireChannelsLast({ data_format: 'channels_first' }, require); // a FormatError through require
 * ```
 */
export function requireChannelsLast(k: Json, require: Require): void {
  require(k.data_format === undefined ||
    k.data_format === null ||
    k.data_format === 'channels_last', `data_format '${String(k.data_format)}'`);
}

/**
 * A window's strides and padding from a Keras config (Conv2D, poolings); refuses channels-first
 * data. `defaultStrides` is what Keras takes for a missing or null `strides` (1 for a convolution,
 * the pool size for a pooling).
 *
 * @example
 * ```ts
 * windowFromKeras({ strides: [2, 2], padding: 'same' }, require, 1); // { strides: [2, 2], padding: 'same' }
 * ```
 */
export function windowFromKeras(k: Json, require: Require, defaultStrides: unknown): LayerConfig {
  requireChannelsLast(k, require);
  return { strides: k.strides ?? defaultStrides, padding: k.padding ?? 'valid' };
}
