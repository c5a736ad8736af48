/**
 * Which kernel implementation runs. Layers fetch kernels through `kernels()` on every call, so a
 * backend switch takes effect at the next forward or backward pass, and a layer never knows which
 * implementation it is running on.
 */
import { ValueError } from '../errors.js';
import { jsKernels, type Kernels } from './kernels.js';

const registry = new Map<string, Kernels>([[jsKernels.name, jsKernels]]);
let current: Kernels = jsKernels;

/** The kernels in use. */
export function kernels(): Kernels {
  return current;
}

/** Adds a backend that `setBackend` can then select by its name. */
export function registerBackend(k: Kernels): void {
  registry.set(k.name, k);
}

/** Selects the backend by name (`'js'` is the reference and is always there). */
export function setBackend(name: string): void {
  const k = registry.get(name);
  if (!k) {
    throw new ValueError(`Unknown backend '${name}': expected one of ${[...registry.keys()].map((n) => `'${n}'`).join(', ')}.`);
  }
  current = k;
}

/** The name of the backend in use. */
export function getBackend(): string {
  return current.name;
}
