/**
 * Source of 3×3 convolutions of stride 1 by Winograd's minimal filtering (Lavin and Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2015), as WebAssembly text. Why: a 2×2 block of
 * outputs (a tile) costs the windows' way 4·9 = 36 multiply-adds per channel and filter, this way
 * 16, so the products shrink 2.25× (1.9× for tutorial 002's second convolution, whose 11×11
 * outputs take 6×6 tiles); the transforms are additions.
 *
 * Forward, F(2×2, 3×3), a sample at a time (conv_winograd; the dx of a convolution is one too, of
 * dz with the kernels turned by 180°): for each tile t (T = ⌈OH/2⌉·⌈OW/2⌉ of them a sample) and
 * channel c, the 4×4 patch d of the input under it becomes V = Bᵀ d B; each 3×3 kernel g (channel
 * c, filter f) becomes U = G g Gᵀ (winograd.ts, once a call); for each of the 16 positions ξ,
 *   M_ξ [T, F] = V_ξ [T, C] · U_ξ [C, F]   (gemm_n, U_ξ packed as pack_b packs),
 * and the tile's outputs are Y = Aᵀ M A (2×2), then the bias and ReLU; those inside OH×OW are stored.
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]   Aᵀ = [1 1 1 0; 0 1 −1 −1]
 *
 * The kernels' gradient, F(3×3, 2×2), a chunk of samples at a time (winograd_dw): dw[i, j] =
 * Σ_positions x[oh + i − pt, ow + j − pl] · dz[oh, ow] is, tile by tile, the 3×3 correlation of the
 * same 4×4 patch with the tile's 2×2 of dz: V = B'ᵀ d B', D = G' dz G'ᵀ, and since the sum over
 * tiles commutes with the output transform,
 *   M_ξ [C, F] = V_ξᵀ · D_ξ over the chunk's tiles (gemm_t, k = chunk·T),   dw = A'ᵀ M A' (3×3).
 *   B'ᵀ = Bᵀ with its last row negated [0 −1 0 1]   G' = [1 0; ½ ½; ½ −½; 0 1]   A'ᵀ = [1 1 1 0; 0 1 −1 0; 0 1 1 1]
 * In exact arithmetic both are the windows' sums; in f32 they round differently, within a few ulps
 * of the magnitudes involved. An infinite input or dz gives NaN where the windows give ±∞ (a
 * transform subtracts it from itself), and ReLU keeps that NaN.
 *
 * Shapes: x [B, H, W, C]   z, dz [B, OH, OW, F]   dw [3, 3, C, F]
 *   scratch: v [16, T, C] (forward) or [16, chunk·T, C] (dw), then m [16, T, F] or [16, C, F],
 *   then a sample zero-padded (pad);
 *   dzp: D_ξ packed [16][⌈F/8⌉ panels][chunk·T][8]; tile (gemm's). The 16 matrices of each are
 *   xiStride(a matrix's bytes) apart.
 *   Their sizes: winogradForwardBytes, winogradDwBytes (abi.ts).
 *   up: U_ξ for ξ = 0..15, each packed [C, F] by columns, `ups` bytes apart.
 * C and F are multiples of 4: every load and store moves 4 channels or 4 filters.
 */
import { ZERO, forLoop as loopBy } from './wat.js';
import { get, i32 as I32 } from './wat.js';
const i32 = I32.const;
const add = I32.add;
const mul = I32.mul;
import { PANEL } from '../abi.js';
import { winogradKernelsWat } from './winograd-kernels.js';

const fadd = (a: string, b: string): string => `(f32x4.add ${a} ${b})`;
const fsub = (a: string, b: string): string => `(f32x4.sub ${a} ${b})`;
const half = (a: string): string => `(f32x4.mul ${a} (v128.const f32x4 0.5 0.5 0.5 0.5))`;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** Bytes of a panel row of packed B. */
const PANEL_BYTES = 4 * PANEL;
/** abi.ts's xiStride, in WebAssembly. */
const xiStrideWat = (bytes: string): string =>
  `(if (result i32) (i32.lt_u ${bytes} ${i32(4096)}) (then ${bytes}) (else (i32.add (i32.and (i32.add ${bytes} ${i32(4095)}) ${i32(-4096)}) ${i32(64)})))`;

/** Bᵀ applied to four values (a column or a row of the patch); `dw`: B'ᵀ, the last row negated. */
const bt = (a: string[], dw: boolean): string[] => [fsub(a[0], a[2]), fadd(a[1], a[2]), fsub(a[2], a[1]), dw ? fsub(a[3], a[1]) : fsub(a[1], a[3])];
/** Aᵀ applied to four values. */
const at = (a: string[]): string[] => [fadd(fadd(a[0], a[1]), a[2]), fsub(fsub(a[1], a[2]), a[3])];
/** G' applied to two values. */
const gd = (a: string[]): string[] => [a[0], half(fadd(a[0], a[1])), half(fsub(a[0], a[1])), a[1]];
/** A'ᵀ applied to four values. */
const atd = (a: string[]): string[] => [fadd(fadd(a[0], a[1]), a[2]), fsub(a[1], a[2]), fadd(fadd(a[1], a[2]), a[3])];

/** elementwise-wat.ts's loop with the step before the body, as the nests below read best. */
const loop = (v: string, n: string, step: string, body: string): string => loopBy(v, n, body, step);

/** Locals $d0..$d15 and $u0..$u15: a 4×4 of vectors and its half-transformed copy. */
const VECTORS = range(16)
  .map((n) => `(local $d${n} v128) (local $u${n} v128)`)
  .join(' ');
const d = (i: number, j: number): string => get(`d${4 * i + j}`);
const u = (i: number, j: number): string => get(`u${4 * i + j}`);
/** $u[i][j] ← rows(column j of $d)[i] for each column j (rows gives `count` values). */
const overColumns = (rows: (a: string[]) => string[], count: number): string[] =>
  range(4).flatMap((j) => rows(range(count).map((i) => d(i, j))).map((e, i) => `(local.set $u${4 * i + j} ${e})`));

/**
 * The input transform of a sample: first the sample into `pad`, zero-padded to the tiles' reach
 * (PH = 2·TH + 2 rows of PW = 2·TW + 2 positions: the padding, and the row and column past an odd
 * output size), so that the transform reads every patch without a bounds check (the checks, a
 * branch for each of a patch's 16 vectors, cost as much as the transform's arithmetic); then for
 * each tile t and 4 channels, the patch's 16 vectors become V = Bᵀ d B (forward) or B'ᵀ d B' (dw),
 * stored at v + t·cs, ξ at vs bytes apart.
 */
function inputFunc(dw: boolean): string {
  const name = dw ? 'wino_in_dw' : 'wino_in';
  const loads = range(16).map((n) => `(local.set $d${n} (v128.load ${add(get(`p${n >> 2}`), add(get(`q${n & 3}`), get('cb')))}))`);
  const stores = range(4).flatMap((i) =>
    bt(
      range(4).map((j) => u(i, j)),
      dw,
    ).map((e, j) => `(v128.store ${add(get('vt'), mul(i32(4 * i + j), get('vs')))} ${e})`),
  );
  const transform = [...loads, ...overColumns((a) => bt(a, dw), 4), `(local.set $vt ${add(add(get('v'), mul(get('t'), get('cs'))), get('cb'))})`, ...stores].join('\n      ');
  return `(func $${name} (param $v i32) (param $pad i32) (param $x i32) (param $vs i32) (param $H i32) (param $W i32) (param $C i32) (param $pt i32) (param $pl i32) (param $TH i32) (param $TW i32)
    (local $ty i32) (local $tx i32) (local $t i32) (local $cb i32) (local $cs i32) (local $vt i32) (local $prow i32) (local $r i32) (local $n i32)
    ${range(4)
      .map((i) => `(local $p${i} i32) (local $q${i} i32)`)
      .join(' ')}
    ${VECTORS}
    (local.set $cs ${mul(get('C'), i32(4))})
    (local.set $prow ${mul(add(mul(get('TW'), i32(2)), i32(2)), get('cs'))})
    ;; pad row r: zeros, and where r − pt is a row of x, its W positions from column pl on (as many as fit).
    (local.set $n ${mul(get('W'), get('cs'))})
    (if (i32.gt_u ${add(mul(get('pl'), get('cs')), get('n'))} ${get('prow')}) (then (local.set $n (i32.sub ${get('prow')} ${mul(get('pl'), get('cs'))}))))
    ${loop(
      'r',
      add(mul(get('TH'), i32(2)), i32(2)),
      i32(1),
      `(memory.fill ${add(get('pad'), mul(get('r'), get('prow')))} ${i32(0)} ${get('prow')})
      (if (i32.lt_u (i32.sub ${get('r')} ${get('pt')}) ${get('H')}) (then
        (memory.copy ${add(add(get('pad'), mul(get('r'), get('prow'))), mul(get('pl'), get('cs')))}
          ${add(get('x'), mul(mul(`(i32.sub ${get('r')} ${get('pt')})`, get('W')), get('cs')))} ${get('n')})))`,
    )}
    ${loop(
      'ty',
      get('TH'),
      i32(1),
      `${range(4)
        .map((i) => `(local.set $p${i} ${add(get('pad'), mul(add(mul(get('ty'), i32(2)), i32(i)), get('prow')))})`)
        .join('\n        ')}
      ${loop(
        'tx',
        get('TW'),
        i32(1),
        `${range(4)
          .map((j) => `(local.set $q${j} ${mul(add(mul(get('tx'), i32(2)), i32(j)), get('cs'))})`)
          .join('\n          ')}
        (local.set $t ${add(mul(get('ty'), get('TW')), get('tx'))})
        ${loop('cb', get('cs'), i32(16), transform)}`,
      )}`,
    )})`;
}

/**
 * The loops of the output side over a sample: tiles (ty, tx) with $oh, $ow their first output and
 * $t their index, and in each the filters 4 at a time ($fb, in bytes); $at is the tile's vector in
 * an [OH, OW, F] array at `base`. Locals: OUTPUT_LOCALS.
 */
const overOutputs = (base: string, body: string): string => `(local.set $fs ${mul(get('F'), i32(4))})
    (local.set $zrow ${mul(get('OW'), get('fs'))})
    ${loop(
      'ty',
      get('TH'),
      i32(1),
      `(local.set $oh ${mul(get('ty'), i32(2))})
      ${loop(
        'tx',
        get('TW'),
        i32(1),
        `(local.set $ow ${mul(get('tx'), i32(2))})
        (local.set $t ${add(mul(get('ty'), get('TW')), get('tx'))})
        ${loop(
          'fb',
          get('fs'),
          i32(16),
          `(local.set $at ${add(add(base, add(mul(get('oh'), get('zrow')), mul(get('ow'), get('fs')))), get('fb'))})
          ${body}`,
        )}`,
      )}`,
    )}`;
const OUTPUT_LOCALS = '(local $ty i32) (local $tx i32) (local $t i32) (local $fb i32) (local $fs i32) (local $zrow i32) (local $oh i32) (local $ow i32) (local $at i32)';

/** The output transform of a sample: for each tile and 4 filters, Y = Aᵀ M A (M_ξ at mm, ms bytes apart), the bias, ReLU, and the outputs inside OH×OW stored into z. */
const outputFunc = (): string => {
  const loads = range(16).map((n) => `(local.set $d${n} (v128.load ${add(get('mt'), mul(i32(n), get('ms')))}))`);
  const stores = range(2).flatMap((a) =>
    at(range(4).map((j) => u(a, j))).map((e, b) => {
      let y = fadd(e, get('bv'));
      // As the relu kernel: pmax keeps NaN, adding +0 turns −0 into +0.
      y = `(if (result v128) ${get('relu')} (then ${fadd(`(f32x4.pmax ${y} ${ZERO})`, ZERO)}) (else ${y}))`;
      const inside = `(i32.and (i32.lt_u ${add(get('oh'), i32(a))} ${get('OH')}) (i32.lt_u ${add(get('ow'), i32(b))} ${get('OW')}))`;
      return `(if ${inside} (then (v128.store ${add(get('at'), add(mul(i32(a), get('zrow')), mul(i32(b), get('fs'))))} ${y})))`;
    }),
  );
  const transform = [...loads, ...overColumns(at, 4), ...stores].join('\n        ');
  return `(func $wino_out (param $z i32) (param $mm i32) (param $ms i32) (param $bias i32) (param $relu i32) (param $F i32) (param $TH i32) (param $TW i32) (param $OH i32) (param $OW i32)
    ${OUTPUT_LOCALS} (local $mt i32) (local $bv v128)
    ${VECTORS}
    ${overOutputs(get('z'), `(local.set $mt ${add(add(get('mm'), mul(get('t'), get('fs'))), get('fb'))})
          (local.set $bv (if (result v128) ${get('bias')} (then (v128.load ${add(get('bias'), get('fb'))})) (else ${ZERO})))
          ${transform}`)})`;
};

/** dz's transform for dw, for a sample: each tile's 2×2 of 4 filters (zero past OH×OW) becomes D = G' dz G'ᵀ, stored as row k0 + t of each packed D_ξ (dzs bytes apart, k rows). */
const dzFunc = (): string => {
  const loads = range(4).map((n) => {
    const [a, b] = [n >> 1, n & 1];
    const inside = `(i32.and (i32.lt_u ${add(get('oh'), i32(a))} ${get('OH')}) (i32.lt_u ${add(get('ow'), i32(b))} ${get('OW')}))`;
    return `(local.set $d${4 * a + b} (if (result v128) ${inside} (then (v128.load ${add(get('at'), add(mul(i32(a), get('zrow')), mul(i32(b), get('fs'))))})) (else ${ZERO})))`;
  });
  const stores = range(4).flatMap((i) =>
    gd(range(2).map((j) => u(i, j))).map((e, j) => `(v128.store ${add(get('dt'), mul(i32(4 * i + j), get('dzs')))} ${e})`),
  );
  // G' over each of the tile's two columns, then over each of the four rows.
  const columns = range(2).flatMap((j) => gd([d(0, j), d(1, j)]).map((e, i) => `(local.set $u${4 * i + j} ${e})`));
  // The panel row of filter f = fb/4: panel fb/32, then row k0 + t, then lane (fb mod 32)/4.
  const row = `(local.set $dt ${add(get('dzp'), add(mul(add(mul(`(i32.shr_u ${get('fb')} ${i32(5)})`, get('k')), add(get('k0'), get('t'))), i32(PANEL_BYTES)), `(i32.and ${get('fb')} ${i32(PANEL_BYTES - 1)})`))})`;
  // With F mod 8 = 4 the last panel's upper half holds no filter: zeros, not whatever the scratch
  // held (old integers read as floats can be denormals, which slow the products).
  const pad = `(if (i32.and (i32.eq ${get('fb')} (i32.sub ${get('fs')} ${i32(16)})) (i32.and ${get('F')} ${i32(4)})) (then
          ${range(16)
            .map((n) => `(v128.store offset=16 ${add(get('dt'), mul(i32(n), get('dzs')))} ${ZERO})`)
            .join(' ')}))`;
  const transform = [...loads, ...columns, row, ...stores, pad].join('\n        ');
  return `(func $wino_dz (param $dzp i32) (param $dzs i32) (param $k i32) (param $k0 i32) (param $dz i32) (param $F i32) (param $TH i32) (param $TW i32) (param $OH i32) (param $OW i32)
    ${OUTPUT_LOCALS} (local $dt i32)
    ${VECTORS}
    ${overOutputs(get('dz'), transform)})`;
};

/** dw [3, 3, C, F] = A'ᵀ M A' for each channel and 4 filters (M_ξ [C, F] at mm, ms bytes apart). */
const dwFunc = (): string => {
  const loads = range(16).map((n) => `(local.set $d${n} (v128.load ${add(get('mt'), mul(i32(n), get('ms')))}))`);
  const stores = range(3).flatMap((i) =>
    atd(range(4).map((j) => u(i, j))).map((e, j) => `(v128.store ${add(get('mt0'), mul(i32(3 * i + j), get('ds')))} ${e})`),
  );
  // $mt0: dw's element at tap 0; tap (i, j) is (3i + j)·C·F floats on.
  const transform = [...loads, ...overColumns(atd, 4), `(local.set $mt0 ${add(get('dw'), get('o'))})`, ...stores].join('\n      ');
  return `(func $wino_dw (param $dw i32) (param $mm i32) (param $ms i32) (param $C i32) (param $F i32)
    (local $o i32) (local $mt i32) (local $mt0 i32) (local $ds i32)
    ${VECTORS}
    (local.set $ds ${mul(mul(get('C'), get('F')), i32(4))})
    ${loop('o', get('ds'), i32(16), `(local.set $mt ${add(get('mm'), get('o'))})
      ${transform}`)})`;
};

const GEOMETRY = '(param $B i32) (param $H i32) (param $W i32) (param $C i32) (param $pt i32) (param $pl i32) (param $OH i32) (param $OW i32)';
const TILES = `(local.set $TH (i32.shr_u ${add(get('OH'), i32(1))} ${i32(1)}))
    (local.set $TW (i32.shr_u ${add(get('OW'), i32(1))} ${i32(1)}))
    (local.set $T ${mul(get('TH'), get('TW'))})
    (local.set $cs ${mul(get('C'), i32(4))})
    (local.set $fs ${mul(get('F'), i32(4))})`;
const TILE_LOCALS = '(local $s i32) (local $xi i32) (local $TH i32) (local $TW i32) (local $T i32) (local $cs i32) (local $fs i32) (local $vs i32) (local $ms i32)';

/** z [B, OH, OW, F] = the convolution of x with the kernels whose transforms are at up, + bias (0: none), then ReLU when $relu ≠ 0; a sample at a time. */
const convWinograd = `(func $conv_winograd (export "conv_winograd") (param $z i32) (param $x i32) (param $up i32) (param $ups i32) (param $bias i32) (param $relu i32)
    (param $v i32) (param $tile i32) (param $F i32) ${GEOMETRY}
    ${TILE_LOCALS} (local $mm i32)
    ${TILES}
    (local.set $vs ${xiStrideWat(mul(get('T'), get('cs')))})
    (local.set $ms ${xiStrideWat(mul(get('T'), get('fs')))})
    (local.set $mm ${add(get('v'), mul(i32(16), get('vs')))})
    ${loop(
      's',
      get('B'),
      i32(1),
      `(call $wino_in ${get('v')} ${add(get('mm'), mul(i32(16), get('ms')))} ${get('x')} ${get('vs')} ${get('H')} ${get('W')} ${get('C')} ${get('pt')} ${get('pl')} ${get('TH')} ${get('TW')})
      ;; The 16 products: m_ξ [T, F] = v_ξ [T, C] · U_ξ [C, F].
      ${loop(
        'xi',
        i32(16),
        i32(1),
        `(call $gemm_n ${add(get('mm'), mul(get('xi'), get('ms')))} ${add(get('v'), mul(get('xi'), get('vs')))} ${add(get('up'), mul(get('xi'), get('ups')))}
          ${get('T')} ${get('C')} ${get('F')} ${get('cs')} ${i32(4)} ${get('tile')})`,
      )}
      (call $wino_out ${get('z')} ${get('mm')} ${get('ms')} ${get('bias')} ${get('relu')} ${get('F')} ${get('TH')} ${get('TW')} ${get('OH')} ${get('OW')})
      (local.set $x ${add(get('x'), mul(mul(get('H'), get('W')), get('cs')))})
      (local.set $z ${add(get('z'), mul(mul(get('OH'), get('OW')), get('fs')))})`,
    )})`;

/**
 * dw [3, 3, C, F] = the kernels' gradient over B samples (a chunk): x's patches and dz's tiles
 * transformed sample by sample into v and dzp, the 16 products over all their tiles, then dw's
 * transform. Called from conv_backward (conv-wat.ts) in place of im2col and its product.
 */
const winogradDw = `(func $winograd_dw (param $dw i32) (param $x i32) (param $dz i32) (param $v i32) (param $dzp i32) (param $tile i32) (param $F i32) ${GEOMETRY}
    ${TILE_LOCALS} (local $k i32) (local $dzs i32) (local $mm i32)
    ${TILES}
    (local.set $k ${mul(get('B'), get('T'))})
    (local.set $vs ${xiStrideWat(mul(get('k'), get('cs')))})
    (local.set $dzs ${xiStrideWat(mul(mul(`(i32.shr_u ${add(get('F'), i32(7))} ${i32(3)})`, get('k')), i32(PANEL_BYTES)))})
    (local.set $ms ${xiStrideWat(mul(get('C'), get('fs')))})
    (local.set $mm ${add(get('v'), mul(i32(16), get('vs')))})
    ${loop(
      's',
      get('B'),
      i32(1),
      `(call $wino_in_dw ${add(get('v'), mul(mul(get('s'), get('T')), get('cs')))} ${add(get('mm'), mul(i32(16), get('ms')))} ${get('x')} ${get('vs')} ${get('H')} ${get('W')} ${get('C')} ${get('pt')} ${get('pl')} ${get('TH')} ${get('TW')})
      (call $wino_dz ${get('dzp')} ${get('dzs')} ${get('k')} ${mul(get('s'), get('T'))} ${get('dz')} ${get('F')} ${get('TH')} ${get('TW')} ${get('OH')} ${get('OW')})
      (local.set $x ${add(get('x'), mul(mul(get('H'), get('W')), get('cs')))})
      (local.set $dz ${add(get('dz'), mul(mul(get('OH'), get('OW')), get('fs')))})`,
    )}
    ;; The 16 products: m_ξ [C, F] = v_ξᵀ [C, k] · D_ξ [k, F].
    ${loop(
      'xi',
      i32(16),
      i32(1),
      `(call $gemm_t ${add(get('mm'), mul(get('xi'), get('ms')))} ${add(get('v'), mul(get('xi'), get('vs')))} ${add(get('dzp'), mul(get('xi'), get('dzs')))}
        ${get('C')} ${get('k')} ${get('F')} ${i32(4)} ${get('cs')} ${get('tile')})`,
    )}
    (call $wino_dw ${get('dw')} ${get('mm')} ${get('ms')} ${get('C')} ${get('F')}))`;

export function winogradWat(): string {
  return [inputFunc(false), inputFunc(true), outputFunc(), dzFunc(), dwFunc(), convWinograd, winogradDw, winogradKernelsWat()].join('\n  ');
}
