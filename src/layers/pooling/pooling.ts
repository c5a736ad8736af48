/**
 * What the 2-D poolings share (MaxPooling2D, AveragePooling2D): a window size, strides and padding,
 * the output shape they give, their config, and Keras's spelling of it; and the Keras spelling the
 * global poolings share.
 */
import type { WindowGeometry } from '../../tensor/kernels.js';
import { reuse, type FloatTensor } from '../../tensor/tensor.js';
import { Layer, type LayerArgs, type LayerConfig } from '../layer.js';
import type { KerasMapping } from '../registry.js';
import { refuseOptionsFirst } from '../leading-arguments.js';
import { checkPadding, pair, requireChannelsLast, windowFromKeras, windowGeometry, type Padding } from '../window.js';

export interface Pooling2DArgs extends LayerArgs {
  /** Default: the pool size. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
}

/**
 * What MaxPooling2D and AveragePooling2D share: the window's size, strides and padding, the output shape
 * they give, and their config. The pool size comes first: `new MaxPooling2D(2, { strides: 1 })`.
 *
 * @example
 * ```ts
 * const pool = new MaxPooling2D(2, { strides: 1 });
 * pool.poolSize; // [2, 2]
 * pool.strides;  // [1, 1]
 * pool.padding;  // 'valid'
 * ```
 */
export abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  private geometry?: WindowGeometry;
  private y?: FloatTensor;
  private dx?: FloatTensor;

  /** poolSize: n or [h, w] (default 2, as in Keras). */
  constructor(poolSize: number | [number, number] = 2, args: Pooling2DArgs = {}) {
    super(args, ['strides', 'padding']);
    refuseOptionsFirst(this.describe(), this.className, poolSize, ['poolSize']);
    this.poolSize = pair(poolSize, 'poolSize', this.describe());
    this.strides = pair(args.strides ?? this.poolSize, 'strides', this.describe());
    this.padding = checkPadding(args.padding ?? 'valid', this.describe());
  }

  computeOutputShape(inputShape: number[]): number[] {
    const g = windowGeometry(inputShape, this.poolSize, this.strides, this.padding, this.describe());
    return [g.outH, g.outW, g.channels];
  }

  /**
   * For a forward pass over x [B, H, W, C]: checks x, and gives its windows (kept for the backward
   * pass) and the output buffer y [B, OH, OW, C].
   */
  protected forwardWindows(x: FloatTensor): { g: WindowGeometry; y: FloatTensor } {
    this.checkInput(x);
    const g = (this.geometry = windowGeometry(
      this.shapes().inputShape,
      this.poolSize,
      this.strides,
      this.padding,
      this.describe(),
      x.shape[0],
    ));
    return { g, y: (this.y = reuse(this.y, [g.batch, g.outH, g.outW, g.channels], this.dtype)) };
  }

  /** For the backward pass: the last forward's windows and the buffer dx [B, H, W, C] of its input's shape. */
  protected backwardWindows(): { g: WindowGeometry; dx: FloatTensor } {
    const g = this.saved(this.geometry);
    return { g, dx: (this.dx = reuse(this.dx, [g.batch, g.height, g.width, g.channels], this.dtype)) };
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
  }
}

/**
 * A pooling's Keras mapping: the same options under Keras's class name.
 *
 * @example
 * ```ts
 * registerLayer(MaxPooling2D, { fromConfig, keras: poolingKeras(MaxPooling2D.className) });
 * ```
 */
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

/**
 * A global pooling's Keras mapping (GlobalAveragePooling2D, GlobalMaxPooling2D): no options of
 * ours; Keras's keepdims (output [B, 1, 1, C]) and channels-first data are refused.
 *
 * @example
 * ```ts
 * registerLayer(GlobalMaxPooling2D, { fromConfig, keras: globalPoolingKeras(GlobalMaxPooling2D.className) });
 * ```
 */
export function globalPoolingKeras(className: string): KerasMapping {
  return {
    className,
    toKeras: () => ({ data_format: 'channels_last' }),
    fromKeras: (k, require) => {
      requireChannelsLast(k, require);
      require(!k.keepdims, 'keepdims true');
      return {};
    },
  };
}
