/**
 * Source of the element-wise WebAssembly SIMD kernels (see gemm-wat.ts for the products). Each walks
 * its arrays four f32 at a time and finishes the last n % 4 one by one. Pointers are byte offsets;
 * sizes are element counts. They compute what the reference kernels of the same names compute.
 */

/**
 * A loop over byte offset $o from 0 to 4·count: `vec(o)` for each whole f32x4, then `one(o)` per
 * remaining element. Uses locals $o, $end and $end4.
 */
export function loop4(count: string, vec: string, one: string): string {
  return `(local.set $end (i32.shl ${count} (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $o (i32.const 0))
    (block $vdone (loop $vnext
      (br_if $vdone (i32.ge_u (local.get $o) (local.get $end4)))
      ${vec}
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $vnext)))
    (block $sdone (loop $snext
      (br_if $sdone (i32.ge_u (local.get $o) (local.get $end)))
      ${one}
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $snext)))`;
}

export const at = (p: string): string => `(i32.add (local.get $${p}) (local.get $o))`;
export const LOCALS = '(local $o i32) (local $end i32) (local $end4 i32)';
export const ZERO = '(v128.const f32x4 0 0 0 0)';

/**
 * out = max(x, 0), and NaN stays NaN as in TensorFlow and the reference (turning it into 0 would hide
 * a diverged model behind plausible outputs). pmax(x, 0) = x < 0 ? 0 : x keeps NaN and is one
 * instruction (wasm's NaN-propagating max is several on x64); adding +0 then turns its −0 into +0.
 */
export const relu = `(func $relu (export "relu") (param $out i32) (param $x i32) (param $n i32) ${LOCALS}
    ${loop4(
      '(local.get $n)',
      `(v128.store ${at('out')} (f32x4.add (f32x4.pmax (v128.load ${at('x')}) ${ZERO}) ${ZERO}))`,
      `(f32.store ${at('out')} (f32.max (f32.load ${at('x')}) (f32.const 0)))`,
    )})`;

/** out = a ⊙ b (dropout's mask, forward and backward). */
const mul = `(func $mul (export "mul") (param $out i32) (param $a i32) (param $b i32) (param $n i32) ${LOCALS}
    ${loop4(
      '(local.get $n)',
      `(v128.store ${at('out')} (f32x4.mul (v128.load ${at('a')}) (v128.load ${at('b')})))`,
      `(f32.store ${at('out')} (f32.mul (f32.load ${at('a')}) (f32.load ${at('b')})))`,
    )})`;

/** dx = dy where y > 0, else 0. */
const reluBackward = `(func $relu_backward (export "relu_backward") (param $dx i32) (param $dy i32) (param $y i32) (param $n i32) ${LOCALS}
    ${loop4(
      '(local.get $n)',
      `(v128.store ${at('dx')} (v128.and (v128.load ${at('dy')}) (f32x4.gt (v128.load ${at('y')}) ${ZERO})))`,
      `(f32.store ${at('dx')} (select (f32.load ${at('dy')}) (f32.const 0) (f32.gt (f32.load ${at('y')}) (f32.const 0))))`,
    )})`;

/**
 * For each of $rows rows of the matrix at $ptr ([rows, cols]): out[c] = out[c] + row[c] over the
 * row's cols, then $ptr moves to the next row. `dst` and `src` name the pointers of out and row.
 */
function eachRow(ptr: string, dst: string, src: string, stride = '(local.get $cols)'): string {
  return `(local.set $r (i32.const 0))
    (block $rdone (loop $rnext
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
      ${loop4(
        '(local.get $cols)',
        `(v128.store ${at(dst)} (f32x4.add (v128.load ${at(dst)}) (v128.load ${at(src)})))`,
        `(f32.store ${at(dst)} (f32.add (f32.load ${at(dst)}) (f32.load ${at(src)})))`,
      )}
      (local.set $${ptr} (i32.add (local.get $${ptr}) (i32.shl ${stride} (i32.const 2))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rnext)))`;
}

/** y[r,c] += bias[c] over rows of y [rows, cols]. */
export const addBias = `(func $add_bias (export "add_bias") (param $y i32) (param $bias i32) (param $rows i32) (param $cols i32) ${LOCALS} (local $r i32)
    ${eachRow('y', 'y', 'bias')})`;

/**
 * out[c] = Σ_r x[r,c] over cols columns of x, rows ld floats apart (ld > cols: a thread summing
 * some of the columns; each column still sums its rows in order).
 */
const colSum = `(func $col_sum (export "col_sum") (param $out i32) (param $x i32) (param $rows i32) (param $cols i32) (param $ld i32) ${LOCALS} (local $r i32)
    ${loop4('(local.get $cols)', `(v128.store ${at('out')} ${ZERO})`, `(f32.store ${at('out')} (f32.const 0))`)}
    ${eachRow('x', 'out', 'x', '(local.get $ld)')})`;

/**
 * One Adam step over n weights: m += (g − m)·c1; v += (g² − v)·c2; w −= α·m / (√v + ε), with
 * c1 = 1 − β1, c2 = 1 − β2 and α the bias-corrected learning rate. m and v are flushed to zero below
 * f32's least normal number, 2⁻¹²⁶ (NaN stays), as the reference does (leastNormal in ../kernels.ts):
 * measured here, 1% of m subnormal made the step 2.5× slower (182 µs against 71 for 100,352 weights).
 */
function adamStep(vec: boolean): string {
  const [T, ld, st, splat] = vec ? ['f32x4', 'v128.load', 'v128.store', (x: string) => `(f32x4.splat (local.get $${x}))`] : ['f32', 'f32.load', 'f32.store', (x: string) => `(local.get $${x})`];
  const [g, m, v] = vec ? ['$gv', '$mv', '$vv'] : ['$gs', '$ms', '$vs'];
  const flush = (x: string): string =>
    vec
      ? `(local.set ${x} (v128.andnot (local.get ${x}) (f32x4.lt (f32x4.abs (local.get ${x})) (v128.const f32x4 0x1p-126 0x1p-126 0x1p-126 0x1p-126))))`
      : `(local.set ${x} (select (f32.const 0) (local.get ${x}) (f32.lt (f32.abs (local.get ${x})) (f32.const 0x1p-126))))`;
  return `(local.set ${g} (${ld} ${at('g')}))
      (local.set ${m} (${T}.add (${ld} ${at('m')}) (${T}.mul (${T}.sub (local.get ${g}) (${ld} ${at('m')})) ${splat('c1')})))
      (local.set ${v} (${T}.add (${ld} ${at('v')}) (${T}.mul (${T}.sub (${T}.mul (local.get ${g}) (local.get ${g})) (${ld} ${at('v')})) ${splat('c2')})))
      ${flush(m)}
      ${flush(v)}
      (${st} ${at('m')} (local.get ${m}))
      (${st} ${at('v')} (local.get ${v}))
      (${st} ${at('w')} (${T}.sub (${ld} ${at('w')}) (${T}.div (${T}.mul ${splat('alpha')} (local.get ${m})) (${T}.add (${T}.sqrt (local.get ${v})) ${splat('eps')}))))`;
}
const adam = `(func $adam (export "adam") (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $alpha f32) (param $c1 f32) (param $c2 f32) (param $eps f32) ${LOCALS}
    (local $gv v128) (local $mv v128) (local $vv v128) (local $gs f32) (local $ms f32) (local $vs f32)
    ${loop4('(local.get $n)', adamStep(true), adamStep(false))})`;

/**
 * out[i] = value where the i-th draw of xoshiro128** from the four words at $state is below
 * $threshold (p·2³², as f64: `draw / 2³² < p` exactly), else 0, for i < n; the words are left n draws
 * on. The reference's loop (Rng's generator) in 32-bit integers: a dropout mask of tutorial 002 is
 * 204,800 draws, 3 ms a step in JS (15 ns a draw), which no other thread can share (each draw
 * needs the one before); 0.6–0.9 ms here. The value is chosen as i32 bits: a select of f32 compiles
 * to a branch in V8, which random draws mispredict half the time (2.3 ms).
 */
const bernoulli = `(func $bernoulli (export "bernoulli") (param $out i32) (param $n i32) (param $state i32) (param $threshold f64) (param $value f32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $r i32) (local $t i32) (local $end i32) (local $bits i32)
    (local.set $bits (i32.reinterpret_f32 (local.get $value)))
    (local.set $s0 (i32.load offset=0 (local.get $state)))
    (local.set $s1 (i32.load offset=4 (local.get $state)))
    (local.set $s2 (i32.load offset=8 (local.get $state)))
    (local.set $s3 (i32.load offset=12 (local.get $state)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
      (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
      (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
      (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
      (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
      (i32.store (local.get $out) (select (local.get $bits) (i32.const 0) (f64.lt (f64.convert_i32_u (local.get $r)) (local.get $threshold))))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $next)))
    (i32.store offset=0 (local.get $state) (local.get $s0))
    (i32.store offset=4 (local.get $state) (local.get $s1))
    (i32.store offset=8 (local.get $state) (local.get $s2))
    (i32.store offset=12 (local.get $state) (local.get $s3)))`;

export function elementwiseWat(): string {
  return [relu, reluBackward, mul, addBias, colSum, adam, bernoulli].join('\n  ');
}

/**
 * The window kernels over NHWC images (see WindowGeometry in ../kernels.ts). Each walks output
 * positions (b, oh, ow) and the window positions (ih, iw) inside the image, and moves the C
 * channels of a position as one contiguous run.
 */
const GEOMETRY = '(param $B i32) (param $H i32) (param $W i32) (param $C i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32) (param $OH i32) (param $OW i32)';
const WINDOW_LOCALS = '(local $b i32) (local $oh i32) (local $ow i32) (local $i i32) (local $j i32) (local $ih i32) (local $iw i32) (local $src i32) (local $run i32)';

/** `for ($v = 0; $v < n; $v += step) body`, with labels named after $v. */
export function loop(v: string, n: string, body: string, step = '(i32.const 1)'): string {
  return `(local.set $${v} (i32.const 0))
    (block $${v}_done (loop $${v}_next
      (br_if $${v}_done (i32.ge_u (local.get $${v}) ${n}))
      ${body}
      (local.set $${v} (i32.add (local.get $${v}) ${step}))
      (br $${v}_next)))`;
}

/** Loops over b, oh, ow, i, j; `inside` runs where (ih, iw) is in the image with $src its byte offset in x, `outside` elsewhere, `after` once per window position. */
function windows(inside: string, outside: string, after: string): string {
  const position = `(local.set $iw (i32.sub (i32.add (i32.mul (local.get $ow) (local.get $sw)) (local.get $j)) (local.get $pl)))
      ;; unsigned compares also reject negative rows and columns (the padding above and left)
      (if (i32.and (i32.lt_u (local.get $ih) (local.get $H)) (i32.lt_u (local.get $iw) (local.get $W)))
        (then
          (local.set $src (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $ih)) (local.get $W)) (local.get $iw)) (local.get $C)) (i32.const 2)))
          ${inside})
        (else ${outside}))
      ${after}`;
  const rowOfWindow = `(local.set $ih (i32.sub (i32.add (i32.mul (local.get $oh) (local.get $sh)) (local.get $i)) (local.get $pt)))
      ${loop('j', '(local.get $kw)', position)}`;
  return `(local.set $run (i32.shl (local.get $C) (i32.const 2)))
    ${loop('b', '(local.get $B)', loop('oh', '(local.get $OH)', loop('ow', '(local.get $OW)', loop('i', '(local.get $kh)', rowOfWindow))))}`;
}

/**
 * Copies $n bytes (a multiple of 4) from $from to $to: v128 by v128, then one i64 and one f32 for
 * the last 4 to 12 bytes. Runs here are a window row's kw·C floats, often a few dozen bytes or fewer
 * (12 for one channel, 3 wide), where memory.copy's call costs more than the copy (a 1-channel 3×3
 * im2col took 9 ms a batch with it), and so does a loop over the last floats one by one.
 */
const copyRun = `(local.set $o (i32.const 0))
      (local.set $end4 (i32.and (local.get $n) (i32.const -16)))
      (block $cdone (loop $cnext
        (br_if $cdone (i32.ge_u (local.get $o) (local.get $end4)))
        (v128.store (i32.add (local.get $to) (local.get $o)) (v128.load (i32.add (local.get $from) (local.get $o))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $cnext)))
      (if (i32.and (local.get $n) (i32.const 8)) (then
        (i64.store (i32.add (local.get $to) (local.get $o)) (i64.load (i32.add (local.get $from) (local.get $o))))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))))
      (if (i32.and (local.get $n) (i32.const 4)) (then
        (f32.store (i32.add (local.get $to) (local.get $o)) (f32.load (i32.add (local.get $from) (local.get $o))))))`;

/**
 * cols, one window row i at a time across an output row (b, oh): the image row it reads (ih) and
 * its check are the same for every ow, and a window row that lies wholly inside the image is kw·C
 * contiguous floats of x (whatever the strides), copied as one run; a row that crosses the padding
 * goes position by position (C channels copied, or zeros), and a row above or below the image is
 * zeros. cols row r = (b·OH + oh)·OW + ow holds window row i at bytes i·kw·C·4 on ($seg).
 */
const im2col = `(func $im2col (export "im2col") (param $cols i32) (param $x i32) ${GEOMETRY} ${WINDOW_LOCALS}
    (local $o i32) (local $end4 i32) (local $n i32) (local $from i32) (local $to i32) (local $iw0 i32) (local $rowRun i32)
    (local $rowBytes i32) (local $xrow i32) (local $outRow i32) (local $inside i32) (local $seg i32)
    (local.set $run (i32.shl (local.get $C) (i32.const 2)))
    (local.set $rowRun (i32.mul (local.get $run) (local.get $kw)))
    (local.set $rowBytes (i32.mul (local.get $rowRun) (local.get $kh)))
    ${loop(
      'b',
      '(local.get $B)',
      loop(
        'oh',
        '(local.get $OH)',
        `(local.set $outRow (i32.add (local.get $cols) (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $OH)) (local.get $oh)) (local.get $OW)) (local.get $rowBytes))))
      ${loop(
        'i',
        '(local.get $kh)',
        `(local.set $ih (i32.sub (i32.add (i32.mul (local.get $oh) (local.get $sh)) (local.get $i)) (local.get $pt)))
      (local.set $xrow (i32.add (local.get $x) (i32.shl (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $ih)) (local.get $W)) (local.get $C)) (i32.const 2))))
      ;; unsigned compares also reject negative rows and columns (the padding above and left)
      (local.set $inside (i32.lt_u (local.get $ih) (local.get $H)))
      (local.set $seg (i32.add (local.get $outRow) (i32.mul (local.get $i) (local.get $rowRun))))
      (local.set $iw0 (i32.sub (i32.const 0) (local.get $pl)))
      ${loop(
        'ow',
        '(local.get $OW)',
        `(if (i32.eqz (local.get $inside))
        (then (memory.fill (local.get $seg) (i32.const 0) (local.get $rowRun)))
        (else (if (i32.and (i32.ge_s (local.get $iw0) (i32.const 0)) (i32.le_s (i32.add (local.get $iw0) (local.get $kw)) (local.get $W)))
          (then
            (local.set $from (i32.add (local.get $xrow) (i32.mul (local.get $iw0) (local.get $run))))
            (local.set $to (local.get $seg))
            (local.set $n (local.get $rowRun))
            ${copyRun})
          (else
            ${loop(
              'j',
              '(local.get $kw)',
              `(local.set $iw (i32.add (local.get $iw0) (local.get $j)))
            (local.set $to (i32.add (local.get $seg) (i32.mul (local.get $j) (local.get $run))))
            (if (i32.lt_u (local.get $iw) (local.get $W))
              (then
                (local.set $from (i32.add (local.get $xrow) (i32.mul (local.get $iw) (local.get $run))))
                (local.set $n (local.get $run))
                ${copyRun})
              (else (memory.fill (local.get $to) (i32.const 0) (local.get $run))))`,
            )}))))
      (local.set $seg (i32.add (local.get $seg) (local.get $rowBytes)))
      (local.set $iw0 (i32.add (local.get $iw0) (local.get $sw)))`,
      )}`,
      )}`,
      ),
    )})`;

/** dx = 0, then each row of dcols added back at the positions it was copied from. */
const col2im = `(func $col2im (export "col2im") (param $dx i32) (param $dcols i32) ${GEOMETRY} ${WINDOW_LOCALS} ${LOCALS} (local $to i32)
    (memory.fill (local.get $dx) (i32.const 0) (i32.shl (i32.mul (i32.mul (i32.mul (local.get $B) (local.get $H)) (local.get $W)) (local.get $C)) (i32.const 2)))
    ${windows(
      `(local.set $to (i32.add (local.get $dx) (local.get $src)))
          ${loop4(
            '(local.get $C)',
            `(v128.store ${at('to')} (f32x4.add (v128.load ${at('to')}) (v128.load ${at('dcols')})))`,
            `(f32.store ${at('to')} (f32.add (f32.load ${at('to')}) (f32.load ${at('dcols')})))`,
          )}`,
      '(nop)',
      '(local.set $dcols (i32.add (local.get $dcols) (local.get $run)))',
    )})`;

/**
 * Max over each window per channel, with the flat index in x of each maximum plus $first; the first
 * position of a window in the image seeds it. Vectors of four channels: a lane takes a new value (and
 * its index) where the value is greater, which keeps the first of equal maxima as the reference does.
 * A thread given the samples from s on passes x and y from sample s and $first = s·H·W·C, so that
 * the indices stay those of the whole batch.
 */
const maxPool = `(func $max_pool (export "max_pool") (param $y i32) (param $arg i32) (param $x i32) (param $first i32) ${GEOMETRY} ${WINDOW_LOCALS} ${LOCALS}
    (local $seeded i32) (local $gt v128) (local $v v128) (local $base i32) (local $sv f32)
    (local.set $run (i32.shl (local.get $C) (i32.const 2)))
    ${(() => {
      // For one window position in the image: seed or update the C maxima at $y / $arg.
      const flat = (o: string) => `(i32.add (i32.add (i32.shr_u (local.get $src) (i32.const 2)) (i32.shr_u ${o} (i32.const 2))) (local.get $first))`;
      const idx = (o: string) => `(i32x4.add (i32x4.splat ${flat(o)}) (v128.const i32x4 0 1 2 3))`;
      const seed = loop4(
        '(local.get $C)',
        `(v128.store ${at('y')} (v128.load (i32.add (i32.add (local.get $x) (local.get $src)) (local.get $o))))
            (v128.store ${at('arg')} ${idx('(local.get $o)')})`,
        `(f32.store ${at('y')} (f32.load (i32.add (i32.add (local.get $x) (local.get $src)) (local.get $o))))
            (i32.store ${at('arg')} ${flat('(local.get $o)')})`,
      );
      const update = loop4(
        '(local.get $C)',
        `(local.set $v (v128.load (i32.add (i32.add (local.get $x) (local.get $src)) (local.get $o))))
            (local.set $gt (f32x4.gt (local.get $v) (v128.load ${at('y')})))
            (v128.store ${at('y')} (v128.bitselect (local.get $v) (v128.load ${at('y')}) (local.get $gt)))
            (v128.store ${at('arg')} (v128.bitselect ${idx('(local.get $o)')} (v128.load ${at('arg')}) (local.get $gt)))`,
        `(local.set $sv (f32.load (i32.add (i32.add (local.get $x) (local.get $src)) (local.get $o))))
            (if (f32.gt (local.get $sv) (f32.load ${at('y')})) (then
              (f32.store ${at('y')} (local.get $sv))
              (i32.store ${at('arg')} ${flat('(local.get $o)')})))`,
      );
      const position = `(local.set $iw (i32.sub (i32.add (i32.mul (local.get $ow) (local.get $sw)) (local.get $j)) (local.get $pl)))
      (if (i32.and (i32.lt_u (local.get $ih) (local.get $H)) (i32.lt_u (local.get $iw) (local.get $W)))
        (then
          (local.set $src (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $ih)) (local.get $W)) (local.get $iw)) (local.get $C)) (i32.const 2)))
          (if (local.get $seeded) (then ${update}) (else ${seed} (local.set $seeded (i32.const 1))))))`;
      const window = `(local.set $seeded (i32.const 0))
      ${loop('i', '(local.get $kh)', `(local.set $ih (i32.sub (i32.add (i32.mul (local.get $oh) (local.get $sh)) (local.get $i)) (local.get $pt)))
      ${loop('j', '(local.get $kw)', position)}`)}
      (local.set $y (i32.add (local.get $y) (local.get $run)))
      (local.set $arg (i32.add (local.get $arg) (local.get $run)))`;
      return loop('b', '(local.get $B)', loop('oh', '(local.get $OH)', loop('ow', '(local.get $OW)', window)));
    })()})`;

/**
 * dx[x0 … x0+nx) = 0, then dx[arg[o]] += dy[o] over the n outputs at dy and arg. A thread given
 * some samples passes the whole batch's dx, its samples' range of it and their outputs (their
 * maxima lie in their own images).
 */
const maxPoolBackward = `(func $max_pool_backward (export "max_pool_backward") (param $dx i32) (param $dy i32) (param $arg i32) (param $x0 i32) (param $nx i32) (param $n i32) (local $o i32) (local $to i32)
    (memory.fill (i32.add (local.get $dx) (i32.shl (local.get $x0) (i32.const 2))) (i32.const 0) (i32.shl (local.get $nx) (i32.const 2)))
    (local.set $o (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $to (i32.add (local.get $dx) (i32.shl (i32.load (i32.add (local.get $arg) (local.get $o))) (i32.const 2))))
      (f32.store (local.get $to) (f32.add (f32.load (local.get $to)) (f32.load (i32.add (local.get $dy) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))`;

export function windowWat(): string {
  return [im2col, col2im, maxPool, maxPoolBackward].join('\n  ');
}
