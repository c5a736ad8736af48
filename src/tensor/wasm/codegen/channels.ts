/**
 * Source of the per-channel kernels of BatchNormalization (colMoments, colDotSums and scaleShiftCols
 * in ../kernels.ts) over matrices [rows, cols] whose columns are channels. A column's sum runs over
 * up to ~10⁵ rows, so it accumulates in float64, in a scratch area the caller gives ($acc: 8·cols
 * bytes per sum): each f32x4 is promoted to two f64x2 and added there.
 */
import { at, loop4 } from './wat.js';
const LOCALS = '(local $o i32) (local $end i32) (local $end4 i32)';

/** The f64 accumulator of the column at f32 byte offset $o, in sum `k` (0 or 1) of the scratch. */
const acc = (k: number): string =>
  `(i32.add ${k === 0 ? '(local.get $acc)' : '(i32.add (local.get $acc) (i32.shl (local.get $cols) (i32.const 3)))'} (i32.shl (local.get $o) (i32.const 1)))`;

/** Sum k's four accumulators at $o += the lanes of `v` (a v128 expression). */
function addLanes(k: number, v: string): string {
  return `(local.set $v ${v})
      (v128.store ${acc(k)} (f64x2.add (v128.load ${acc(k)}) (f64x2.promote_low_f32x4 (local.get $v))))
      (v128.store offset=16 ${acc(k)} (f64x2.add (v128.load offset=16 ${acc(k)})
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))`;
}

/** Sum k's accumulator at $o += the f32 expression `s`. */
const addOne = (k: number, s: string): string => `(f64.store ${acc(k)} (f64.add (f64.load ${acc(k)}) (f64.promote_f32 ${s})))`;

/** For each of $rows rows: `body` over the row's cols (by $o), then the row pointers `ptrs` move on. */
function eachRow(body: string, ptrs: string[]): string {
  return `(local.set $r (i32.const 0))
    (block $rdone (loop $rnext
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
      ${body}
      ${ptrs.map((p) => `(local.set $${p} (i32.add (local.get $${p}) (i32.shl (local.get $cols) (i32.const 2))))`).join('\n      ')}
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rnext)))`;
}

/** out[c] = f32(sum k[c] · $scale) for every column, one at a time. */
function store(out: string, k: number): string {
  return `(local.set $o (i32.const 0))
    (block $odone (loop $onext
      (br_if $odone (i32.ge_u (local.get $o) (i32.shl (local.get $cols) (i32.const 2))))
      (f32.store ${at(out)} (f32.demote_f64 (f64.mul (f64.load ${acc(k)}) (local.get $scale))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $onext)))`;
}

const SUM_LOCALS = `${LOCALS} (local $r i32) (local $v v128) (local $d v128) (local $s f32) (local $scale f64)`;
const zeroSums = '(memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $cols) (i32.const 4)))';

/**
 * Sum 1's accumulators at $o += (x − mean)², the four lanes of `x` promoted to f64 and the mean
 * taken in f64 from sum 0 (which holds the means by then): an f32 mean would bias the variance by
 * its rounding error squared, visible when the mean is large beside the spread.
 */
function addSquaredDeviations(x: string): string {
  const dev = (lanes: string, offset: number) =>
    `(local.set $e (f64x2.sub (f64x2.promote_low_f32x4 ${lanes}) (v128.load offset=${offset} ${acc(0)})))
      (v128.store offset=${offset} ${acc(1)} (f64x2.add (v128.load offset=${offset} ${acc(1)}) (f64x2.mul (local.get $e) (local.get $e))))`;
  return `(local.set $v ${x})
      ${dev('(local.get $v)', 0)}
      ${dev('(i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))', 16)}`;
}

/** Sum 0's accumulators at $o *= $scale, in place (sums into means). */
const scaleSum0 = `(local.set $o (i32.const 0))
    (block $mdone (loop $mnext
      (br_if $mdone (i32.ge_u (local.get $o) (i32.shl (local.get $cols) (i32.const 2))))
      (f64.store ${acc(0)} (f64.mul (f64.load ${acc(0)}) (local.get $scale)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $mnext)))`;

/**
 * mean[c] and the biased variance[c] of x [rows, cols]: one pass for the sums, then Σ (x − mean)²
 * in float64 against the float64 mean.
 */
const colMoments = `(func $col_moments (export "col_moments") (param $mean i32) (param $var i32) (param $x i32) (param $rows i32) (param $cols i32) (param $acc i32)
    ${SUM_LOCALS} (local $x0 i32) (local $e v128) (local $f f64)
    (local.set $scale (f64.div (f64.const 1) (f64.convert_i32_u (local.get $rows))))
    (local.set $x0 (local.get $x))
    ${zeroSums}
    ${eachRow(loop4('(local.get $cols)', addLanes(0, `(v128.load ${at('x')})`), addOne(0, `(f32.load ${at('x')})`)), ['x'])}
    ${scaleSum0}
    (local.set $x (local.get $x0))
    ${eachRow(
      loop4(
        '(local.get $cols)',
        addSquaredDeviations(`(v128.load ${at('x')})`),
        `(local.set $f (f64.sub (f64.promote_f32 (f32.load ${at('x')})) (f64.load ${acc(0)})))
      (f64.store ${acc(1)} (f64.add (f64.load ${acc(1)}) (f64.mul (local.get $f) (local.get $f))))`,
      ),
      ['x'],
    )}
    (local.set $f (local.get $scale))
    (local.set $scale (f64.const 1))
    ${store('mean', 0)}
    (local.set $scale (local.get $f))
    ${store('var', 1)})`;

/** sumDy[c] = Σ_r dy[r,c] and sumDyX[c] = Σ_r dy[r,c]·x[r,c], in one pass. */
const colDotSums = `(func $col_dot_sums (export "col_dot_sums") (param $sdy i32) (param $sdyx i32) (param $dy i32) (param $x i32) (param $rows i32) (param $cols i32) (param $acc i32)
    ${SUM_LOCALS}
    (local.set $scale (f64.const 1))
    ${zeroSums}
    ${eachRow(
      loop4(
        '(local.get $cols)',
        `(local.set $d (v128.load ${at('dy')}))
      ${addLanes(0, '(local.get $d)')}
      ${addLanes(1, `(f32x4.mul (local.get $d) (v128.load ${at('x')}))`)}`,
        `${addOne(0, `(f32.load ${at('dy')})`)}
      ${addOne(1, `(f32.mul (f32.load ${at('dy')}) (f32.load ${at('x')}))`)}`,
      ),
      ['dy', 'x'],
    )}
    ${store('sdy', 0)}
    ${store('sdyx', 1)})`;

/** out[r,c] = a[r,c]·p[c] + s[c]. */
const scaleShift = `(func $scale_shift_cols (export "scale_shift_cols") (param $out i32) (param $a i32) (param $p i32) (param $s i32) (param $rows i32) (param $cols i32)
    ${LOCALS} (local $r i32)
    ${eachRow(
      loop4(
        '(local.get $cols)',
        `(v128.store ${at('out')} (f32x4.add (f32x4.mul (v128.load ${at('a')}) (v128.load ${at('p')})) (v128.load ${at('s')})))`,
        `(f32.store ${at('out')} (f32.add (f32.mul (f32.load ${at('a')}) (f32.load ${at('p')})) (f32.load ${at('s')})))`,
      ),
      ['out', 'a'],
    )})`;

/** out[r,c] = a[r,c]·p[c] + b[r,c]·q[c] + s[c]. */
const scaleShift2 = `(func $scale_shift_cols2 (export "scale_shift_cols2") (param $out i32) (param $a i32) (param $p i32) (param $b i32) (param $q i32) (param $s i32) (param $rows i32) (param $cols i32)
    ${LOCALS} (local $r i32)
    ${eachRow(
      loop4(
        '(local.get $cols)',
        `(v128.store ${at('out')} (f32x4.add (f32x4.add (f32x4.mul (v128.load ${at('a')}) (v128.load ${at('p')})) (f32x4.mul (v128.load ${at('b')}) (v128.load ${at('q')}))) (v128.load ${at('s')})))`,
        `(f32.store ${at('out')} (f32.add (f32.add (f32.mul (f32.load ${at('a')}) (f32.load ${at('p')})) (f32.mul (f32.load ${at('b')}) (f32.load ${at('q')}))) (f32.load ${at('s')})))`,
      ),
      ['out', 'a', 'b'],
    )})`;

export function channelsWat(): string {
  return [colMoments, colDotSums, scaleShift, scaleShift2].join('\n  ');
}
