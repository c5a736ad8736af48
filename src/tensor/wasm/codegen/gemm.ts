/**
 * Generates the products, WebAssembly SIMD kernels whose register tile is unrolled here rather than
 * by hand. Every pointer is a byte offset into the imported memory; C is row-major [m,n] in f32.
 *
 *   gemm_n(c, a, b, m, k, n, ars, acs, scratch)   C = A·B, A row-major [m,k], rows `ars` bytes apart
 *   gemm_t(c, a, b, m, k, n, ars, acs, scratch)   C = A·B, A a [k,m] array read transposed: rows of Aᵀ
 *                                                 4 bytes apart, consecutive p `acs` bytes apart (acs = 4m)
 *   gemm_cols(…, ldb, pack)                       some columns of a wider B and C (below)
 *   gemm_rows(c, a, b, m, k, n, scratch)          a few rows, B [k,n] read in place (no packing)
 *   pack_b(dst, b, k, n, ldb)                     B [k,n] row-major into panels of W = 4·V columns
 *   pack_bt(dst, b, k, n)                         the same panels from an [n,k] array read transposed (A·Bᵀ)
 * gemm_n and gemm_t read B packed. The register tile is R rows × W columns held in R·V f32x4
 * accumulators; each step of p loads V vectors of B, splats one value of A per row and does R·V
 * multiply-adds, U steps per loop iteration. The last rows (m % R of them, plus one full tile) go as
 * two smaller tiles; columns left over (n % W) are written through `scratch` (R·W floats, one area
 * per thread).
 */
import { DEFAULT_TILE, type GemmTile } from '../abi.js';
import {
  ZERO,
  call,
  f32,
  f32x4,
  forLoop,
  func,
  get,
  i32,
  ifThen,
  ifValue,
  madd,
  names,
  range,
  seq,
  set,
  until,
  v128,
  type Body,
  type Decls,
  type Wat,
} from './wat.js';

export type AMode = 'n' | 't';

/** The alignment the tiles' vector loads and stores declare: 4 bytes, as rows of any width are. */
const A4 = { align: 4 } as const;

/**
 * One tile function: r rows × W columns of C from one packed B panel (row p of the panel at
 * b + 4W·p). Mode 'n': A row-major, row x at a + x·ars, consecutive p 4 bytes apart (so an
 * unrolled step reads with constant offsets). Mode 't': A is a [k,m] array read transposed, the r
 * values of one p side by side at a + 4x, consecutive p `acs` bytes apart.
 */
export function tileFunc(r: number, V: number, mode: AMode, U = DEFAULT_TILE.unroll, fma = false): Wat {
  const W = 4 * V;
  const rows = range(r);
  const vecs = range(V);
  const acc = (x: number, v: number): string => `acc${x}_${v}`;
  const accs = (f: (x: number, v: number) => Wat): Wat[] => rows.flatMap((x) => vecs.map((v) => f(x, v)));
  const cRow = (x: Wat): Wat => i32.add(get('c'), i32.mul(get('ldc'), x));
  // One step of p; u is its index within the unrolled iteration (constant offsets).
  const step = (u: number): Wat[] => [
    ...vecs.map((v) => set(`b${v}`, v128.load(get('pb'), { offset: 16 * v + 4 * W * u, ...A4 }))),
    ...rows.flatMap((x) => [
      set(
        's',
        mode === 'n'
          ? v128.load32_splat(get(`pa${x}`), { offset: 4 * u })
          : v128.load32_splat(get('pa'), { offset: 4 * x }),
      ),
      ...vecs.map((v) => set(acc(x, v), madd(get('s'), get(`b${v}`), get(acc(x, v)), fma))),
    ]),
    ...(mode === 't' ? [set('pa', i32.add(get('pa'), get('acs')))] : []),
  ];
  const advance = (u: number): Wat[] => [
    ...(mode === 'n' ? rows.map((x) => set(`pa${x}`, i32.add(get(`pa${x}`), 4 * u))) : []),
    set('pb', i32.add(get('pb'), 4 * W * u)),
    set('p', i32.add(get('p'), u)),
  ];
  // Start from zero, or (acc ≠ 0, a later block of k) from what C holds; a partial panel goes through scratch.
  const fromScratch = [
    forLoop('x', r * W, [
      f32.store(
        i32.add(get('scratch'), i32.mul(get('x'), 4)),
        ifValue(
          'f32',
          i32.lt_u(i32.rem_u(get('x'), W), get('ncols')),
          f32.load(i32.add(cRow(i32.div_u(get('x'), W)), i32.mul(i32.rem_u(get('x'), W), 4))),
          f32.const(0),
        ),
      ),
    ]),
    ...accs((x, v) => set(acc(x, v), v128.load(get('scratch'), { offset: 16 * (x * V + v), ...A4 }))),
  ];
  const start = ifThen(
    i32.eqz(get('acc')),
    accs((x, v) => set(acc(x, v), ZERO)),
    ifThen(
      i32.eq(get('ncols'), W),
      accs((x, v) => set(acc(x, v), v128.load(cRow(i32.const(x)), { offset: 16 * v, ...A4 }))),
      fromScratch,
    ),
  );
  // Full panel: store vectors straight into C. Partial panel: spill to scratch, copy ncols per row.
  const finish = ifThen(
    i32.eq(get('ncols'), W),
    accs((x, v) => v128.store(cRow(i32.const(x)), get(acc(x, v)), { offset: 16 * v, ...A4 })),
    [
      ...accs((x, v) => v128.store(get('scratch'), get(acc(x, v)), { offset: 16 * (x * V + v), ...A4 })),
      forLoop('x', r, [
        forLoop('j', get('ncols'), [
          f32.store(
            i32.add(cRow(get('x')), i32.mul(get('j'), 4)),
            f32.load(i32.add(get('scratch'), i32.mul(i32.add(i32.mul(get('x'), W), get('j')), 4))),
          ),
        ]),
      ]),
    ],
  );
  const locals: Decls = {
    ...names('i32', 'p', 'pa', 'pb'),
    s: 'v128',
    ...names('i32', 'x', 'j'),
    ...names('v128', ...accs(acc)),
    ...(mode === 'n' ? names('i32', ...rows.map((x) => `pa${x}`)) : {}),
    ...names('v128', ...vecs.map((v) => `b${v}`)),
  };
  const params = names('i32', 'c', 'ldc', 'a', 'ars', 'acs', 'b', 'k', 'ncols', 'scratch', 'acc');
  return func(`tile${mode}${r}`, { params, locals }, [
    start,
    ...(mode === 'n'
      ? rows.map((x) => set(`pa${x}`, i32.add(get('a'), i32.mul(get('ars'), x))))
      : [set('pa', get('a'))]),
    set('pb', get('b')),
    set('p', i32.const(0)),
    until('p4', i32.gt_u(i32.add(get('p'), U), get('k')), [
      ...range(U)
        .map((u) => step(u))
        .flat(),
      ...advance(U),
    ]),
    ...(U > 1 ? [until('p', i32.ge_u(get('p'), get('k')), [...step(0), ...advance(1)])] : []),
    finish,
  ]);
}

/**
 * gemm_n / gemm_t: C[m,n] = A·B with B packed by pack_b or pack_bt (panel q at b + 4W·k·q).
 * gemm_cols (mode 'n'): n columns of C = A·B where B and C are ldb floats wide (b and c at the
 * first of those columns): packs its own columns of B at `pack`, then multiplies. A product of few
 * rows splits by columns this way (../backend.ts): each thread packs the part of B it uses, instead of
 * one thread packing all of B for the others to read from its cache.
 * Blocks of KC steps of p outside, then blocks of MC rows, then panels, then row tiles: the MC×KC
 * block of A (192 KiB for 'n') stays in L2 while every panel passes over it, and the KC×W slice of
 * a B panel (12 KiB) stays in L1 while every row tile of the block uses it. Without the row blocks,
 * a tall A (im2col's rows, 15,488 × 288 for tutorial 002's second convolution) came from memory
 * once per panel. A k block's sums go through C (f32, exact), so the blocking changes no bit.
 * KC per mode: 'n' 384 (that convolution's k = 288 in one block); 't' 256 (bench/RESULTS.md).
 */
const KC_BY_MODE: Record<AMode, number> = { n: 384, t: 256 };
const MC = 128;
export function gemmFunc(R: number, V: number, mode: AMode): Wat[] {
  const W = 4 * V;
  const KC = KC_BY_MODE[mode];
  // A's tile origin for row i in this k block: rows are ars apart ('n'), or 4 bytes apart ('t').
  const aAt = (i: Wat): Wat => i32.add(get('ak'), i32.mul(i, mode === 'n' ? get('ars') : i32.const(4)));
  const tileCall = (r: number, cq: Wat, ai: Wat): Wat =>
    call(`tile${mode}${r}`, cq, get('ldc'), ai, ...['ars', 'acs', 'bq', 'kc', 'ncols', 'scratch', 'kb'].map(get));
  const cAt = (i: Wat): Wat => i32.add(i32.add(get('c'), i32.mul(i, get('ldc'))), i32.mul(get('q'), 4 * W));
  // A tile of `rows` rows (1..R, known only at run time) at row $i.
  const tileAt = (rows: Wat): Wat[] => [
    set('cq', cAt(get('i'))),
    set('ai', aAt(get('i'))),
    ...range(R).map((x) => ifThen(i32.eq(rows, x + 1), tileCall(x + 1, get('cq'), get('ai')))),
  ];
  const params = names('i32', 'c', 'a', 'b', 'm', 'k', 'n', 'ars', 'acs', 'scratch');
  const args = Object.keys(params).map(get);
  // gemm_n and gemm_t: C's rows n floats apart. gemm_cols: some columns of a wider C and B (below).
  const entry = func(
    `gemm_${mode}`,
    { exported: true, params },
    call(`gemm_${mode}_ld`, ...args, i32.mul(get('n'), 4)),
  );
  const cols = func('gemm_cols', { exported: true, params: { ...params, ...names('i32', 'ldb', 'pack') } }, [
    call('pack_b', ...['pack', 'b', 'k', 'n', 'ldb'].map(get)),
    call('gemm_n_ld', ...['c', 'a', 'pack', 'm', 'k', 'n', 'ars', 'acs', 'scratch'].map(get), i32.mul(get('ldb'), 4)),
  ]);
  // Full tiles while more than 2R rows remain; the last R+1..2R−1 rows go as two tiles of about
  // half each (a 1- or 2-row tile is much slower than a full one).
  const panel: Body = [
    set('ncols', i32.sub(get('n'), i32.mul(get('q'), W))),
    ifThen(i32.gt_u(get('ncols'), W), set('ncols', i32.const(W))),
    set('bq', i32.add(get('b'), i32.mul(i32.add(i32.mul(get('q'), get('k')), get('kb')), 4 * W))),
    set('i', get('ib')),
    until('i', i32.gt_u(i32.add(get('i'), 2 * R), get('iend')), [
      tileCall(R, cAt(get('i')), aAt(get('i'))),
      set('i', i32.add(get('i'), R)),
    ]),
    set('left', i32.sub(get('iend'), get('i'))),
    ifThen(i32.gt_u(get('left'), R), [
      set('half', i32.shr_u(i32.add(get('left'), 1), 1)),
      ...tileAt(get('half')),
      set('i', i32.add(get('i'), get('half'))),
      set('left', i32.sub(get('left'), get('half'))),
    ]),
    ...tileAt(get('left')),
    set('q', i32.add(get('q'), 1)),
  ];
  // The block's last row: MC rows on, or all of them when fewer than MC + 2R would be left (so
  // that the short tiles at the end come once, not once per block).
  const rowBlock: Body = [
    set('iend', i32.add(get('ib'), MC)),
    ifThen(i32.gt_u(i32.add(get('iend'), 2 * R), get('m')), set('iend', get('m'))),
    set('q', i32.const(0)),
    until('q', i32.ge_u(i32.mul(get('q'), W), get('n')), panel),
    set('ib', get('iend')),
  ];
  const kBlock: Body = [
    set('kc', i32.sub(get('k'), get('kb'))),
    ifThen(i32.gt_u(get('kc'), KC), set('kc', i32.const(KC))),
    set('ak', i32.add(get('a'), i32.mul(get('kb'), get('acs')))),
    set('ib', i32.const(0)),
    until('ib', i32.ge_u(get('ib'), get('m')), rowBlock),
  ];
  const blocked = func(
    `gemm_${mode}_ld`,
    {
      params: { ...params, ldc: 'i32' },
      locals: names('i32', 'q', 'i', 'bq', 'cq', 'ai', 'ncols', 'left', 'kb', 'kc', 'ak', 'half', 'ib', 'iend'),
    },
    forLoop('kb', get('k'), kBlock, get('kc')),
  );
  return mode === 'n' ? [entry, cols, blocked] : [entry, blocked];
}

/**
 * pack_b: B [k,n] row-major, rows ldb floats apart, into W-wide panels, zero-padded:
 * dst[q][p][jj] = B[p, q·W + jj]. Full panels copy whole vectors; the last, partial one goes
 * element by element. (ldb > n: a thread packing some of the panels passes its columns' start.)
 * pack_bt: the same panels from an [n,k] array read transposed: dst[q][p][jj] = B[q·W + jj, p].
 */
export function packFuncs(V: number): Wat[] {
  const W = 4 * V;
  const loops = (inner: Wat): Wat[] => [
    set('o', get('dst')),
    set('q', i32.const(0)),
    until('q', i32.ge_u(i32.mul(get('q'), W), get('n')), [
      forLoop('p', get('k'), inner),
      set('q', i32.add(get('q'), 1)),
    ]),
  ];
  const scalar = (src: Wat): Wat =>
    forLoop('jj', W, [
      set('j', i32.add(i32.mul(get('q'), W), get('jj'))),
      f32.store(get('o'), ifValue('f32', i32.lt_u(get('j'), get('n')), f32.load(src), f32.const(0))),
      set('o', i32.add(get('o'), 4)),
    ]);
  const row = i32.add(get('b'), i32.mul(get('p'), i32.mul(get('ldb'), 4)));
  const vectors = range(V).map((v) =>
    v128.store(get('o'), v128.load(i32.add(row, i32.mul(get('q'), 4 * W)), { offset: 16 * v, ...A4 }), {
      offset: 16 * v,
      ...A4,
    }),
  );
  const locals = names('i32', 'q', 'p', 'jj', 'j', 'o');
  return [
    func(
      'pack_b',
      { exported: true, params: names('i32', 'dst', 'b', 'k', 'n', 'ldb'), locals },
      loops(
        ifThen(
          i32.le_u(i32.mul(i32.add(get('q'), 1), W), get('n')),
          [...vectors, set('o', i32.add(get('o'), 4 * W))],
          scalar(i32.add(row, i32.mul(get('j'), 4))),
        ),
      ),
    ),
    func(
      'pack_bt',
      { exported: true, params: names('i32', 'dst', 'b', 'k', 'n'), locals },
      loops(scalar(i32.add(get('b'), i32.mul(i32.add(i32.mul(get('j'), get('k')), get('p')), 4)))),
    ),
  ];
}

/**
 * gemm_rows: C[m,n] = A[m,k]·B[k,n] for a few rows (predicting one digit), row by row, without
 * packing: B is read in place. A row's nonzeros (most pixels are zero) are first listed in
 * `scratch` (8 bytes each: the byte offset of B's row p, then a[i,p]), so the blocks below loop
 * over them without a branch per p. Columns go in blocks of ROWS_VECS vectors held in registers
 * for the whole list (then single vectors, then the last n % 4 columns one at a time), so C is
 * written once: a C in memory, read and written again at every p, made this a chain of stores.
 * Every column sums its products in the order p = 0, 1, … from zero, as the tiles do; with `fma`
 * they fuse as the tiles do, the last columns one lane at a time (a float64 sum rounded to f32
 * would round twice and differ now and then), so that a row comes out the same alone as in a batch.
 */
const ROWS_VECS = 8;
export function gemmRowsFunc(fma: boolean): Wat {
  // Over the list: $e walks it, $bp is B's row of the entry, $s its value splatted.
  const overList = (label: string, body: Body): Wat[] => [
    set('e', get('scratch')),
    until(label, i32.ge_u(get('e'), get('lend')), [
      set('bp', i32.add(get('b'), i32.load(get('e')))),
      set('s', v128.load32_splat(get('e'), { offset: 4 })),
      seq(body),
      set('e', i32.add(get('e'), 8)),
    ]),
  ];
  // Columns [j, j + 4V): V accumulators over the list.
  const block = (V: number): Wat => {
    const accs = range(V).map((v) => `r${v}`);
    return until(`b${V}`, i32.gt_u(i32.add(get('j'), 4 * V), get('n')), [
      ...accs.map((r) => set(r, ZERO)),
      ...overList(`l${V}`, [
        set('bj', i32.add(get('bp'), i32.mul(get('j'), 4))),
        ...accs.map((r, v) => set(r, madd(get('s'), v128.load(get('bj'), { offset: 16 * v, ...A4 }), get(r), fma))),
      ]),
      ...accs.map((r, v) => v128.store(i32.add(get('c'), i32.mul(get('j'), 4)), get(r), { offset: 16 * v, ...A4 })),
      set('j', i32.add(get('j'), 4 * V)),
    ]);
  };
  const cj = i32.add(get('c'), i32.mul(get('jj'), 4));
  const bj = i32.add(get('bp'), i32.mul(get('jj'), 4));
  const one = fma
    ? f32.store(
        cj,
        f32x4.extract_lane(0, f32x4.relaxed_madd(get('s'), f32x4.splat(f32.load(bj)), f32x4.splat(f32.load(cj)))),
      )
    : f32.store(cj, f32.add(f32.load(cj), f32.mul(f32x4.extract_lane(0, get('s')), f32.load(bj))));
  // The list of row i's nonzeros.
  const list = [
    set('lend', get('scratch')),
    forLoop('p', get('k'), [
      set('av', f32.load(i32.add(get('a'), i32.mul(get('p'), 4)))),
      ifThen(f32.ne(get('av'), 0), [
        i32.store(get('lend'), i32.mul(get('p'), get('ldb'))),
        f32.store(get('lend'), get('av'), { offset: 4 }),
        set('lend', i32.add(get('lend'), 8)),
      ]),
    ]),
  ];
  // The last n % 4 columns: C in memory, one element at a time.
  const last = [
    set('jj', get('j')),
    until('z', i32.ge_u(get('jj'), get('n')), [f32.store(cj, f32.const(0)), set('jj', i32.add(get('jj'), 1))]),
    ifThen(
      i32.lt_u(get('j'), get('n')),
      overList('tail', [
        set('jj', get('j')),
        until('c', i32.ge_u(get('jj'), get('n')), [one, set('jj', i32.add(get('jj'), 1))]),
      ]),
    ),
  ];
  const locals: Decls = {
    ...names('i32', 'i', 'p', 'j', 'jj'),
    av: 'f32',
    s: 'v128',
    ...names('i32', 'e', 'lend', 'bp', 'bj', 'ldb'),
    ...names('v128', ...range(ROWS_VECS).map((v) => `r${v}`)),
  };
  return func('gemm_rows', { exported: true, params: names('i32', 'c', 'a', 'b', 'm', 'k', 'n', 'scratch'), locals }, [
    set('ldb', i32.mul(get('n'), 4)),
    forLoop('i', get('m'), [
      ...list,
      set('j', i32.const(0)),
      block(ROWS_VECS),
      block(1),
      ...last,
      set('a', i32.add(get('a'), i32.mul(get('k'), 4))),
      set('c', i32.add(get('c'), get('ldb'))),
    ]),
  ]);
}

/** gemm_n and gemm_t with the tile functions they call, and gemm_rows. */
export function productFuncs(fma: boolean, tile: GemmTile): Wat[] {
  const funcs: Wat[] = [];
  for (const mode of ['n', 't'] as const) {
    for (let r = 1; r <= tile.rows; r++) funcs.push(tileFunc(r, tile.vecs, mode, tile.unroll, fma));
    funcs.push(...gemmFunc(tile.rows, tile.vecs, mode));
  }
  funcs.push(gemmRowsFunc(fma));
  return funcs;
}
