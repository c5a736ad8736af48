/**
 * The samples of a fit, as Keras's EpochIterator and array data adapter hand them out: the
 * validation split, then for each epoch a shuffle and the mini-batches, of each input and target
 *   xs[i] [b, ...sample], ys[j] [b, ...target], weights [b] (when the loss is weighted),
 * with b = batchSize except for the last batch of an epoch (n mod batchSize when that is not 0).
 * The shuffle draws one permutation of n from the model's generator when an epoch's first batch is
 * asked for, so a run's draws (shuffles, then dropout masks step by step) keep one order.
 */
import { ValueError } from '../errors.js';
import type { FloatDType } from '../tensor/kernels.js';
import type { Rng } from '../tensor/random.js';
import { reuse, type FloatTensor, type Tensor } from '../tensor/tensor.js';

/**
 * Samples (each input's) with their targets (each output's) and, when the loss is weighted, one
 * weight per sample: xs[i] [n, …], ys[j] [n, …], weights [n].
 * @example
 * const data: SampleData = { xs: [xTrain], ys: [yTrain] };
 */
export interface SampleData {
  xs: FloatTensor[];
  ys: Tensor[];
  weights?: Float64Array;
}

/**
 * One mini-batch: its index in the epoch, its number of samples, and its rows of the data.
 * @example
 * for (const batch of iterator.epoch()) console.log(batch.index, batch.size, batch.xs[0].shape);
 */
export interface Batch extends SampleData {
  index: number;
  size: number;
}

/**
 * Splits off the last `split` of the samples for validation, before any shuffle (as Keras's
 * train_validation_split): the first ⌊n·(1 − split)⌋ samples train. The weights go along when
 * `weighValidation` (sample weights do, as in Keras 3; class weights, made for training only, do not).
 * @example
 * const { train, val } = splitValidation({ xs: [x], ys: [y] }, 0.1, false); // 54000 and 6000 of 60000 samples
 */
export function splitValidation(
  data: SampleData,
  split: number,
  weighValidation: boolean,
): { train: SampleData; val: SampleData } {
  const { xs, ys, weights } = data;
  const n = xs[0].shape[0];
  const at = Math.floor(n * (1 - split));
  if (at === 0 || at === n) {
    throw new ValueError(
      `fit: validationSplit ${split} of ${n} samples leaves ${at === 0 ? 'no training' : 'no validation'} samples.`,
    );
  }
  return {
    train: { xs: xs.map((x) => x.slice(0, at)), ys: ys.map((y) => y.slice(0, at)), weights: weights?.subarray(0, at) },
    val: {
      xs: xs.map((x) => x.slice(at)),
      ys: ys.map((y) => y.slice(at)),
      weights: weighValidation ? weights?.subarray(at) : undefined,
    },
  };
}

/**
 * The buffers a shuffled batch of inputs is gathered into (one per input), kept across steps and
 * fits: they live in the backend's memory, where the products read them in place, and are never
 * allocated again.
 * @example
 * const buffer = new BatchBuffer();
 * const xb = buffer.take(0, [32, 784], 'float32'); // the same memory on the next call of that size or less
 */
export class BatchBuffer {
  private readonly xs: (FloatTensor | undefined)[] = [];

  /** A tensor of `shape` for input i, reusing the last one's memory when it is large enough. */
  take(i: number, shape: readonly number[], dtype: FloatDType): FloatTensor {
    return (this.xs[i] = reuse(this.xs[i], shape, dtype));
  }
}

/**
 * How an EpochIterator batches: the batch size, and for a shuffle the generator and the buffer.
 * @example
 * const options: EpochIteratorOptions = { batchSize: 32, shuffle: model.rng, buffer: new BatchBuffer() };
 */
export interface EpochIteratorOptions {
  batchSize: number;
  /** The generator that shuffles the samples before each epoch; none keeps their order. */
  shuffle?: Rng;
  /** Where shuffled inputs are gathered; a new one when not given. */
  buffer?: BatchBuffer;
}

/**
 * Hands out the mini-batches of each epoch (Keras's EpochIterator over an array adapter).
 * @example
 * const it = new EpochIterator({ xs: [x], ys: [y] }, { batchSize: 32, shuffle: model.rng });
 * for (let epoch = 0; epoch < 3; epoch++) for (const b of it.epoch()) train(b.xs, b.ys);
 */
export class EpochIterator {
  /** Samples per epoch. */
  readonly samples: number;
  /** Batches per epoch: ⌈samples / batchSize⌉. */
  readonly steps: number;
  private readonly buffer: BatchBuffer;

  constructor(
    private readonly data: SampleData,
    private readonly options: EpochIteratorOptions,
  ) {
    this.samples = data.xs[0].shape[0];
    this.steps = Math.ceil(this.samples / options.batchSize);
    this.buffer = options.buffer ?? new BatchBuffer();
  }

  /** One epoch's batches, in a new order when shuffling (drawn when the first batch is asked for). */
  *epoch(): Generator<Batch, void, undefined> {
    const { xs, ys, weights } = this.data;
    const n = this.samples;
    const { batchSize, shuffle } = this.options;
    const order = shuffle ? shuffle.permutation(n) : null;
    for (let index = 0; index < this.steps; index++) {
      const lo = index * batchSize;
      const hi = Math.min(n, lo + batchSize);
      if (!order) {
        yield {
          index,
          size: hi - lo,
          xs: xs.map((x) => x.slice(lo, hi)),
          ys: ys.map((y) => y.slice(lo, hi)),
          weights: weights?.subarray(lo, hi),
        };
        continue;
      }
      const idx = order.subarray(lo, hi);
      yield {
        index,
        size: hi - lo,
        xs: xs.map((x, i) => x.gather(idx, this.buffer.take(i, [hi - lo, ...x.shape.slice(1)], x.dtype as FloatDType))),
        ys: ys.map((y) => y.gather(idx)),
        weights: weights && Float64Array.from(idx, (i) => weights[i]),
      };
    }
  }
}
