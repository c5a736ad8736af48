/**
 * Generates the convolution kernels (Conv2D's forward and backward passes) as WebAssembly text, a
 * sample (forward) or a chunk of samples (backward) at a time: their windows are unfolded (im2col)
 * into the thread's own scratch, which the products then read while it is still in cache, instead
 * of the whole batch's windows making a trip through memory (15,488 × 288 floats, 17.8 MB, for
 * tutorial 002's second convolution). The bias, ReLU's gradient, the bias's gradient and col2im
 * run on those rows in the same way.
 *
 * Shapes (rows = OH·OW, a sample's output positions; depth = kh·kw·C):
 *   x  [B, H, W, C]   z, dy, mask [B, rows, F]   cols, dcols [rows, depth] a sample's or [chunk·rows, depth] (scratch)
 *   w packed by pack_b as [depth, F] (forward), or by pack_bt as Wᵀ [F, depth] (for dx)
 *
 *   forward:   z_s = im2col(x_s) · w + b, or ReLU of that
 *   backward, for chunk c of samples:
 *              dz_c = dy_c ⊙ (mask_c > 0) (ReLU's gradient, when a mask is given; else dz_c = dy_c)
 *              dw_c = im2col(x_c)ᵀ · dz_c;   db_c = Σ_rows dz_c;   dx_c = col2im(dz_c · wᵀ)
 *   or, when wpt holds the kernels' Winograd transforms instead (ups ≠ 0: their stride; 3×3 windows,
 *   stride 1), dx_c = the 3×3 convolution of dz_c with w turned by 180° (winograd.ts), no col2im.
 *   and when wdw ≠ 0 (the same convolutions), dw_c by winograd.ts's F(3×3, 2×2), without im2col.
 *   (The 3×3 convolutions of stride 1 that the backend sends to Winograd go forward by
 *   winograd.ts, not conv_forward: see winogradFits in ../backend.ts.)
 * The weight gradients go to one partial per chunk of `chunk` samples, each one product over the
 * chunk's rows; the caller adds the partials in chunk order. Chunks are fixed whatever the threads,
 * so the sums, and every bit, are too.
 *
 * The functions call the products of their own module (fused multiply-adds in the second module),
 * so both modules carry them, with the window and packing functions they use.
 *
 *   conv_forward(z, x, wp, bias, relu, cols, tile, F, …GEOMETRY)
 *   conv_backward(dx, dwp, dbp, dy, mask, x, wpt, ups, wdw, cols, dz, dzp, tile, F, chunk, …GEOMETRY)
 * GEOMETRY: window.ts's B, H, W, C, kh, kw, sh, sw, pt, pl, OH, OW.
 */
import {
  LOOP4_LOCALS,
  ZERO,
  at,
  call,
  f32,
  f32x4,
  forLoop,
  func,
  get,
  i32,
  ifThen,
  loop4,
  names,
  select,
  set,
  v128,
  type Wat,
} from './wat.js';
import { GEOMETRY } from './window.js';

/** The eleven i32 window arguments after the batch (im2col's and col2im's). */
const SAMPLE_GEOMETRY = ['H', 'W', 'C', 'kh', 'kw', 'sh', 'sw', 'pt', 'pl', 'OH', 'OW'].map(get);
const SIZE_LOCALS = names('i32', 's', 'rows', 'depth', 'img', 'out');
/** A sample's output positions, its windows' depth, and the bytes of a sample of x and of z. */
const SIZES = [
  set('rows', i32.mul(get('OH'), get('OW'))),
  set('depth', i32.mul(i32.mul(get('kh'), get('kw')), get('C'))),
  set('img', i32.shl(i32.mul(i32.mul(get('H'), get('W')), get('C')), 2)),
  set('out', i32.shl(i32.mul(get('rows'), get('F')), 2)),
];

/**
 * z [B, rows, F] = im2col(x) · w + bias (bias 0: none), then ReLU in place when $relu ≠ 0 (while
 * the sample's rows are still in cache); wp is w packed by pack_b; cols and tile are this thread's scratch.
 */
const convForward = func(
  'conv_forward',
  {
    exported: true,
    params: { ...names('i32', 'z', 'x', 'wp', 'bias', 'relu', 'cols', 'tile', 'F'), ...GEOMETRY },
    locals: SIZE_LOCALS,
  },
  [
    ...SIZES,
    forLoop('s', get('B'), [
      call('im2col', get('cols'), get('x'), i32.const(1), ...SAMPLE_GEOMETRY),
      call(
        'gemm_n',
        get('z'),
        get('cols'),
        get('wp'),
        get('rows'),
        get('depth'),
        get('F'),
        i32.shl(get('depth'), 2),
        i32.const(4),
        get('tile'),
      ),
      ifThen(get('bias'), call('add_bias', get('z'), get('bias'), get('rows'), get('F'))),
      ifThen(get('relu'), call('relu', get('z'), get('z'), i32.mul(get('rows'), get('F')))),
      set('x', i32.add(get('x'), get('img'))),
      set('z', i32.add(get('z'), get('out'))),
    ]),
  ],
);

/**
 * The backward pass over B samples, a chunk of `chunk` samples at a time (the last may be
 * shorter). Pointers of 0 are absent: mask (no ReLU gradient to apply), dwp and dbp (no weight
 * gradients), dx (no input gradient). dwp and dbp are the first of this call's chunks' partials
 * ([depth, F] and [F] each, one after another). A chunk's windows are unfolded together and its
 * dw is one product over all its rows (k = chunk·rows in gemm_t's k blocks), rather than a product
 * per sample summed through C.
 * Scratch: cols (chunk·rows·depth floats, also dcols), dz (chunk·rows·F, when a mask is given),
 * dzp (dz packed by pack_b), tile.
 */
const convBackward = (() => {
  const times = (p: string): Wat => i32.mul(get(p), get('ns'));
  // dz: dy masked by ReLU's output into scratch, or dy itself.
  const dz = [
    set('g', get('dy')),
    ifThen(get('mask'), [
      set('g', get('dz')),
      loop4(
        i32.mul(get('n'), get('F')),
        v128.store(at('dz'), v128.and(v128.load(at('dy')), f32x4.gt(v128.load(at('mask')), ZERO))),
        f32.store(at('dz'), select(f32.load(at('dy')), f32.const(0), f32.gt(f32.load(at('mask')), 0))),
      ),
    ]),
  ];
  // db_c = Σ_rows dz, row by row.
  const db = ifThen(get('dbp'), [
    loop4(get('F'), v128.store(at('dbp'), ZERO), f32.store(at('dbp'), f32.const(0))),
    set('row', get('g')),
    forLoop('r', get('n'), [
      loop4(
        get('F'),
        v128.store(at('dbp'), f32x4.add(v128.load(at('dbp')), v128.load(at('row')))),
        f32.store(at('dbp'), f32.add(f32.load(at('dbp')), f32.load(at('row')))),
      ),
      set('row', i32.add(get('row'), i32.shl(get('F'), 2))),
    ]),
    set('dbp', i32.add(get('dbp'), i32.shl(get('F'), 2))),
  ]);
  const dw = ifThen(get('dwp'), [
    ifThen(
      get('wdw'),
      // By Winograd (winograd.ts): v and m in cols' scratch, D packed in dzp's.
      call(
        'winograd_dw',
        ...['dwp', 'x', 'g', 'cols', 'dzp', 'tile', 'F', 'ns', 'H', 'W', 'C', 'pt', 'pl', 'OH', 'OW'].map(get),
      ),
      // dw_c = colsᵀ · dz: Aᵀ read from cols ([k = n, m = depth]), dz packed.
      [
        call('im2col', get('cols'), get('x'), get('ns'), ...SAMPLE_GEOMETRY),
        call('pack_b', get('dzp'), get('g'), get('n'), get('F'), get('F')),
        call(
          'gemm_t',
          get('dwp'),
          get('cols'),
          get('dzp'),
          get('depth'),
          get('n'),
          get('F'),
          i32.const(4),
          i32.shl(get('depth'), 2),
          get('tile'),
        ),
      ],
    ),
    set('dwp', i32.add(get('dwp'), i32.shl(i32.mul(get('depth'), get('F')), 2))),
  ]);
  const dx = ifThen(get('dx'), [
    ifThen(
      get('ups'),
      // dx = dz correlated with w turned by 180°, channels and filters swapped, over dz padded by
      // 2 − the padding: a 3×3 convolution of stride 1 by Winograd, its v and m in cols' scratch.
      call(
        'conv_winograd',
        ...[
          get('dx'),
          get('g'),
          get('wpt'),
          get('ups'),
          i32.const(0),
          i32.const(0),
          get('cols'),
          get('tile'),
          get('C'),
        ],
        ...[
          get('ns'),
          get('OH'),
          get('OW'),
          get('F'),
          i32.sub(2, get('pt')),
          i32.sub(2, get('pl')),
          get('H'),
          get('W'),
        ],
      ),
      // dcols = dz · wᵀ into cols' scratch, then put back into dx.
      [
        call(
          'gemm_n',
          get('cols'),
          get('g'),
          get('wpt'),
          get('n'),
          get('F'),
          get('depth'),
          i32.shl(get('F'), 2),
          i32.const(4),
          get('tile'),
        ),
        call('col2im', get('dx'), get('cols'), get('ns'), ...SAMPLE_GEOMETRY),
      ],
    ),
    set('dx', i32.add(get('dx'), times('img'))),
  ]);
  const params = {
    ...names(
      'i32',
      'dx',
      'dwp',
      'dbp',
      'dy',
      'mask',
      'x',
      'wpt',
      'ups',
      'wdw',
      'cols',
      'dz',
      'dzp',
      'tile',
      'F',
      'chunk',
    ),
    ...GEOMETRY,
  };
  return func(
    'conv_backward',
    {
      exported: true,
      params,
      locals: { ...SIZE_LOCALS, ...LOOP4_LOCALS, ...names('i32', 'g', 'ns', 'n', 'r', 'row') },
    },
    [
      ...SIZES,
      forLoop(
        's',
        get('B'),
        [
          // This chunk: $ns samples, $n rows.
          set('ns', i32.sub(get('B'), get('s'))),
          ifThen(i32.gt_u(get('ns'), get('chunk')), set('ns', get('chunk'))),
          set('n', i32.mul(get('ns'), get('rows'))),
          ...dz,
          db,
          dw,
          dx,
          set('x', i32.add(get('x'), times('img'))),
          set('dy', i32.add(get('dy'), times('out'))),
          ifThen(get('mask'), set('mask', i32.add(get('mask'), times('out')))),
        ],
        get('ns'),
      ),
    ],
  );
})();

export function convWat(): Wat[] {
  return [convForward, convBackward];
}
