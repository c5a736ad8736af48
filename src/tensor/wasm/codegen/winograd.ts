/**
 * Generates 3×3 convolutions of stride 1 by Winograd's minimal filtering (Lavin and Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2015), as WebAssembly text. Why: a 2×2 block of
 * outputs (a tile) costs the windows' way 4·9 = 36 multiply-adds per channel and filter, this way
 * 16, so the products shrink 2.25× (1.9× for tutorial 002's second convolution, whose 11×11
 * outputs take 6×6 tiles); the transforms are additions.
 *
 * Forward, F(2×2, 3×3), a sample at a time (conv_winograd; the dx of a convolution is one too, of
 * dz with the kernels turned by 180°): for each tile t (T = ⌈OH/2⌉·⌈OW/2⌉ of them a sample) and
 * channel c, the 4×4 patch d of the input under it becomes V = Bᵀ d B; each 3×3 kernel g (channel
 * c, filter f) becomes U = G g Gᵀ (winograd-kernels.ts, once a call); for each of the 16 positions ξ,
 *   M_ξ [T, F] = V_ξ [T, C] · U_ξ [C, F]   (gemm_n, U_ξ packed as pack_b packs),
 * and the tile's outputs are Y = Aᵀ M A (2×2), then the bias and ReLU; those inside OH×OW are stored.
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
 *   Aᵀ = [1 1 1 0; 0 1 −1 −1]
 *
 * The kernels' gradient, F(3×3, 2×2), a chunk of samples at a time (winograd_dw): dw[i, j] =
 * Σ_positions x[oh + i − pt, ow + j − pl] · dz[oh, ow] is, tile by tile, the 3×3 correlation of the
 * same 4×4 patch with the tile's 2×2 of dz: V = B'ᵀ d B', D = G' dz G'ᵀ, and since the sum over
 * tiles commutes with the output transform,
 *   M_ξ [C, F] = V_ξᵀ · D_ξ over the chunk's tiles (gemm_t, k = chunk·T),   dw = A'ᵀ M A' (3×3).
 *   B'ᵀ = Bᵀ with its last row negated [0 −1 0 1]   G' = [1 0; ½ ½; ½ −½; 0 1]
 *   A'ᵀ = [1 1 1 0; 0 1 −1 0; 0 1 1 1]
 * In exact arithmetic both are the windows' sums; in f32 they round differently, within a few ulps
 * of the magnitudes involved. An infinite input or dz gives NaN where the windows give ±∞ (a
 * transform subtracts it from itself), and ReLU keeps that NaN.
 *
 * Shapes: x [B, H, W, C]   z, dz [B, OH, OW, F]   dw [3, 3, C, F]
 *   scratch: v [16, T, C] (forward) or [16, chunk·T, C] (dw), then m [16, T, F] or [16, C, F],
 *   then a sample zero-padded (pad);
 *   dzp: D_ξ packed [16][⌈F/8⌉ panels][chunk·T][8]; tile (gemm's). The 16 matrices of each are
 *   xiStride(a matrix's bytes) apart.
 *   Their sizes: winogradForwardBytes, winogradDwBytes (../abi.ts).
 *   up: U_ξ for ξ = 0..15, each packed [C, F] by columns, `ups` bytes apart.
 * C and F are multiples of 4: every load and store moves 4 channels or 4 filters.
 *
 *   conv_winograd(z, x, up, ups, bias, relu, v, tile, F, B, H, W, C, pt, pl, OH, OW)   exported
 *   winograd_dw(dw, x, dz, v, dzp, tile, F, B, H, W, C, pt, pl, OH, OW)               called by conv_backward
 *   wino_kernels(up, w, C, F, turned)                                                 exported (winograd-kernels.ts)
 * and the transforms they call (winograd-transforms.ts): wino_in, wino_in_dw (x's patches),
 * wino_out (the outputs), wino_dz (dz's tiles), wino_dw (dw's).
 */
import { PANEL } from '../abi.js';
import { call, forLoop, func, get, i32, ifValue, names, set, type Wat } from './wat.js';
import { winogradKernelsWat } from './winograd-kernels.js';
import { winogradTransforms } from './winograd-transforms.js';

/** Bytes of a panel row of packed B. */
const PANEL_BYTES = 4 * PANEL;
/** ../abi.ts's xiStride, in WebAssembly. */
const xiStride = (bytes: Wat): Wat =>
  ifValue('i32', i32.lt_u(bytes, 4096), bytes, i32.add(i32.and(i32.add(bytes, 4095), -4096), 64));

const GEOMETRY = names('i32', 'B', 'H', 'W', 'C', 'pt', 'pl', 'OH', 'OW');
/** Tiles a sample (TH × TW, T in all), and the bytes of a position's channels and filters. */
const TILES = [
  set('TH', i32.shr_u(i32.add(get('OH'), 1), 1)),
  set('TW', i32.shr_u(i32.add(get('OW'), 1), 1)),
  set('T', i32.mul(get('TH'), get('TW'))),
  set('cs', i32.mul(get('C'), 4)),
  set('fs', i32.mul(get('F'), 4)),
];
const TILE_LOCALS = names('i32', 's', 'xi', 'TH', 'TW', 'T', 'cs', 'fs', 'vs', 'ms');
/** The next sample of x (and of z or dz, `out`). */
const nextSample = (out: string): Wat[] => [
  set('x', i32.add(get('x'), i32.mul(i32.mul(get('H'), get('W')), get('cs')))),
  set(out, i32.add(get(out), i32.mul(i32.mul(get('OH'), get('OW')), get('fs')))),
];
/** Matrix ξ of the 16 at `base`, `stride` bytes apart. */
const xi = (base: string, stride: string): Wat => i32.add(get(base), i32.mul(get('xi'), get(stride)));
const PAD_ARGS = ['x', 'vs', 'H', 'W', 'C', 'pt', 'pl', 'TH', 'TW'];

/**
 * z [B, OH, OW, F] = the convolution of x with the kernels whose transforms are at up, + bias
 * (0: none), then ReLU when $relu ≠ 0; a sample at a time.
 */
const convWinograd = func(
  'conv_winograd',
  {
    exported: true,
    params: { ...names('i32', 'z', 'x', 'up', 'ups', 'bias', 'relu', 'v', 'tile', 'F'), ...GEOMETRY },
    locals: { ...TILE_LOCALS, mm: 'i32' },
  },
  [
    ...TILES,
    set('vs', xiStride(i32.mul(get('T'), get('cs')))),
    set('ms', xiStride(i32.mul(get('T'), get('fs')))),
    set('mm', i32.add(get('v'), i32.mul(16, get('vs')))),
    forLoop('s', get('B'), [
      call('wino_in', get('v'), i32.add(get('mm'), i32.mul(16, get('ms'))), ...PAD_ARGS.map(get)),
      // The 16 products: m_ξ [T, F] = v_ξ [T, C] · U_ξ [C, F].
      forLoop(
        'xi',
        16,
        call(
          'gemm_n',
          xi('mm', 'ms'),
          xi('v', 'vs'),
          xi('up', 'ups'),
          ...['T', 'C', 'F', 'cs'].map(get),
          i32.const(4),
          get('tile'),
        ),
      ),
      call('wino_out', ...['z', 'mm', 'ms', 'bias', 'relu', 'F', 'TH', 'TW', 'OH', 'OW'].map(get)),
      ...nextSample('z'),
    ]),
  ],
);

/**
 * dw [3, 3, C, F] = the kernels' gradient over B samples (a chunk): x's patches and dz's tiles
 * transformed sample by sample into v and dzp, the 16 products over all their tiles, then dw's
 * transform. Called from conv_backward (conv.ts) in place of im2col and its product.
 */
const winogradDw = func(
  'winograd_dw',
  {
    params: { ...names('i32', 'dw', 'x', 'dz', 'v', 'dzp', 'tile', 'F'), ...GEOMETRY },
    locals: { ...TILE_LOCALS, ...names('i32', 'k', 'dzs', 'mm') },
  },
  [
    ...TILES,
    set('k', i32.mul(get('B'), get('T'))),
    set('vs', xiStride(i32.mul(get('k'), get('cs')))),
    set(
      'dzs',
      xiStride(i32.mul(i32.mul(i32.shr_u(i32.add(get('F'), PANEL - 1), Math.log2(PANEL)), get('k')), PANEL_BYTES)),
    ),
    set('ms', xiStride(i32.mul(get('C'), get('fs')))),
    set('mm', i32.add(get('v'), i32.mul(16, get('vs')))),
    forLoop('s', get('B'), [
      call(
        'wino_in_dw',
        i32.add(get('v'), i32.mul(i32.mul(get('s'), get('T')), get('cs'))),
        i32.add(get('mm'), i32.mul(16, get('ms'))),
        ...PAD_ARGS.map(get),
      ),
      call(
        'wino_dz',
        get('dzp'),
        get('dzs'),
        get('k'),
        i32.mul(get('s'), get('T')),
        ...['dz', 'F', 'TH', 'TW', 'OH', 'OW'].map(get),
      ),
      ...nextSample('dz'),
    ]),
    // The 16 products: m_ξ [C, F] = v_ξᵀ [C, k] · D_ξ [k, F].
    forLoop(
      'xi',
      16,
      call(
        'gemm_t',
        xi('mm', 'ms'),
        xi('v', 'vs'),
        xi('dzp', 'dzs'),
        ...['C', 'k', 'F'].map(get),
        i32.const(4),
        get('cs'),
        get('tile'),
      ),
    ),
    call('wino_dw', ...['dw', 'mm', 'ms', 'C', 'F'].map(get)),
  ],
);

export function winogradWat(): Wat[] {
  return [...winogradTransforms(), convWinograd, winogradDw, winogradKernelsWat()];
}
