/**
 * Inputs, targets and per-output options as a model of several inputs or outputs takes them, as
 * Keras takes them: one value for a model of one, an array in the model's order, or an object keyed
 * by name (inputs by their Input's name, outputs by their layer's). Each comes back as an array in
 * the model's order, or a ValueError naming what is missing or unknown.
 */
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

/** A plain object (not a Tensor, an array or a typed array): the form keyed by name. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof Tensor);
}

/**
 * `value` as one entry per name: from one value (a model of one), an array, or an object by name.
 * `what` says what the entries are (`x`, `y`, `loss`), `kind` what the names are (`input`, `output`).
 * @example
 * byName({ digit: yDigit, even: yEven }, ['digit', 'even'], 'y', 'output', 'fit'); // [yDigit, yEven]
 * byName(x, ['image'], 'x', 'input', 'fit'); // [x]
 */
export function byName(
  value: unknown,
  names: readonly string[],
  what: string,
  kind: 'input' | 'output',
  where: string,
  isEntry: (v: unknown) => boolean = (v) => v instanceof Tensor,
  /** Whether an object may leave names out (their entries come back undefined), as metrics may. */
  partial = false,
): unknown[] {
  const listed = names.map((n) => `'${n}'`).join(', ');
  if (isPlainObject(value)) {
    for (const k of Object.keys(value)) {
      if (!names.includes(k)) {
        throw new ValueError(
          `${where}: ${what} names '${k}', which is not an ${kind} of the model (its ${kind}s: ${listed}).`,
        );
      }
    }
    return names.map((n) => {
      if (!(n in value) && !partial)
        throw new ValueError(`${where}: ${what} has no entry for the ${kind} '${n}' (expected ${listed}).`);
      return value[n];
    });
  }
  if (Array.isArray(value) && value.length > 0 && value.every(isEntry)) {
    if (value.length !== names.length) {
      throw new ValueError(
        `${where}: ${what} is an array of ${value.length}, but the model has ${names.length} ${kind}${names.length === 1 ? '' : 's'} (${listed}).`,
      );
    }
    return [...(value as unknown[])];
  }
  if (names.length === 1) return [value];
  throw new ValueError(
    `${where}: the model has ${names.length} ${kind}s (${listed}); give ${what} as an array of ${names.length} in that order or as an object by name.`,
  );
}
