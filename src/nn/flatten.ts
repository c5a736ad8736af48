/**
 * Flatten: x [batch, d1, d2, ...] → y [batch, d1·d2·…]. Row-major data is already in that order,
 * so both passes are reshapes that share the buffer.
 */
import { Tensor, shapeSize } from '../tensor/tensor.js';
import { Layer, type BackwardOptions, type ForwardContext } from './layer.js';

export class Flatten extends Layer {
  override get className(): string {
    return 'Flatten';
  }

  computeOutputShape(inputShape: number[]): number[] {
    return [shapeSize(inputShape)];
  }

  forward(x: Tensor, _ctx?: ForwardContext): Tensor {
    this.checkInput(x);
    return x.reshape([x.shape[0], this.outputShape![0]]);
  }

  backward(dy: Tensor, opts: BackwardOptions): Tensor | null {
    if (!opts.needInputGrad) return null;
    return dy.reshape([dy.shape[0], ...this.inputShape!]);
  }
}
