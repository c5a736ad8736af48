/**
 * Which kernel implementation runs. Layers fetch kernels through `kernels()` on every call, so a
 * backend switch takes effect at the next forward or backward pass, and a layer never knows which
 * implementation it is running on.
 *
 * The default is 'wasm' (WebAssembly SIMD on every core) where it can run, else 'js', the plain
 * TypeScript reference. The wasm backend is created on first use, not at import.
 */
import { ValueError } from '../errors.js';
import { jsKernels, type Kernels } from './kernels.js';
import { MAX_THREADS, createWasmKernels, threadCount, type WasmKernels } from './wasm/backend.js';
import { availableCores } from './wasm/pool.js';

const registry = new Map<string, Kernels>([[jsKernels.name, jsKernels]]);
let current: Kernels | undefined;
let wasm: WasmKernels | undefined;
let wasmError: unknown;

function wasmKernels(): WasmKernels | undefined {
  if (!wasm && wasmError === undefined) {
    try {
      wasm = createWasmKernels();
      registry.set(wasm.name, wasm);
    } catch (e) {
      wasmError = e;
    }
  }
  return wasm;
}

/**
 * The kernels in use.
 *
 * Layers call their numeric work through it, so that the implementation behind can change.
 *
 * @example
 * ```ts
 * const K = kernels();
 * K.matmul(c, a, b, m, k, n); // c [m, n] = a [m, k] · b [k, n]
 * ```
 */
export function kernels(): Kernels {
  return (current ??= wasmKernels() ?? jsKernels);
}

/**
 * Adds a backend that `setBackend` can then select by its name.
 *
 * @example
 * ```ts
 * let products = 0;
 * registerBackend({ ...jsKernels, name: 'counting', matmul: (...args) => { products++; jsKernels.matmul(...args); } });
 * setBackend('counting');
 * ```
 */
export function registerBackend(k: Kernels): void {
  registry.set(k.name, k);
}

/**
 * Selects the backend by name: 'wasm' (the default where it can run), 'js' (the reference), or a
 * registered one.
 *
 * @example
 * ```ts
 * setBackend('js');   // the TypeScript reference, e.g. to compare with
 * setBackend('wasm'); // back to the default
 * ```
 */
export function setBackend(name: string): void {
  if (name === 'wasm' && !wasmKernels()) {
    throw new ValueError(`The 'wasm' backend cannot run here: ${String((wasmError as Error)?.message ?? wasmError)}`);
  }
  const k = registry.get(name);
  if (!k) {
    throw new ValueError(
      `Unknown backend '${name}': expected one of ${[...new Set(['wasm', ...registry.keys()])].map((n) => `'${n}'`).join(', ')}.`,
    );
  }
  current = k;
}

/**
 * The name of the backend in use.
 *
 * @example
 * ```ts
 * getBackend(); // 'wasm' where WebAssembly SIMD runs, else 'js'
 * ```
 */
export function getBackend(): string {
  return kernels().name;
}

/**
 * Threads the wasm backend splits large products across, the calling thread included (default: every
 * core). 1 runs everything on the calling thread. Lowering the count keeps the worker threads, asleep,
 * for when it is raised again. More than the cores (Node's os.availableParallelism(), a browser's
 * navigator.hardwareConcurrency) is a ValueError naming them: each thread is a worker.
 *
 * @example
 * ```ts
 * setThreads(1); // train on the calling thread only
 * setThreads(navigator.hardwareConcurrency); // in a browser worker of a cross-origin isolated page
 * ```
 */
export function setThreads(n: number): void {
  const cores = Math.min(availableCores(), MAX_THREADS);
  threadCount('setThreads', n, cores, cores === MAX_THREADS ? "a split call's most tasks" : 'the cores here');
  const w = wasmKernels();
  if (!w)
    throw new ValueError(
      `setThreads: the 'wasm' backend cannot run here: ${String((wasmError as Error)?.message ?? wasmError)}`,
    );
  w.setThreads(n);
}

/**
 * Threads the wasm backend uses (1 when it is unavailable).
 *
 * @example
 * ```ts
 * getThreads(); // 2 on a 2-core machine
 * ```
 */
export function getThreads(): number {
  return wasmKernels()?.threads ?? 1;
}

/**
 * How the wasm backend's work split across its threads: the tasks of split kernel calls that each
 * thread has run since the threads started (setThreads starts new ones when it raises the count
 * past them), the calling thread's first, then each worker's. A call large enough to split is a job
 * of tasks that the threads take one at a time, so a thread that is slow, busy or late takes fewer,
 * and an even split gives each about as many. Calls run whole on the calling thread (small ones, or
 * every call on one thread) are not counted. An entry for each thread in use, a browser's workers
 * too before they have started (with 0; getThreads counts them only once they have). [] when wasm is
 * unavailable.
 *
 * @example
 * ```ts
 * await model.fit(x, y, { epochs: 1 });
 * getThreadTasks(); // e.g. [5120, 4880]: the calling thread's tasks, then each worker's
 * ```
 */
export function getThreadTasks(): number[] {
  return wasmKernels()?.threadTasks() ?? [];
}

/**
 * Fused multiply-adds in the wasm backend's products (relaxed SIMD): on by default where the engine
 * validates it. Off gives the separate multiply and add of engines without it, so that a run
 * repeats bit for bit across them; on is faster where the processor has FMA. Takes effect at the
 * next product.
 *
 * @example
 * ```ts
 * setFma(false); // the products round as without FMA, as on a processor that lacks it
 * ```
 */
export function setFma(on: boolean): void {
  if (typeof on !== 'boolean') throw new ValueError(`setFma: expected true or false, got ${String(on)}.`);
  const w = wasmKernels();
  if (!w)
    throw new ValueError(
      `setFma: the 'wasm' backend cannot run here: ${String((wasmError as Error)?.message ?? wasmError)}`,
    );
  w.setFma(on);
}

/**
 * Whether the wasm backend's products use fused multiply-adds (false when it is unavailable).
 *
 * @example
 * ```ts
 * getFma(); // true on Node ≥ 22 and current browsers
 * ```
 */
export function getFma(): boolean {
  return wasmKernels()?.fma ?? false;
}
