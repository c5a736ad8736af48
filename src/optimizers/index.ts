/**
 * Optimizers, and lookup by the names `compile` accepts (the learning-rate schedules are in schedules.ts).
 * @module
 */
import { ValueError } from '../errors.js';
import { Adam } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

export { Optimizer, type LearningRate } from './optimizer.js';
export { SGD, type SGDArgs } from './sgd.js';
export { Adam, type AdamArgs } from './adam.js';
export { RMSprop, type RMSpropArgs } from './rmsprop.js';

const BY_NAME: Record<string, () => Optimizer> = {
  adam: () => new Adam(),
  rmsprop: () => new RMSprop(),
  sgd: () => new SGD(),
};

/**
 * An optimizer from its name and getConfig() (a saved model's).
 *
 * @example
 * ```ts
 * const again = optimizerFromConfig('adam', new Adam({ learningRate: 0.01 }).getConfig());
 * ```
 */
export function optimizerFromConfig(name: string, config: Record<string, unknown>): Optimizer {
  const key = String(name).toLowerCase();
  if (key === 'adam') return new Adam(config);
  if (key === 'rmsprop') return new RMSprop(config);
  if (key === 'sgd') return new SGD(config);
  throw new ValueError(`Unknown optimizer '${String(name)}'; expected 'adam', 'rmsprop' or 'sgd'.`);
}

/**
 * An optimizer with Keras's defaults, by case-insensitive name ('adam', 'rmsprop', 'sgd').
 *
 * @example
 * ```ts
 * const adam = getOptimizer('Adam'); // new Adam() with Keras's defaults; compile({ optimizer: 'adam' }) does the same
 * ```
 */
export function getOptimizer(name: string): Optimizer {
  const key = String(name).toLowerCase();
  if (!Object.hasOwn(BY_NAME, key)) {
    throw new ValueError(
      `Unknown optimizer '${String(name)}'; expected an Optimizer or one of ${Object.keys(BY_NAME)
        .map((k) => `'${k}'`)
        .join(', ')}.`,
    );
  }
  return BY_NAME[key]();
}
