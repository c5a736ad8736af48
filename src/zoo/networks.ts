/** The five seed tutorials' networks and the two of the accuracy kit, with their training defaults. */
import { BatchNormalization } from '../layers/normalization/batch-normalization.js';
import { Conv2D } from '../layers/convolution/conv2d.js';
import { Dense } from '../layers/core/dense.js';
import { Dropout } from '../layers/core/dropout.js';
import { Flatten } from '../layers/reshaping/flatten.js';
import type { Layer } from '../layers/layer.js';
import { MaxPooling2D } from '../layers/pooling/maxpool2d.js';
import { RandomRotation } from '../layers/augmentation/random-rotation.js';
import { RandomTranslation } from '../layers/augmentation/random-translation.js';
import { RandomZoom } from '../layers/augmentation/random-zoom.js';
import { ReLU } from '../layers/activation/relu.js';
import { Sequential } from '../models/sequential.js';
import { Model } from '../models/model.js';
import { Input } from '../layers/core/input-layer.js';
import { Add } from '../layers/merging/add.js';
import { Adam, RMSprop, SGD, type Optimizer } from '../optimizers/index.js';
import { OneCycle } from '../optimizers/schedules.js';

/**
 * The names of the networks the command line's `--model` takes, the examples and the bench train.
 *
 * @example
 * ```ts
 * for (const name of MODELS) console.log(name, MODEL_DEFAULTS[name].about);
 * ```
 */
export const MODELS = ['mlp', 'mlp-dropout', 'deep-mlp', 'wide-mlp', 'cnn', 'cnn-batchnorm', 'speedrun'] as const;
export type ModelName = (typeof MODELS)[number];
/**
 * The optimizers the command line's `--optimizer` takes.
 *
 * @example
 * ```ts
 * OPTIMIZERS.includes('adam'); // true
 * ```
 */
export const OPTIMIZERS = ['adam', 'rmsprop', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/**
 * The choices of cnn-batchnorm that its example shares.
 *
 * @example
 * ```ts
 * new OneCycle({ maxLearningRate: CNN_BATCHNORM.peak, totalSteps: CNN_BATCHNORM.epochs * 469 });
 * ```
 */
export const CNN_BATCHNORM = { epochs: 15, peak: 0.01 };

export interface ModelDefaults {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  /** Where the network comes from: a seed tutorial or an example. */
  from: string;
  about: string;
  /**
   * The peak of a one-cycle learning rate over the whole run (the `--learning-rate` default); none: a constant rate.
   */
  oneCycle?: number;
}

/**
 * Epochs, batch size and optimizer of the tutorial or example each model comes from.
 *
 * @example
 * ```ts
 * MODEL_DEFAULTS.cnn; // { epochs: 12, batchSize: 128, optimizer: 'adam', from: 'tutorial 002', … }
 * ```
 */
export const MODEL_DEFAULTS: Record<ModelName, ModelDefaults> = {
  mlp: {
    epochs: 10,
    batchSize: 32,
    optimizer: 'adam',
    from: 'tutorial 001',
    about: 'Flatten, Dense 128 relu, Dense 10 softmax',
  },
  'mlp-dropout': {
    epochs: 10,
    batchSize: 128,
    optimizer: 'adam',
    from: 'tutorial 000',
    about: 'Dense 128 relu, Dropout 0.2, Dense 10 softmax',
  },
  'deep-mlp': {
    epochs: 5,
    batchSize: 100,
    optimizer: 'adam',
    from: 'tutorial 003',
    about: 'Dense 50 relu, Dense 50 relu, Dense 10 softmax',
  },
  'wide-mlp': {
    epochs: 5,
    batchSize: 128,
    optimizer: 'rmsprop',
    from: 'tutorial 004',
    about: 'Dense 512 relu, Dense 10 softmax',
  },
  cnn: {
    epochs: 12,
    batchSize: 128,
    optimizer: 'adam',
    from: 'tutorial 002',
    about: 'Conv2D 32, MaxPool, Conv2D 64, MaxPool, Dropout 0.5, Dense 10',
  },
  'cnn-batchnorm': {
    epochs: CNN_BATCHNORM.epochs,
    batchSize: 128,
    optimizer: 'adam',
    from: 'examples/cnn-batchnorm.ts',
    about: 'augmentation, Conv2D 32, 32, 64 with BatchNorm and pooling, Dense 128, Dropout 0.25, one-cycle rate',
    oneCycle: CNN_BATCHNORM.peak,
  },
  speedrun: {
    epochs: 2,
    batchSize: 128,
    optimizer: 'adam',
    from: 'examples/speedrun.ts',
    about: 'Conv2D 8 and 16 with BatchNorm, Dense 128, one-cycle rate',
    oneCycle: 0.02,
  },
};

/**
 * Keras's default learning rates.
 *
 * @example
 * ```ts
 * makeOptimizer('sgd', DEFAULT_LEARNING_RATE.sgd); // SGD at 0.01
 * ```
 */
export const DEFAULT_LEARNING_RATE: Record<OptimizerName, number> = { adam: 0.001, rmsprop: 0.001, sgd: 0.01 };

/**
 * A named network, its layers built for MNIST's digits, seeded, not compiled.
 *
 * @example
 * ```ts
 * const model = buildModel('cnn', 4);
 * model.compile({ optimizer: makeOptimizer('adam', 1e-3), loss: 'sparseCategoricalCrossentropy' });
 * ```
 */
export function buildModel(name: ModelName, seed: number): Sequential {
  const flat = () => new Flatten({ inputShape: [28, 28] });
  const layers = {
    mlp: () => [flat(), new Dense(128, { activation: 'relu' }), new Dense(10, { activation: 'softmax' })],
    'mlp-dropout': () => [
      flat(),
      new Dense(128, { activation: 'relu' }),
      new Dropout(0.2),
      new Dense(10, { activation: 'softmax' }),
    ],
    'deep-mlp': () => [
      flat(),
      new Dense(50, { activation: 'relu' }),
      new Dense(50, { activation: 'relu' }),
      new Dense(10, { activation: 'softmax' }),
    ],
    'wide-mlp': () => [flat(), new Dense(512, { activation: 'relu' }), new Dense(10, { activation: 'softmax' })],
    cnn: () => cnnLayers([28, 28, 1]),
    'cnn-batchnorm': cnnBatchNormLayers,
    speedrun: speedrunLayers,
  }[name]();
  return new Sequential(layers, { seed, name });
}

/**
 * Tutorial 002's network (the bench puts augmentation in front of it, so the input shape is optional).
 *
 * @example
 * ```ts
 * const model = new Sequential([new RandomRotation(0.1, { inputShape: [28, 28, 1] }), ...cnnLayers()]);
 * ```
 */
export function cnnLayers(inputShape?: number[]): Layer[] {
  return [
    new Conv2D(32, [3, 3], { activation: 'relu', ...(inputShape ? { inputShape } : {}) }),
    new MaxPooling2D([2, 2]),
    new Conv2D(64, [3, 3], { activation: 'relu' }),
    new MaxPooling2D([2, 2]),
    new Flatten(),
    new Dropout(0.5),
    new Dense(10, { activation: 'softmax' }),
  ];
}

/** Conv2D (no bias: BatchNormalization's β is one), BatchNormalization and ReLU. */
const convBlock = (
  filters: number,
  momentum: number,
  padding: 'valid' | 'same' = 'valid',
  inputShape?: number[],
): Layer[] => [
  new Conv2D(filters, 3, { useBias: false, padding, ...(inputShape ? { inputShape } : {}) }),
  new BatchNormalization({ momentum }),
  new ReLU(),
];

/** Dense (no bias), BatchNormalization and ReLU. */
const denseBlock = (units: number, momentum: number): Layer[] => [
  new Dense(units, { useBias: false }),
  new BatchNormalization({ momentum }),
  new ReLU(),
];

/**
 * examples/cnn-batchnorm.ts's network, for images [28, 28, 1].
 *
 * @example
 * ```ts
 * const model = new Sequential(cnnBatchNormLayers(), { seed: 4 });
 * ```
 */
export function cnnBatchNormLayers(): Layer[] {
  const fill = { fillMode: 'constant' } as const;
  return [
    // Up to ±10°, ±10% shifts and zoom, black fill: the digits as people write them.
    new RandomRotation(10 / 360, { ...fill, inputShape: [28, 28, 1] }),
    new RandomTranslation(0.1, 0.1, fill),
    new RandomZoom(0.1, null, fill),
    ...convBlock(32, 0.99, 'same'),
    new MaxPooling2D(2),
    ...convBlock(32, 0.99),
    ...convBlock(64, 0.99),
    new MaxPooling2D(2),
    new Flatten(),
    ...denseBlock(128, 0.99),
    new Dropout(0.25),
    new Dense(10, { activation: 'softmax' }),
  ];
}

/**
 * examples/speedrun.ts's network: BatchNormalization's moving statistics at momentum 0.9 follow a
 * two-epoch run.
 *
 * @example
 * ```ts
 * const model = new Sequential(speedrunLayers(), { seed: 1 });
 * ```
 */
export function speedrunLayers(): Layer[] {
  return [
    ...convBlock(8, 0.9, 'valid', [28, 28, 1]),
    new MaxPooling2D(2),
    ...convBlock(16, 0.9),
    new MaxPooling2D(2),
    new Flatten(),
    ...denseBlock(128, 0.9),
    new Dense(10, { activation: 'softmax' }),
  ];
}

/**
 * The optimizer, at a constant rate, or on a one-cycle rate peaking at `learningRate` over `totalSteps`.
 *
 * @example
 * ```ts
 * makeOptimizer('adam', 0.02, 2 * 469); // Adam on a one-cycle rate peaking at 0.02 over two epochs of batch 128
 * ```
 */
export function makeOptimizer(name: OptimizerName, learningRate: number, oneCycleSteps?: number): Optimizer {
  const rate =
    oneCycleSteps === undefined
      ? learningRate
      : new OneCycle({ maxLearningRate: learningRate, totalSteps: oneCycleSteps, pctStart: 0.25 });
  return name === 'adam'
    ? new Adam({ learningRate: rate })
    : name === 'rmsprop'
      ? new RMSprop({ learningRate: rate })
      : new SGD({ learningRate: rate });
}

/**
 * examples/functional.ts's network: a residual convnet with two heads, the digit (softmax) and whether
 * it is even (sigmoid), compiled as the example compiles it.
 *   image → Conv2D 8 → [Conv2D 8 relu → Conv2D 8] + → ReLU → MaxPooling2D → Flatten → Dense 32 → digit, even
 *
 * @example
 * ```ts
 * const model = residualTwoHeads(4); // fit(x, { digit: y, even: isEven })
 * ```
 */
export function residualTwoHeads(seed: number): Model {
  const image = Input({ shape: [28, 28, 1], name: 'image' });
  const stem = new Conv2D(8, 3, { padding: 'same', activation: 'relu' }).apply(image);
  const branch = new Conv2D(8, 3, { padding: 'same' }).apply(
    new Conv2D(8, 3, { padding: 'same', activation: 'relu' }).apply(stem),
  );
  const block = new ReLU().apply(new Add().apply([stem, branch]));
  const features = new Dense(32, { activation: 'relu' }).apply(new Flatten().apply(new MaxPooling2D(2).apply(block)));
  const digit = new Dense(10, { activation: 'softmax', name: 'digit' }).apply(features);
  const even = new Dense(1, { activation: 'sigmoid', name: 'even' }).apply(features);
  const model = new Model({ inputs: image, outputs: [digit, even], name: 'residual_two_heads', seed });
  model.compile({
    optimizer: 'adam',
    loss: { digit: 'sparseCategoricalCrossentropy', even: 'binaryCrossentropy' },
    metrics: { digit: ['accuracy'], even: ['accuracy'] },
  });
  return model;
}
