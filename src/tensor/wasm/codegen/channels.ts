/**
 * Generates the per-channel kernels of BatchNormalization (colMoments, colDotSums and scaleShiftCols
 * in ../../kernels.ts) over matrices [rows, cols] whose columns are channels. A column's sum runs over
 * up to ~10⁵ rows, so it accumulates in float64, in a scratch area the caller gives ($acc: 8·cols
 * bytes per sum): each f32x4 is promoted to two f64x2 and added there.
 *
 *   col_moments(mean, var, x, rows, cols, acc)            mean, var [cols]; x [rows, cols]
 *   col_dot_sums(sdy, sdyx, dy, x, rows, cols, acc)       sdy, sdyx [cols]; dy, x [rows, cols]
 *   scale_shift_cols(out, a, p, s, rows, cols)            out, a [rows, cols]; p, s [cols]
 *   scale_shift_cols2(out, a, p, b, q, s, rows, cols)     out, a, b [rows, cols]; p, q, s [cols]
 */
import {
  LOOP4_LOCALS,
  at,
  f32,
  f32x4,
  f64,
  f64x2,
  fill,
  forLoop,
  func,
  get,
  i32,
  loop4,
  names,
  seq,
  set,
  swapHalves,
  v128,
  type Body,
  type Wat,
} from './wat.js';

/** The f64 accumulator of the column at f32 byte offset $o, in sum `k` (0 or 1) of the scratch. */
const acc = (k: number): Wat =>
  i32.add(k === 0 ? get('acc') : i32.add(get('acc'), i32.shl(get('cols'), 3)), i32.shl(get('o'), 1));

/** Sum k's four accumulators at $o += the lanes of `v` (a v128 expression). */
const addLanes = (k: number, v: Wat): Wat[] => [
  set('v', v),
  v128.store(acc(k), f64x2.add(v128.load(acc(k)), f64x2.promote_low_f32x4(get('v')))),
  v128.store(acc(k), f64x2.add(v128.load(acc(k), { offset: 16 }), f64x2.promote_low_f32x4(swapHalves(get('v')))), {
    offset: 16,
  }),
];

/** Sum k's accumulator at $o += the f32 expression `s`. */
const addOne = (k: number, s: Wat): Wat => f64.store(acc(k), f64.add(f64.load(acc(k)), f64.promote_f32(s)));

/** For each of $rows rows: `body` over the row's cols (by $o), then the row pointers `ptrs` move on. */
const eachRow = (body: Body, ptrs: string[]): Wat =>
  forLoop('r', get('rows'), [seq(body), ...ptrs.map((p) => set(p, i32.add(get(p), i32.shl(get('cols'), 2))))]);

/** For each column's byte offset $o, one at a time. */
const eachColumn = (body: Body): Wat => forLoop('o', i32.shl(get('cols'), 2), body, 4);

/** out[c] = f32(sum k[c] · $scale) for every column. */
const store = (out: string, k: number): Wat =>
  eachColumn(f32.store(at(out), f32.demote_f64(f64.mul(f64.load(acc(k)), get('scale')))));

const SUM_LOCALS = { ...LOOP4_LOCALS, r: 'i32', v: 'v128', d: 'v128', s: 'f32', scale: 'f64' } as const;
const zeroSums = fill(get('acc'), 0, i32.shl(get('cols'), 4));

/**
 * Sum 1's accumulators at $o += (x − mean)², the four lanes of `x` promoted to f64 and the mean
 * taken in f64 from sum 0 (which holds the means by then): an f32 mean would bias the variance by
 * its rounding error squared, visible when the mean is large beside the spread.
 */
function addSquaredDeviations(x: Wat): Wat[] {
  const dev = (lanes: Wat, offset: number): Wat[] => [
    set('e', f64x2.sub(f64x2.promote_low_f32x4(lanes), v128.load(acc(0), { offset }))),
    v128.store(acc(1), f64x2.add(v128.load(acc(1), { offset }), f64x2.mul(get('e'), get('e'))), { offset }),
  ];
  return [set('v', x), ...dev(get('v'), 0), ...dev(swapHalves(get('v')), 16)];
}

/** Sum 0's accumulators at $o *= $scale, in place (sums into means). */
const scaleSum0 = eachColumn(f64.store(acc(0), f64.mul(f64.load(acc(0)), get('scale'))));

/**
 * mean[c] and the biased variance[c] of x [rows, cols]: one pass for the sums, then Σ (x − mean)²
 * in float64 against the float64 mean.
 */
const colMoments = func(
  'col_moments',
  {
    exported: true,
    params: names('i32', 'mean', 'var', 'x', 'rows', 'cols', 'acc'),
    locals: { ...SUM_LOCALS, x0: 'i32', e: 'v128', f: 'f64' },
  },
  [
    set('scale', f64.div(1, f64.convert_i32_u(get('rows')))),
    set('x0', get('x')),
    zeroSums,
    eachRow(loop4(get('cols'), addLanes(0, v128.load(at('x'))), addOne(0, f32.load(at('x')))), ['x']),
    scaleSum0,
    set('x', get('x0')),
    eachRow(
      loop4(get('cols'), addSquaredDeviations(v128.load(at('x'))), [
        set('f', f64.sub(f64.promote_f32(f32.load(at('x'))), f64.load(acc(0)))),
        f64.store(acc(1), f64.add(f64.load(acc(1)), f64.mul(get('f'), get('f')))),
      ]),
      ['x'],
    ),
    set('f', get('scale')),
    set('scale', f64.const(1)),
    store('mean', 0),
    set('scale', get('f')),
    store('var', 1),
  ],
);

/** sumDy[c] = Σ_r dy[r,c] and sumDyX[c] = Σ_r dy[r,c]·x[r,c], in one pass. */
const colDotSums = func(
  'col_dot_sums',
  { exported: true, params: names('i32', 'sdy', 'sdyx', 'dy', 'x', 'rows', 'cols', 'acc'), locals: SUM_LOCALS },
  [
    set('scale', f64.const(1)),
    zeroSums,
    eachRow(
      loop4(
        get('cols'),
        [
          set('d', v128.load(at('dy'))),
          ...addLanes(0, get('d')),
          ...addLanes(1, f32x4.mul(get('d'), v128.load(at('x')))),
        ],
        [addOne(0, f32.load(at('dy'))), addOne(1, f32.mul(f32.load(at('dy')), f32.load(at('x'))))],
      ),
      ['dy', 'x'],
    ),
    store('sdy', 0),
    store('sdyx', 1),
  ],
);

/** out[r,c] = a[r,c]·p[c] + s[c]. */
const scaleShift = func(
  'scale_shift_cols',
  { exported: true, params: names('i32', 'out', 'a', 'p', 's', 'rows', 'cols'), locals: { ...LOOP4_LOCALS, r: 'i32' } },
  [
    eachRow(
      loop4(
        get('cols'),
        v128.store(at('out'), f32x4.add(f32x4.mul(v128.load(at('a')), v128.load(at('p'))), v128.load(at('s')))),
        f32.store(at('out'), f32.add(f32.mul(f32.load(at('a')), f32.load(at('p'))), f32.load(at('s')))),
      ),
      ['out', 'a'],
    ),
  ],
);

/** out[r,c] = a[r,c]·p[c] + b[r,c]·q[c] + s[c]. */
const scaleShift2 = (() => {
  const sum = <T extends typeof f32 | typeof f32x4>(T: T, ld: (p: Wat) => Wat): Wat =>
    T.add(T.add(T.mul(ld(at('a')), ld(at('p'))), T.mul(ld(at('b')), ld(at('q')))), ld(at('s')));
  return func(
    'scale_shift_cols2',
    {
      exported: true,
      params: names('i32', 'out', 'a', 'p', 'b', 'q', 's', 'rows', 'cols'),
      locals: { ...LOOP4_LOCALS, r: 'i32' },
    },
    [
      eachRow(
        loop4(get('cols'), v128.store(at('out'), sum(f32x4, v128.load)), f32.store(at('out'), sum(f32, f32.load))),
        ['out', 'a', 'b'],
      ),
    ],
  );
})();

export function channelsWat(): Wat[] {
  return [colMoments, colDotSums, scaleShift, scaleShift2];
}
