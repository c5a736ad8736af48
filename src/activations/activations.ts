/**
 * Activation functions by name, as Dense, Conv2D and the Activation layer take them. Each is a
 * forward/backward pair over [rows, cols] buffers. The backward pass is given both the input x and
 * the output y = f(x): relu, sigmoid, tanh and softmax write their derivative from y (their fast
 * kernels), the others from x, which gelu and swish cannot do without (x is not a function of y) and
 * which is more accurate for elu, selu and softplus (e^x rather than 1 + y, where y ≈ −1).
 *
 * The functions written here are plain loops (they run on every backend), in float64 whatever the
 * buffers hold. ReLU, relu6 and leaky relu let NaN through, as TensorFlow does, so a diverged model
 * says so instead of predicting plausible numbers.
 */
import { ValueError } from '../errors.js';
import { kernels } from '../tensor/backend.js';
import type { FloatArray } from '../tensor/kernels.js';
import { erfc } from './erf.js';

export type ActivationName =
  'relu' | 'softmax' | 'sigmoid' | 'tanh' | 'linear' | 'elu' | 'selu' | 'gelu' | 'swish' | 'softplus' | 'relu6';

export interface Activation {
  /**
   * The name `getActivation` knows it by; 'leaky_relu' (Keras 3's name for the function) is
   * LeakyReLU's, made by `leakyRelu(alpha)` since its slope is the layer's option.
   */
  readonly name: ActivationName | 'leaky_relu';
  /** y = f(x), x and y [rows, cols]. */
  forward(y: FloatArray, x: FloatArray, rows: number, cols: number): void;
  /** dx = dy ⊙ f'(x), all [rows, cols]; x is the forward pass's input and y = f(x) its output. */
  backward(dx: FloatArray, dy: FloatArray, x: FloatArray, y: FloatArray, rows: number, cols: number): void;
}

/**
 * An activation whose forward and backward kernels work element by element over rows·cols values, the derivative from
 * y.
 */
function kernel(
  name: ActivationName,
  fwd: 'relu' | 'sigmoid' | 'tanh',
  bwd: 'reluBackward' | 'sigmoidBackward' | 'tanhBackward',
): Activation {
  return {
    name,
    forward: (y, x, r, c) => kernels()[fwd](y, x, r * c),
    backward: (dx, dy, _x, y, r, c) => kernels()[bwd](dx, dy, y, r * c),
  };
}

/** An activation applied value by value: y = f(x), dx = dy · df(x). */
function pointwise(name: Activation['name'], f: (x: number) => number, df: (x: number) => number): Activation {
  return {
    name,
    forward: (y, x, r, c) => {
      for (let i = 0; i < r * c; i++) y[i] = f(x[i]);
    },
    backward: (dx, dy, x, _y, r, c) => {
      for (let i = 0; i < r * c; i++) dx[i] = dy[i] * df(x[i]);
    },
  };
}

/** σ(x) = 1 / (1 + e^−x), never taking e of a large positive number. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

// SELU's constants (Klambauer et al. 2017), as Keras and TensorFlow write them.
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
/** 1/√(2π), the standard normal density's factor. */
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const ACTIVATIONS: Record<ActivationName, Activation> = {
  linear: {
    name: 'linear',
    forward: (y, x, r, c) => y.set(x.subarray(0, r * c)),
    backward: (dx, dy, _x, _y, r, c) => dx.set(dy.subarray(0, r * c)),
  },
  relu: kernel('relu', 'relu', 'reluBackward'),
  sigmoid: kernel('sigmoid', 'sigmoid', 'sigmoidBackward'),
  tanh: kernel('tanh', 'tanh', 'tanhBackward'),
  softmax: {
    name: 'softmax',
    forward: (y, x, r, c) => kernels().softmax(y, x, r, c),
    backward: (dx, dy, _x, y, r, c) => kernels().softmaxBackward(dx, dy, y, r, c),
  },
  // elu (α = 1, Keras's default): y = x for x > 0, e^x − 1 otherwise (expm1: exact near 0);
  // f'(x) = 1 for x > 0, e^x otherwise.
  elu: pointwise(
    'elu',
    (x) => (x > 0 ? x : Math.expm1(x)),
    (x) => (x > 0 ? 1 : Math.exp(x)),
  ),
  // selu: y = scale · x for x > 0, scale · α · (e^x − 1) otherwise; f'(x) = scale, or scale · α · e^x.
  selu: pointwise(
    'selu',
    (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x)),
    (x) => (x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(x)),
  ),
  // gelu, the exact form (Keras's default, TF.js's 'gelu'): y = x · Φ(x) = ½ x (1 + erf(x/√2)),
  // written ½ x · erfc(−x/√2), which keeps its accuracy where Φ(x) is tiny (x ≪ 0);
  // f'(x) = Φ(x) + x · φ(x), φ(x) = e^(−x²/2) / √(2π) the normal density.
  gelu: pointwise(
    'gelu',
    (x) => 0.5 * x * erfc(-x * Math.SQRT1_2),
    (x) => 0.5 * erfc(-x * Math.SQRT1_2) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
  ),
  // swish (silu): y = x · σ(x); f'(x) = σ(x) + x · σ(x) · (1 − σ(x)) = σ(x) · (1 + x · (1 − σ(x))).
  swish: pointwise(
    'swish',
    (x) => x * sigmoid(x),
    (x) => {
      const s = sigmoid(x);
      return s * (1 + x * (1 - s));
    },
  ),
  // softplus: y = log(1 + e^x), written max(x, 0) + log1p(e^−|x|) so that e^x never overflows
  // (and log1p keeps the small tail exact); f'(x) = σ(x).
  softplus: pointwise('softplus', (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), sigmoid),
  // relu6: y = min(max(x, 0), 6), NaN kept (both comparisons are false for NaN);
  // f'(x) = 1 for 0 < x < 6, else 0 (TensorFlow's Relu6Grad).
  relu6: pointwise(
    'relu6',
    (x) => (x <= 0 ? 0 : x >= 6 ? 6 : x),
    (x) => (x > 0 && x < 6 ? 1 : 0),
  ),
};

/**
 * Leaky relu of slope `alpha` (a finite number ≥ 0, as Keras requires; `where` names the layer in
 * the error): y = x for x ≥ 0, α · x otherwise, NaN kept (x < 0 is false for NaN);
 * f'(x) = 1 for x > 0, α otherwise (TensorFlow's LeakyReluGrad).
 *
 * @example
 * ```ts
 * const act = leakyRelu(0.1, 'my layer');
 * const y = new Float32Array(2);
 * act.forward(y, Float32Array.of(-1, 2), 1, 2); // y = [-0.1, 2]
 * ```
 */
export function leakyRelu(alpha: number, where: string): Activation {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0) {
    throw new ValueError(
      `${where}: alpha must be a finite number ≥ 0, got ${typeof alpha === 'number' ? String(alpha) : JSON.stringify(alpha)}.`,
    );
  }
  return pointwise(
    'leaky_relu',
    (x) => (x < 0 ? alpha * x : x),
    (x) => (x > 0 ? 1 : alpha),
  );
}

/**
 * Looks up an activation by name (`undefined` and `null` mean linear, as in Keras).
 *
 * `where` names the layer in the error for an unknown name.
 *
 * @example
 * ```ts
 * const relu = getActivation('relu', 'my layer');
 * const x = Float32Array.of(-1, 2), y = new Float32Array(2);
 * relu.forward(y, x, 1, 2); // y = [0, 2]
 * ```
 */
export function getActivation(
  // `string & {}`: any name is accepted (and checked here) while editors still offer the known ones.
  name: ActivationName | (string & {}) | null | undefined,
  where: string,
): Activation {
  const key = name ?? 'linear';
  const act = (ACTIVATIONS as Record<string, Activation>)[key];
  if (!act || !Object.hasOwn(ACTIVATIONS, key)) {
    throw new ValueError(
      `${where}: unknown activation '${String(name)}'; expected one of ${Object.keys(ACTIVATIONS)
        .map((k) => `'${k}'`)
        .join(', ')}.`,
    );
  }
  return act;
}

/**
 * An activation name from a Keras config: Keras 3 writes swish as 'silu' (one function under both
 * names there; TensorFlow.js knows only 'swish'); absent or null is linear.
 *
 * @example
 * ```ts
 * activationFromKeras('silu'); // 'swish'
 * activationFromKeras(null);   // 'linear'
 * ```
 */
export function activationFromKeras(name: unknown): unknown {
  return name === 'silu' ? 'swish' : (name ?? 'linear');
}
