/**
 * The whole kernel module as WebAssembly text: the products (gemm-wat.ts), the element-wise
 * kernels (elementwise-wat.ts), the per-channel ones of BatchNormalization (channels-wat.ts) and
 * the affine resampling (resample-wat.ts) over one imported memory, shared for the worker pool or
 * plain where SharedArrayBuffer is missing. scripts/build-wasm.ts assembles it into binary.ts.
 */
import { channelsWat } from './channels-wat.js';
import { elementwiseWat, windowWat } from './elementwise-wat.js';
import { DEFAULT_TILE, gemmFunc, packFuncs, tileFunc, type GemmTile } from './gemm-wat.js';
import { resampleWat } from './resample-wat.js';

export function kernelsWat(shared: boolean, tile: GemmTile = DEFAULT_TILE): string {
  const funcs: string[] = [];
  for (const mode of ['n', 't'] as const) {
    for (let r = 1; r <= tile.rows; r++) funcs.push(tileFunc(r, tile.vecs, mode, tile.unroll));
    funcs.push(gemmFunc(tile.rows, tile.vecs, mode));
  }
  return `(module
  (import "env" "memory" (memory 1 16384${shared ? ' shared' : ''}))
  ${funcs.join('\n  ')}
  ${packFuncs(tile.vecs)}
  ${elementwiseWat()}
  ${windowWat()}
  ${channelsWat()}
  ${resampleWat()}
)
`;
}
