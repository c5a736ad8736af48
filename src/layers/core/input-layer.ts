/**
 * InputLayer and Input (Keras's): where a functional model's graph begins. `Input({ shape })` makes
 * an InputLayer and returns its symbolic output; a model is given its values and feeds them on.
 *   forward: y = x;  backward: dx = dy (no model asks for it: nothing before an input learns)
 */
import { ShapeError, checkKeys } from '../../errors.js';
import type { FloatTensor } from '../../tensor/tensor.js';
import { Layer, type BackwardOptions } from '../layer.js';
import { registerLayer, type Json } from '../registry.js';
import { GraphNode, type SymbolicTensor } from '../symbolic.js';

/**
 * Input's options: the sample shape (no batch dimension) and a name.
 * @example
 * const args: InputArgs = { shape: [28, 28, 1], name: 'image' };
 */
export interface InputArgs {
  /** The shape of one sample, without the batch dimension. */
  shape: number[];
  name?: string;
}

/**
 * The layer behind `Input`: a functional model's input, the identity. Keras lists it in a functional
 * model's `layers` and files; `Input` is how a model gets one.
 * @example
 * const x = Input({ shape: [784] });
 * x.node.layer instanceof InputLayer; // true
 */
export class InputLayer extends Layer {
  static override readonly className: string = 'InputLayer';
  /** The symbolic tensor this layer outputs. */
  readonly output: SymbolicTensor;

  constructor(args: InputArgs) {
    checkKeys('Input', args, ['shape', 'name']);
    const shape = args?.shape;
    if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ShapeError(
        `Input: shape must be the sample shape as positive integers without the batch dimension (e.g. [28, 28, 1]), got ${JSON.stringify(shape)}.`,
      );
    }
    super({ name: args.name ?? defaultName(), inputShape: shape });
    this.output = new GraphNode(this, [], [[...shape]], false).outputs[0];
  }

  computeOutputShape(inputShape: number[]): number[] {
    return [...inputShape];
  }

  forward(x: FloatTensor): FloatTensor {
    this.checkInput(x);
    return x;
  }

  backward(dy: FloatTensor, opts: BackwardOptions): FloatTensor | null {
    return opts.needInputGrad ? dy : null;
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, shape: [...this.declaredInputShape!] };
  }
}

let inputCount = 0;
/** `input_layer`, `input_layer_1`, …: Keras 3's names for inputs. */
function defaultName(): string {
  return inputCount++ === 0 ? 'input_layer' : `input_layer_${inputCount - 1}`;
}

/**
 * A functional model's input (Keras's `keras.Input`): a symbolic tensor of batches of `shape`.
 * Apply layers to it, then make a Model of the inputs and the outputs.
 * @example
 * const x = Input({ shape: [28, 28, 1], name: 'image' });
 * const y = new Dense(10, { activation: 'softmax' }).apply(new Flatten().apply(x));
 * const model = new Model({ inputs: x, outputs: y });
 */
export function Input(args: InputArgs): SymbolicTensor {
  return new InputLayer(args).output;
}

/** The sample shape of a Keras InputLayer config: Keras 3's batch_shape, Keras 2's and TF.js's batch_input_shape. */
function kerasSampleShape(k: Json): unknown {
  const batch = k.batch_shape ?? k.batch_input_shape;
  return Array.isArray(batch) ? batch.slice(1) : k.shape;
}

registerLayer(InputLayer, {
  fromConfig: (c) => new InputLayer({ name: c.name as string, shape: c.shape as number[] }),
  keras: {
    className: 'InputLayer',
    toKeras: (c) => ({ batch_shape: [null, ...(c.shape as number[])], dtype: 'float32', sparse: false }),
    fromKeras: (k, require) => {
      require(k.sparse !== true, 'sparse inputs');
      require(k.ragged !== true, 'ragged inputs');
      return { shape: kerasSampleShape(k) };
    },
  },
});
