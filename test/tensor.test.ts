// The Tensor methods users call on data.
import { describe, expect, it } from 'vitest';
import { Tensor, tensor, reuse, zeros } from '../src/tensor/tensor.js';
import { ShapeError, ValueError } from '../src/errors.js';
import { Rng } from '../src/tensor/random.js';
import { jsKernels } from '../src/tensor/kernels.js';
import { createWasmKernels } from '../src/tensor/wasm/backend.js';

const wasmKernels = createWasmKernels({ threads: 1 });

describe('tensor()', () => {
  it('infers shapes from nested arrays and takes typed arrays as they are', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const data = new Uint8Array([1, 2, 3, 4]);
    const u = tensor(data, [2, 2]);
    expect(u.data).toBe(data);
    expect(u.dtype).toBe('uint8');
    expect(tensor([1, 2], undefined, 'int32').data).toBeInstanceOf(Int32Array);
  });
  it('rejects ragged arrays, wrong sizes and non-numbers', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow('A tensor of shape [2, 2] needs 4 values, got 3.');
    expect(() => tensor(['a' as unknown as number])).toThrow(ValueError);
    expect(() => new Tensor(new Float32Array(2), [-1, -2])).toThrow(ShapeError);
  });
});

describe('methods', () => {
  const x = new Tensor(
    Uint8Array.from({ length: 24 }, (_, i) => i * 10),
    [4, 2, 3],
  );
  it('div and mul give floats and keep the shape', () => {
    const d = x.div(255);
    expect(d.dtype).toBe('float32');
    expect(d.shape).toEqual([4, 2, 3]);
    expect(d.data[23]).toBeCloseTo(230 / 255, 7);
    expect(x.mul(2).data[1]).toBe(20);
    expect(new Tensor(new Float64Array([1]), [1]).div(3).dtype).toBe('float64');
  });
  it('reshape shares the data and infers one −1', () => {
    const r = x.reshape([4, -1]);
    expect(r.shape).toEqual([4, 6]);
    expect(r.data).toBe(x.data);
    expect(() => x.reshape([5, -1])).toThrow('Cannot reshape a tensor of shape [4, 2, 3] (24 values) to [5, -1].');
    expect(() => x.reshape([-1, -1])).toThrow(ShapeError);
  });
  it('slice takes rows along the first axis, sharing the data; negative bounds count from the end', () => {
    const s = x.slice(1, 3);
    expect(s.shape).toEqual([2, 2, 3]);
    expect(s.data[0]).toBe(60);
    expect(s.data.buffer).toBe(x.data.buffer);
    expect(x.slice(-1).get(0, 1, 2)).toBe(230);
    expect(x.slice(3, 1).shape).toEqual([0, 2, 3]);
  });
  it('gather copies rows by index, into a new tensor or a given one', () => {
    const g = x.gather([3, 0]);
    expect(g.shape).toEqual([2, 2, 3]);
    expect([...g.data.subarray(0, 3)]).toEqual([180, 190, 200]);
    expect([...g.data.subarray(6, 9)]).toEqual([0, 10, 20]);
    const out = new Tensor(new Uint8Array(6), [1, 2, 3]);
    expect(x.gather([2], out)).toBe(out);
    expect(out.data[0]).toBe(120);
    expect(() => x.gather([4])).toThrow('gather: index 4 is outside [0, 4).');
    expect(() => x.gather([0], new Tensor(new Float32Array(6), [1, 2, 3]))).toThrow(
      /out must be a uint8 tensor of shape \[1, 2, 3\]/,
    );
  });
  it('argMax along any axis, first index on ties', () => {
    const t = tensor([
      [1, 5, 5],
      [7, 0, 2],
    ]);
    expect([...t.argMax().data]).toEqual([1, 0]);
    expect([...t.argMax(0).data]).toEqual([1, 0, 0]);
    expect(t.argMax(-1).dtype).toBe('int32');
    expect(() => t.argMax(2)).toThrow(ValueError);
  });
  it('cast, clone, get and toArray', () => {
    const t = tensor([[1.7, -2.2]]);
    expect([...t.cast('int32').data]).toEqual([1, -2]);
    const c = t.clone();
    c.data[0] = 9;
    expect(t.data[0]).toBeCloseTo(1.7, 6);
    expect(t.get(0, 1)).toBeCloseTo(-2.2, 6);
    expect(() => t.get(0)).toThrow(ShapeError);
    expect(() => t.get(1, 0)).toThrow(ValueError);
    expect(tensor(5, [1]).toArray()).toEqual([5]);
  });
});

describe('reuse', () => {
  it('keeps one buffer per layer: the same shape returns it, a smaller batch takes a prefix of it', () => {
    const a = zeros([8, 4]);
    expect(reuse(a, [8, 4], 'float32')).toBe(a);
    const b = reuse(a, [3, 4], 'float32');
    expect(b.data.buffer).toBe(a.data.buffer);
    expect(b.data.byteOffset).toBe(a.data.byteOffset);
    const c = reuse(b, [8, 4], 'float32'); // back to the full batch: the whole buffer again, not a new one
    expect(c.data.byteOffset).toBe(a.data.byteOffset);
    expect(c.data.length).toBe(32);
    expect(reuse(a, [9, 4], 'float32').data.length).toBe(36); // larger: a new buffer
  });
});

describe('Rng.bernoulli (dropout masks)', () => {
  it.each([
    ['js', jsKernels],
    ['wasm', wasmKernels],
  ])('draws what next() < p would, element by element, and leaves the same state (%s kernels)', (_, K) => {
    for (const [seed, n, p] of [
      [1, 0, 0.5],
      [7, 1, 0.5],
      [42, 1000, 0.8],
      [2 ** 40 + 3, 333, 0.1],
      [5, 77, 0],
      [6, 77, 1],
      [8, 500, 2 ** -33],
    ]) {
      const a = new Rng(seed);
      const b = new Rng(seed);
      a.next(); // a state whose words are in the int32 / uint32 mix that draws leave
      b.next();
      const got = K.alloc(n, 'float32');
      if (K === wasmKernels) expect(got.buffer).toBeInstanceOf(SharedArrayBuffer); // the wasm kernel's own path
      a.bernoulli(got, n, p, 2.5, K);
      const want = Float32Array.from({ length: n }, () => (b.next() < p ? 2.5 : 0));
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(a.getState()).toEqual(b.getState());
      expect(a.next()).toBe(b.next());
    }
  });
});
