/**
 * What the generated WebAssembly module and the code that calls it agree on: the products' register
 * tile (it fixes how B is packed), the codes of the resampling's modes, and the sizes of the scratch
 * areas that the Winograd kernels expect. Both the generators and the runtime import this file; the
 * runtime imports no generator.
 */
import type { FillMode, Interpolation } from '../kernels.js';

export interface GemmTile {
  /** Rows of the register tile. */
  rows: number;
  /** f32x4 vectors across the tile (W = 4·vecs columns). */
  vecs: number;
  /** Steps of p per loop iteration. */
  unroll: number;
}

/** 4×8, not unrolled: 8 accumulators, 2 vectors of B, the splat and one product fit V8's 15 usable SIMD registers. */
export const DEFAULT_TILE: GemmTile = { rows: 4, vecs: 2, unroll: 1 };

/** Columns in a panel of packed B: W = 8 floats. */
export const PANEL = 4 * DEFAULT_TILE.vecs;

/** The fill modes as the kernels number them. */
export const FILL_CODES: Record<FillMode, number> = { constant: 0, reflect: 1, wrap: 2, nearest: 3 };
/** The interpolations as the kernels number them. */
export const INTERPOLATION_CODES: Record<Interpolation, number> = { nearest: 0, bilinear: 1 };

/**
 * Bytes between the 16 matrices of the Winograd transforms, from a matrix's bytes (a multiple of 16):
 * from 4 KiB on, rounded up to 4 KiB plus a cache line, so that the 16 streams the transforms write
 * at once do not fall in one L1 set.
 */
export const xiStride = (bytes: number): number => (bytes < 4096 ? bytes : Math.ceil(bytes / 4096) * 4096 + 64);
/** Bytes of a sample zero-padded to the reach of TH × TW tiles. */
const padBytes = (TH: number, TW: number, C: number): number => (2 * TH + 2) * (2 * TW + 2) * C * 4;
/** Bytes of conv_winograd's scratch v, m and pad, for TH × TW tiles a sample, C channels and F filters. */
export const winogradForwardBytes = (TH: number, TW: number, C: number, F: number): number =>
  16 * xiStride(TH * TW * C * 4) + 16 * xiStride(TH * TW * F * 4) + padBytes(TH, TW, C);
/** Bytes of winograd_dw's scratch v, m and pad, and of its dzp, for `samples` samples of TH × TW tiles. */
export const winogradDwBytes = (
  samples: number,
  TH: number,
  TW: number,
  C: number,
  F: number,
): { vm: number; dzp: number } => ({
  vm: 16 * xiStride(samples * TH * TW * C * 4) + 16 * xiStride(C * F * 4) + padBytes(TH, TW, C),
  dzp: 16 * xiStride(Math.ceil(F / PANEL) * samples * TH * TW * PANEL * 4),
});

/** Floats of the packed Winograd transforms of C channels and F filters (all 16 positions). */
export function winogradKernelsSize(C: number, F: number): number {
  return 16 * Math.ceil(F / PANEL) * PANEL * C;
}
