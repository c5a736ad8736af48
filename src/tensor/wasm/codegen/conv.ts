/**
 * Source of the convolution kernels (Conv2D's forward and backward passes) as WebAssembly text, a
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
 *   stride 1), dx_c = the 3×3 convolution of dz_c with w turned by 180° (winograd-wat.ts), no col2im.
 *   and when wdw ≠ 0 (the same convolutions), dw_c by winograd-wat.ts's F(3×3, 2×2), without im2col.
 *   (The 3×3 convolutions of stride 1 that the backend sends to Winograd go forward by
 *   winograd-wat.ts, not conv_forward: see winogradFits in backend.ts.)
 * The weight gradients go to one partial per chunk of `chunk` samples, each one product over the
 * chunk's rows; the caller adds the partials in chunk order. Chunks are fixed whatever the threads,
 * so the sums, and every bit, are too.
 *
 * The functions call the products of their own module (fused multiply-adds in the second module),
 * so both modules carry them, with the window and packing functions they use.
 */
import { ZERO, at, loop4 } from './wat.js';
const LOCALS = '(local $o i32) (local $end i32) (local $end4 i32)';

/** The eleven i32 window arguments after the batch (im2col's and col2im's). */
const SAMPLE_GEOMETRY = '(local.get $H) (local.get $W) (local.get $C) (local.get $kh) (local.get $kw) (local.get $sh) (local.get $sw) (local.get $pt) (local.get $pl) (local.get $OH) (local.get $OW)';
const GEOMETRY_PARAMS =
  '(param $B i32) (param $H i32) (param $W i32) (param $C i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32) (param $OH i32) (param $OW i32)';
const SIZES = `(local.set $rows (i32.mul (local.get $OH) (local.get $OW)))
    (local.set $depth (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (local.get $C)))
    (local.set $img (i32.shl (i32.mul (i32.mul (local.get $H) (local.get $W)) (local.get $C)) (i32.const 2)))
    (local.set $out (i32.shl (i32.mul (local.get $rows) (local.get $F)) (i32.const 2)))`;
const SIZE_LOCALS = '(local $s i32) (local $rows i32) (local $depth i32) (local $img i32) (local $out i32)';

/**
 * z [B, rows, F] = im2col(x) · w + bias (bias 0: none), then ReLU in place when $relu ≠ 0 (while
 * the sample's rows are still in cache); wp is w packed by pack_b; cols and tile are this thread's scratch.
 */
const convForward = `(func $conv_forward (export "conv_forward") (param $z i32) (param $x i32) (param $wp i32) (param $bias i32) (param $relu i32) (param $cols i32) (param $tile i32) (param $F i32) ${GEOMETRY_PARAMS}
    ${SIZE_LOCALS}
    ${SIZES}
    (local.set $s (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $s) (local.get $B)))
      (call $im2col (local.get $cols) (local.get $x) (i32.const 1) ${SAMPLE_GEOMETRY})
      (call $gemm_n (local.get $z) (local.get $cols) (local.get $wp) (local.get $rows) (local.get $depth) (local.get $F)
        (i32.shl (local.get $depth) (i32.const 2)) (i32.const 4) (local.get $tile))
      (if (local.get $bias) (then (call $add_bias (local.get $z) (local.get $bias) (local.get $rows) (local.get $F))))
      (if (local.get $relu) (then (call $relu (local.get $z) (local.get $z) (i32.mul (local.get $rows) (local.get $F)))))
      (local.set $x (i32.add (local.get $x) (local.get $img)))
      (local.set $z (i32.add (local.get $z) (local.get $out)))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br $next))))`;

/**
 * The backward pass over B samples, a chunk of `chunk` samples at a time (the last may be
 * shorter). Pointers of 0 are absent: mask (no ReLU gradient to apply), dwp and dbp (no weight
 * gradients), dx (no input gradient). dwp and dbp are the first of this call's chunks' partials
 * ([depth, F] and [F] each, one after another). A chunk's windows are unfolded together and its
 * dw is one product over all its rows (k = chunk·rows in gemm_t's k blocks); a product per sample,
 * summed through C, was a third slower on tutorial 002's second convolution (k = 121 a sample).
 * Scratch: cols (chunk·rows·depth floats, also dcols), dz (chunk·rows·F, when a mask is given),
 * dzp (dz packed by pack_b), tile.
 */
const convBackward = `(func $conv_backward (export "conv_backward") (param $dx i32) (param $dwp i32) (param $dbp i32) (param $dy i32) (param $mask i32) (param $x i32) (param $wpt i32) (param $ups i32) (param $wdw i32)
    (param $cols i32) (param $dz i32) (param $dzp i32) (param $tile i32) (param $F i32) (param $chunk i32) ${GEOMETRY_PARAMS}
    ${SIZE_LOCALS} ${LOCALS} (local $g i32) (local $ns i32) (local $n i32) (local $r i32) (local $row i32)
    ${SIZES}
    (local.set $s (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $s) (local.get $B)))
      ;; This chunk: $ns samples, $n rows.
      (local.set $ns (i32.sub (local.get $B) (local.get $s)))
      (if (i32.gt_u (local.get $ns) (local.get $chunk)) (then (local.set $ns (local.get $chunk))))
      (local.set $n (i32.mul (local.get $ns) (local.get $rows)))
      ;; dz: dy masked by ReLU's output into scratch, or dy itself.
      (local.set $g (local.get $dy))
      (if (local.get $mask) (then
        (local.set $g (local.get $dz))
        ${loop4(
          '(i32.mul (local.get $n) (local.get $F))',
          `(v128.store ${at('dz')} (v128.and (v128.load ${at('dy')}) (f32x4.gt (v128.load ${at('mask')}) ${ZERO})))`,
          `(f32.store ${at('dz')} (select (f32.load ${at('dy')}) (f32.const 0) (f32.gt (f32.load ${at('mask')}) (f32.const 0))))`,
        )}))
      (if (local.get $dbp) (then
        ;; db_c = Σ_rows dz, row by row.
        ${loop4('(local.get $F)', `(v128.store ${at('dbp')} ${ZERO})`, `(f32.store ${at('dbp')} (f32.const 0))`)}
        (local.set $row (local.get $g))
        (local.set $r (i32.const 0))
        (block $rdone (loop $rnext
          (br_if $rdone (i32.ge_u (local.get $r) (local.get $n)))
          ${loop4(
            '(local.get $F)',
            `(v128.store ${at('dbp')} (f32x4.add (v128.load ${at('dbp')}) (v128.load ${at('row')})))`,
            `(f32.store ${at('dbp')} (f32.add (f32.load ${at('dbp')}) (f32.load ${at('row')})))`,
          )}
          (local.set $row (i32.add (local.get $row) (i32.shl (local.get $F) (i32.const 2))))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rnext)))
        (local.set $dbp (i32.add (local.get $dbp) (i32.shl (local.get $F) (i32.const 2))))))
      (if (local.get $dwp) (then
        (if (local.get $wdw)
          (then
            ;; By Winograd (winograd-wat.ts): v and m in cols' scratch, D packed in dzp's.
            (call $winograd_dw (local.get $dwp) (local.get $x) (local.get $g) (local.get $cols) (local.get $dzp) (local.get $tile) (local.get $F) (local.get $ns) (local.get $H) (local.get $W) (local.get $C) (local.get $pt) (local.get $pl) (local.get $OH) (local.get $OW)))
          (else
            ;; dw_c = colsᵀ · dz: Aᵀ read from cols ([k = n, m = depth]), dz packed.
            (call $im2col (local.get $cols) (local.get $x) (local.get $ns) ${SAMPLE_GEOMETRY})
            (call $pack_b (local.get $dzp) (local.get $g) (local.get $n) (local.get $F) (local.get $F))
            (call $gemm_t (local.get $dwp) (local.get $cols) (local.get $dzp) (local.get $depth) (local.get $n) (local.get $F)
              (i32.const 4) (i32.shl (local.get $depth) (i32.const 2)) (local.get $tile))))
        (local.set $dwp (i32.add (local.get $dwp) (i32.shl (i32.mul (local.get $depth) (local.get $F)) (i32.const 2))))))
      (if (local.get $dx) (then
        (if (local.get $ups)
          (then
            ;; dx = dz correlated with w turned by 180°, channels and filters swapped, over dz padded by
            ;; 2 − the padding: a 3×3 convolution of stride 1 by Winograd, its v and m in cols' scratch.
            (call $conv_winograd (local.get $dx) (local.get $g) (local.get $wpt) (local.get $ups) (i32.const 0) (i32.const 0)
              (local.get $cols) (local.get $tile) (local.get $C)
              (local.get $ns) (local.get $OH) (local.get $OW) (local.get $F) (i32.sub (i32.const 2) (local.get $pt)) (i32.sub (i32.const 2) (local.get $pl)) (local.get $H) (local.get $W)))
          (else
            ;; dcols = dz · wᵀ into cols' scratch, then put back into dx.
            (call $gemm_n (local.get $cols) (local.get $g) (local.get $wpt) (local.get $n) (local.get $F) (local.get $depth)
              (i32.shl (local.get $F) (i32.const 2)) (i32.const 4) (local.get $tile))
            (call $col2im (local.get $dx) (local.get $cols) (local.get $ns) ${SAMPLE_GEOMETRY})))
        (local.set $dx (i32.add (local.get $dx) (i32.mul (local.get $img) (local.get $ns))))))
      (local.set $x (i32.add (local.get $x) (i32.mul (local.get $img) (local.get $ns))))
      (local.set $dy (i32.add (local.get $dy) (i32.mul (local.get $out) (local.get $ns))))
      (if (local.get $mask) (then (local.set $mask (i32.add (local.get $mask) (i32.mul (local.get $out) (local.get $ns))))))
      (local.set $s (i32.add (local.get $s) (local.get $ns)))
      (br $next))))`;

export function convWat(): string {
  return [convForward, convBackward].join('\n  ');
}
