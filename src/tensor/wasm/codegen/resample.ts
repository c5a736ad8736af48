/**
 * Generates the affine resampling kernels (Kernels.affineResample and its backward; see
 * ResampleGeometry in ../../kernels.ts). They compute exactly what the reference computes, in the
 * same order and precision: the input point of each output pixel, its weights and the sums in f64,
 * each f32 read promoted and each result rounded to f32 once, so the two agree bit for bit. Pixels
 * are gathered from wherever the transform points, so a pixel is scalar work; its C channels are a
 * contiguous run.
 *
 *   affine_resample(y, x, t, B, H, W, C, fill, interp, fillValue)   y, x [B, H, W, C] f32; t [B, 6] f64
 *   affine_resample_backward(dx, dy, t, B, H, W, C, fill, interp)
 *   fill: 0 constant, 1 reflect, 2 wrap, 3 nearest (FILL_CODES); interp: 0 nearest, 1 bilinear.
 * The worker pool hands each thread a run of samples (pointers advanced to its first sample).
 */
import {
  call,
  f32,
  f64,
  fill,
  forLoop,
  func,
  get,
  i32,
  ifThen,
  ifValue,
  names,
  ret,
  select,
  set,
  type Decls,
  type Wat,
} from './wat.js';

/**
 * $fold(i, n, mode): the pixel index i of an axis of n pixels read under `mode`, or −1 for the fill
 * value (the reference's readIndex). Called only for i outside [0, n) (see `index`). Within an
 * axis' length of the edge (most points outside: a rotation's corners), wrap and reflect are an
 * add or a subtraction; the remainders (two integer divisions, slow) only beyond.
 */
const fold = (() => {
  const [i, n] = [get('i'), get('n')];
  const negative = i32.lt_s(i, 0);
  return func(
    'fold',
    { params: names('i32', 'i', 'n', 'mode'), result: 'i32', locals: names('i32', 'p', 'm', 'near') },
    [
      ifThen(i32.eqz(get('mode')), ret(i32.const(-1))),
      ifThen(i32.eq(get('mode'), 3), ret(select(i32.const(0), i32.sub(n, 1), negative))),
      // near: i in [−n, 2n)
      set('near', i32.and(i32.ge_s(i, i32.sub(0, n)), i32.lt_s(i, i32.shl(n, 1)))),
      ifThen(i32.eq(get('mode'), 2), [
        ifThen(get('near'), ret(select(i32.add(i, n), i32.sub(i, n), negative))),
        ret(i32.rem_s(i32.add(i32.rem_s(i, n), n), n)),
      ]),
      ifThen(get('near'), ret(select(i32.sub(-1, i), i32.sub(i32.sub(i32.shl(n, 1), 1), i), negative))),
      // reflect: period 2n, mirrored in its second half
      set('p', i32.shl(n, 1)),
      set('m', i32.rem_s(i32.add(i32.rem_s(i, get('p')), get('p')), get('p'))),
      select(get('m'), i32.sub(i32.sub(get('p'), 1), get('m')), i32.lt_s(get('m'), n)),
    ],
  );
})();

/** The read index of local $i on an axis of n pixels: itself when inside (no call), else $fold's. */
const index = (i: string, n: string): Wat =>
  ifValue('i32', i32.lt_u(get(i), get(n)), get(i), call('fold', get(i), get(n), get('fill')));

/**
 * ⌊v⌋ of an f64 expression as an i32. `fast`: the trapping conversion, for a call whose samples'
 * points all lie within ±2³⁰ (checked at each sample's corners, `$near_points`): V8 compiles the
 * saturating one to a longer sequence. Otherwise saturating (a point beyond ±2³¹ pixels, or NaN,
 * reads what the clamp gives).
 */
const floorI32 = (v: Wat, fast: boolean): Wat => (fast ? i32.trunc_f64_s : i32.trunc_sat_f64_s)(f64.floor(v));

/**
 * For output pixel ($i, $j) of the sample whose transform is at $t and whose image (in x, or dx)
 * starts at $img: the taps' byte addresses $a0..$a3 (the image's start where a tap reads the fill
 * value), flags $n0..$n3 (1: the tap reads the fill value) and weights $w0..$w3, as the reference's
 * pixelTaps; 'nearest' sets tap 0 only (weight 1).
 */
const TAP_LOCALS: Decls = {
  ...names('f64', 'xs', 'ys', 'fx', 'fy', 'w0', 'w1', 'w2', 'w3'),
  ...names('i32', 'x0', 'y0', 'x1', 'y1', 'c0', 'c1', 'r0', 'r1', 'a0', 'a1', 'a2', 'a3', 'n0', 'n1', 'n2', 'n3'),
};
/**
 * One coordinate of the point of output pixel (i, j) (f64 expressions) under the transform at $t:
 * t[o]·j + t[o+1]·i + t[o+2], in the reference's order (o = 0: x, o = 24: y).
 */
const point = (o: number, i: Wat, j: Wat): Wat =>
  f64.add(
    f64.add(f64.mul(f64.load(get('t'), { offset: o }), j), f64.mul(f64.load(get('t'), { offset: o + 8 }), i)),
    f64.load(get('t'), { offset: o + 16 }),
  );

function taps(fast: boolean): Wat[] {
  const coord = (o: number): Wat => point(o, f64.convert_i32_s(get('i')), f64.convert_i32_s(get('j')));
  // A tap at read indices (row $r, column $c): its flag, and its address (or the image's start).
  const tap = (k: number, r: string, c: string): Wat[] => [
    set(`n${k}`, i32.or(i32.lt_s(get(r), 0), i32.lt_s(get(c), 0))),
    set(
      `a${k}`,
      select(
        get('img'),
        i32.add(get('img'), i32.shl(i32.mul(i32.add(i32.mul(get(r), get('W')), get(c)), get('C')), 2)),
        get(`n${k}`),
      ),
    ),
  ];
  const [fx, fy] = [get('fx'), get('fy')];
  const bilinear = [
    set('fx', f64.sub(get('xs'), f64.floor(get('xs')))),
    set('fy', f64.sub(get('ys'), f64.floor(get('ys')))),
    set('x0', floorI32(get('xs'), fast)),
    set('y0', floorI32(get('ys'), fast)),
    set('x1', i32.add(get('x0'), 1)),
    set('y1', i32.add(get('y0'), 1)),
    set('c0', index('x0', 'W')),
    set('c1', index('x1', 'W')),
    set('r0', index('y0', 'H')),
    set('r1', index('y1', 'H')),
    ...tap(0, 'r0', 'c0'),
    ...tap(1, 'r0', 'c1'),
    ...tap(2, 'r1', 'c0'),
    ...tap(3, 'r1', 'c1'),
    set('w0', f64.mul(f64.sub(1, fy), f64.sub(1, fx))),
    set('w1', f64.mul(f64.sub(1, fy), fx)),
    set('w2', f64.mul(fy, f64.sub(1, fx))),
    set('w3', f64.mul(fy, fx)),
  ];
  const nearest = [
    set('x0', floorI32(f64.add(get('xs'), 0.5), fast)),
    set('y0', floorI32(f64.add(get('ys'), 0.5), fast)),
    set('c0', index('x0', 'W')),
    set('r0', index('y0', 'H')),
    ...tap(0, 'r0', 'c0'),
  ];
  return [set('xs', coord(0)), set('ys', coord(24)), ifThen(get('interp'), bilinear, nearest)];
}

const PARAMS = names('i32', 't', 'B', 'H', 'W', 'C', 'fill', 'interp');
const LOCALS: Decls = { ...names('i32', 'b', 'i', 'j', 'o', 'img', 'run'), s: 'f64', ...TAP_LOCALS };

/**
 * $near_points(t, H, W): 1 when the sample's transform at t puts every output pixel's point within
 * ±2³⁰ on both axes, from its four corners computed as the taps compute them (the points are affine
 * in (i, j), so the corners bound them, give or take a rounding); 0 otherwise, NaN included.
 */
const nearPoints = (() => {
  const lastI = f64.convert_i32_s(i32.sub(get('H'), 1));
  const lastJ = f64.convert_i32_s(i32.sub(get('W'), 1));
  const corners = [
    [f64.const(0), f64.const(0)],
    [f64.const(0), lastJ],
    [lastI, f64.const(0)],
    [lastI, lastJ],
  ];
  const checks = corners.flatMap(([i, j]) => [0, 24].map((o) => f64.lt(f64.abs(point(o, i, j)), f64.const('0x1p30'))));
  return func(
    'near_points',
    { params: names('i32', 't', 'H', 'W'), result: 'i32' },
    checks.reduce((acc, c) => i32.and(acc, c)),
  );
})();

/** $all_near(t, B, H, W): 1 when every sample's points are near ($near_points of each transform). */
const allNear = func(
  'all_near',
  { params: names('i32', 't', 'B', 'H', 'W'), result: 'i32', locals: names('i32', 'b') },
  [
    forLoop('b', get('B'), [
      ifThen(i32.eqz(call('near_points', get('t'), get('H'), get('W'))), ret(i32.const(0))),
      set('t', i32.add(get('t'), 48)),
    ]),
    i32.const(1),
  ],
);

/** Loops over samples, rows and columns; `pixel` runs per output pixel with $img the sample's image in `image`. */
function pixels(image: string, pixel: Wat[], fast: boolean): Wat[] {
  return [
    set('run', i32.shl(get('C'), 2)),
    forLoop('b', get('B'), [
      set('img', i32.add(get(image), i32.mul(i32.mul(i32.mul(get('b'), get('H')), get('W')), get('run')))),
      forLoop('i', get('H'), forLoop('j', get('W'), [...taps(fast), ...pixel])),
      set('t', i32.add(get('t'), 48)),
    ]),
  ];
}

/**
 * An exported kernel `name` over `params` as two copies of `body(fast)`: the fast conversions'
 * when every sample's points are near ($all_near), else the saturating ones'. Two functions, not a
 * branch inside one: so, each compiles as the single one did.
 */
function twoWays(name: string, params: Decls, body: (fast: boolean) => Wat[]): Wat[] {
  const args = Object.keys(params).map(get);
  return [
    func(
      name,
      { exported: true, params },
      ifThen(
        call('all_near', get('t'), get('B'), get('H'), get('W')),
        call(`${name}_fast`, ...args),
        call(`${name}_safe`, ...args),
      ),
    ),
    func(`${name}_fast`, { params, locals: LOCALS }, body(true)),
    func(`${name}_safe`, { params, locals: LOCALS }, body(false)),
  ];
}

/** `body` for each channel's byte offset $o in 0, 4, …, 4C − 4. */
const channels = (body: Wat): Wat => forLoop('o', get('run'), body, 4);
/** Channel $o of the pixel at address local `a`, as f64. */
const read = (a: string): Wat => f64.promote_f32(f32.load(i32.add(get(a), get('o'))));

/** Tap k's term for channel $o: w_k · fillValue where it reads the fill value, else w_k · x. */
const term = (k: number): Wat =>
  select(f64.mul(get(`w${k}`), get('fv')), f64.mul(get(`w${k}`), read(`a${k}`)), get(`n${k}`));

/** y: each output pixel's channels; the sum of the taps' terms from the first, as the reference adds them. */
const forward = twoWays('affine_resample', { ...names('i32', 'y', 'x'), ...PARAMS, fv: 'f64' }, (fast) =>
  pixels(
    'x',
    [
      ifThen(
        get('interp'),
        channels(
          f32.store(
            i32.add(get('y'), get('o')),
            f32.demote_f64(f64.add(f64.add(f64.add(term(0), term(1)), term(2)), term(3))),
          ),
        ),
        channels(f32.store(i32.add(get('y'), get('o')), f32.demote_f64(select(get('fv'), read('a0'), get('n0'))))),
      ),
      set('y', i32.add(get('y'), get('run'))),
    ],
    fast,
  ),
);

/** dx = 0, then each tap that reads a pixel gets w_k · dy added, tap by tap, channel by channel. */
const backward = (() => {
  const scatter = (k: number, w: Wat): Wat =>
    ifThen(
      i32.eqz(get(`n${k}`)),
      channels(
        f32.store(i32.add(get(`a${k}`), get('o')), f32.demote_f64(f64.add(read(`a${k}`), f64.mul(w, read('dy'))))),
      ),
    );
  const imageBytes = i32.shl(i32.mul(i32.mul(i32.mul(get('B'), get('H')), get('W')), get('C')), 2);
  return twoWays('affine_resample_backward', { ...names('i32', 'dx', 'dy'), ...PARAMS }, (fast) => [
    fill(get('dx'), 0, imageBytes),
    ...pixels(
      'dx',
      [
        ifThen(
          get('interp'),
          [0, 1, 2, 3].map((k) => scatter(k, get(`w${k}`))),
          scatter(0, f64.const(1)),
        ),
        set('dy', i32.add(get('dy'), get('run'))),
      ],
      fast,
    ),
  ]);
})();

export function resampleWat(): Wat[] {
  return [fold, nearPoints, allNear, ...forward, ...backward];
}
