/**
 * The whole kernel module as WebAssembly text: the products (gemm-wat.ts), the element-wise
 * kernels (elementwise-wat.ts), the convolutions (conv-wat.ts), the per-channel ones of
 * BatchNormalization (channels-wat.ts) and the affine resampling (resample-wat.ts) over one imported
 * memory, shared for the worker pool or plain where SharedArrayBuffer is missing; and a second,
 * smaller module with the products and the convolutions alone whose multiply-adds are relaxed
 * SIMD's fused ones (`fmaProductsWat`), for engines that validate it. scripts/build-wasm.ts
 * assembles both into binary.ts.
 */
import { channelsWat } from './channels.js';
import { convWat } from './conv.js';
import { addBias, elementwiseWat, relu } from './elementwise.js';
import { windowWat } from './window.js';
import { DEFAULT_TILE, gemmFunc, gemmRowsFunc, packFuncs, tileFunc, type GemmTile } from './gemm.js';
import { resampleWat } from './resample.js';
import { winogradWat } from './winograd.js';

/** gemm_n and gemm_t with the tile functions they call, and gemm_rows. */
function productFuncs(fma: boolean, tile: GemmTile): string {
  const funcs: string[] = [];
  for (const mode of ['n', 't'] as const) {
    for (let r = 1; r <= tile.rows; r++) funcs.push(tileFunc(r, tile.vecs, mode, tile.unroll, fma));
    funcs.push(gemmFunc(tile.rows, tile.vecs, mode));
  }
  funcs.push(gemmRowsFunc(fma));
  return funcs.join('\n  ');
}

const memoryImport = (shared: boolean): string => `(import "env" "memory" (memory 1 16384${shared ? ' shared' : ''}))`;

export function kernelsWat(shared: boolean, tile: GemmTile = DEFAULT_TILE): string {
  return `(module
  ${memoryImport(shared)}
  ${productFuncs(false, tile)}
  ${packFuncs(tile.vecs)}
  ${elementwiseWat().join('\n')}
  ${windowWat().join('\n')}
  ${convWat()}
  ${winogradWat()}
  ${channelsWat()}
  ${resampleWat()}
)
`;
}

/**
 * gemm_n, gemm_t and gemm_rows again, with f32x4.relaxed_madd: the same tiles and blocks over the same memory
 * (B packed by the main module's pack_b / pack_bt), for engines with relaxed SIMD; and the
 * convolutions (conv-wat.ts), which call these products, with the functions they call besides.
 */
export function fmaProductsWat(shared: boolean, tile: GemmTile = DEFAULT_TILE): string {
  return `(module
  ${memoryImport(shared)}
  ${productFuncs(true, tile)}
  ${packFuncs(tile.vecs)}
  ${windowWat().join('\n')}
  ${addBias}
  ${relu}
  ${convWat()}
  ${winogradWat()}
)
`;
}
