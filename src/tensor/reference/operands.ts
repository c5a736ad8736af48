/**
 * What every backend's kernels take (see ../kernels.ts): the element arrays of the floating dtypes,
 * the least normal number of their precision, and the geometries of a sliding window (convolutions,
 * poolings) and of an affine resampling. Its own file, imported by ../kernels.ts and by the
 * reference kernels beside it, so that no import goes in a circle; ../kernels.ts exports it all.
 */

/** The element arrays that tensors of a floating dtype hold. */
export type FloatArray = Float32Array | Float64Array;

/**
 * The least normal number of x's precision: 2⁻¹²⁶ for float32, 2⁻¹⁰²² for float64. The optimizers
 * flush their moments and velocities to zero below it: a moment of a weight whose gradient is mostly
 * zero decays into the subnormals, where x86 takes a microcode assist on every operation.
 * TensorFlow sets the processor's flush-to-zero mode on its CPU threads; WebAssembly cannot, so this
 * is that mode where it matters.
 */
export const leastNormal = (x: FloatArray): number => (x instanceof Float32Array ? 2 ** -126 : 2 ** -1022);

/** The floating dtypes computations run in. */
export type FloatDType = 'float32' | 'float64';

/**
 * Where a sliding window (a convolution's kernel, a pooling window) goes over a batch of images
 * x [batch, height, width, channels] (NHWC): window kh × kw, strides sh, sw, and the padding above
 * and left of the image (positions outside it read as zero for a convolution and are skipped by a
 * pooling). The output is [batch, outH, outW, ·].
 */
export interface WindowGeometry {
  batch: number;
  height: number;
  width: number;
  channels: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
}

/** How an affine resampling reads a pixel outside the image (Keras's `fill_mode`). */
export type FillMode = 'constant' | 'reflect' | 'wrap' | 'nearest';
/** How an affine resampling reads between pixels (Keras's `interpolation`). */
export type Interpolation = 'bilinear' | 'nearest';

/**
 * One affine resampling of a batch of NHWC images x [batch, height, width, channels] into y of the
 * same shape, as Keras's `affine_transform` (its numpy and JAX backends, which extend the image by
 * pixel index as scipy's `map_coordinates` does):
 *
 *   each sample b has a transform t[b] = [a0, a1, a2, b0, b1, b2] (Float64Array [batch, 6]) mapping an
 *   output pixel (row i, column j) to the input point x' = a0·j + a1·i + a2, y' = b0·j + b1·i + b2,
 *   pixel centres at integer coordinates (column j is the point x = j, not j + 0.5);
 *   'bilinear' reads the four pixels around (x', y') with weights (1 − fx)(1 − fy), fx(1 − fy),
 *   (1 − fx)fy, fx·fy, where fx = x' − ⌊x'⌋, fy = y' − ⌊y'⌋; 'nearest' reads pixel
 *   (⌊y' + ½⌋, ⌊x' + ½⌋);
 *   a pixel index outside the image is read per `fillMode`: 'constant' reads `fillValue`, 'nearest'
 *   the edge pixel (a a | a b c d | d d), 'wrap' the opposite side (c d | a b c d | a b), 'reflect'
 *   mirrors about the edge (b a | a b c d | d c), period 2n.
 */
export interface ResampleGeometry {
  batch: number;
  height: number;
  width: number;
  channels: number;
  fillMode: FillMode;
  interpolation: Interpolation;
  /** What 'constant' reads outside the image. */
  fillValue: number;
}
