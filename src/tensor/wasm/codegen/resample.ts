/**
 * Source of the affine resampling kernels (Kernels.affineResample and its backward; see
 * ResampleGeometry in ../kernels.ts). They compute exactly what the reference computes, in the same
 * order and precision: the input point of each output pixel, its weights and the sums in f64, each
 * f32 read promoted and each result rounded to f32 once, so the two agree bit for bit. Pixels are
 * gathered from wherever the transform points, so a pixel is scalar work; its C channels are a
 * contiguous run.
 *
 *   affine_resample(y, x, t, B, H, W, C, fill, interp, fillValue)   y, x [B, H, W, C] f32; t [B, 6] f64
 *   affine_resample_backward(dx, dy, t, B, H, W, C, fill, interp)
 *   fill: 0 constant, 1 reflect, 2 wrap, 3 nearest (FILL_CODES); interp: 0 nearest, 1 bilinear.
 * The worker pool hands each thread a run of samples (pointers advanced to its first sample).
 */
import { forLoop as loop } from './wat.js';


/**
 * $fold(i, n, mode): the pixel index i of an axis of n pixels read under `mode`, or −1 for the fill
 * value (the reference's readIndex). Called only for i outside [0, n) (see `index`). Within an axis'
 * length of the edge (most points outside: a rotation's corners), wrap and reflect are an add or a
 * subtraction; the remainders (two integer divisions, about a third of a bilinear pixel's time when
 * a quarter of the taps fall outside) only beyond.
 */
const fold = `(func $fold (param $i i32) (param $n i32) (param $mode i32) (result i32) (local $p i32) (local $m i32) (local $near i32)
    (if (i32.eqz (local.get $mode)) (then (return (i32.const -1))))
    (if (i32.eq (local.get $mode) (i32.const 3))
      (then (return (select (i32.const 0) (i32.sub (local.get $n) (i32.const 1)) (i32.lt_s (local.get $i) (i32.const 0))))))
    ;; near: i in [−n, 2n)
    (local.set $near (i32.and (i32.ge_s (local.get $i) (i32.sub (i32.const 0) (local.get $n))) (i32.lt_s (local.get $i) (i32.shl (local.get $n) (i32.const 1)))))
    (if (i32.eq (local.get $mode) (i32.const 2))
      (then
        (if (local.get $near)
          (then (return (select (i32.add (local.get $i) (local.get $n)) (i32.sub (local.get $i) (local.get $n)) (i32.lt_s (local.get $i) (i32.const 0))))))
        (return (i32.rem_s (i32.add (i32.rem_s (local.get $i) (local.get $n)) (local.get $n)) (local.get $n)))))
    (if (local.get $near)
      (then (return (select (i32.sub (i32.const -1) (local.get $i)) (i32.sub (i32.sub (i32.shl (local.get $n) (i32.const 1)) (i32.const 1)) (local.get $i)) (i32.lt_s (local.get $i) (i32.const 0))))))
    ;; reflect: period 2n, mirrored in its second half
    (local.set $p (i32.shl (local.get $n) (i32.const 1)))
    (local.set $m (i32.rem_s (i32.add (i32.rem_s (local.get $i) (local.get $p)) (local.get $p)) (local.get $p)))
    (select (local.get $m) (i32.sub (i32.sub (local.get $p) (i32.const 1)) (local.get $m)) (i32.lt_s (local.get $m) (local.get $n))))`;

/** The read index of local $i on an axis of n pixels: itself when inside (no call), else $fold's. */
const index = (i: string, n: string): string =>
  `(if (result i32) (i32.lt_u (local.get $${i}) (local.get $${n})) (then (local.get $${i})) (else (call $fold (local.get $${i}) (local.get $${n}) (local.get $fill))))`;

/**
 * ⌊v⌋ of an f64 expression as an i32. `fast`: the trapping conversion, for a call whose samples'
 * points all lie within ±2³⁰ (checked at each sample's corners, `$near_points`): V8 compiles the
 * saturating one to a longer sequence, and a bilinear pixel took 29 ns with it against 18 without
 * (Intel Xeon, one thread). Otherwise saturating (a point beyond ±2³¹ pixels, or NaN, reads what the
 * clamp gives).
 */
const floorI32 = (v: string, fast: boolean): string => `(${fast ? 'i32.trunc_f64_s' : 'i32.trunc_sat_f64_s'} (f64.floor ${v}))`;

/**
 * For output pixel ($i, $j) of the sample whose transform is at $t and whose image (in x, or dx)
 * starts at $img: the taps' byte addresses $a0..$a3 (the image's start where a tap reads the fill
 * value), flags $n0..$n3 (1: the tap reads the fill value) and weights $w0..$w3, as the reference's
 * pixelTaps; 'nearest' sets tap 0 only (weight 1).
 */
const TAP_LOCALS = `(local $xs f64) (local $ys f64) (local $fx f64) (local $fy f64) (local $w0 f64) (local $w1 f64) (local $w2 f64) (local $w3 f64)
    (local $x0 i32) (local $y0 i32) (local $x1 i32) (local $y1 i32) (local $c0 i32) (local $c1 i32) (local $r0 i32) (local $r1 i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $n0 i32) (local $n1 i32) (local $n2 i32) (local $n3 i32)`;
/**
 * One coordinate of the point of output pixel (i, j) (f64 expressions) under the transform at $t:
 * t[o]·j + t[o+1]·i + t[o+2], in the reference's order (o = 0: x, o = 24: y).
 */
const point = (o: number, i: string, j: string): string =>
  `(f64.add (f64.add (f64.mul (f64.load offset=${o} (local.get $t)) ${j}) (f64.mul (f64.load offset=${o + 8} (local.get $t)) ${i})) (f64.load offset=${o + 16} (local.get $t)))`;

function taps(fast: boolean): string {
  const coord = (o: number) => point(o, '(f64.convert_i32_s (local.get $i))', '(f64.convert_i32_s (local.get $j))');
  // A tap at read indices (row $r, column $c): its flag, and its address (or the image's start).
  const tap = (k: number, r: string, c: string) => `(local.set $n${k} (i32.or (i32.lt_s (local.get $${r}) (i32.const 0)) (i32.lt_s (local.get $${c}) (i32.const 0))))
        (local.set $a${k} (select (local.get $img)
          (i32.add (local.get $img) (i32.shl (i32.mul (i32.add (i32.mul (local.get $${r}) (local.get $W)) (local.get $${c})) (local.get $C)) (i32.const 2)))
          (local.get $n${k})))`;
  return `(local.set $xs ${coord(0)})
      (local.set $ys ${coord(24)})
      (if (local.get $interp)
        (then
          (local.set $fx (f64.sub (local.get $xs) (f64.floor (local.get $xs))))
          (local.set $fy (f64.sub (local.get $ys) (f64.floor (local.get $ys))))
          (local.set $x0 ${floorI32('(local.get $xs)', fast)})
          (local.set $y0 ${floorI32('(local.get $ys)', fast)})
          (local.set $x1 (i32.add (local.get $x0) (i32.const 1)))
          (local.set $y1 (i32.add (local.get $y0) (i32.const 1)))
          (local.set $c0 ${index('x0', 'W')})
          (local.set $c1 ${index('x1', 'W')})
          (local.set $r0 ${index('y0', 'H')})
          (local.set $r1 ${index('y1', 'H')})
          ${tap(0, 'r0', 'c0')}
          ${tap(1, 'r0', 'c1')}
          ${tap(2, 'r1', 'c0')}
          ${tap(3, 'r1', 'c1')}
          (local.set $w0 (f64.mul (f64.sub (f64.const 1) (local.get $fy)) (f64.sub (f64.const 1) (local.get $fx))))
          (local.set $w1 (f64.mul (f64.sub (f64.const 1) (local.get $fy)) (local.get $fx)))
          (local.set $w2 (f64.mul (local.get $fy) (f64.sub (f64.const 1) (local.get $fx))))
          (local.set $w3 (f64.mul (local.get $fy) (local.get $fx))))
        (else
          (local.set $x0 ${floorI32('(f64.add (local.get $xs) (f64.const 0.5))', fast)})
          (local.set $y0 ${floorI32('(f64.add (local.get $ys) (f64.const 0.5))', fast)})
          (local.set $c0 ${index('x0', 'W')})
          (local.set $r0 ${index('y0', 'H')})
          ${tap(0, 'r0', 'c0')}))`;
}

const PARAMS = '(param $t i32) (param $B i32) (param $H i32) (param $W i32) (param $C i32) (param $fill i32) (param $interp i32)';
const LOCALS = `(local $b i32) (local $i i32) (local $j i32) (local $o i32) (local $img i32) (local $run i32) (local $s f64) ${TAP_LOCALS}`;

/**
 * $near_points(t, H, W): 1 when the sample's transform at t puts every output pixel's point within
 * ±2³⁰ on both axes, from its four corners computed as the taps compute them (the points are affine
 * in (i, j), so the corners bound them, give or take a rounding); 0 otherwise, NaN included.
 */
const nearPoints = (() => {
  const lastI = '(f64.convert_i32_s (i32.sub (local.get $H) (i32.const 1)))';
  const lastJ = '(f64.convert_i32_s (i32.sub (local.get $W) (i32.const 1)))';
  const corners = [
    ['(f64.const 0)', '(f64.const 0)'],
    ['(f64.const 0)', lastJ],
    [lastI, '(f64.const 0)'],
    [lastI, lastJ],
  ];
  const checks = corners.flatMap(([i, j]) => [0, 24].map((o) => `(f64.lt (f64.abs ${point(o, i, j)}) (f64.const 0x1p30))`));
  return `(func $near_points (param $t i32) (param $H i32) (param $W i32) (result i32)
    ${checks.reduce((acc, c) => `(i32.and ${acc} ${c})`)})`;
})();

/** $all_near(t, B, H, W): 1 when every sample's points are near ($near_points of each transform). */
const allNear = `(func $all_near (param $t i32) (param $B i32) (param $H i32) (param $W i32) (result i32) (local $b i32)
    ${loop('b', '(local.get $B)', `(if (i32.eqz (call $near_points (local.get $t) (local.get $H) (local.get $W))) (then (return (i32.const 0))))
      (local.set $t (i32.add (local.get $t) (i32.const 48)))`)}
    (i32.const 1))`;

/** Loops over samples, rows and columns; `pixel` runs per output pixel with $img the sample's image in `image`. */
function pixels(image: string, pixel: string, fast: boolean): string {
  return `(local.set $run (i32.shl (local.get $C) (i32.const 2)))
    ${loop(
      'b',
      '(local.get $B)',
      `(local.set $img (i32.add (local.get $${image}) (i32.mul (i32.mul (i32.mul (local.get $b) (local.get $H)) (local.get $W)) (local.get $run))))
      ${loop('i', '(local.get $H)', loop('j', '(local.get $W)', `${taps(fast)}\n      ${pixel}`))}
      (local.set $t (i32.add (local.get $t) (i32.const 48)))`,
    )}`;
}

/**
 * An exported kernel `name` over `params` (their names in `args`) as two copies of `body(fast)`: the
 * fast conversions' when every sample's points are near ($all_near), else the saturating ones'. Two
 * functions, not a branch inside one: so, each compiles as the single one did (a branch per sample
 * around the rows kept most of the time the conversions cost).
 */
function twoWays(name: string, params: string, args: string[], body: (fast: boolean) => string): string {
  const call = (v: string) => `(call $${name}_${v} ${args.map((a) => `(local.get $${a})`).join(' ')})`;
  return `(func $${name} (export "${name}") ${params}
    (if (call $all_near (local.get $t) (local.get $B) (local.get $H) (local.get $W)) (then ${call('fast')}) (else ${call('safe')})))
  (func $${name}_fast ${params} ${body(true)})
  (func $${name}_safe ${params} ${body(false)})`;
}

/** `body` for each channel's byte offset $o in 0, 4, …, 4C − 4. */
const channels = (body: string): string => `(local.set $o (i32.const 0))
      (block $o_done (loop $o_next
        (br_if $o_done (i32.ge_u (local.get $o) (local.get $run)))
        ${body}
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $o_next)))`;

/** Tap k's term for channel $o: w_k · fillValue where it reads the fill value, else w_k · x. */
const term = (k: number) =>
  `(select (f64.mul (local.get $w${k}) (local.get $fv)) (f64.mul (local.get $w${k}) (f64.promote_f32 (f32.load (i32.add (local.get $a${k}) (local.get $o))))) (local.get $n${k}))`;

/** y: each output pixel's channels; the sum of the taps' terms from the first, as the reference adds them. */
const forward = twoWays('affine_resample', `(param $y i32) (param $x i32) ${PARAMS} (param $fv f64)`, ['y', 'x', 't', 'B', 'H', 'W', 'C', 'fill', 'interp', 'fv'], (fast) => `${LOCALS}
    ${pixels(
      'x',
      `(if (local.get $interp)
        (then ${channels(`(f32.store (i32.add (local.get $y) (local.get $o)) (f32.demote_f64 (f64.add (f64.add (f64.add ${term(0)} ${term(1)}) ${term(2)}) ${term(3)})))`)})
        (else ${channels(`(f32.store (i32.add (local.get $y) (local.get $o)) (f32.demote_f64 (select (local.get $fv) (f64.promote_f32 (f32.load (i32.add (local.get $a0) (local.get $o)))) (local.get $n0))))`)}))
      (local.set $y (i32.add (local.get $y) (local.get $run)))`,
      fast,
    )}`);

/** dx = 0, then each tap that reads a pixel gets w_k · dy added, tap by tap, channel by channel. */
const backward = (() => {
  const scatter = (k: number, w: string) => `(if (i32.eqz (local.get $n${k})) (then ${channels(
    `(f32.store (i32.add (local.get $a${k}) (local.get $o)) (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load (i32.add (local.get $a${k}) (local.get $o))))
          (f64.mul ${w} (f64.promote_f32 (f32.load (i32.add (local.get $dy) (local.get $o))))))))`,
  )}))`;
  return twoWays('affine_resample_backward', `(param $dx i32) (param $dy i32) ${PARAMS}`, ['dx', 'dy', 't', 'B', 'H', 'W', 'C', 'fill', 'interp'], (fast) => `${LOCALS}
    (memory.fill (local.get $dx) (i32.const 0) (i32.shl (i32.mul (i32.mul (i32.mul (local.get $B) (local.get $H)) (local.get $W)) (local.get $C)) (i32.const 2)))
    ${pixels(
      'dx',
      `(if (local.get $interp)
        (then ${[0, 1, 2, 3].map((k) => scatter(k, `(local.get $w${k})`)).join('\n        ')})
        (else ${scatter(0, '(f64.const 1)')}))
      (local.set $dy (i32.add (local.get $dy) (local.get $run)))`,
      fast,
    )}`);
})();

export function resampleWat(): string {
  return [fold, nearPoints, allNear, forward, backward].join('\n  ');
}
