/**
 * The kernels' transforms for Winograd's F(2×2, 3×3) (winograd-wat.ts, which says why and how):
 * U = G g Gᵀ, a 4×4 for each 3×3 kernel g of channel c and filter f, with
 *   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
 * written as gemm_n's packed B for each of the 16 positions ξ = 4i + j: U_ξ [C, F] in panels of
 * PANEL filters (panel q holds row c at (q·C + c)·PANEL, zero past F), one ξ after another.
 * As WebAssembly text (`wino_kernels`), once a call, on the calling thread: C·F·16 values, against
 * the call's B·T·16·C·F multiply-adds. Four filters at a time, in float64 (two f64x2 halves), rounded
 * to float32 once at the end, as the float64 JS it replaces did. That JS took 150 ns a channel and
 * filter (0.36 ms for tutorial 002's second convolution, twice a step, while the other thread waited).
 */
import { get, i32 as I32 } from './wat.js';
const i32 = I32.const;
const add = I32.add;
const mul = I32.mul;
import { PANEL } from '../abi.js';
import { forLoop as loop } from './wat.js';


const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sum3 = (a: string, b: string, c: string, sign: '+' | '-'): string => `(f64x2.add (f64x2.${sign === '+' ? 'add' : 'sub'} ${a} ${b}) ${c})`;
const halved = (x: string): string => `(f64x2.mul ${x} (v128.const f64x2 0.5 0.5))`;

/**
 * wino_kernels(up, w, C, F, turned): up ← the packed transforms of w [3, 3, C, F], or (turned ≠ 0)
 * of w [3, 3, F, C] turned by 180° with its channels and filters swapped: the kernels of a
 * convolution's dx, whose C channels are the forward pass's filters and whose F filters its
 * channels. C and F are multiples of 4; up has winogradKernelsSize(C, F) floats.
 */
export function winogradKernelsWat(): string {
  // Tap k of channel c, filter f at w + 4·(c·cs + f·fs + k·ks) + origin (turned: tap 8 − k).
  const tap = (k: number): string => add(get('wcf'), mul(i32(k), get('ks')));
  // Four filters' tap k as f32x4: their taps are fs floats apart (1, or C turned).
  const load = (k: number): string =>
    range(3).reduce((v, l) => `(f32x4.replace_lane ${l + 1} ${v} (f32.load ${add(tap(k), mul(i32(l + 1), get('fsb')))}))`, `(v128.load32_zero ${tap(k)})`);
  const body: string[] = [];
  for (let k = 0; k < 9; k++) {
    body.push(`(local.set $x ${load(k)})`);
    body.push(`(local.set $g${k}l (f64x2.promote_low_f32x4 (local.get $x)))`);
    body.push(`(local.set $g${k}h (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x))))`);
  }
  // t = G g (4 rows of 3), then U = t Gᵀ (4×4), per half; g[3r + b] is row r, column b.
  for (const h of ['l', 'h']) {
    const g = (k: number): string => `(local.get $g${k}${h})`;
    for (let b = 0; b < 3; b++) {
      body.push(`(local.set $t${b}${h} ${g(b)})`);
      body.push(`(local.set $t${3 + b}${h} ${halved(sum3(g(b), g(3 + b), g(6 + b), '+'))})`);
      body.push(`(local.set $t${6 + b}${h} ${halved(sum3(g(b), g(3 + b), g(6 + b), '-'))})`);
      body.push(`(local.set $t${9 + b}${h} ${g(6 + b)})`);
    }
  }
  const u = (i: number, j: number, h: string): string => {
    const t = (b: number): string => `(local.get $t${3 * i + b}${h})`;
    return [t(0), halved(sum3(t(0), t(1), t(2), '+')), halved(sum3(t(0), t(1), t(2), '-')), t(2)][j];
  };
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const at = add(get('at'), mul(i32(4 * i + j), get('per')));
      body.push(`(v128.store ${at} (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero ${u(i, j, 'l')}) (f32x4.demote_f64x2_zero ${u(i, j, 'h')})))`);
      // The last panel half empty (F % 8 = 4): its other four filters are zeros.
      body.push(`(if (local.get $pad) (then (v128.store offset=16 ${at} (v128.const i32x4 0 0 0 0))))`);
    }
  }
  const halves = range(9).map((k) => `(local $g${k}l v128) (local $g${k}h v128)`).join(' ') + ' ' + range(12).map((k) => `(local $t${k}l v128) (local $t${k}h v128)`).join(' ');
  return `(func $wino_kernels (export "wino_kernels") (param $up i32) (param $w i32) (param $C i32) (param $F i32) (param $turned i32)
    (local $c i32) (local $f i32) (local $per i32) (local $ks i32) (local $csb i32) (local $fsb i32) (local $wcf i32) (local $at i32) (local $pad i32) (local $x v128) ${halves}
    ;; Bytes between a U_ξ and the next; between taps, channels and filters of w.
    (local.set $per ${mul(mul(mul(`(i32.shr_u (i32.add ${get('F')} ${i32(PANEL - 1)}) ${i32(Math.log2(PANEL))})`, i32(PANEL)), get('C')), i32(4))})
    (if (local.get $turned)
      (then
        (local.set $ks (i32.sub (i32.const 0) ${mul(mul(get('F'), get('C')), i32(4))}))
        (local.set $csb ${i32(4)})
        (local.set $fsb ${mul(get('C'), i32(4))})
        (local.set $w ${add(get('w'), mul(mul(get('F'), get('C')), i32(32)))}))
      (else
        (local.set $ks ${mul(mul(get('F'), get('C')), i32(4))})
        (local.set $csb ${mul(get('F'), i32(4))})
        (local.set $fsb ${i32(4)})))
    ${loop('c', get('C'), loop('f', get('F'), `(local.set $wcf ${add(get('w'), add(mul(get('c'), get('csb')), mul(get('f'), get('fsb'))))})
      ;; Floats to filter f's column in row c of its panel.
      (local.set $at ${add(get('up'), mul(add(mul(add(mul(`(i32.shr_u ${get('f')} ${i32(Math.log2(PANEL))})`, get('C')), get('c')), i32(PANEL)), `(i32.and ${get('f')} ${i32(PANEL - 1)})`), i32(4)))})
      (local.set $pad (i32.and (i32.eq ${add(get('f'), i32(4))} ${get('F')}) (i32.ne (i32.and ${get('F')} ${i32(PANEL - 1)}) ${i32(0)})))
      ${body.join('\n      ')}`, i32(4)))})`;
}
