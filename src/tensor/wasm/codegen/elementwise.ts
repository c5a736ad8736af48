/**
 * Generates the element-wise WebAssembly SIMD kernels (gemm.ts has the products, window.ts the
 * window kernels). Each walks its arrays four f32 at a time and finishes the last n % 4 one by one
 * (`loop4`). Pointers are byte offsets; sizes are element counts. They compute what the reference
 * kernels of the same names (../../kernels.ts) compute.
 *
 *   relu(out, x, n)                          mul(out, a, b, n)
 *   relu_backward(dx, dy, y, n)              add_bias(y, bias, rows, cols)     y [rows, cols], bias [cols]
 *   col_sum(out, x, rows, cols, ld)          adam(w, g, m, v, n, alpha, c1, c2, eps)
 *   bernoulli(out, n, state, threshold, value)
 */
import {
  LOOP4_LOCALS,
  ZERO,
  at,
  f32,
  f32x4,
  f64,
  forLoop,
  func,
  get,
  i32,
  loop4,
  names,
  select,
  set,
  until,
  v128,
  type Body,
  type Wat,
} from './wat.js';

/**
 * out = max(x, 0), and NaN stays NaN as in TensorFlow and the reference (turning it into 0 would hide
 * a diverged model behind plausible outputs). pmax(x, 0) = x < 0 ? 0 : x keeps NaN and is one
 * instruction (wasm's NaN-propagating max is several on x64); adding +0 then turns its −0 into +0.
 */
export const relu = func('relu', { exported: true, params: names('i32', 'out', 'x', 'n'), locals: LOOP4_LOCALS }, [
  loop4(
    get('n'),
    v128.store(at('out'), f32x4.add(f32x4.pmax(v128.load(at('x')), ZERO), ZERO)),
    f32.store(at('out'), f32.max(f32.load(at('x')), 0)),
  ),
]);

/** out = a ⊙ b (dropout's mask, forward and backward). */
const mul = func('mul', { exported: true, params: names('i32', 'out', 'a', 'b', 'n'), locals: LOOP4_LOCALS }, [
  loop4(
    get('n'),
    v128.store(at('out'), f32x4.mul(v128.load(at('a')), v128.load(at('b')))),
    f32.store(at('out'), f32.mul(f32.load(at('a')), f32.load(at('b')))),
  ),
]);

/** dx = dy where y > 0, else 0. */
const reluBackward = func(
  'relu_backward',
  { exported: true, params: names('i32', 'dx', 'dy', 'y', 'n'), locals: LOOP4_LOCALS },
  [
    loop4(
      get('n'),
      v128.store(at('dx'), v128.and(v128.load(at('dy')), f32x4.gt(v128.load(at('y')), ZERO))),
      f32.store(at('dx'), select(f32.load(at('dy')), f32.const(0), f32.gt(f32.load(at('y')), 0))),
    ),
  ],
);

/**
 * For each of $rows rows of the matrix at $ptr ([rows, cols], rows `stride` floats apart):
 * out[c] = out[c] + row[c] over the row's cols, then $ptr moves to the next row. `dst` and `src`
 * name the pointers of out and row.
 */
function eachRow(ptr: string, dst: string, src: string, stride: Wat = get('cols')): Wat {
  return forLoop('r', get('rows'), [
    loop4(
      get('cols'),
      v128.store(at(dst), f32x4.add(v128.load(at(dst)), v128.load(at(src)))),
      f32.store(at(dst), f32.add(f32.load(at(dst)), f32.load(at(src)))),
    ),
    set(ptr, i32.add(get(ptr), i32.shl(stride, 2))),
  ]);
}

/** y[r,c] += bias[c] over rows of y [rows, cols]. */
export const addBias = func(
  'add_bias',
  { exported: true, params: names('i32', 'y', 'bias', 'rows', 'cols'), locals: { ...LOOP4_LOCALS, r: 'i32' } },
  [eachRow('y', 'y', 'bias')],
);

/**
 * out[c] = Σ_r x[r,c] over cols columns of x, rows ld floats apart (ld > cols: a thread summing
 * some of the columns; each column still sums its rows in order).
 */
const colSum = func(
  'col_sum',
  { exported: true, params: names('i32', 'out', 'x', 'rows', 'cols', 'ld'), locals: { ...LOOP4_LOCALS, r: 'i32' } },
  [
    loop4(get('cols'), v128.store(at('out'), ZERO), f32.store(at('out'), f32.const(0))),
    eachRow('x', 'out', 'x', get('ld')),
  ],
);

/**
 * One Adam step over n weights: m += (g − m)·c1; v += (g² − v)·c2; w −= α·m / (√v + ε), with
 * c1 = 1 − β1, c2 = 1 − β2 and α the bias-corrected learning rate. m and v are flushed to zero below
 * f32's least normal number, 2⁻¹²⁶ (NaN stays), as the reference does (leastNormal in
 * ../../kernels.ts): subnormal m or v would make the step several times slower.
 */
function adamStep(vec: boolean): Body {
  const T = vec ? f32x4 : f32;
  const ld = vec ? v128.load : f32.load;
  const st = vec ? v128.store : f32.store;
  const splat = (x: string): Wat => (vec ? f32x4.splat(get(x)) : get(x));
  const [g, m, v] = vec ? ['gv', 'mv', 'vv'] : ['gs', 'ms', 'vs'];
  const flush = (x: string): Wat =>
    vec
      ? set(x, v128.andnot(get(x), f32x4.lt(f32x4.abs(get(x)), v128.const('f32x4', '0x1p-126'))))
      : set(x, select(f32.const(0), get(x), f32.lt(f32.abs(get(x)), f32.const('0x1p-126'))));
  return [
    set(g, ld(at('g'))),
    set(m, T.add(ld(at('m')), T.mul(T.sub(get(g), ld(at('m'))), splat('c1')))),
    set(v, T.add(ld(at('v')), T.mul(T.sub(T.mul(get(g), get(g)), ld(at('v'))), splat('c2')))),
    flush(m),
    flush(v),
    st(at('m'), get(m)),
    st(at('v'), get(v)),
    st(at('w'), T.sub(ld(at('w')), T.div(T.mul(splat('alpha'), get(m)), T.add(T.sqrt(get(v)), splat('eps'))))),
  ];
}
const adam = func(
  'adam',
  {
    exported: true,
    params: { ...names('i32', 'w', 'g', 'm', 'v', 'n'), ...names('f32', 'alpha', 'c1', 'c2', 'eps') },
    locals: { ...LOOP4_LOCALS, ...names('v128', 'gv', 'mv', 'vv'), ...names('f32', 'gs', 'ms', 'vs') },
  },
  [loop4(get('n'), adamStep(true), adamStep(false))],
);

/**
 * out[i] = value where the i-th draw of xoshiro128** from the four words at $state is below
 * $threshold (p·2³², as f64: `draw / 2³² < p` exactly), else 0, for i < n; the words are left n draws
 * on. The reference's loop (Rng's generator) in 32-bit integers, on one thread: each draw needs the
 * one before. The value is chosen as i32 bits: a select of f32 compiles to a branch in V8, which
 * random draws mispredict half the time.
 */
const bernoulli = (() => {
  const xor = (a: string, b: string): Wat => set(a, i32.xor(get(a), get(b)));
  const words = ['s0', 's1', 's2', 's3'];
  return func(
    'bernoulli',
    {
      exported: true,
      params: { ...names('i32', 'out', 'n', 'state'), threshold: 'f64', value: 'f32' },
      locals: names('i32', ...words, 'r', 't', 'end', 'bits'),
    },
    [
      set('bits', i32.reinterpret_f32(get('value'))),
      ...words.map((s, k) => set(s, i32.load(get('state'), { offset: 4 * k }))),
      set('end', i32.add(get('out'), i32.shl(get('n'), 2))),
      until('draw', i32.ge_u(get('out'), get('end')), [
        set('r', i32.mul(i32.rotl(i32.mul(get('s1'), 5), 7), 9)),
        set('t', i32.shl(get('s1'), 9)),
        xor('s2', 's0'),
        xor('s3', 's1'),
        xor('s1', 's2'),
        xor('s0', 's3'),
        xor('s2', 't'),
        set('s3', i32.rotl(get('s3'), 11)),
        i32.store(get('out'), select(get('bits'), i32.const(0), f64.lt(f64.convert_i32_u(get('r')), get('threshold')))),
        set('out', i32.add(get('out'), 4)),
      ]),
      ...words.map((s, k) => i32.store(get('state'), get(s), { offset: 4 * k })),
    ],
  );
})();

export function elementwiseWat(): Wat[] {
  return [relu, reluBackward, mul, addBias, colSum, adam, bernoulli];
}
