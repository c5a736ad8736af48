/**
 * Source of the forward pass of a 3×3 convolution of stride 1 by Winograd's minimal filtering
 * F(2×2, 3×3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2015), as
 * WebAssembly text. Why: a 2×2 block of outputs (a tile) costs the direct way 4·9 = 36 multiply-adds
 * per channel and filter, this way 16, so the products shrink 2.25× (1.9× for tutorial 002's second
 * convolution, whose 11×11 outputs take 6×6 tiles); the transforms are additions.
 *
 * For each tile t (T = ⌈OH/2⌉·⌈OW/2⌉ of them a sample) and channel c, the 4×4 patch d of the input
 * under it becomes V = Bᵀ d B; each 3×3 kernel g (channel c, filter f) becomes U = G g Gᵀ
 * (winograd.ts, once a call); for each of the 16 positions ξ of the 4×4,
 *   M_ξ [T, F] = V_ξ [T, C] · U_ξ [C, F]   (gemm_n, U_ξ packed as pack_b packs),
 * and the tile's outputs are Y = Aᵀ M A (2×2), then the bias and ReLU, and those inside OH×OW are
 * stored. With
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]   Aᵀ = [1 1 1 0; 0 1 −1 −1]
 * Y is exactly the correlation Σ x·w of the direct way (in exact arithmetic; in f32 the sums round
 * differently, within a few ulps of the magnitudes involved).
 *
 * Shapes: x [B, H, W, C]   z [B, OH, OW, F]   scratch: v [16, T, C], m [16, T, F], tile (gemm's)
 *   up: U_ξ for ξ = 0..15, each packed [C, F] by columns, `ups` bytes apart.
 * C and F are multiples of 4: every load and store moves 4 channels or 4 filters.
 */
import { ZERO } from './elementwise-wat.js';

const get = (n: string): string => `(local.get $${n})`;
const i32 = (v: number): string => `(i32.const ${v})`;
const add = (a: string, b: string): string => `(i32.add ${a} ${b})`;
const mul = (a: string, b: string): string => `(i32.mul ${a} ${b})`;
const fadd = (a: string, b: string): string => `(f32x4.add ${a} ${b})`;
const fsub = (a: string, b: string): string => `(f32x4.sub ${a} ${b})`;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Bᵀ applied to four values (a column or a row of the patch). */
const bt = (a: string[]): string[] => [fsub(a[0], a[2]), fadd(a[1], a[2]), fsub(a[2], a[1]), fsub(a[1], a[3])];
/** Aᵀ applied to four values. */
const at = (a: string[]): string[] => [fadd(fadd(a[0], a[1]), a[2]), fsub(fsub(a[1], a[2]), a[3])];

/** `for ($v = 0; $v < n; $v += step) body`. */
function loop(v: string, n: string, step: string, body: string): string {
  return `(local.set $${v} ${i32(0)})
    (block $${v}_done (loop $${v}_next
      (br_if $${v}_done (i32.ge_u ${get(v)} ${n}))
      ${body}
      (local.set $${v} ${add(get(v), step)})
      (br $${v}_next)))`;
}

/**
 * The input transform of tile (ty, tx) for the 4 channels at byte $cb: the patch's 16 vectors
 * (zero outside the image: the padding, and the row and column past an odd output size), then
 * V = Bᵀ d B, stored to v_ξ[t] for each ξ.
 */
const inputTransform = (): string => {
  const d = (i: number, j: number): string => get(`d${4 * i + j}`);
  const u = (i: number, j: number): string => get(`u${4 * i + j}`);
  const loads = range(16).map((n) => {
    const [i, j] = [n >> 2, n & 3];
    return `(local.set $d${n} (if (result v128) (i32.and (i32.lt_u ${get(`r${i}`)} ${get('H')}) (i32.lt_u ${get(`c${j}`)} ${get('W')}))
        (then (v128.load ${add(add(get(`p${i}`), get(`q${j}`)), get('cb'))})) (else ${ZERO})))`;
  });
  // u = Bᵀ d (over each column j), then V = u B (over each row i).
  const us = range(4).flatMap((j) => bt(range(4).map((i) => d(i, j))).map((e, i) => `(local.set $u${4 * i + j} ${e})`));
  const stores = range(4).flatMap((i) =>
    bt(range(4).map((j) => u(i, j))).map((e, j) => `(v128.store ${add(get('vt'), mul(i32(4 * i + j), get('vs')))} ${e})`),
  );
  return [...loads, ...us, `(local.set $vt ${add(add(get('v'), mul(get('t'), get('cs'))), get('cb'))})`, ...stores].join('\n      ');
};

/** The output transform of tile (ty, tx) for the 4 filters at byte $fb: Y = Aᵀ M A, the bias, ReLU, and the outputs inside OH×OW stored. */
const outputTransform = (): string => {
  const m = (i: number, j: number): string => get(`d${4 * i + j}`);
  const s = (i: number, j: number): string => get(`u${4 * i + j}`);
  const loads = range(16).map((n) => `(local.set $d${n} (v128.load ${add(get('mt'), mul(i32(n), get('ms')))}))`);
  // s = Aᵀ M (over each column j; rows 0 and 1), then Y = s A (over each row).
  const ss = range(4).flatMap((j) => at(range(4).map((i) => m(i, j))).map((e, i) => `(local.set $u${4 * i + j} ${e})`));
  const stores = range(2).flatMap((a) =>
    at(range(4).map((j) => s(a, j))).map((e, b) => {
      let y = fadd(e, get('bv'));
      // As the relu kernel: pmax keeps NaN, adding +0 turns −0 into +0.
      y = `(if (result v128) ${get('relu')} (then ${fadd(`(f32x4.pmax ${y} ${ZERO})`, ZERO)}) (else ${y}))`;
      const inside = `(i32.and (i32.lt_u ${add(get('oh'), i32(a))} ${get('OH')}) (i32.lt_u ${add(get('ow'), i32(b))} ${get('OW')}))`;
      return `(if ${inside} (then (v128.store ${add(get('zt'), add(mul(i32(a), get('zrow')), mul(i32(b), get('fs'))))} ${y})))`;
    }),
  );
  return [...loads, ...ss, ...stores].join('\n      ');
};

const PARAMS =
  '(param $z i32) (param $x i32) (param $up i32) (param $ups i32) (param $bias i32) (param $relu i32) (param $v i32) (param $mm i32) (param $tile i32) (param $F i32) ' +
  '(param $B i32) (param $H i32) (param $W i32) (param $C i32) (param $pt i32) (param $pl i32) (param $OH i32) (param $OW i32)';
const LOCALS = [
  '(local $s i32) (local $ty i32) (local $tx i32) (local $t i32) (local $TH i32) (local $TW i32) (local $T i32) (local $xi i32)',
  '(local $cb i32) (local $fb i32) (local $cs i32) (local $fs i32) (local $vs i32) (local $ms i32) (local $vt i32) (local $mt i32)',
  '(local $zt i32) (local $zrow i32) (local $oh i32) (local $ow i32) (local $bv v128)',
  range(4).map((i) => `(local $r${i} i32) (local $c${i} i32) (local $p${i} i32) (local $q${i} i32)`).join(' '),
  range(16).map((n) => `(local $d${n} v128) (local $u${n} v128)`).join(' '),
].join('\n    ');

/** z [B, OH, OW, F] = the convolution of x with the kernels whose transforms are at up, + bias (0: none), then ReLU when $relu ≠ 0. */
const convWinograd = `(func $conv_winograd (export "conv_winograd") ${PARAMS}
    ${LOCALS}
    (local.set $TH (i32.shr_u ${add(get('OH'), i32(1))} ${i32(1)}))
    (local.set $TW (i32.shr_u ${add(get('OW'), i32(1))} ${i32(1)}))
    (local.set $T ${mul(get('TH'), get('TW'))})
    (local.set $cs ${mul(get('C'), i32(4))})
    (local.set $fs ${mul(get('F'), i32(4))})
    (local.set $vs ${mul(get('T'), get('cs'))})
    (local.set $ms ${mul(get('T'), get('fs'))})
    (local.set $zrow ${mul(get('OW'), get('fs'))})
    ${loop(
      's',
      get('B'),
      i32(1),
      `;; Input transform: v_ξ [T, C].
      ${loop(
        'ty',
        get('TH'),
        i32(1),
        `${range(4)
          .map((i) => `(local.set $r${i} (i32.sub ${add(mul(get('ty'), i32(2)), i32(i))} ${get('pt')}))
          (local.set $p${i} ${add(get('x'), mul(mul(get(`r${i}`), get('W')), get('cs')))})`)
          .join('\n          ')}
        ${loop(
          'tx',
          get('TW'),
          i32(1),
          `${range(4)
            .map((j) => `(local.set $c${j} (i32.sub ${add(mul(get('tx'), i32(2)), i32(j))} ${get('pl')}))
            (local.set $q${j} ${mul(get(`c${j}`), get('cs'))})`)
            .join('\n            ')}
          (local.set $t ${add(mul(get('ty'), get('TW')), get('tx'))})
          ${loop('cb', get('cs'), i32(16), inputTransform())}`,
        )}`,
      )}
      ;; The 16 products: m_ξ [T, F] = v_ξ [T, C] · U_ξ [C, F].
      ${loop(
        'xi',
        i32(16),
        i32(1),
        `(call $gemm_n ${add(get('mm'), mul(get('xi'), get('ms')))} ${add(get('v'), mul(get('xi'), get('vs')))} ${add(get('up'), mul(get('xi'), get('ups')))}
            ${get('T')} ${get('C')} ${get('F')} ${get('cs')} ${i32(4)} ${get('tile')})`,
      )}
      ;; Output transform into z.
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
            `(local.set $mt ${add(add(get('mm'), mul(get('t'), get('fs'))), get('fb'))})
            (local.set $zt ${add(add(get('z'), add(mul(get('oh'), get('zrow')), mul(get('ow'), get('fs')))), get('fb'))})
            (local.set $bv (if (result v128) ${get('bias')} (then (v128.load ${add(get('bias'), get('fb'))})) (else ${ZERO})))
            ${outputTransform()}`,
          )}`,
        )}`,
      )}
      (local.set $x ${add(get('x'), mul(mul(get('H'), get('W')), get('cs')))})
      (local.set $z ${add(get('z'), mul(get('OH'), get('zrow')))})`,
    )})`;

export function winogradWat(): string {
  return convWinograd;
}
