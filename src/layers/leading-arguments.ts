/**
 * What a layer says when TF.js's habit reaches it: `tf.layers.dense({ units: 128 })` passes a layer's
 * leading numbers inside the options object, where mnist-nn (as Keras) takes them first:
 * `new Dense(128, { activation: 'relu' })`.
 */
import { ValueError } from '../errors.js';

/**
 * Throws a ValueError saying what to write when `first`, a layer's first argument, is an options object.
 * `names`: the leading arguments in order (`['filters', 'kernelSize']`); `where`: the layer's `describe()`.
 *
 * @example
 * ```ts
 * refuseOptionsFirst(this.describe(), this.className, units, ['units']); // in Dense's constructor
 * ```
 */
export function refuseOptionsFirst(where: string, className: string, first: unknown, names: readonly string[]): void {
  if (first === null || typeof first !== 'object' || Array.isArray(first) || ArrayBuffer.isView(first)) return;
  const given = first as Record<string, unknown>;
  const leading = names.map((n) => (given[n] !== undefined ? JSON.stringify(given[n]) : n)).join(', ');
  const rest = Object.keys(given).filter((k) => !names.includes(k));
  const options = rest.length > 0 ? `, { ${rest.map((k) => `${k}: …`).join(', ')} }` : '';
  const which = names.length === 1 ? `${names[0]} is` : `${names.join(' and ')} are`;
  throw new ValueError(
    `${where}: ${which} given first, before the options, as in Keras: write new ${className}(${leading}${options}), ` +
      `not TF.js's new ${className}({ ${names[0]}: … }).`,
  );
}
