/** wabt's assembler over the generated kernel source; shared by the build script and the test that checks binary.ts. */
import wabtInit from 'wabt';
import { kernelsWat } from '../src/tensor/wasm/module-wat.js';

export async function assembleKernels(shared: boolean): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat('kernels.wat', kernelsWat(shared), { simd: true, threads: true, bulk_memory: true });
  try {
    // wabt.js's validator rejects shared memories whatever the features say; the engine validates
    // both variants when the tests instantiate them.
    if (!shared) mod.validate();
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}
