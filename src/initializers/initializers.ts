/**
 * Weight initializers by name, as Keras defines them. Fans come from the weight's shape as Keras
 * computes them: [n] → n and n; [in, out] → in and out; [..., in, out] → in and out times the
 * product of the leading (receptive-field) dimensions.
 */
import { ValueError } from '../errors.js';
import type { FloatArray } from '../tensor/kernels.js';
import type { Rng } from '../tensor/random.js';

export type InitializerName =
  'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'lecunUniform' | 'lecunNormal' | 'zeros' | 'ones';

/** Fills a weight buffer given the layer's fan-in and fan-out. */
type Fill = (out: FloatArray, fanIn: number, fanOut: number, rng: Rng) => void;

/** Fills the buffer of a weight of the given shape. */
export type Initializer = (out: FloatArray, shape: readonly number[], rng: Rng) => void;

/**
 * Keras's compute_fans.
 *
 * @example
 * ```ts
 * fans([784, 128]);      // [784, 128]
 * fans([3, 3, 32, 64]);  // [288, 576]: the receptive field times the channels
 * ```
 */
export function fans(shape: readonly number[]): [fanIn: number, fanOut: number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

function uniform(limit: number): Fill {
  return (out, _i, _o, rng) => {
    for (let k = 0; k < out.length; k++) out[k] = rng.uniform(-limit, limit);
  };
}

// Keras's "normal" variance-scaling initializers draw from a normal truncated at two standard
// deviations, with the standard deviation divided by 0.8796… so the truncated variance is `scale`.
function truncatedNormal(out: FloatArray, stddev: number, rng: Rng): void {
  const s = stddev / 0.87962566103423978;
  for (let k = 0; k < out.length; k++) {
    let v: number;
    do v = rng.normal();
    while (v < -2 || v > 2);
    out[k] = v * s;
  }
}

const INITIALIZERS: Record<InitializerName, Fill> = {
  glorotUniform: (out, i, o, rng) => uniform(Math.sqrt(6 / (i + o)))(out, i, o, rng),
  glorotNormal: (out, i, o, rng) => truncatedNormal(out, Math.sqrt(2 / (i + o)), rng),
  heUniform: (out, i, o, rng) => uniform(Math.sqrt(6 / i))(out, i, o, rng),
  heNormal: (out, i, _o, rng) => truncatedNormal(out, Math.sqrt(2 / i), rng),
  lecunUniform: (out, i, o, rng) => uniform(Math.sqrt(3 / i))(out, i, o, rng),
  lecunNormal: (out, i, _o, rng) => truncatedNormal(out, Math.sqrt(1 / i), rng),
  zeros: (out) => out.fill(0),
  ones: (out) => out.fill(1),
};

/** Keras's (TensorFlow.js's spelling) class names of ours. */
const KERAS_NAMES: Record<InitializerName, string> = {
  glorotUniform: 'GlorotUniform',
  glorotNormal: 'GlorotNormal',
  heUniform: 'HeUniform',
  heNormal: 'HeNormal',
  lecunUniform: 'LeCunUniform',
  lecunNormal: 'LeCunNormal',
  zeros: 'Zeros',
  ones: 'Ones',
};

/**
 * `glorot_uniform` → `glorotUniform`: Keras's snake_case initializer names as ours.
 *
 * @example
 * ```ts
 * camelCase('glorot_uniform'); // 'glorotUniform'
 * ```
 */
export const camelCase = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * An initializer's name as Keras writes it in a config: `{ class_name: 'GlorotUniform', config: {} }`.
 *
 * @example
 * ```ts
 * initializerToKeras('heNormal'); // { class_name: 'HeNormal', config: {} }
 * ```
 */
export function initializerToKeras(name: unknown): { class_name: string; config: Record<string, never> } {
  return {
    class_name: KERAS_NAMES[camelCase(String(name)) as InitializerName] ?? KERAS_NAMES.glorotUniform,
    config: {},
  };
}

/**
 * Our name for an initializer in a Keras config (class names compared without case, so Keras 3's
 * LecunUniform and TF.js's LeCunUniform both read). One we do not have (VarianceScaling with its own
 * settings, say) only shaped the initial values, which loading replaces: it reads as `fallback`.
 *
 * @example
 * ```ts
 * initializerFromKeras({ class_name: 'GlorotUniform', config: { seed: null } }, 'zeros'); // 'glorotUniform'
 * ```
 */
export function initializerFromKeras(init: unknown, fallback: InitializerName): InitializerName {
  const cls = typeof init === 'string' ? camelCase(init) : (init as { class_name?: unknown } | null)?.class_name;
  const key = String(cls).toLowerCase();
  return (
    (Object.keys(KERAS_NAMES) as InitializerName[]).find(
      (k) => k.toLowerCase() === key || KERAS_NAMES[k].toLowerCase() === key,
    ) ?? fallback
  );
}

/**
 * Accepts camelCase (`glorotUniform`) and Keras's snake_case (`glorot_uniform`).
 *
 * The initializers of Dense's and Conv2D's `kernelInitializer` and `biasInitializer`, and
 * BatchNormalization's: glorotUniform, glorotNormal, heUniform, heNormal, lecunUniform, lecunNormal,
 * zeros, ones. The one returned fills a weight of a given shape from a seeded generator.
 *
 * @example
 * ```ts
 * const init = getInitializer('he_normal', 'my layer');
 * const w = new Float32Array(784 * 128);
 * init(w, [784, 128], new Rng(1)); // He-normal for a 784 → 128 kernel
 * ```
 */
export function getInitializer(name: string, where: string): Initializer {
  const key = typeof name === 'string' ? camelCase(name) : '';
  if (!Object.hasOwn(INITIALIZERS, key)) {
    throw new ValueError(
      `${where}: unknown initializer '${name}'; expected one of ${Object.keys(INITIALIZERS)
        .map((k) => `'${k}'`)
        .join(', ')}.`,
    );
  }
  const fill = INITIALIZERS[key as InitializerName];
  return (out, shape, rng) => fill(out, ...fans(shape), rng);
}
