/**
 * What the 2-D poolings share (MaxPooling2D, AveragePooling2D): a window size, strides and padding,
 * the output shape they give, their config, and Keras's spelling of it.
 */
import type { WindowGeometry } from '../tensor/kernels.js';
import type { FloatTensor } from '../tensor/tensor.js';
import { Layer, type LayerArgs, type LayerConfig } from './layer.js';
import type { KerasMapping } from './registry.js';
import { checkPadding, pair, windowFromKeras, windowGeometry, type Padding } from './window.js';

export interface Pooling2DArgs extends LayerArgs {
  /** Default: the pool size. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
}

export abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  /** poolSize: n or [h, w] (default 2, as in Keras). */
  constructor(poolSize: number | [number, number] = 2, args: Pooling2DArgs = {}) {
    super(args, ['strides', 'padding']);
    this.poolSize = pair(poolSize, 'poolSize', this.describe());
    this.strides = pair(args.strides ?? this.poolSize, 'strides', this.describe());
    this.padding = checkPadding(args.padding ?? 'valid', this.describe());
  }

  computeOutputShape(inputShape: number[]): number[] {
    const g = windowGeometry(inputShape, this.poolSize, this.strides, this.padding, this.describe());
    return [g.outH, g.outW, g.channels];
  }

  /** The windows over a batch x [B, H, W, C]. */
  protected geometryOf(x: FloatTensor): WindowGeometry {
    return windowGeometry(this.shapes().inputShape, this.poolSize, this.strides, this.padding, this.describe(), x.shape[0]);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
  }
}

/** A pooling's Keras mapping: the same options under Keras's class name. */
export function poolingKeras(className: string): KerasMapping {
  return {
    className,
    toKeras: (c) => ({ pool_size: c.poolSize, strides: c.strides, padding: c.padding, data_format: 'channels_last' }),
    fromKeras: (k, require) => {
      const poolSize = k.pool_size ?? 2;
      return { poolSize, ...windowFromKeras(k, require, poolSize) };
    },
  };
}
