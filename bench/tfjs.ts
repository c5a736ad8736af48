/**
 * TensorFlow.js's two backends that run in Node without a native addon: 'cpu' (pure JS) and 'wasm'
 * (@tensorflow/tfjs-backend-wasm: XNNPACK compiled to WebAssembly SIMD). Importing the wasm package
 * registers its backend; in Node it reads its .wasm files from its own dist folder, so nothing is
 * downloaded. tfjs-node (native) is deliberately left out.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';

export type TfBackend = 'cpu' | 'wasm';

export const tfVersion = tf.version.tfjs;
export const tfWasmVersion = version_wasm;

let pathsSet = false;

/**
 * Selects a TF.js backend and waits until it is ready. The first tensor prints a banner recommending
 * tfjs-node; that one write happens with warnings muted.
 */
export async function useTf(backend: TfBackend): Promise<void> {
  let ok = await tf.setBackend(backend);
  if (!ok && backend === 'wasm' && !pathsSet) {
    // Point the loader at the package's own files (a file path, never a URL to fetch), then retry.
    const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    setWasmPaths(dist + path.sep);
    pathsSet = true;
    ok = await tf.setBackend(backend);
  }
  if (!ok) throw new Error(`TF.js: the '${backend}' backend failed to initialise`);
  await tf.ready();
  const warn = console.warn;
  console.warn = () => {};
  try {
    tf.tensor([0]).dispose();
  } finally {
    console.warn = warn;
  }
}

/** Threads TF.js's wasm backend runs on, as its own API reports them (call after useTf('wasm')). */
export function tfWasmThreads(): number {
  return getThreadsCount();
}

/** Whether TF.js considers threads available to its wasm backend (it turns them off in Node). */
export async function tfWasmMultithread(): Promise<boolean> {
  return Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
}
