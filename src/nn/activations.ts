/**
 * Activation functions by name, as Dense, Conv2D and the Activation layer take them. Each is a
 * forward/backward pair over [rows, cols] buffers; every backward is written in terms of the
 * activation's output y, so a layer keeps only y.
 */
import { ValueError } from '../errors.js';
import { kernels } from '../tensor/backend.js';
import type { FloatArray } from '../tensor/kernels.js';

export type ActivationName = 'relu' | 'softmax' | 'sigmoid' | 'tanh' | 'linear';

export interface Activation {
  readonly name: ActivationName;
  /** y = f(x), x and y [rows, cols]. */
  forward(y: FloatArray, x: FloatArray, rows: number, cols: number): void;
  /** dx = dy · f'(x), written with y = f(x). */
  backward(dx: FloatArray, dy: FloatArray, y: FloatArray, rows: number, cols: number): void;
}

/** An activation whose forward and backward kernels work element by element over rows·cols values. */
function elementwise(
  name: ActivationName,
  fwd: 'relu' | 'sigmoid' | 'tanh',
  bwd: 'reluBackward' | 'sigmoidBackward' | 'tanhBackward',
): Activation {
  return {
    name,
    forward: (y, x, r, c) => kernels()[fwd](y, x, r * c),
    backward: (dx, dy, y, r, c) => kernels()[bwd](dx, dy, y, r * c),
  };
}

const ACTIVATIONS: Record<ActivationName, Activation> = {
  linear: {
    name: 'linear',
    forward: (y, x, r, c) => y.set(x.subarray(0, r * c)),
    backward: (dx, dy, _y, r, c) => dx.set(dy.subarray(0, r * c)),
  },
  relu: elementwise('relu', 'relu', 'reluBackward'),
  sigmoid: elementwise('sigmoid', 'sigmoid', 'sigmoidBackward'),
  tanh: elementwise('tanh', 'tanh', 'tanhBackward'),
  softmax: {
    name: 'softmax',
    forward: (y, x, r, c) => kernels().softmax(y, x, r, c),
    backward: (dx, dy, y, r, c) => kernels().softmaxBackward(dx, dy, y, r, c),
  },
};

/** Looks up an activation by name (`undefined` and `null` mean linear, as in Keras). */
export function getActivation(name: ActivationName | string | null | undefined, where: string): Activation {
  const key = name ?? 'linear';
  const act = (ACTIVATIONS as Record<string, Activation>)[key];
  if (!act || !Object.hasOwn(ACTIVATIONS, key)) {
    throw new ValueError(`${where}: unknown activation '${String(name)}'; expected one of ${Object.keys(ACTIVATIONS).map((k) => `'${k}'`).join(', ')}.`);
  }
  return act;
}
