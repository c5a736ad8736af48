/**
 * Tensor: a shape and a row-major typed array. It carries the few operations users need on data
 * (scaling, reshaping, slicing batches, argmax); the numeric work of training lives in the kernels.
 * Over 400 lines because each export's doc comment carries an example; the code is about 300.
 */
import { ShapeError, ValueError, formatShape } from '../errors.js';
import { kernels } from './backend.js';
import type { FloatArray, FloatDType } from './kernels.js';

export type DType = 'float32' | 'float64' | 'int32' | 'uint8';
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Nested arrays of numbers, as `tensor([[1, 2], [3, 4]])` takes them and `toArray()` returns them. */
export type NestedArray = number | NestedArray[];

const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
} as const;

/**
 * The dtype of a typed array: float32, float64, int32 or uint8; a ValueError for any other.
 *
 * @example
 * ```ts
 * dtypeOf(new Uint8Array(4)); // 'uint8'
 * ```
 */
export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  throw new ValueError(
    `Unsupported array type ${(data as object).constructor?.name}: expected Float32Array, Float64Array, Int32Array or Uint8Array.`,
  );
}

/**
 * The number of elements of a shape: the product of its dimensions (1 for []).
 *
 * @example
 * ```ts
 * shapeSize([60000, 28, 28]); // 47040000
 * ```
 */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(shape: readonly number[]): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`Invalid shape ${formatShape(shape)}: every dimension must be a non-negative integer.`);
    }
  }
}

/**
 * A tensor: `D` is its array type, so code that holds a floating tensor (`FloatTensor`: a layer's
 * buffers and weights) reads `data` as a FloatArray without casts.
 *
 * A tensor has `shape`, `dtype` (`float32`, `float64`, `int32`, `uint8`) and `data`, its row-major typed
 * array. Make one with `tensor`; `reshape` and `slice` share the data, the rest make new tensors.
 *
 * @example
 * ```ts
 * const t = tensor([[1, 2, 3], [4, 5, 6]]); // float32 [2, 3]
 * t.shape;                 // [2, 3]
 * t.get(1, 2);             // 6
 * t.div(255).reshape([3, 2]);
 * t.argMax(-1).toArray();  // [2, 2]
 * t.slice(0, 1).toArray(); // [[1, 2, 3]]
 * ```
 */
export class Tensor<D extends TypedArray = TypedArray> {
  /** Dimensions, outermost first. */
  readonly shape: number[];
  /** The elements, row-major. Length is the product of `shape`. */
  readonly data: D;
  readonly dtype: DType;

  constructor(data: D, shape: readonly number[]) {
    checkShape(shape);
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new ShapeError(`A tensor of shape ${formatShape(shape)} needs ${size} values, got ${data.length}.`);
    }
    this.data = data;
    this.shape = [...shape];
    this.dtype = dtypeOf(data);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Elementwise division by a number; the result is floating (float64 stays float64, else float32). */
  div(divisor: number): FloatTensor {
    return this.mapFloat((v) => v / divisor);
  }

  /** Elementwise product with a number; floating result as for `div`. */
  mul(factor: number): FloatTensor {
    return this.mapFloat((v) => v * factor);
  }

  private mapFloat(f: (v: number) => number): FloatTensor {
    const out = floatArray(this.size, this.dtype === 'float64' ? 'float64' : 'float32');
    const src = this.data;
    for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
    return new Tensor<FloatArray>(out, this.shape);
  }

  /** The same data under another shape (one dimension may be -1). Shares the data; nothing is copied. */
  reshape(shape: readonly number[]): Tensor<D> {
    const free = shape.filter((d) => d === -1).length;
    if (free > 1) throw new ShapeError(`reshape to ${formatShape(shape)}: at most one dimension may be -1.`);
    let target = [...shape];
    if (free === 1) {
      const known = shapeSize(shape.filter((d) => d !== -1));
      if (known === 0 || this.size % known !== 0) {
        throw new ShapeError(
          `Cannot reshape a tensor of shape ${formatShape(this.shape)} (${this.size} values) to ${formatShape(shape)}.`,
        );
      }
      target = shape.map((d) => (d === -1 ? this.size / known : d));
    }
    if (shapeSize(target) !== this.size) {
      throw new ShapeError(
        `Cannot reshape a tensor of shape ${formatShape(this.shape)} (${this.size} values) to ${formatShape(shape)}.`,
      );
    }
    return new Tensor<D>(this.data, target);
  }

  /** Rows [start, end) along the first axis, like `x[start:end]`. Shares the data; nothing is copied. */
  slice(start: number, end: number = this.shape[0]): Tensor<D> {
    if (this.rank === 0) throw new ShapeError('Cannot slice a scalar tensor.');
    const n = this.shape[0];
    const s = Math.max(0, Math.min(n, start < 0 ? n + start : start));
    const e = Math.max(s, Math.min(n, end < 0 ? n + end : end));
    const row = this.size / (n || 1);
    const sub = this.data.subarray(s * row, e * row) as D;
    // A slice of a backend buffer keeps that buffer alive, as reuse's views do (see backendFloat).
    if (isFloatArray(sub)) backingOf.set(sub, backingOf.get(this.data) ?? (this.data as FloatArray));
    return new Tensor<D>(sub, [e - s, ...this.shape.slice(1)]);
  }

  /**
   * The rows at `indices` along the first axis, like `x[indices]`: copied into `out` when given
   * (same dtype, shape [indices.length, ...rest]), else into a new tensor.
   */
  gather(indices: ArrayLike<number>, out?: Tensor): Tensor<D> {
    if (this.rank === 0) throw new ShapeError('Cannot gather from a scalar tensor.');
    const n = this.shape[0];
    const row = n === 0 ? 0 : this.size / n;
    const shape = [indices.length, ...this.shape.slice(1)];
    if (out && (out.dtype !== this.dtype || !out.shape.every((d, i) => d === shape[i]) || out.rank !== shape.length)) {
      throw new ShapeError(
        `gather: out must be a ${this.dtype} tensor of shape ${formatShape(shape)}, got ${out.dtype} ${formatShape(out.shape)}.`,
      );
    }
    const dst = (out ?? new Tensor(new CTORS[this.dtype](indices.length * row), shape)) as Tensor<D>;
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i];
      if (!Number.isInteger(r) || r < 0 || r >= n) {
        throw new ValueError(`gather: index ${r} is outside [0, ${n}).`);
      }
      dst.data.set(this.data.subarray(r * row, (r + 1) * row), i * row);
    }
    return dst;
  }

  /** Index of the largest value along `axis` (default: the last); the result drops that axis, int32. */
  argMax(axis = -1): Tensor {
    const ax = axis < 0 ? this.rank + axis : axis;
    if (ax < 0 || ax >= this.rank) {
      throw new ValueError(`argMax: axis ${axis} is out of range for a tensor of rank ${this.rank}.`);
    }
    const len = this.shape[ax];
    if (len === 0) throw new ShapeError(`argMax: axis ${axis} of shape ${formatShape(this.shape)} is empty.`);
    const inner = shapeSize(this.shape.slice(ax + 1));
    const outer = shapeSize(this.shape.slice(0, ax));
    const out = new Int32Array(outer * inner);
    const d = this.data;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let best = 0;
        let max = d[base];
        for (let k = 1; k < len; k++) {
          const v = d[base + k * inner];
          if (v > max) {
            max = v;
            best = k;
          }
        }
        out[o * inner + i] = best;
      }
    }
    return new Tensor(out, [...this.shape.slice(0, ax), ...this.shape.slice(ax + 1)]);
  }

  /** A copy in another dtype (values are converted as the typed arrays convert them). */
  cast(dtype: DType): Tensor {
    const out = new CTORS[dtype](this.size);
    out.set(this.data);
    return new Tensor(out, this.shape);
  }

  /** A copy with its own data. */
  clone(): Tensor<D> {
    return this.cast(this.dtype) as Tensor<D>;
  }

  /** Whether the elements are float32 or float64 (then `data` is a FloatArray). */
  isFloat(): this is FloatTensor {
    return isFloatArray(this.data);
  }

  /** The element at the given indices, one per dimension. */
  get(...indices: number[]): number {
    if (indices.length !== this.rank) {
      throw new ShapeError(
        `get: a tensor of shape ${formatShape(this.shape)} needs ${this.rank} indices, got ${indices.length}.`,
      );
    }
    let off = 0;
    for (let i = 0; i < indices.length; i++) {
      const ix = indices[i];
      if (!Number.isInteger(ix) || ix < 0 || ix >= this.shape[i]) {
        throw new ValueError(`get: index ${ix} is outside [0, ${this.shape[i]}) on axis ${i}.`);
      }
      off = off * this.shape[i] + ix;
    }
    return this.data[off];
  }

  /** The elements as nested arrays of numbers (a number for a scalar). */
  toArray(): NestedArray {
    const build = (dim: number, off: number): NestedArray => {
      if (dim === this.rank) return this.data[off];
      const stride = shapeSize(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, off + i * stride));
      return out;
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype})`;
  }
}

/**
 * Whether v is a Tensor, narrowing `unknown` to `Tensor` (where `instanceof` narrows to `Tensor<any>`).
 * @example
 * isTensor(tensor([1, 2])); // true
 */
export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/**
 * The index of the first value of `a` that is NaN or ±Infinity, or −1 when all are finite.
 *
 * @example
 * ```ts
 * firstNonFinite([1, NaN, Infinity]); // 1
 * ```
 */
export function firstNonFinite(a: ArrayLike<number>): number {
  return a instanceof Float32Array ? firstNonFiniteF32(a) : firstNonFiniteAny(a);
}

// Two functions, so that the float32 one (every input and weight) reads its elements through
// loads of one kind: one loop over every kind of array would read through slower polymorphic loads.
function firstNonFiniteF32(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

function firstNonFiniteAny(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** A tensor of a floating dtype: what layers compute on and weights are. */
export type FloatTensor = Tensor<FloatArray>;

function isFloatArray(a: ArrayBufferView): a is FloatArray {
  return a instanceof Float32Array || a instanceof Float64Array;
}

/**
 * A zeroed float buffer from the current backend, which may keep it in its own memory: for what a
 * layer or optimizer owns for its lifetime (weights, gradients, activation buffers, moments). It
 * stays valid while the array it was handed out as is reachable, so it is never given to users.
 *
 * @example
 * ```ts
 * const moments = backendFloat(101_770, 'float32'); // an optimizer's state, in the backend's memory
 * ```
 */
export function backendFloat(n: number, dtype: FloatDType): FloatArray {
  return kernels().alloc(n, dtype);
}

/**
 * A zeroed float array on the JavaScript heap, for tensors handed to users.
 *
 * @example
 * ```ts
 * floatArray(3, 'float64'); // Float64Array [0, 0, 0]
 * ```
 */
export function floatArray(n: number, dtype: FloatDType): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/**
 * A zero tensor of a floating dtype.
 *
 * @example
 * ```ts
 * zeros([2, 3]);            // float32 [2, 3] of zeros
 * zeros([10], 'float64');
 * ```
 */
export function zeros(shape: readonly number[], dtype: FloatDType = 'float32'): FloatTensor {
  checkShape(shape);
  return new Tensor<FloatArray>(floatArray(shapeSize(shape), dtype), shape);
}

/**
 * A zero tensor in the backend's memory, for a layer's own weights and buffers (see backendFloat).
 *
 * @example
 * ```ts
 * const grad = bufferZeros([784, 128], 'float32'); // a layer's gradient buffer
 * ```
 */
export function bufferZeros(shape: readonly number[], dtype: FloatDType): FloatTensor {
  checkShape(shape);
  return new Tensor<FloatArray>(backendFloat(shapeSize(shape), dtype), shape);
}

/** The whole buffer a `reuse` tensor is a prefix of. */
const backingOf = new WeakMap<ArrayBufferView, FloatArray>();

/**
 * A tensor of this shape and dtype for a layer's buffer, reusing `buf`'s memory when it is large
 * enough: layers keep their buffers across batches, and the smaller last batch of an epoch takes a
 * prefix of the same memory rather than a new allocation, so training runs in constant memory.
 * The contents are whatever the buffer held: kernels overwrite their outputs.
 *
 * @example
 * ```ts
 * this.y = reuse(this.y, [batch, units], this.dtype); // a layer's output buffer, kept across batches
 * ```
 */
export function reuse(buf: FloatTensor | undefined, shape: readonly number[], dtype: FloatDType): FloatTensor {
  const size = shapeSize(shape);
  if (buf && buf.dtype === dtype) {
    if (buf.shape.length === shape.length && buf.shape.every((d, i) => d === shape[i])) return buf;
    const backing = backingOf.get(buf.data) ?? buf.data;
    if (backing.length >= size) {
      const view = backing.subarray(0, size);
      backingOf.set(view, backing);
      return new Tensor<FloatArray>(view, shape);
    }
  }
  return bufferZeros(shape, dtype);
}

/**
 * The shape of nested arrays, checked to be rectangular: every array at depth d has the same
 * length, and numbers appear only at the deepest level.
 */
function nestedShape(values: NestedArray): number[] {
  const shape: number[] = [];
  for (let v: NestedArray = values; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const check = (v: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(v))
        throw new ShapeError(
          `tensor: nested arrays are ragged: ${path} is an array, where a number was expected (shape ${formatShape(shape)} from the first elements).`,
        );
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new ShapeError(
        `tensor: nested arrays are ragged: ${path} has ${Array.isArray(v) ? `${v.length} elements` : 'a number'}, where ${shape[depth]} were expected (shape ${formatShape(shape)} from the first elements).`,
      );
    }
    v.forEach((e, k) => check(e, depth + 1, `${path}[${k}]`));
  };
  check(values, 0, 'values');
  return shape;
}

/**
 * Makes a tensor from a typed array (used as is, not copied, unless `dtype` names another type, which
 * converts it), a flat array of numbers with a shape, or nested arrays (shape inferred; ragged ones
 * are a ShapeError). The dtype follows the typed array, else `dtype` (default float32).
 *
 * @example
 * ```ts
 * tensor([[0, 1], [2, 3]]);                    // nested arrays: float32 [2, 2]
 * tensor([0, 1, 2, 3], [2, 2]);                 // a flat array and its shape
 * tensor(Uint8Array.of(0, 255), [1, 2]);        // a typed array, used as is: uint8
 * tensor([3, 1, 4], undefined, 'int32');        // labels as integers
 * ```
 */
export function tensor(values: TypedArray | NestedArray, shape?: readonly number[], dtype?: DType): Tensor {
  if (dtype !== undefined && !Object.hasOwn(CTORS, dtype)) {
    throw new ValueError(
      `tensor: dtype must be one of ${Object.keys(CTORS).join(', ')}, got ${JSON.stringify(dtype)}.`,
    );
  }
  if (ArrayBuffer.isView(values)) {
    const data = values;
    const own = dtypeOf(data);
    const t = new Tensor(data, shape ?? [data.length]);
    return dtype === undefined || dtype === own ? t : t.cast(dtype);
  }
  const inferred = Array.isArray(values) ? nestedShape(values) : [];
  const flat: number[] = Array.isArray(values) ? ((values as unknown[]).flat(Infinity as 1) as number[]) : [values];
  for (const v of flat) {
    if (typeof v !== 'number') throw new ValueError(`tensor: expected numbers, got ${typeof v} (${String(v)}).`);
  }
  const target = shape ?? inferred;
  const data = new CTORS[dtype ?? 'float32'](flat.length);
  data.set(flat);
  return new Tensor(data, target);
}
