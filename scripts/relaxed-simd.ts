/**
 * The Node flags under which this engine validates the fused multiply-add products (relaxed SIMD):
 * none where it already does (Node ≥ 22), Node 20's --experimental-wasm-relaxed-simd otherwise.
 * vitest.config.ts passes them to the test processes; `npm run bench` restarts itself with them,
 * so that both measure the path a current engine takes.
 */
import { PRODUCTS_FMA_PLAIN } from '../src/tensor/wasm/binary.js';

export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

export function relaxedSimdFlags(): string[] {
  return WebAssembly.validate(Buffer.from(PRODUCTS_FMA_PLAIN, 'base64')) ? [] : [RELAXED_SIMD_FLAG];
}
