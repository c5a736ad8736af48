/**
 * Central finite differences in float64, the oracle every hand-written backward pass is held to.
 * With h = 1e-6 the truncation error is O(h²) ≈ 1e-12 and the rounding error ≈ 1e-16/h = 1e-10, so a
 * correct derivative agrees to ~1e-8 of the gradient's scale, and a wrong one is off by far more.
 */
import { Rng } from '../../src/tensor/random.js';
import { Tensor, type FloatTensor } from '../../src/tensor/tensor.js';
import { Layer } from '../../src/layers/layer.js';

export const H = 1e-6;
/** The largest error, relative to the gradient's scale, that a correct derivative shows. */
export const TOL = 1e-6;

/** ∂f/∂data[i] for every i, by (f(x + h) − f(x − h)) / 2h, restoring data afterwards. */
export function numericGrad(f: () => number, data: Float64Array | Float32Array): Float64Array {
  const g = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const orig = data[i];
    data[i] = orig + H;
    const fp = f();
    data[i] = orig - H;
    const fm = f();
    data[i] = orig;
    g[i] = (fp - fm) / (2 * H);
  }
  return g;
}

/** max_i |a_i − b_i| / max_i |b_i|: the error relative to the scale of the reference gradient b. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

export function randn(shape: number[], rng: Rng, scale = 1): FloatTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = scale * rng.normal();
  return new Tensor<Float64Array>(d, shape);
}

export interface LayerCheck {
  /** Relative error of dL/dx. */
  input: number;
  /** Relative error of each parameter's gradient, by name. */
  params: Record<string, number>;
}

/**
 * Checks a built float64 layer on input x with the scalar L = Σ layer(x) ⊙ R for a fixed random R,
 * so dL/dy = R. `seed` fixes the rng handed to forward (dropout masks repeat exactly).
 */
export function checkLayer(layer: Layer, x: FloatTensor, opts: { training?: boolean; seed?: number } = {}): LayerCheck {
  const rng = new Rng(99);
  const training = opts.training ?? false;
  const seed = opts.seed ?? 1;
  const run = (): FloatTensor => layer.forward(x, { training, rng: new Rng(seed) });
  const y0 = run();
  const R = randn(y0.shape, rng);
  const loss = (): number => {
    const y = run();
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i] * R.data[i];
    return s;
  };
  run();
  const dx = layer.backward(R, { needInputGrad: true })!;
  // Non-trainable weights (BatchNormalization's moving statistics) have no gradient to check.
  const learnt = layer.parameters().filter((p) => p.trainable !== false);
  const analytic = { dx: Float64Array.from(dx.data), params: learnt.map((p) => Float64Array.from(p.grad.data)) };
  const result: LayerCheck = { input: relError(analytic.dx, numericGrad(loss, x.data)), params: {} };
  learnt.forEach((p, i) => {
    result.params[p.name] = relError(analytic.params[i], numericGrad(loss, p.value.data));
  });
  return result;
}

/**
 * checkLayer for a layer that takes a list of inputs (the merge layers), through the list forms a
 * functional model calls (forwardOn, backwardOn): the relative error of dL/dxᵢ for each input, with
 * L = Σ layer(xs) ⊙ R for a fixed random R. The inputs must be distinct tensors (one perturbed at a
 * time).
 */
export function checkLayerOn(layer: Layer, xs: FloatTensor[]): number[] {
  const ctx = { training: false, rng: new Rng(1) };
  const R = randn(layer.forwardOn(xs, ctx).shape, new Rng(99));
  const loss = (): number => {
    const y = layer.forwardOn(xs, ctx);
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i] * R.data[i];
    return s;
  };
  loss();
  const analytic = layer.backwardOn(R, { needInputGrad: true }).map((dx) => Float64Array.from(dx!.data));
  return xs.map((x, i) => relError(analytic[i], numericGrad(loss, x.data)));
}

/** Builds a layer that takes a list of inputs in float64 for these sample shapes. */
export function buildOnF64<L extends Layer>(layer: L, sampleShapes: number[][], seed = 3): L {
  layer.buildOn(sampleShapes, { dtype: 'float64', rng: new Rng(seed) });
  return layer;
}

/** Builds a layer in float64 for a sample shape. */
export function buildF64<L extends Layer>(layer: L, sampleShape: number[], seed = 3): L {
  layer.build(sampleShape, { dtype: 'float64', rng: new Rng(seed) });
  return layer;
}

/**
 * Finite differences of a compiled model's loss (through the public computeGradients) with respect
 * to every weight, one array per weight in getWeights() order.
 */
export async function numericModelGrads(
  model: { parameters(): { value: Tensor }[]; computeGradients(x: never, y: never): Promise<{ loss: number }> },
  x: unknown,
  y: unknown,
): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  for (const p of model.parameters()) {
    const d = p.value.data;
    const g = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const orig = d[i];
      d[i] = orig + H;
      const fp = (await model.computeGradients(x as never, y as never)).loss;
      d[i] = orig - H;
      const fm = (await model.computeGradients(x as never, y as never)).loss;
      d[i] = orig;
      g[i] = (fp - fm) / (2 * H);
    }
    out.push(g);
  }
  return out;
}
