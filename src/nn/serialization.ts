/**
 * Layers from their configs (what getConfig returns), by class name: the inverse of
 * `{ className: layer.className, config: layer.getConfig() }`, used by loadModel.
 */
import { FormatError } from '../errors.js';
import { ReLU, Softmax } from './activations.js';
import { Conv2D } from './conv2d.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import type { Layer } from './layer.js';
import { MaxPooling2D } from './maxpool2d.js';
import { regularizerFromConfig } from './regularizers.js';
import { Reshape } from './reshape.js';

type Config = Record<string, unknown>;

/** Config entries that hold regularizers, rebuilt into Regularizer objects. */
function withRegularizers(c: Config): Config {
  const out = { ...c };
  for (const k of ['kernelRegularizer', 'biasRegularizer']) {
    if (out[k] !== undefined) out[k] = regularizerFromConfig(out[k] as { l1?: unknown; l2?: unknown });
  }
  return out;
}

function without(c: Config, ...keys: string[]): Config {
  const out = { ...c };
  for (const k of keys) delete out[k];
  return out;
}

const FACTORIES: Record<string, (c: Config) => Layer> = {
  Dense: (c) => new Dense(c.units as number, withRegularizers(without(c, 'units'))),
  Conv2D: (c) => new Conv2D(c.filters as number, c.kernelSize as [number, number], withRegularizers(without(c, 'filters', 'kernelSize'))),
  MaxPooling2D: (c) => new MaxPooling2D(c.poolSize as [number, number], without(c, 'poolSize')),
  Dropout: (c) => new Dropout(c.rate as number, without(c, 'rate')),
  Flatten: (c) => new Flatten(c),
  Reshape: (c) => new Reshape(c.targetShape as number[], without(c, 'targetShape')),
  ReLU: (c) => new ReLU(c),
  Softmax: (c) => new Softmax(c),
};

/** Builds a layer from its class name and config; a FormatError names an unknown class. */
export function layerFromConfig(className: unknown, config: unknown, where: string): Layer {
  if (typeof className !== 'string' || !Object.hasOwn(FACTORIES, className)) {
    throw new FormatError(`${where}: unknown layer class ${JSON.stringify(className)}; expected one of ${Object.keys(FACTORIES).join(', ')}.`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new FormatError(`${where}: the config of a ${className} layer must be an object, got ${JSON.stringify(config)}.`);
  }
  return FACTORIES[className](config as Config);
}

/** The serialisable description of a layer. */
export function layerToConfig(layer: Layer): { className: string; config: Config } {
  return { className: layer.className, config: layer.getConfig() };
}
