import { defineConfig } from 'vitest/config';
import { relaxedSimdFlags } from './scripts/relaxed-simd.js';

// The test processes run the wasm backend's fused multiply-add path (relaxed SIMD), which Node 20
// has behind a flag; the kernel tests also create backends with it turned off, so both paths are tested.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    execArgv: relaxedSimdFlags(),
  },
});
