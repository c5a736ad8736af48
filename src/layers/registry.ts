/**
 * The layer registry: every layer class registers itself once, at the foot of its own file (as
 * TensorFlow.js does with `registerClass`), with how to rebuild it from its config and how Keras
 * (and TensorFlow.js, which writes Keras's configs) names and spells it. Our file format, the
 * TensorFlow.js bridge and the layer tests read this registry; no other file lists layers.
 */
import { FormatError, ValueError, quote } from '../errors.js';
import type { Layer, LayerConfig } from './layer.js';

/** A JSON object, as Keras configs are. */
export type Json = Record<string, unknown>;

/**
 * Throws a FormatError when `ok` is false, saying the layer uses `what`, which mnist-nn does not
 * support: an option is never dropped silently.
 */
export type Require = (ok: boolean, what: string) => void;

/** How Keras (and TensorFlow.js) writes a layer: its class name and its own options, snake_case. */
export interface KerasMapping {
  /** Keras's class name. */
  className: string;
  /**
   * True for a layer Keras has and TensorFlow.js does not, which is the identity at inference (the
   * augmentation layers): the TensorFlow.js export leaves it out, so the exported model predicts the
   * same, and says so in the save's notes. Our file keeps it, and a Keras config of it still reads
   * through `fromKeras`.
   */
  tfjsOmits?: boolean;
  /**
   * True for a layer Keras has and TensorFlow.js (tfjs-layers 4.22) does not, which is not the
   * identity (Subtract): the TensorFlow.js export refuses a model holding it, naming it, as no model
   * TensorFlow.js loads would predict the same. Our file and Keras's keep it.
   */
  tfjsLacks?: boolean;
  /**
   * The layer's own options in Keras's spelling, from our config (`name`, `trainable` and the input
   * shape are written by the bridge).
   */
  toKeras(config: LayerConfig): Json;
  /** Our config's own options from Keras's; `require` refuses what we cannot honour. */
  fromKeras(config: Json, require: Require): LayerConfig;
  /**
   * The config TensorFlow.js is to be given, from Keras's (`toKeras`'s, with `name` and `trainable`) and
   * the built layer, where TensorFlow.js reads an option otherwise than Keras (Concatenate's negative
   * axes); absent, TensorFlow.js is given Keras's config.
   */
  toTfjs?(keras: Json, layer: Layer): Json;
  /**
   * Why the built layer is left out of the TensorFlow.js export when, on the shape it is built for,
   * it is the identity and TensorFlow.js would refuse it (Flatten of one-dimensional samples, which
   * TF.js's Flatten rejects); undefined to export it. It is then left out as a `tfjsOmits` layer is.
   */
  tfjsIdentity?(layer: Layer): string | undefined;
}

/** A layer class as the registry sees it: constructible, with its static className. */
export interface LayerClass<L extends Layer = Layer> {
  readonly className: string;
  readonly prototype: L;
}

export interface LayerRegistration<L extends Layer = Layer> {
  /** Rebuilds the layer from what its `getConfig` returned. */
  fromConfig(config: LayerConfig): L;
  /**
   * Keras's name and spelling; null when Keras and TensorFlow.js have no such layer (the TensorFlow.js
   * export then refuses it). See `tfjsOmits` for a layer Keras has and TensorFlow.js lacks.
   */
  keras: KerasMapping | null;
}

export interface Registered extends LayerRegistration {
  className: string;
  cls: LayerClass;
}

const byName = new Map<string, Registered>();
const byKerasName = new Map<string, Registered>();

/**
 * Registers a layer class under its static className (once: a second registration is a mistake).
 *
 * `fromConfig` rebuilds the layer from its `getConfig()`; `keras` gives Keras's class name and the
 * translations of its options both ways, or null for a layer Keras and TensorFlow.js lack (our files keep
 * it; their exports refuse it).
 *
 * @example
 * ```ts
 * registerLayer(Scale, {
 *   fromConfig: (c) => new Scale(c),
 *   keras: { className: 'MyScale', toKeras: (c) => ({ init: c.init }), fromKeras: (k) => ({ init: k.init }) },
 * });
 * ```
 */
export function registerLayer<L extends Layer>(cls: LayerClass<L>, registration: LayerRegistration<L>): void {
  const className = cls.className;
  if (byName.has(className))
    throw new ValueError(`registerLayer: a layer class named '${className}' is already registered.`);
  const entry: Registered = { className, cls, ...registration };
  byName.set(className, entry);
  if (registration.keras) {
    if (byKerasName.has(registration.keras.className))
      throw new ValueError(`registerLayer: Keras class '${registration.keras.className}' is already mapped.`);
    byKerasName.set(registration.keras.className, entry);
  }
}

/**
 * Every registered layer, in registration order.
 *
 * @example
 * ```ts
 * registeredLayers().map((r) => r.className); // Dense, Conv2D, MaxPooling2D, …
 * ```
 */
export function registeredLayers(): Registered[] {
  return [...byName.values()];
}

/**
 * The registration of one of our class names, or undefined.
 *
 * @example
 * ```ts
 * registration(Dense.className)?.keras?.className; // Keras's name for it
 * ```
 */
export function registration(className: string): Registered | undefined {
  return byName.get(className);
}

/**
 * The registration that reads a Keras class name, or undefined.
 *
 * @example
 * ```ts
 * // a Keras layer's options as ours
 * const ours = kerasRegistration(kerasLayer.class_name)?.keras?.fromKeras(kerasLayer.config, require);
 * ```
 */
export function kerasRegistration(kerasClassName: string): Registered | undefined {
  return byKerasName.get(kerasClassName);
}

/**
 * Builds a layer from its class name and config; a FormatError names an unknown class or a bad config.
 *
 * @example
 * ```ts
 * const layer = layerFromConfig(Dense.className, { units: 10, activation: 'softmax' }, 'model.mnn');
 * ```
 */
export function layerFromConfig(className: unknown, config: unknown, where: string): Layer {
  const reg = typeof className === 'string' ? byName.get(className) : undefined;
  if (!reg) {
    throw new FormatError(
      `${where}: unknown layer class ${quote(className)}; expected one of ${[...byName.keys()].join(', ')}.`,
    );
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new FormatError(`${where}: the config of a ${reg.className} layer must be an object, got ${quote(config)}.`);
  }
  return reg.fromConfig(config as LayerConfig);
}

/**
 * The serialisable description of a layer.
 *
 * @example
 * ```ts
 * layerToConfig(new Dropout(0.2, { name: 'drop' }));
 * // { className: Dropout.className, config: { name: 'drop', rate: 0.2 } }
 * ```
 */
export function layerToConfig(layer: Layer): { className: string; config: LayerConfig } {
  return { className: layer.className, config: layer.getConfig() };
}

/**
 * A copy of a config without some keys, for handing the rest to a constructor as its options.
 *
 * @example
 * ```ts
 * without({ units: 10, name: 'out' }, 'units'); // { name: 'out' }
 * ```
 */
export function without(config: LayerConfig, ...keys: string[]): LayerConfig {
  const out = { ...config };
  for (const k of keys) delete out[k];
  return out;
}
