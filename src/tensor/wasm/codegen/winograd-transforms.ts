/**
 * Generates the transforms of the Winograd convolutions, the functions that winograd.ts's
 * conv_winograd and winograd_dw call around their products (winograd.ts says what they compute and
 * gives the matrices Bᵀ, Aᵀ, B'ᵀ, G' and A'ᵀ). Each moves 4 channels or 4 filters (one f32x4) at a time;
 * the 16 matrices of v, m and dzp are `vs`, `ms` and `dzs` bytes apart.
 *
 *   wino_in(v, pad, x, vs, H, W, C, pt, pl, TH, TW)      x [H, W, C] (a sample) → V = Bᵀ d B, v [16, T, C]
 *   wino_in_dw(…the same)                               the same with B'ᵀ (for dw)
 *   wino_out(z, mm, ms, bias, relu, F, TH, TW, OH, OW)   m [16, T, F] → Y = Aᵀ M A, z [OH, OW, F]
 *   wino_dz(dzp, dzs, k, k0, dz, F, TH, TW, OH, OW)      dz [OH, OW, F] → D = G' dz G'ᵀ, rows k0… of dzp
 *   wino_dw(dw, mm, ms, C, F)                            m [16, C, F] → dw = A'ᵀ M A', [3, 3, C, F]
 */
import { PANEL } from '../abi.js';
import {
  ZERO,
  copy,
  f32x4,
  fill,
  forLoop,
  func,
  get,
  i32,
  ifThen,
  ifValue,
  names,
  range,
  set,
  v128,
  type Decls,
  type Wat,
} from './wat.js';

const half = (a: Wat): Wat => f32x4.mul(a, v128.const('f32x4', 0.5));
const { add: fadd, sub: fsub } = f32x4;
/** Bytes of a panel row of packed B. */
const PANEL_BYTES = 4 * PANEL;
/** Bᵀ applied to four values (a column or a row of the patch); `dw`: B'ᵀ, the last row negated. */
const Bt = (a: Wat[], dw: boolean): Wat[] => [
  fsub(a[0], a[2]),
  fadd(a[1], a[2]),
  fsub(a[2], a[1]),
  dw ? fsub(a[3], a[1]) : fsub(a[1], a[3]),
];
/** Aᵀ applied to four values. */
const At = (a: Wat[]): Wat[] => [fadd(fadd(a[0], a[1]), a[2]), fsub(fsub(a[1], a[2]), a[3])];
/** G' applied to two values. */
const Gd = (a: Wat[]): Wat[] => [a[0], half(fadd(a[0], a[1])), half(fsub(a[0], a[1])), a[1]];
/** A'ᵀ applied to four values. */
const Atd = (a: Wat[]): Wat[] => [fadd(fadd(a[0], a[1]), a[2]), fsub(a[1], a[2]), fadd(fadd(a[1], a[2]), a[3])];

/** Locals $d0..$d15 and $u0..$u15: a 4×4 of vectors and its half-transformed copy. */
const VECTORS: Decls = names('v128', ...range(16).flatMap((n) => [`d${n}`, `u${n}`]));
const d = (i: number, j: number): Wat => get(`d${4 * i + j}`);
const u = (i: number, j: number): Wat => get(`u${4 * i + j}`);
/** Row i of $u. */
const uRow = (i: number, count = 4): Wat[] => range(count).map((j) => u(i, j));
/** $u[i][j] ← rows(column j of $d)[i] for each column j (rows gives `count` values). */
const overColumns = (rows: (a: Wat[]) => Wat[], count: number): Wat[] =>
  range(4).flatMap((j) => rows(range(count).map((i) => d(i, j))).map((e, i) => set(`u${4 * i + j}`, e)));
/** $d0..$d15 ← the 16 vectors at `base`, `stride` bytes apart. */
const load16 = (base: string, stride: string): Wat[] =>
  range(16).map((n) => set(`d${n}`, v128.load(i32.add(get(base), i32.mul(n, get(stride))))));

/**
 * The input transform of a sample: first the sample into `pad`, zero-padded to the tiles' reach
 * (PH = 2·TH + 2 rows of PW = 2·TW + 2 positions: the padding, and the row and column past an odd
 * output size), so that the transform reads every patch without a bounds check (a branch for each
 * of a patch's 16 vectors); then for each tile t and 4 channels, the patch's 16 vectors become
 * V = Bᵀ d B (forward) or B'ᵀ d B' (dw), stored at v + t·cs, ξ at vs bytes apart.
 */
function inputFunc(dw: boolean): Wat {
  const loads = range(16).map((n) =>
    set(`d${n}`, v128.load(i32.add(get(`p${n >> 2}`), i32.add(get(`q${n & 3}`), get('cb'))))),
  );
  const stores = range(4).flatMap((i) =>
    Bt(uRow(i), dw).map((e, j) => v128.store(i32.add(get('vt'), i32.mul(4 * i + j, get('vs'))), e)),
  );
  const transform = [
    ...loads,
    ...overColumns((a) => Bt(a, dw), 4),
    set('vt', i32.add(i32.add(get('v'), i32.mul(get('t'), get('cs'))), get('cb'))),
    ...stores,
  ];
  const padRow = i32.add(get('pad'), i32.mul(get('r'), get('prow')));
  const xRow = i32.sub(get('r'), get('pt'));
  const locals: Decls = {
    ...names('i32', 'ty', 'tx', 't', 'cb', 'cs', 'vt', 'prow', 'r', 'n'),
    ...names('i32', ...range(4).flatMap((i) => [`p${i}`, `q${i}`])),
    ...VECTORS,
  };
  return func(
    dw ? 'wino_in_dw' : 'wino_in',
    { params: names('i32', 'v', 'pad', 'x', 'vs', 'H', 'W', 'C', 'pt', 'pl', 'TH', 'TW'), locals },
    [
      set('cs', i32.mul(get('C'), 4)),
      set('prow', i32.mul(i32.add(i32.mul(get('TW'), 2), 2), get('cs'))),
      // pad row r: zeros, and where r − pt is a row of x, its W positions from column pl on (as many as fit).
      set('n', i32.mul(get('W'), get('cs'))),
      ifThen(
        i32.gt_u(i32.add(i32.mul(get('pl'), get('cs')), get('n')), get('prow')),
        set('n', i32.sub(get('prow'), i32.mul(get('pl'), get('cs')))),
      ),
      forLoop('r', i32.add(i32.mul(get('TH'), 2), 2), [
        fill(padRow, 0, get('prow')),
        ifThen(
          i32.lt_u(xRow, get('H')),
          copy(
            i32.add(padRow, i32.mul(get('pl'), get('cs'))),
            i32.add(get('x'), i32.mul(i32.mul(xRow, get('W')), get('cs'))),
            get('n'),
          ),
        ),
      ]),
      forLoop('ty', get('TH'), [
        ...range(4).map((i) =>
          set(`p${i}`, i32.add(get('pad'), i32.mul(i32.add(i32.mul(get('ty'), 2), i), get('prow')))),
        ),
        forLoop('tx', get('TW'), [
          ...range(4).map((j) => set(`q${j}`, i32.mul(i32.add(i32.mul(get('tx'), 2), j), get('cs')))),
          set('t', i32.add(i32.mul(get('ty'), get('TW')), get('tx'))),
          forLoop('cb', get('cs'), transform, 16),
        ]),
      ]),
    ],
  );
}

/**
 * The loops of the output side over a sample: tiles (ty, tx) with $oh, $ow their first output and
 * $t their index, and in each the filters 4 at a time ($fb, in bytes); $at is the tile's vector in
 * an [OH, OW, F] array at `base`. Locals: OUTPUT_LOCALS.
 */
const overOutputs = (base: Wat, body: Wat[]): Wat[] => [
  set('fs', i32.mul(get('F'), 4)),
  set('zrow', i32.mul(get('OW'), get('fs'))),
  forLoop('ty', get('TH'), [
    set('oh', i32.mul(get('ty'), 2)),
    forLoop('tx', get('TW'), [
      set('ow', i32.mul(get('tx'), 2)),
      set('t', i32.add(i32.mul(get('ty'), get('TW')), get('tx'))),
      forLoop(
        'fb',
        get('fs'),
        [
          set(
            'at',
            i32.add(i32.add(base, i32.add(i32.mul(get('oh'), get('zrow')), i32.mul(get('ow'), get('fs')))), get('fb')),
          ),
          ...body,
        ],
        16,
      ),
    ]),
  ]),
];
const OUTPUT_LOCALS = names('i32', 'ty', 'tx', 't', 'fb', 'fs', 'zrow', 'oh', 'ow', 'at');
/** Output (oh + a, ow + b) lies inside OH×OW. */
const inside = (a: number, b: number): Wat =>
  i32.and(i32.lt_u(i32.add(get('oh'), a), get('OH')), i32.lt_u(i32.add(get('ow'), b), get('OW')));
/** The address of output (oh + a, ow + b) of the tile at $at. */
const outputAt = (a: number, b: number): Wat =>
  i32.add(get('at'), i32.add(i32.mul(a, get('zrow')), i32.mul(b, get('fs'))));

/**
 * The output transform of a sample: for each tile and 4 filters, Y = Aᵀ M A (M_ξ at mm, ms bytes
 * apart), the bias, ReLU, and the outputs inside OH×OW stored into z.
 */
const outputFunc = (): Wat => {
  const stores = range(2).flatMap((a) =>
    At(uRow(a)).map((e, b) => {
      const y = fadd(e, get('bv'));
      // As the relu kernel: pmax keeps NaN, adding +0 turns −0 into +0.
      const relu = ifValue('v128', get('relu'), fadd(f32x4.pmax(y, ZERO), ZERO), y);
      return ifThen(inside(a, b), v128.store(outputAt(a, b), relu));
    }),
  );
  const params = names('i32', 'z', 'mm', 'ms', 'bias', 'relu', 'F', 'TH', 'TW', 'OH', 'OW');
  return func('wino_out', { params, locals: { ...OUTPUT_LOCALS, mt: 'i32', bv: 'v128', ...VECTORS } }, [
    ...overOutputs(get('z'), [
      set('mt', i32.add(i32.add(get('mm'), i32.mul(get('t'), get('fs'))), get('fb'))),
      set('bv', ifValue('v128', get('bias'), v128.load(i32.add(get('bias'), get('fb'))), ZERO)),
      ...load16('mt', 'ms'),
      ...overColumns(At, 4),
      ...stores,
    ]),
  ]);
};

/**
 * dz's transform for dw, for a sample: each tile's 2×2 of 4 filters (zero past OH×OW) becomes
 * D = G' dz G'ᵀ, stored as row k0 + t of each packed D_ξ (dzs bytes apart, k rows).
 */
const dzFunc = (): Wat => {
  const loads = range(4).map((n) => {
    const [a, b] = [n >> 1, n & 1];
    return set(`d${4 * a + b}`, ifValue('v128', inside(a, b), v128.load(outputAt(a, b)), ZERO));
  });
  // G' over each of the tile's two columns, then over each of the four rows.
  const columns = range(2).flatMap((j) => Gd([d(0, j), d(1, j)]).map((e, i) => set(`u${4 * i + j}`, e)));
  const stores = range(4).flatMap((i) =>
    Gd(uRow(i, 2)).map((e, j) => v128.store(i32.add(get('dt'), i32.mul(4 * i + j, get('dzs'))), e)),
  );
  // The panel row of filter f = fb/4: panel fb/32, then row k0 + t, then lane (fb mod 32)/4.
  const panel = i32.shr_u(get('fb'), Math.log2(PANEL_BYTES));
  const row = set(
    'dt',
    i32.add(
      get('dzp'),
      i32.add(
        i32.mul(i32.add(i32.mul(panel, get('k')), i32.add(get('k0'), get('t'))), PANEL_BYTES),
        i32.and(get('fb'), PANEL_BYTES - 1),
      ),
    ),
  );
  // With F mod 8 = 4 the last panel's upper half holds no filter: zeros, not whatever the scratch
  // held (old integers read as floats can be denormals, which slow the products).
  const pad = ifThen(
    i32.and(i32.eq(get('fb'), i32.sub(get('fs'), 16)), i32.and(get('F'), 4)),
    range(16).map((n) => v128.store(i32.add(get('dt'), i32.mul(n, get('dzs'))), ZERO, { offset: 16 })),
  );
  const params = names('i32', 'dzp', 'dzs', 'k', 'k0', 'dz', 'F', 'TH', 'TW', 'OH', 'OW');
  return func(
    'wino_dz',
    { params, locals: { ...OUTPUT_LOCALS, dt: 'i32', ...VECTORS } },
    overOutputs(get('dz'), [...loads, ...columns, row, ...stores, pad]),
  );
};

/** dw [3, 3, C, F] = A'ᵀ M A' for each channel and 4 filters (M_ξ [C, F] at mm, ms bytes apart). */
const dwFunc = (): Wat => {
  const stores = range(3).flatMap((i) =>
    Atd(uRow(i)).map((e, j) => v128.store(i32.add(get('mt0'), i32.mul(3 * i + j, get('ds'))), e)),
  );
  return func(
    'wino_dw',
    {
      params: names('i32', 'dw', 'mm', 'ms', 'C', 'F'),
      locals: { ...names('i32', 'o', 'mt', 'mt0', 'ds'), ...VECTORS },
    },
    [
      set('ds', i32.mul(i32.mul(get('C'), get('F')), 4)),
      forLoop(
        'o',
        get('ds'),
        [
          set('mt', i32.add(get('mm'), get('o'))),
          ...load16('mt', 'ms'),
          ...overColumns(Atd, 4),
          // $mt0: dw's element at tap 0; tap (i, j) is (3i + j)·C·F floats on.
          set('mt0', i32.add(get('dw'), get('o'))),
          ...stores,
        ],
        16,
      ),
    ],
  );
};

/** The input transforms (forward and dw), the output transform, and dz's and dw's transforms for dw. */
export function winogradTransforms(): Wat[] {
  return [inputFunc(false), inputFunc(true), outputFunc(), dzFunc(), dwFunc()];
}
