/** wabt's assembler over the generated kernel source; shared by the build script and the test that checks binary.ts. */
import wabtInit from 'wabt';
import { fmaProductsWat, kernelsWat } from '../src/tensor/wasm/codegen/module.js';

/** The kernel module, or with `fma` the module of fused multiply-add products (relaxed SIMD). */
export async function assembleKernels(shared: boolean, fma = false): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = fma
    ? wabt.parseWat('products-fma.wat', fmaProductsWat(shared), { simd: true, threads: true, relaxed_simd: true })
    : wabt.parseWat('kernels.wat', kernelsWat(shared), { simd: true, threads: true, bulk_memory: true });
  try {
    // wabt.js's validator rejects shared memories whatever the features say; the engine validates
    // both variants when the tests instantiate them.
    if (!shared) mod.validate();
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}
