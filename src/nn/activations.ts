/**
 * Activation functions by name, as Dense takes them, and the ReLU and Softmax layers. Each is a
 * forward/backward pair over [rows, cols] buffers; every backward is written in terms of the
 * activation's output y, so a layer keeps only y.
 */
import { ValueError } from '../errors.js';
import { kernels } from '../tensor/backend.js';
import type { FloatArray } from '../tensor/kernels.js';
import { Tensor, reuse } from '../tensor/tensor.js';
import { Layer, rowsOf, type BackwardOptions, type LayerArgs, type ForwardContext } from './layer.js';

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

/**
 * A layer applying an activation over the last axis.
 * x [batch, ..., c] → y [batch, ..., c]
 */
abstract class ActivationLayer extends Layer {
  private readonly act: Activation;
  private x?: Tensor;
  private y?: Tensor;
  private dx?: Tensor;

  constructor(name: ActivationName, args: LayerArgs = {}) {
    super(args);
    this.act = getActivation(name, this.describe());
  }

  computeOutputShape(inputShape: number[]): number[] {
    return [...inputShape];
  }

  forward(x: Tensor, _ctx?: ForwardContext): Tensor {
    this.checkInput(x);
    this.x = x;
    const y = (this.y = reuse(this.y, x.shape, this.dtype));
    this.act.forward(y.data as FloatArray, x.data as FloatArray, rowsOf(x), x.shape[x.rank - 1]);
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions): Tensor | null {
    if (!opts.needInputGrad) return null;
    if (opts.skipSoftmax && this.act.name === 'softmax') return dy;
    const y = this.y!;
    const dx = (this.dx = reuse(this.dx, y.shape, this.dtype));
    this.act.backward(dx.data as FloatArray, dy.data as FloatArray, y.data as FloatArray, rowsOf(y), y.shape[y.rank - 1]);
    return dx;
  }

  override endsInSoftmax(): boolean {
    return this.act.name === 'softmax';
  }

  override logits(): Tensor | undefined {
    return this.endsInSoftmax() ? this.x : undefined;
  }
}

/** max(x, 0). */
export class ReLU extends ActivationLayer {
  constructor(args: LayerArgs = {}) {
    super('relu', args);
  }
  override get className(): string {
    return 'ReLU';
  }
}

/** Softmax over the last axis, stable for large logits. */
export class Softmax extends ActivationLayer {
  constructor(args: LayerArgs = {}) {
    super('softmax', args);
  }
  override get className(): string {
    return 'Softmax';
  }
}
