/**
 * Generates the whole kernel module as WebAssembly text: the products (gemm.ts), the element-wise
 * kernels (elementwise.ts), the window kernels (window.ts), the convolutions (conv.ts, winograd.ts),
 * the per-channel ones of BatchNormalization (channels.ts) and the affine resampling (resample.ts)
 * over one imported memory, shared for the worker pool or plain where SharedArrayBuffer is missing;
 * and a second, smaller module with the products and the convolutions alone whose multiply-adds are
 * relaxed SIMD's fused ones (`fmaProductsWat`), for engines that validate it. scripts/build-wasm.ts
 * assembles both into ../binary.ts; the runtime finds its functions by their export names.
 */
import { DEFAULT_TILE, type GemmTile } from '../abi.js';
import { channelsWat } from './channels.js';
import { convWat } from './conv.js';
import { addBias, elementwiseWat, relu } from './elementwise.js';
import { packFuncs, productFuncs } from './gemm.js';
import { resampleWat } from './resample.js';
import { importMemory, module, type Wat } from './wat.js';
import { windowWat } from './window.js';
import { winogradWat } from './winograd.js';

export function kernelsWat(shared: boolean, tile: GemmTile = DEFAULT_TILE): Wat {
  return module([
    importMemory(shared),
    ...productFuncs(false, tile),
    ...packFuncs(tile.vecs),
    ...elementwiseWat(),
    ...windowWat(),
    ...convWat(),
    ...winogradWat(),
    ...channelsWat(),
    ...resampleWat(),
  ]);
}

/**
 * gemm_n, gemm_t and gemm_rows again, with f32x4.relaxed_madd: the same tiles and blocks over the
 * same memory (B packed by the main module's pack_b / pack_bt), for engines with relaxed SIMD; and
 * the convolutions (conv.ts, winograd.ts), which call these products, with the functions they call
 * besides.
 */
export function fmaProductsWat(shared: boolean, tile: GemmTile = DEFAULT_TILE): Wat {
  return module([
    importMemory(shared),
    ...productFuncs(true, tile),
    ...packFuncs(tile.vecs),
    ...windowWat(),
    addBias,
    relu,
    ...convWat(),
    ...winogradWat(),
  ]);
}
