/**
 * Activation(name): an activation function as a layer of its own, applied elementwise (softmax:
 * over the last axis), as Keras's Activation layer. ReLU and Softmax (relu.ts, softmax.ts) are the
 * same layer with the function fixed.
 *
 *   x, y  [batch, ..., c]     y = f(x)
 *   dx = dy ⊙ f'(x), from x and y (each function reads what its derivative needs: see
 *   activations.ts); with the fused softmax + cross-entropy the loss already gave dL/dx, so softmax
 *   passes dy through.
 *
 * The layer keeps the x it was given (the previous layer's output, valid until that layer's next
 * pass, which comes after this layer's backward) and its own y.
 */
import { reuse, type FloatTensor } from '../../tensor/tensor.js';
import {
  activationFromKeras,
  getActivation,
  type Activation as ActivationFn,
  type ActivationName,
} from '../../activations/activations.js';
import {
  Layer,
  rowsOf,
  type BackwardOptions,
  type ForwardContext,
  type LayerArgs,
  type LayerConfig,
} from '../layer.js';
import { registerLayer, without } from '../registry.js';

/**
 * The forward/backward pair of a layer that applies one activation function.
 *
 * @example
 * ```ts
 * class Tanh extends ActivationLayer {
 *   static override readonly className: string = 'Tanh';
 *   constructor(args: LayerArgs = {}) {
 *     super('tanh', args);
 *   }
 * }
 * ```
 */
export abstract class ActivationLayer extends Layer {
  /** The function applied. */
  readonly fn: ActivationFn;
  private x?: FloatTensor;
  private y?: FloatTensor;
  private dx?: FloatTensor;

  /**
   * `fn`: a name `getActivation` knows, or what makes the function given this layer's description
   * for its errors (LeakyReLU's, whose slope is an option); `ownKeys`: the options a subclass adds.
   */
  constructor(
    fn: ActivationName | (string & {}) | ((where: string) => ActivationFn),
    args: LayerArgs,
    ownKeys: readonly string[] = [],
  ) {
    super(args, ownKeys);
    this.fn = typeof fn === 'function' ? fn(this.describe()) : getActivation(fn, this.describe());
  }

  computeOutputShape(inputShape: number[]): number[] {
    return [...inputShape];
  }

  forward(x: FloatTensor, _ctx?: ForwardContext): FloatTensor {
    this.checkInput(x);
    this.x = x;
    if (this.fn.name === 'linear') return x;
    const y = (this.y = reuse(this.y, x.shape, this.dtype));
    this.fn.forward(y.data, x.data, rowsOf(x), x.shape[x.rank - 1]);
    return y;
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    if (!opts.needInputGrad) return null;
    if (this.fn.name === 'linear' || (opts.skipSoftmax && this.fn.name === 'softmax')) return dy;
    const x = this.saved(this.x);
    const y = this.saved(this.y);
    const dx = (this.dx = reuse(this.dx, y.shape, this.dtype));
    this.fn.backward(dx.data, dy.data, x.data, y.data, rowsOf(y), y.shape[y.rank - 1]);
    return dx;
  }

  override endsInSoftmax(): boolean {
    return this.fn.name === 'softmax';
  }

  override logits(): FloatTensor | undefined {
    return this.endsInSoftmax() ? this.x : undefined;
  }
}

export interface ActivationArgs extends LayerArgs {
  /** The function's name (see ActivationName); default 'linear'. */
  activation?: ActivationName;
}

/**
 * Keras's Activation layer: `new Activation('tanh')` or `new Activation({ activation: 'tanh' })`.
 *
 * Applies one activation element-wise (softmax over the last axis); the names are those of Dense's
 * `activation` option.
 *
 * @example
 * ```ts
 * new Sequential([
 *   new Dense(64, { inputShape: [784] }),
 *   new Activation('tanh'),
 *   new Dense(10),
 *   new Activation('softmax'),
 * ]);
 * ```
 */
export class Activation extends ActivationLayer {
  static override readonly className: string = 'Activation';

  constructor(activation: ActivationName | ActivationArgs, args: LayerArgs = {}) {
    const a =
      typeof activation === 'object' && activation !== null ? { ...args, ...activation } : { ...args, activation };
    super(a.activation ?? 'linear', without(a, 'activation'));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), activation: this.fn.name };
  }
}

registerLayer(Activation, {
  fromConfig: (c) => new Activation(c as ActivationArgs),
  keras: {
    className: 'Activation',
    toKeras: (c) => ({ activation: c.activation }),
    fromKeras: (k) => ({ activation: activationFromKeras(k.activation) }),
  },
});
