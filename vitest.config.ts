import { defineConfig } from 'vitest/config';
import { PRODUCTS_FMA_PLAIN } from './src/tensor/wasm/binary.js';

// The test processes run the wasm backend's fused multiply-add path (relaxed SIMD), which Node 20
// has behind a flag; where the engine validates the module without it, no flag is needed. The
// kernel tests also create backends with it turned off, so both paths are tested.
const relaxedSimd = WebAssembly.validate(Buffer.from(PRODUCTS_FMA_PLAIN, 'base64')) ? [] : ['--experimental-wasm-relaxed-simd'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    execArgv: relaxedSimd,
  },
});
