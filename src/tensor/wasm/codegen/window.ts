/**
 * Generates the window kernels over NHWC images (see WindowGeometry in ../../kernels.ts). Each walks
 * output positions (b, oh, ow) and the window positions (ih, iw) inside the image, and moves the C
 * channels of a position as one contiguous run.
 *
 *   im2col(cols, x, …GEOMETRY)            x [B, H, W, C] → cols [B·OH·OW, kh·kw·C]
 *   col2im(dx, dcols, …GEOMETRY)          the reverse, adding: dcols [B·OH·OW, kh·kw·C] → dx [B, H, W, C]
 *   max_pool(y, arg, x, first, …GEOMETRY) y, arg [B, OH, OW, C]
 *   max_pool_backward(dx, dy, arg, x0, nx, n)
 * GEOMETRY: B, H, W, C, kh, kw, sh, sw (strides), pt, pl (padding at the top and left), OH, OW.
 */
import {
  LOOP4_LOCALS,
  at,
  f32,
  f32x4,
  fill,
  forLoop,
  func,
  get,
  i32,
  i32x4,
  i64,
  ifThen,
  loop4,
  names,
  nop,
  seq,
  set,
  until,
  v128,
  type Body,
  type Wat,
} from './wat.js';

/** The twelve i32 parameters of a window geometry, in order. */
export const GEOMETRY = names('i32', 'B', 'H', 'W', 'C', 'kh', 'kw', 'sh', 'sw', 'pt', 'pl', 'OH', 'OW');
const WINDOW_LOCALS = names('i32', 'b', 'oh', 'ow', 'i', 'j', 'ih', 'iw', 'src', 'run');

/** The image row of window row $i at output row $oh, and column of window column $j at $ow. */
const setIh = set('ih', i32.sub(i32.add(i32.mul(get('oh'), get('sh')), get('i')), get('pt')));
const setIw = set('iw', i32.sub(i32.add(i32.mul(get('ow'), get('sw')), get('j')), get('pl')));
/** (ih, iw) in the image: unsigned compares also reject negative rows and columns (the padding above and left). */
const inImage = i32.and(i32.lt_u(get('ih'), get('H')), i32.lt_u(get('iw'), get('W')));
/** $src ← the byte offset of position (b, ih, iw) in x. */
const setSrc = set(
  'src',
  i32.shl(i32.mul(i32.add(i32.mul(i32.add(i32.mul(get('b'), get('H')), get('ih')), get('W')), get('iw')), get('C')), 2),
);
/** Loops over b, oh, ow: `body` once per output position. */
const outputs = (body: Body): Wat => forLoop('b', get('B'), forLoop('oh', get('OH'), forLoop('ow', get('OW'), body)));

/**
 * Loops over b, oh, ow, i, j; `inside` runs where (ih, iw) is in the image with $src its byte offset
 * in x, `outside` elsewhere, `after` once per window position.
 */
function windows(inside: Body, outside: Body, after: Wat): Wat {
  const position = [setIw, ifThen(inImage, [setSrc, seq(inside)], outside), after];
  return seq([
    set('run', i32.shl(get('C'), 2)),
    outputs(forLoop('i', get('kh'), [setIh, forLoop('j', get('kw'), position)])),
  ]);
}

/**
 * Copies $n bytes (a multiple of 4) from $from to $to: v128 by v128, then one i64 and one f32 for
 * the last 4 to 12 bytes. Runs here are a window row's kw·C floats, often a few dozen bytes or fewer
 * (12 for one channel, 3 wide), where memory.copy's call costs more than the copy, and so does a
 * loop over the last floats one by one.
 */
const copyRun = (() => {
  const to = i32.add(get('to'), get('o'));
  const from = i32.add(get('from'), get('o'));
  return seq([
    set('o', i32.const(0)),
    set('end4', i32.and(get('n'), -16)),
    until('c', i32.ge_u(get('o'), get('end4')), [v128.store(to, v128.load(from)), set('o', i32.add(get('o'), 16))]),
    ifThen(i32.and(get('n'), 8), [i64.store(to, i64.load(from)), set('o', i32.add(get('o'), 8))]),
    ifThen(i32.and(get('n'), 4), f32.store(to, f32.load(from))),
  ]);
})();

/**
 * cols, one window row i at a time across an output row (b, oh): the image row it reads (ih) and
 * its check are the same for every ow, and a window row that lies wholly inside the image is kw·C
 * contiguous floats of x (whatever the strides), copied as one run; a row that crosses the padding
 * goes position by position (C channels copied, or zeros), and a row above or below the image is
 * zeros. cols row r = (b·OH + oh)·OW + ow holds window row i at bytes i·kw·C·4 on ($seg).
 */
const im2col = (() => {
  const byPosition = forLoop('j', get('kw'), [
    set('iw', i32.add(get('iw0'), get('j'))),
    set('to', i32.add(get('seg'), i32.mul(get('j'), get('run')))),
    ifThen(
      i32.lt_u(get('iw'), get('W')),
      [set('from', i32.add(get('xrow'), i32.mul(get('iw'), get('run')))), set('n', get('run')), copyRun],
      fill(get('to'), 0, get('run')),
    ),
  ]);
  const wholeRow = i32.and(i32.ge_s(get('iw0'), 0), i32.le_s(i32.add(get('iw0'), get('kw')), get('W')));
  const segment = ifThen(
    i32.eqz(get('inside')),
    fill(get('seg'), 0, get('rowRun')),
    ifThen(
      wholeRow,
      [
        set('from', i32.add(get('xrow'), i32.mul(get('iw0'), get('run')))),
        set('to', get('seg')),
        set('n', get('rowRun')),
        copyRun,
      ],
      byPosition,
    ),
  );
  const windowRow = [
    setIh,
    set(
      'xrow',
      i32.add(
        get('x'),
        i32.shl(i32.mul(i32.mul(i32.add(i32.mul(get('b'), get('H')), get('ih')), get('W')), get('C')), 2),
      ),
    ),
    // Unsigned, as in inImage: a negative row (the padding above) is outside too.
    set('inside', i32.lt_u(get('ih'), get('H'))),
    set('seg', i32.add(get('outRow'), i32.mul(get('i'), get('rowRun')))),
    set('iw0', i32.sub(0, get('pl'))),
    forLoop('ow', get('OW'), [
      segment,
      set('seg', i32.add(get('seg'), get('rowBytes'))),
      set('iw0', i32.add(get('iw0'), get('sw'))),
    ]),
  ];
  const outRow = i32.add(
    get('cols'),
    i32.mul(i32.mul(i32.add(i32.mul(get('b'), get('OH')), get('oh')), get('OW')), get('rowBytes')),
  );
  return func(
    'im2col',
    {
      exported: true,
      params: { ...names('i32', 'cols', 'x'), ...GEOMETRY },
      locals: {
        ...WINDOW_LOCALS,
        ...names('i32', 'o', 'end4', 'n', 'from', 'to', 'iw0', 'rowRun', 'rowBytes', 'xrow', 'outRow', 'inside', 'seg'),
      },
    },
    [
      set('run', i32.shl(get('C'), 2)),
      set('rowRun', i32.mul(get('run'), get('kw'))),
      set('rowBytes', i32.mul(get('rowRun'), get('kh'))),
      forLoop('b', get('B'), forLoop('oh', get('OH'), [set('outRow', outRow), forLoop('i', get('kh'), windowRow)])),
    ],
  );
})();

/** Bytes of an image batch [B, H, W, C]. */
const imageBytes = i32.shl(i32.mul(i32.mul(i32.mul(get('B'), get('H')), get('W')), get('C')), 2);

/** dx = 0, then each row of dcols added back at the positions it was copied from. */
const col2im = func(
  'col2im',
  {
    exported: true,
    params: { ...names('i32', 'dx', 'dcols'), ...GEOMETRY },
    locals: { ...WINDOW_LOCALS, ...LOOP4_LOCALS, to: 'i32' },
  },
  [
    fill(get('dx'), 0, imageBytes),
    windows(
      [
        set('to', i32.add(get('dx'), get('src'))),
        loop4(
          get('C'),
          v128.store(at('to'), f32x4.add(v128.load(at('to')), v128.load(at('dcols')))),
          f32.store(at('to'), f32.add(f32.load(at('to')), f32.load(at('dcols')))),
        ),
      ],
      nop,
      set('dcols', i32.add(get('dcols'), get('run'))),
    ),
  ],
);

/**
 * Max over each window per channel, with the flat index in x of each maximum plus $first; the first
 * position of a window in the image seeds it. Vectors of four channels: a lane takes a new value (and
 * its index) where the value is greater, which keeps the first of equal maxima as the reference does.
 * A thread given the samples from s on passes x and y from sample s and $first = s·H·W·C, so that
 * the indices stay those of the whole batch.
 */
const maxPool = (() => {
  // For one window position in the image: seed or update the C maxima at $y / $arg.
  const xAt = i32.add(i32.add(get('x'), get('src')), get('o'));
  const flat = i32.add(i32.add(i32.shr_u(get('src'), 2), i32.shr_u(get('o'), 2)), get('first'));
  const idx = i32x4.add(i32x4.splat(flat), v128.const('i32x4', 0, 1, 2, 3));
  const seed = loop4(
    get('C'),
    [v128.store(at('y'), v128.load(xAt)), v128.store(at('arg'), idx)],
    [f32.store(at('y'), f32.load(xAt)), i32.store(at('arg'), flat)],
  );
  const update = loop4(
    get('C'),
    [
      set('v', v128.load(xAt)),
      set('gt', f32x4.gt(get('v'), v128.load(at('y')))),
      v128.store(at('y'), v128.bitselect(get('v'), v128.load(at('y')), get('gt'))),
      v128.store(at('arg'), v128.bitselect(idx, v128.load(at('arg')), get('gt'))),
    ],
    [
      set('sv', f32.load(xAt)),
      ifThen(f32.gt(get('sv'), f32.load(at('y'))), [f32.store(at('y'), get('sv')), i32.store(at('arg'), flat)]),
    ],
  );
  const position = [
    setIw,
    ifThen(inImage, [setSrc, ifThen(get('seeded'), update, [seed, set('seeded', i32.const(1))])]),
  ];
  const window = [
    set('seeded', i32.const(0)),
    forLoop('i', get('kh'), [setIh, forLoop('j', get('kw'), position)]),
    set('y', i32.add(get('y'), get('run'))),
    set('arg', i32.add(get('arg'), get('run'))),
  ];
  return func(
    'max_pool',
    {
      exported: true,
      params: { ...names('i32', 'y', 'arg', 'x', 'first'), ...GEOMETRY },
      locals: { ...WINDOW_LOCALS, ...LOOP4_LOCALS, seeded: 'i32', gt: 'v128', v: 'v128', base: 'i32', sv: 'f32' },
    },
    [set('run', i32.shl(get('C'), 2)), outputs(window)],
  );
})();

/**
 * dx[x0 … x0+nx) = 0, then dx[arg[o]] += dy[o] over the n outputs at dy and arg. A thread given
 * some samples passes the whole batch's dx, its samples' range of it and their outputs (their
 * maxima lie in their own images).
 */
const maxPoolBackward = func(
  'max_pool_backward',
  { exported: true, params: names('i32', 'dx', 'dy', 'arg', 'x0', 'nx', 'n'), locals: names('i32', 'o', 'to') },
  [
    fill(i32.add(get('dx'), i32.shl(get('x0'), 2)), 0, i32.shl(get('nx'), 2)),
    forLoop(
      'o',
      i32.shl(get('n'), 2),
      [
        set('to', i32.add(get('dx'), i32.shl(i32.load(i32.add(get('arg'), get('o'))), 2))),
        f32.store(get('to'), f32.add(f32.load(get('to')), f32.load(i32.add(get('dy'), get('o'))))),
      ],
      4,
    ),
  ],
);

export function windowWat(): Wat[] {
  return [im2col, col2im, maxPool, maxPoolBackward];
}
