/** The five seed tutorials' networks, with their training defaults. */
import { Conv2D } from '../nn/conv2d.js';
import { Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import { Flatten } from '../nn/flatten.js';
import { MaxPooling2D } from '../nn/maxpool2d.js';
import { Sequential } from '../nn/sequential.js';
import { Adam, RMSprop, SGD, type Optimizer } from '../optim/index.js';

export const MODELS = ['mlp', 'mlp-dropout', 'deep-mlp', 'wide-mlp', 'cnn'] as const;
export type ModelName = (typeof MODELS)[number];
export const OPTIMIZERS = ['adam', 'rmsprop', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Epochs, batch size and optimizer of the seed tutorial each model comes from. */
export const MODEL_DEFAULTS: Record<ModelName, { epochs: number; batchSize: number; optimizer: OptimizerName; seed: string; about: string }> = {
  mlp: { epochs: 10, batchSize: 32, optimizer: 'adam', seed: '001', about: 'Flatten, Dense 128 relu, Dense 10 softmax' },
  'mlp-dropout': { epochs: 10, batchSize: 128, optimizer: 'adam', seed: '000', about: 'Dense 128 relu, Dropout 0.2, Dense 10 softmax' },
  'deep-mlp': { epochs: 5, batchSize: 100, optimizer: 'adam', seed: '003', about: 'Dense 50 relu, Dense 50 relu, Dense 10 softmax' },
  'wide-mlp': { epochs: 5, batchSize: 128, optimizer: 'rmsprop', seed: '004', about: 'Dense 512 relu, Dense 10 softmax' },
  cnn: { epochs: 12, batchSize: 128, optimizer: 'adam', seed: '002', about: 'Conv2D 32, MaxPool, Conv2D 64, MaxPool, Dropout 0.5, Dense 10' },
};

/** Keras's default learning rates. */
export const DEFAULT_LEARNING_RATE: Record<OptimizerName, number> = { adam: 0.001, rmsprop: 0.001, sgd: 0.01 };

export function buildModel(name: ModelName, seed: number): Sequential {
  const flat = () => new Flatten({ inputShape: [28, 28] });
  const layers = {
    mlp: () => [flat(), new Dense(128, { activation: 'relu' }), new Dense(10, { activation: 'softmax' })],
    'mlp-dropout': () => [flat(), new Dense(128, { activation: 'relu' }), new Dropout(0.2), new Dense(10, { activation: 'softmax' })],
    'deep-mlp': () => [flat(), new Dense(50, { activation: 'relu' }), new Dense(50, { activation: 'relu' }), new Dense(10, { activation: 'softmax' })],
    'wide-mlp': () => [flat(), new Dense(512, { activation: 'relu' }), new Dense(10, { activation: 'softmax' })],
    cnn: () => [
      new Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
      new MaxPooling2D([2, 2]),
      new Conv2D(64, [3, 3], { activation: 'relu' }),
      new MaxPooling2D([2, 2]),
      new Flatten(),
      new Dropout(0.5),
      new Dense(10, { activation: 'softmax' }),
    ],
  }[name]();
  return new Sequential(layers, { seed, name });
}

export function makeOptimizer(name: OptimizerName, learningRate: number): Optimizer {
  return name === 'adam' ? new Adam({ learningRate }) : name === 'rmsprop' ? new RMSprop({ learningRate }) : new SGD({ learningRate });
}
