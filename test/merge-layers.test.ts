// The merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate), through the list
// forms a functional model calls (buildOn, forwardOn, backwardOn) and `apply` on symbolic tensors:
//   - the float64 gradient of every input against central differences, with 2 and 3 inputs;
//   - the forward outputs and input gradients of the real @tensorflow/tfjs layers, to 1e-5 in float32;
//   - the config round trip (getConfig → the registration's fromConfig) and the Keras mapping;
//   - the buffers: each gradient its own, never dy, the inputs untouched;
//   - Maximum's and Minimum's ties, which go to the earlier input as in Keras with TensorFlow's gradient;
//   - the errors at apply: shapes that do not fit, a count of inputs the layer does not take, a bad axis.
// test/layer-harness.test.ts runs its own merge cases through its parts 1–2 as well.
import { describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import {
  Add,
  Average,
  Concatenate,
  Input,
  Maximum,
  Merge,
  Minimum,
  Multiply,
  Sequential,
  ShapeError,
  Subtract,
  Tensor,
  ValueError,
  type FloatTensor,
} from '../src/index.js';
import { registration } from '../src/layers/registry.js';
import { Rng } from '../src/tensor/random.js';
import { TOL, buildOnF64, checkLayerOn, randn } from './helpers/gradcheck.js';
import { useTfjsCpu } from './helpers/tfjs.js';

const tf = useTfjsCpu();

interface MergeCase {
  label: string;
  make: () => Merge;
  /** The inputs' sample shapes. */
  shapes: number[][];
  /** The output's sample shape. */
  out: number[];
  /** The same computation in TensorFlow.js: its layer, applied to the inputs. */
  tfjs: (xs: tfjs.Tensor[]) => tfjs.Tensor;
}

const CASES: MergeCase[] = [
  {
    label: 'Add, 2 inputs',
    make: () => new Add(),
    shapes: [
      [3, 4],
      [3, 4],
    ],
    out: [3, 4],
    tfjs: (xs) => tf.layers.add().apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Add, 3 inputs',
    make: () => new Add(),
    shapes: [[5], [5], [5]],
    out: [5],
    tfjs: (xs) => tf.layers.add().apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Subtract, 2 inputs',
    make: () => new Subtract(),
    shapes: [
      [2, 3, 2],
      [2, 3, 2],
    ],
    out: [2, 3, 2],
    // TensorFlow.js has no Subtract layer (tfjs-layers 4.22): the op Keras's Subtract computes.
    tfjs: ([a, b]) => tf.sub(a, b),
  },
  {
    label: 'Multiply, 2 inputs',
    make: () => new Multiply(),
    shapes: [
      [3, 4],
      [3, 4],
    ],
    out: [3, 4],
    tfjs: (xs) => tf.layers.multiply().apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Multiply, 3 inputs',
    make: () => new Multiply(),
    shapes: [
      [2, 3],
      [2, 3],
      [2, 3],
    ],
    out: [2, 3],
    tfjs: (xs) => tf.layers.multiply().apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Average, 2 inputs',
    make: () => new Average(),
    shapes: [[4], [4]],
    out: [4],
    tfjs: (xs) => tf.layers.average().apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Average, 3 inputs',
    make: () => new Average(),
    shapes: [
      [2, 2, 2],
      [2, 2, 2],
      [2, 2, 2],
    ],
    out: [2, 2, 2],
    tfjs: (xs) => tf.layers.average().apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Maximum, 2 inputs',
    make: () => new Maximum(),
    shapes: [
      [3, 4],
      [3, 4],
    ],
    out: [3, 4],
    tfjs: (xs) => tf.layers.maximum().apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Maximum, 3 inputs',
    make: () => new Maximum(),
    shapes: [[6], [6], [6]],
    out: [6],
    tfjs: (xs) => tf.layers.maximum().apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Minimum, 2 inputs',
    make: () => new Minimum(),
    shapes: [
      [3, 4],
      [3, 4],
    ],
    out: [3, 4],
    tfjs: (xs) => tf.layers.minimum().apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Minimum, 3 inputs',
    make: () => new Minimum(),
    shapes: [
      [2, 3],
      [2, 3],
      [2, 3],
    ],
    out: [2, 3],
    tfjs: (xs) => tf.layers.minimum().apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Concatenate, 2 inputs, default axis (−1)',
    make: () => new Concatenate(),
    shapes: [
      [3, 2],
      [3, 5],
    ],
    out: [3, 7],
    tfjs: (xs) => tf.layers.concatenate().apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Concatenate, 3 inputs, axis 1 (the first after the batch)',
    make: () => new Concatenate({ axis: 1 }),
    shapes: [
      [2, 3],
      [1, 3],
      [4, 3],
    ],
    out: [7, 3],
    tfjs: (xs) => tf.layers.concatenate({ axis: 1 }).apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Concatenate, 3 inputs, axis −2 of images',
    make: () => new Concatenate({ axis: -2 }),
    shapes: [
      [2, 1, 3],
      [2, 3, 3],
      [2, 2, 3],
    ],
    out: [2, 6, 3],
    // TF.js's Concatenate joins along the last axis for every negative axis (tfjs_backend.concatenate
    // sets any axis < 0 to the rank), so the reference counts the same axis from the front: 2 of 4.
    tfjs: (xs) => tf.layers.concatenate({ axis: 2 }).apply(xs) as tfjs.Tensor,
  },
  {
    label: 'Concatenate, 2 inputs, axis 2 of rank-3 samples',
    make: () => new Concatenate({ axis: 2 }),
    shapes: [
      [2, 1, 3],
      [2, 4, 3],
    ],
    out: [2, 5, 3],
    tfjs: (xs) => tf.layers.concatenate({ axis: 2 }).apply(xs) as tfjs.Tensor,
  },
];

const rng = new Rng(23);

function inputs(shapes: number[][], batch: number, dtype: 'float32' | 'float64'): FloatTensor[] {
  return shapes.map((s) => {
    const x = randn([batch, ...s], rng);
    return dtype === 'float64' ? x : (x.cast('float32') as FloatTensor);
  });
}

/** The case's layer, built in float32 (the float64 gradient check builds its own). */
function built(c: MergeCase): Merge {
  const layer = c.make();
  layer.buildOn(c.shapes, { dtype: 'float32', rng: new Rng(1) });
  return layer;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

const ctx = { training: false, rng: new Rng(1) };

for (const c of CASES) {
  describe(c.label, () => {
    it('backward: the gradient of every input matches float64 finite differences', () => {
      const layer = buildOnF64(c.make(), c.shapes);
      const errors = checkLayerOn(layer, inputs(c.shapes, 3, 'float64'));
      expect(errors.length).toBe(c.shapes.length);
      errors.forEach((err, i) => expect(err, `input ${i}`).toBeLessThan(TOL));
    });

    it('apply on symbolic inputs gives the output shape, with a batch dimension of null', () => {
      const xs = c.shapes.map((shape) => Input({ shape }));
      const layer = c.make();
      const y = layer.apply(xs);
      expect(y.shape).toEqual([null, ...c.out]);
      expect(y.node.layer).toBe(layer);
      expect(y.node.inputs).toEqual(xs);
      expect(y.node.listInput).toBe(true);
    });

    it('TensorFlow.js computes the same outputs and the same input gradients (float32, 1e-5)', () => {
      const layer = built(c);
      const xs = inputs(c.shapes, 4, 'float32');
      const y = layer.forwardOn(xs, ctx);
      expect(y.shape).toEqual([4, ...c.out]);
      expect(y.dtype).toBe('float32');
      const xts = xs.map((x) => tf.tensor(x.data, x.shape));
      const yt = c.tfjs(xts);
      expect(yt.shape).toEqual(y.shape);
      expect(maxDiff(y.data, yt.dataSync())).toBeLessThan(1e-5);
      // L = Σ y ⊙ R for a fixed R, so dL/dy = R.
      const R = randn(y.shape, rng).cast('float32') as FloatTensor;
      const dxs = layer.backwardOn(R, { needInputGrad: true });
      const Rt = tf.tensor(R.data, R.shape);
      const grads = tf.grads((...args: tfjs.Tensor[]) => tf.sum(tf.mul(c.tfjs(args), Rt)))(xts);
      expect(grads.length).toBe(dxs.length);
      dxs.forEach((dx, i) => {
        expect(dx!.shape, `input ${i}`).toEqual(grads[i].shape);
        expect(maxDiff(dx!.data, grads[i].dataSync()), `input ${i}`).toBeLessThan(1e-5);
      });
    });

    it('config round trip: the same config and the same outputs', () => {
      const a = built(c);
      const config = JSON.parse(JSON.stringify(a.getConfig())) as Record<string, unknown>;
      const b = registration(a.className)!.fromConfig(config);
      expect(b).toBeInstanceOf(a.constructor);
      expect(b.getConfig()).toEqual(a.getConfig());
      b.buildOn(c.shapes, { dtype: 'float32', rng: new Rng(2) });
      const xs = inputs(c.shapes, 3, 'float32');
      expect(Array.from(b.forwardOn(xs, ctx).data)).toEqual(Array.from(a.forwardOn(xs, ctx).data));
    });

    it("the Keras mapping reads back what it writes, under Keras's class name", () => {
      const a = c.make();
      const reg = registration(a.className)!;
      expect(reg.keras!.className).toBe(a.className);
      const config = a.getConfig();
      const own = reg.keras!.fromKeras(reg.keras!.toKeras(config), () => {});
      const b = reg.fromConfig({ name: 'back', ...own });
      expect({ ...b.getConfig(), name: a.name }).toEqual(config);
    });

    it('gives each input its own gradient buffer, never dy, and leaves the inputs alone', () => {
      const layer = built(c);
      const xs = inputs(c.shapes, 2, 'float32');
      const before = xs.map((x) => Array.from(x.data));
      const y = layer.forwardOn(xs, ctx);
      const dy = randn(y.shape, rng).cast('float32') as FloatTensor;
      const dyBefore = Array.from(dy.data);
      const dxs = layer.backwardOn(dy, { needInputGrad: true }) as FloatTensor[];
      dxs.forEach((dx, i) => {
        expect(dx.shape, `dx${i}`).toEqual(xs[i].shape);
        for (const other of [dy, y, ...xs, ...dxs.filter((_, j) => j !== i)]) {
          expect(sharesMemory(dx, other), `dx${i}`).toBe(false);
        }
      });
      expect(xs.map((x) => Array.from(x.data))).toEqual(before);
      expect(Array.from(dy.data)).toEqual(dyBefore);
      expect(layer.backwardOn(dy, { needInputGrad: false })).toEqual(xs.map(() => null));
    });

    it('reuses its output and gradient buffers across calls of one batch size', () => {
      const layer = built(c);
      const y1 = layer.forwardOn(inputs(c.shapes, 2, 'float32'), ctx);
      const dy = randn(y1.shape, rng).cast('float32') as FloatTensor;
      const d1 = layer.backwardOn(dy, { needInputGrad: true });
      const y2 = layer.forwardOn(inputs(c.shapes, 2, 'float32'), ctx);
      const d2 = layer.backwardOn(dy, { needInputGrad: true });
      expect(y2).toBe(y1);
      d2.forEach((d, i) => expect(d).toBe(d1[i]));
    });
  });
}

/** Whether two tensors' data share any bytes (distinct tensors may be views of one buffer). */
function sharesMemory(a: FloatTensor, b: FloatTensor): boolean {
  if (a.data.buffer !== b.data.buffer) return false;
  const [a0, a1] = [a.data.byteOffset, a.data.byteOffset + a.data.byteLength];
  const [b0, b1] = [b.data.byteOffset, b.data.byteOffset + b.data.byteLength];
  return a0 < b1 && b0 < a1;
}

describe('merge layers', () => {
  it('Add gives a separate gradient to each input when one tensor is given twice', () => {
    const layer = new Add();
    layer.buildOn([[3], [3]], { dtype: 'float64', rng: new Rng(1) });
    const x = randn([2, 3], rng);
    const y = layer.forwardOn([x, x], ctx);
    expect(Array.from(y.data)).toEqual(Array.from(x.data, (v) => 2 * v));
    const dy = randn([2, 3], rng);
    const [d0, d1] = layer.backwardOn(dy, { needInputGrad: true });
    expect(d0).not.toBe(d1);
    expect(d0!.data).not.toBe(d1!.data);
    expect(Array.from(d0!.data)).toEqual(Array.from(dy.data));
    expect(Array.from(d1!.data)).toEqual(Array.from(dy.data));
  });

  // x₀ = [1, 2, 3, 0], x₁ = [1, 5, 3, 4], x₂ = [0, 5, 3, 4]: the maximum ties x₀ and x₁ at 0, x₁ and x₂ at
  // 1, all three at 2, and x₁ and x₂ at 3; the earliest tied input takes the gradient.
  const tied = [
    [1, 2, 3, 0],
    [1, 5, 3, 4],
    [0, 5, 3, 4],
  ];
  const g = [0.5, -1.5, 2, 3];
  it.each([
    ['Maximum', () => new Maximum(), (v: number[]) => v, () => tf.layers.maximum()],
    ['Minimum', () => new Minimum(), (v: number[]) => v.map((e) => -e), () => tf.layers.minimum()],
  ] as const)('%s: a tie sends the gradient to the earlier input, as TensorFlow.js does', (_, make, sign, theirs) => {
    const layer = make();
    layer.buildOn([[4], [4], [4]], { dtype: 'float32', rng: new Rng(1) });
    // Minimum sees the negated values, so its ties fall where Maximum's do.
    const xs = tied.map((v) => new Tensor(Float32Array.from(sign(v)), [1, 4]) as FloatTensor);
    const y = layer.forwardOn(xs, ctx);
    expect(Array.from(y.data)).toEqual(sign([1, 5, 3, 4]));
    const dxs = layer.backwardOn(new Tensor(Float32Array.from(g), [1, 4]), { needInputGrad: true });
    expect(dxs.map((d) => Array.from(d!.data))).toEqual([
      [0.5, 0, 2, 0],
      [0, -1.5, 0, 3],
      [0, 0, 0, 0],
    ]);
    const t = theirs();
    const gt = tf.tensor(g, [1, 4]);
    const grads = tf.grads((...args: tfjs.Tensor[]) => tf.sum(tf.mul(t.apply(args) as tfjs.Tensor, gt)))(
      xs.map((x) => tf.tensor(x.data, x.shape)),
    );
    // TF.js multiplies dy by a 0/1 mask, which makes −0 of a negative dy: + 0 reads it as 0.
    expect(grads.map((d) => Array.from(d.dataSync(), (v) => v + 0))).toEqual(dxs.map((d) => Array.from(d!.data)));
  });

  it("TF.js's Concatenate reads a negative axis other than −1 as −1 (why the axis −2 case's reference counts from the front)", () => {
    const xs = [tf.zeros([1, 2, 1, 3]), tf.zeros([1, 2, 3, 3])];
    expect(() => tf.layers.concatenate({ axis: -2 }).apply(xs)).toThrow(/along the non-concatenated axis/);
    expect((tf.layers.concatenate({ axis: 2 }).apply(xs) as tfjs.Tensor).shape).toEqual([1, 2, 4, 3]);
  });

  it('Multiply gives the right gradient where an input is 0 (the product of the others, not y / x)', () => {
    const layer = new Multiply();
    layer.buildOn([[2], [2]], { dtype: 'float64', rng: new Rng(1) });
    const a = new Tensor(Float64Array.from([0, 2]), [1, 2]) as FloatTensor;
    const b = new Tensor(Float64Array.from([3, 0]), [1, 2]) as FloatTensor;
    layer.forwardOn([a, b], ctx);
    const [da, db] = layer.backwardOn(new Tensor(Float64Array.from([1, 1]), [1, 2]), {
      needInputGrad: true,
    });
    expect(Array.from(da!.data)).toEqual([3, 0]);
    expect(Array.from(db!.data)).toEqual([0, 2]);
  });

  describe('errors at apply name the layer and every shape', () => {
    const elementwise = [Add, Subtract, Multiply, Average, Maximum, Minimum];

    it.each(elementwise.map((cls) => [cls.className, cls] as const))(
      '%s refuses inputs of different shapes (no broadcasting)',
      (_, cls) => {
        const layer = new cls({ name: 'merge_me' });
        const apply = (): unknown => layer.apply([Input({ shape: [4] }), Input({ shape: [5] })]);
        expect(apply).toThrow(ShapeError);
        expect(apply).toThrow(`${cls.className} 'merge_me': its inputs must have the same shape`);
        expect(apply).toThrow('got [None, 4], [None, 5]');
      },
    );

    it('the elementwise layers refuse inputs of different ranks', () => {
      expect(() => new Multiply({ name: 'mul' }).apply([Input({ shape: [2, 3] }), Input({ shape: [6] })])).toThrow(
        /Multiply 'mul'.*\[None, 2, 3\], \[None, 6\]/,
      );
    });

    it.each([...elementwise, Concatenate].map((cls) => [cls.className, cls] as const))(
      '%s refuses a list of one input',
      (_, cls) => {
        const layer = new cls({ name: 'lonely' });
        const apply = (): unknown => layer.apply([Input({ shape: [4] })]);
        expect(apply).toThrow(ValueError);
        expect(apply).toThrow(
          cls === Subtract
            ? `Subtract 'lonely' takes exactly 2 inputs, got 1: [None, 4].`
            : `${cls.className} 'lonely' takes a list of at least 2 inputs, got 1: [None, 4].`,
        );
      },
    );

    it('Subtract refuses three inputs', () => {
      const xs = [Input({ shape: [4] }), Input({ shape: [4] }), Input({ shape: [4] })];
      const apply = (): unknown => new Subtract({ name: 'sub' }).apply(xs);
      expect(apply).toThrow(ValueError);
      expect(apply).toThrow("Subtract 'sub' takes exactly 2 inputs, got 3: [None, 4], [None, 4], [None, 4].");
    });

    it('a merge layer given one symbolic tensor, not a list, says it takes an array', () => {
      expect(() => new Add({ name: 'add_one' }).apply(Input({ shape: [4] }))).toThrow(
        "Add 'add_one'.apply takes an array of symbolic tensors, got one.",
      );
    });

    it('Concatenate refuses other dimensions that differ, and inputs of different ranks', () => {
      const apply = (): unknown =>
        new Concatenate({ name: 'cat' }).apply([Input({ shape: [2, 3] }), Input({ shape: [3, 4] })]);
      expect(apply).toThrow(ShapeError);
      expect(apply).toThrow(
        "Concatenate 'cat': its inputs must have the same shape except along axis -1, got [None, 2, 3], [None, 3, 4].",
      );
      const axis1 = (): unknown =>
        new Concatenate({ axis: 1, name: 'cat1' }).apply([Input({ shape: [2, 3] }), Input({ shape: [2, 4] })]);
      expect(axis1).toThrow(
        "Concatenate 'cat1': its inputs must have the same shape except along axis 1, got [None, 2, 3], [None, 2, 4].",
      );
      expect(() => new Concatenate({ name: 'cat2' }).apply([Input({ shape: [2, 3] }), Input({ shape: [3] })])).toThrow(
        "Concatenate 'cat2': its inputs must have the same rank, got [None, 2, 3], [None, 3].",
      );
    });

    it('Concatenate refuses axis 0, the batch, when made, and an axis that reaches it or beyond at apply', () => {
      expect(() => new Concatenate({ axis: 0, name: 'c0' })).toThrow(ValueError);
      expect(() => new Concatenate({ axis: 0, name: 'c0' })).toThrow("Concatenate 'c0': axis 0 is the batch dimension");
      const xs = (): ReturnType<typeof Input>[] => [Input({ shape: [2, 3] }), Input({ shape: [2, 3] })];
      const batch = (): unknown => new Concatenate({ axis: -3, name: 'cb' }).apply(xs());
      expect(batch).toThrow(ShapeError);
      expect(batch).toThrow(
        "Concatenate 'cb': axis -3 is the batch dimension of inputs [None, 2, 3], [None, 2, 3]; join along a sample axis, 1 … 2 or −2 … −1.",
      );
      expect(() => new Concatenate({ axis: 3, name: 'c3' }).apply(xs())).toThrow(
        "Concatenate 'c3': axis 3 is out of range for inputs [None, 2, 3], [None, 2, 3]; expected 1 … 2 or −2 … −1",
      );
      expect(() => new Concatenate({ axis: -4, name: 'c4' }).apply(xs())).toThrow(/axis -4 is out of range/);
      // In range, both ends.
      expect(new Concatenate({ axis: 2 }).apply(xs()).shape).toEqual([null, 2, 6]);
      expect(new Concatenate({ axis: -2 }).apply(xs()).shape).toEqual([null, 4, 3]);
    });

    it('a layer applied again must get the same shapes', () => {
      const layer = new Add({ name: 'twice' });
      layer.apply([Input({ shape: [4] }), Input({ shape: [4] })]);
      expect(() => layer.apply([Input({ shape: [5] }), Input({ shape: [5] })])).toThrow(ShapeError);
    });
  });

  describe('bad options and single-input use', () => {
    it('Concatenate refuses an axis that is not an integer', () => {
      for (const axis of [1.5, '1', null]) {
        expect(() => new Concatenate({ axis: axis as number, name: 'cat' })).toThrow(
          `Concatenate 'cat': axis must be an integer (counting the batch dimension, −1 for the last), got ${JSON.stringify(axis)}.`,
        );
      }
    });

    it('refuses inputShape and unknown options', () => {
      expect(() => new Add({ inputShape: [4] } as never)).toThrow(ValueError);
      expect(() => new Add({ inputShape: [4], name: 'a' } as never)).toThrow("Add 'a' takes no inputShape");
      expect(() => new Maximum({ axis: 1 } as never)).toThrow(/unknown option 'axis'/);
      expect(() => new Concatenate({ units: 3 } as never)).toThrow(/unknown option 'units'/);
    });

    it('the single-input forms throw, saying the layer takes a list', () => {
      const layer = new Average({ name: 'avg' });
      const x = randn([2, 3], rng);
      expect(() => layer.computeOutputShape([3])).toThrow(ValueError);
      expect(() => layer.computeOutputShape([3])).toThrow("Average 'avg' takes a list of inputs");
      expect(() => layer.forward(x, ctx)).toThrow("Average 'avg' takes a list of inputs");
      expect(() => layer.backward(x, { needInputGrad: true })).toThrow("Average 'avg' takes a list of inputs");
    });

    it('a Sequential model cannot hold one', () => {
      expect(() => new Sequential([new Add({ name: 'seq_add' })])).toThrow(
        "Sequential.add: Add 'seq_add' takes a list of inputs, and a Sequential gives each layer one",
      );
    });

    it('forwardOn checks the tensors against the built shapes and one batch size', () => {
      const layer = new Add({ name: 'fw' });
      expect(() => layer.forwardOn([randn([2, 3], rng), randn([2, 3], rng)], ctx)).toThrow(
        "Add 'fw' has not been built",
      );
      layer.buildOn([[3], [3]], { dtype: 'float64', rng: new Rng(1) });
      expect(() => layer.forwardOn([randn([2, 3], rng), randn([2, 4], rng)], ctx)).toThrow(
        "Add 'fw' expects inputs of shapes [None, 3], [None, 3], got [2, 3], [2, 4].",
      );
      expect(() => layer.forwardOn([randn([2, 3], rng)], ctx)).toThrow(ShapeError);
      expect(() => layer.forwardOn([randn([2, 3], rng), randn([5, 3], rng)], ctx)).toThrow(
        "Add 'fw': its inputs must have one batch size, got [2, 3], [5, 3].",
      );
      expect(() => layer.backwardOn(randn([2, 3], rng), { needInputGrad: true })).toThrow(
        "Add 'fw': backward called before forward",
      );
      layer.forwardOn([randn([2, 3], rng), randn([2, 3], rng)], ctx);
      expect(() => layer.backwardOn(randn([2, 4], rng), { needInputGrad: true })).toThrow(
        "Add 'fw': the output gradient must have the shape of the last output, [2, 3], got [2, 4].",
      );
    });

    it('buildOn records the shapes and dtype; a second build must agree', () => {
      const layer = new Concatenate({ name: 'cb2' });
      expect(layer.built).toBe(false);
      expect(layer.buildOn([[2], [3]], { dtype: 'float64', rng: new Rng(1) })).toEqual([5]);
      expect(layer.built).toBe(true);
      expect(layer.inputShapes).toEqual([[2], [3]]);
      expect(layer.outputShape).toEqual([5]);
      expect(layer.dtype).toBe('float64');
      expect(layer.parameters()).toEqual([]);
      expect(layer.buildOn([[2], [3]], { dtype: 'float64', rng: new Rng(1) })).toEqual([5]);
      expect(() => layer.buildOn([[2], [4]], { dtype: 'float64', rng: new Rng(1) })).toThrow(
        "Concatenate 'cb2' is built for inputs [None, 2], [None, 3] but is applied to [None, 2], [None, 4].",
      );
      expect(() => layer.buildOn([[2], [3]], { dtype: 'float32', rng: new Rng(1) })).toThrow(
        "Concatenate 'cb2' is built in float64",
      );
    });
  });
});
