/**
 * Generates wino_kernels, the kernels' transforms for Winograd's F(2×2, 3×3) (winograd.ts, which
 * says why and how): U = G g Gᵀ, a 4×4 for each 3×3 kernel g of channel c and filter f, with
 *   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
 * written as gemm_n's packed B for each of the 16 positions ξ = 4i + j: U_ξ [C, F] in panels of
 * PANEL filters (panel q holds row c at (q·C + c)·PANEL, zero past F), one ξ after another.
 * Once a call, on the calling thread: C·F·16 values, against the call's B·T·16·C·F multiply-adds.
 * Four filters at a time, in float64 (two f64x2 halves), rounded to float32 once at the end, as the
 * float64 JS it replaces did.
 *
 *   wino_kernels(up, w, C, F, turned)   w [3, 3, C, F] (or [3, 3, F, C] turned) → up [16][⌈F/PANEL⌉][C][PANEL]
 */
import { PANEL } from '../abi.js';
import {
  ZERO,
  f32,
  f32x4,
  f64x2,
  forLoop,
  func,
  get,
  i32,
  i8x16,
  ifThen,
  names,
  range,
  set,
  swapHalves,
  v128,
  type Decls,
  type Wat,
} from './wat.js';

/** a + b + c, or a − b + c. */
const sum3 = (a: Wat, b: Wat, c: Wat, sign: '+' | '-'): Wat =>
  f64x2.add(sign === '+' ? f64x2.add(a, b) : f64x2.sub(a, b), c);
const halved = (x: Wat): Wat => f64x2.mul(x, v128.const('f64x2', 0.5));
/** G applied to three values: its four rows. */
const G = (a: Wat, b: Wat, c: Wat): Wat[] => [a, halved(sum3(a, b, c, '+')), halved(sum3(a, b, c, '-')), c];

/**
 * wino_kernels(up, w, C, F, turned): up ← the packed transforms of w [3, 3, C, F], or (turned ≠ 0)
 * of w [3, 3, F, C] turned by 180° with its channels and filters swapped: the kernels of a
 * convolution's dx, whose C channels are the forward pass's filters and whose F filters its
 * channels. C and F are multiples of 4; up has winogradKernelsSize(C, F) floats.
 */
export function winogradKernelsWat(): Wat {
  // Tap k of channel c, filter f at w + 4·(c·cs + f·fs + k·ks) + origin (turned: tap 8 − k).
  const tap = (k: number): Wat => i32.add(get('wcf'), i32.mul(k, get('ks')));
  // Four filters' tap k as f32x4: their taps are fs floats apart (1, or C turned).
  const load = (k: number): Wat =>
    range(3).reduce(
      (v, l) => f32x4.replace_lane(l + 1, v, f32.load(i32.add(tap(k), i32.mul(l + 1, get('fsb'))))),
      v128.load32_zero(tap(k)),
    );
  // g: the 9 taps, each as two f64x2 halves (l: filters 0, 1; h: filters 2, 3).
  const taps = range(9).flatMap((k) => [
    set('x', load(k)),
    set(`g${k}l`, f64x2.promote_low_f32x4(get('x'))),
    set(`g${k}h`, f64x2.promote_low_f32x4(swapHalves(get('x')))),
  ]);
  // t = G g (4 rows of 3), then U = t Gᵀ (4×4), per half; g[3r + b] is row r, column b.
  const t = ['l', 'h'].flatMap((h) => {
    const g = (k: number): Wat => get(`g${k}${h}`);
    return range(3).flatMap((b) => G(g(b), g(3 + b), g(6 + b)).map((e, r) => set(`t${3 * r + b}${h}`, e)));
  });
  const U = (i: number, j: number, h: string): Wat => {
    const row = (b: number): Wat => get(`t${3 * i + b}${h}`);
    return G(row(0), row(1), row(2))[j];
  };
  const stores = range(16).flatMap((n) => {
    const [i, j] = [n >> 2, n & 3];
    const at = i32.add(get('at'), i32.mul(n, get('per')));
    const lanes = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
    return [
      v128.store(
        at,
        i8x16.shuffle(lanes, f32x4.demote_f64x2_zero(U(i, j, 'l')), f32x4.demote_f64x2_zero(U(i, j, 'h'))),
      ),
      // The last panel half empty (F % 8 = 4): its other four filters are zeros.
      ifThen(get('pad'), v128.store(at, ZERO, { offset: 16 })),
    ];
  });
  const locals: Decls = {
    ...names('i32', 'c', 'f', 'per', 'ks', 'csb', 'fsb', 'wcf', 'at', 'pad'),
    x: 'v128',
    ...names('v128', ...range(9).flatMap((k) => [`g${k}l`, `g${k}h`])),
    ...names('v128', ...range(12).flatMap((k) => [`t${k}l`, `t${k}h`])),
  };
  const log2Panel = Math.log2(PANEL);
  const FC4 = i32.mul(i32.mul(get('F'), get('C')), 4);
  return func('wino_kernels', { exported: true, params: names('i32', 'up', 'w', 'C', 'F', 'turned'), locals }, [
    // Bytes between a U_ξ and the next; between taps, channels and filters of w.
    set('per', i32.mul(i32.mul(i32.mul(i32.shr_u(i32.add(get('F'), PANEL - 1), log2Panel), PANEL), get('C')), 4)),
    ifThen(
      get('turned'),
      [
        set('ks', i32.sub(0, FC4)),
        set('csb', i32.const(4)),
        set('fsb', i32.mul(get('C'), 4)),
        set('w', i32.add(get('w'), i32.mul(i32.mul(get('F'), get('C')), 32))),
      ],
      [set('ks', FC4), set('csb', i32.mul(get('F'), 4)), set('fsb', i32.const(4))],
    ),
    forLoop(
      'c',
      get('C'),
      forLoop(
        'f',
        get('F'),
        [
          set('wcf', i32.add(get('w'), i32.add(i32.mul(get('c'), get('csb')), i32.mul(get('f'), get('fsb'))))),
          // Floats to filter f's column in row c of its panel.
          set(
            'at',
            i32.add(
              get('up'),
              i32.mul(
                i32.add(
                  i32.mul(i32.add(i32.mul(i32.shr_u(get('f'), log2Panel), get('C')), get('c')), PANEL),
                  i32.and(get('f'), PANEL - 1),
                ),
                4,
              ),
            ),
          ),
          set('pad', i32.and(i32.eq(i32.add(get('f'), 4), get('F')), i32.ne(i32.and(get('F'), PANEL - 1), 0))),
          ...taps,
          ...t,
          ...stores,
        ],
        4,
      ),
    ),
  ]);
}
