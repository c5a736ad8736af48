/**
 * Weight initializers by name, as Keras defines them. fanIn and fanOut are given by the layer
 * (for Dense's kernel [inputDim, units]: inputDim and units).
 */
import { ValueError } from '../errors.js';
import type { FloatArray } from '../tensor/kernels.js';
import type { Rng } from '../tensor/random.js';

export type InitializerName =
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heUniform'
  | 'heNormal'
  | 'lecunUniform'
  | 'lecunNormal'
  | 'zeros'
  | 'ones';

/** Fills a weight buffer given the layer's fan-in and fan-out. */
export type Initializer = (out: FloatArray, fanIn: number, fanOut: number, rng: Rng) => void;

function uniform(limit: number): Initializer {
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

const INITIALIZERS: Record<InitializerName, Initializer> = {
  glorotUniform: (out, i, o, rng) => uniform(Math.sqrt(6 / (i + o)))(out, i, o, rng),
  glorotNormal: (out, i, o, rng) => truncatedNormal(out, Math.sqrt(2 / (i + o)), rng),
  heUniform: (out, i, o, rng) => uniform(Math.sqrt(6 / i))(out, i, o, rng),
  heNormal: (out, i, _o, rng) => truncatedNormal(out, Math.sqrt(2 / i), rng),
  lecunUniform: (out, i, o, rng) => uniform(Math.sqrt(3 / i))(out, i, o, rng),
  lecunNormal: (out, i, _o, rng) => truncatedNormal(out, Math.sqrt(1 / i), rng),
  zeros: (out) => out.fill(0),
  ones: (out) => out.fill(1),
};

/** Accepts camelCase (`glorotUniform`) and Keras's snake_case (`glorot_uniform`). */
export function getInitializer(name: string, where: string): Initializer {
  const key = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  if (!Object.hasOwn(INITIALIZERS, key)) {
    throw new ValueError(`${where}: unknown initializer '${name}'; expected one of ${Object.keys(INITIALIZERS).map((k) => `'${k}'`).join(', ')}.`);
  }
  return INITIALIZERS[key as InitializerName];
}
