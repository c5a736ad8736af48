/**
 * The convolution's entries (conv2d, conv2dBackward) and their routes: a 3×3 convolution of stride 1
 * by Winograd's F(2×2, 3×3) where it fits (winogradFits), else by the windows (conv_forward,
 * conv_backward), split by samples or by chunks of CONV_CHUNK samples; where neither fits (too few
 * samples for the threads, no room in the memory, arrays outside it), by the products over the whole
 * batch (conv2dByProducts: the same sums in the same order, so the same bits).
 */
import {
  conv2dBackwardByProducts,
  conv2dByProducts,
  type FloatArray,
  type Kernels,
  type WindowGeometry,
} from '../../kernels.js';
import { winogradDwBytes, winogradForwardBytes, winogradKernelsSize } from '../abi.js';
import { here, type WasmRuntime } from '../runtime.js';
import { NO_FLOATS } from '../scheduler.js';
import { areas, vecBytes } from '../staging.js';
import { CONV_CHUNK, WINOGRAD_MIN_CHANNELS } from '../tuning.js';
import { colSums } from './channels.js';
import { R, W, pack } from './products.js';
import { geometryArgs, perSample } from './windows.js';

/** Kernels.conv2dBackward's arguments, its arrays in this backend's memory. */
type ConvBackwardArgs = [
  dx: Float32Array | null,
  dw: Float32Array | null,
  db: Float32Array | null,
  dy: Float32Array,
  mask: Float32Array | null,
  x: Float32Array,
  w: Float32Array,
  g: WindowGeometry,
  f: number,
];

/**
 * Whether a convolution of f filters goes by Winograd: 3×3 windows, stride 1, channels and filters
 * in fours, paddings of 0 to 2 (its dx's are 2 − the padding); enough tiles in the call; and outputs
 * that fill their tiles well enough that 16 multiply-adds a tile are at most ¾ of the windows' 9 an
 * output (not 1×1 or 3×3 outputs, say). So a batch below the tiles goes the windows' way, whose sums
 * round differently in the last bits.
 */
const winogradFits = (g: WindowGeometry, f: number, minTiles: number): boolean =>
  g.kh === 3 &&
  g.kw === 3 &&
  g.sh === 1 &&
  g.sw === 1 &&
  g.channels % 4 === 0 &&
  f % 4 === 0 &&
  g.channels >= WINOGRAD_MIN_CHANNELS &&
  g.padTop >= 0 &&
  g.padTop <= 2 &&
  g.padLeft >= 0 &&
  g.padLeft <= 2 &&
  g.batch * winogradTiles(g) >= minTiles &&
  16 * winogradTiles(g) * 4 <= 3 * 9 * g.outH * g.outW;
/** Winograd's tiles of a sample: 2×2 outputs each. */
const winogradTiles = (g: WindowGeometry): number => Math.ceil(g.outH / 2) * Math.ceil(g.outW / 2);
/** Bytes of a sample's v [16, tiles, C], m [16, tiles, f] and the sample zero-padded (winograd-wat.ts). */
const winogradBytes = (g: WindowGeometry, f: number): number =>
  winogradForwardBytes(Math.ceil(g.outH / 2), Math.ceil(g.outW / 2), g.channels, f);
/**
 * For a 3×3 convolution of stride 1, its dx as a convolution: of dz [B, outH, outW, f] padded by
 * 2 − the padding, whose f channels give C outputs [B, H, W, C] (by w turned by 180°).
 */
const dxGeometry = (g: WindowGeometry, f: number): WindowGeometry => ({
  ...g,
  height: g.outH,
  width: g.outW,
  channels: f,
  padTop: 2 - g.padTop,
  padLeft: 2 - g.padLeft,
  outH: g.height,
  outW: g.width,
});

/**
 * The convolution's forward pass: by Winograd where winogradFits, else by conv-wat.ts, split by
 * samples; scratch: w packed, then each part's area (a sample's windows and a tile). Returns
 * false, having done nothing, when the memory has no room for it, or when (not by Winograd) there
 * are fewer samples than threads: the products over the whole batch then split by rows instead.
 */
function convolve(
  rt: WasmRuntime,
  z: Float32Array,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  g: WindowGeometry,
  f: number,
  relu: boolean,
): boolean {
  if (winogradFits(g, f, rt.winogradMinTiles)) {
    return winograd(rt, z.byteOffset, x.byteOffset, w, false, b?.byteOffset ?? 0, relu, g, f);
  }
  const { scheduler } = rt;
  const rows = g.outH * g.outW;
  const depth = g.kh * g.kw * g.channels;
  const { img } = perSample(g);
  const work = g.batch * rows * depth * f;
  const parts = scheduler.partsFor(g.batch, work);
  if (parts < scheduler.partsFor(Infinity, work)) return false;
  const packBytes = Math.ceil(f / W) * W * depth * 4;
  const area = vecBytes(rows * depth) + R * W * 4;
  const room = areas(rt.heap, packBytes, area, parts);
  if (!room) return false;
  const { base } = room;
  pack(rt, 'nn', base, w.byteOffset, depth, f);
  const perThread = { bytes: area, areas: room.parts, args: [5, 6] };
  const cols = base + packBytes;
  const args = (s0: number, n: number): number[] => [
    z.byteOffset + 4 * rows * f * s0,
    x.byteOffset + 4 * img * s0,
    base,
    b?.byteOffset ?? 0,
    relu ? 1 : 0,
    cols,
    cols + vecBytes(rows * depth),
    f,
    ...geometryArgs({ ...g, batch: n }),
  ];
  scheduler.split(rt.productOp('conv_forward'), g.batch, work, args, 1, NO_FLOATS, perThread);
  return true;
}

/**
 * A 3×3 convolution of stride 1 by Winograd's F(2×2, 3×3) (winograd-wat.ts) between pointers:
 * out [B, outH, outW, f] from inp [B, H, W, C] (g), with the kernels of w, or (turned, for a
 * convolution's dx) of w [3, 3, f, C] turned by 180° with its channels and filters swapped; bias 0:
 * none. Split by samples, for any batch: a sample's sums are the same on whichever thread, so the
 * bits are the same on any number of threads. Scratch: the kernels' transforms, then each part's
 * area (a sample's v and m, a tile). Returns false, having done nothing, when the memory has no room.
 */
function winograd(
  rt: WasmRuntime,
  out: number,
  inp: number,
  w: Float32Array,
  turned: boolean,
  bias: number,
  relu: boolean,
  g: WindowGeometry,
  f: number,
): boolean {
  const C = g.channels;
  const upFloats = winogradKernelsSize(C, f);
  const work = g.batch * winogradTiles(g) * 16 * C * f;
  const area = winogradBytes(g, f) + R * W * 4;
  const room = areas(rt.heap, vecBytes(upFloats), area, rt.scheduler.partsFor(g.batch, work));
  if (!room) return false;
  const { base } = room;
  rt.wasm.wino_kernels(base, w.byteOffset, C, f, turned ? 1 : 0);
  const perThread = { bytes: area, areas: room.parts, args: [6, 7] };
  const v = base + vecBytes(upFloats);
  const args = (s0: number, n: number): number[] => [
    out + 4 * g.outH * g.outW * f * s0,
    inp + 4 * g.height * g.width * C * s0,
    base,
    (upFloats / 16) * 4,
    bias,
    relu ? 1 : 0,
    v,
    v + winogradBytes(g, f),
    f,
    n,
    g.height,
    g.width,
    C,
    g.padTop,
    g.padLeft,
    g.outH,
    g.outW,
  ];
  rt.scheduler.split(rt.productOp('conv_winograd'), g.batch, work, args, 1, NO_FLOATS, perThread);
  return true;
}

/**
 * The convolution's backward pass (conv-wat.ts), split by chunks of CONV_CHUNK samples, then the
 * chunks' partial weight gradients summed in chunk order. Scratch: wᵀ packed or its Winograd
 * transforms (for dx), the partials of dw and db, then each part's area (a chunk's windows or
 * Winograd's tiles, its dz and dz packed, a tile). Returns false, having done nothing, when the
 * memory has no room for it.
 *
 * One chunk is all there is, on several threads: dx goes by Winograd split by samples, or by the
 * products over the batch split by rows; dw and db by the chunk's kernel on this thread where dw
 * goes by Winograd, else by those products. Each way gives the sums of one thread's
 * conv_backward, in the same order, so the same bits.
 */
function convolveBackward(rt: WasmRuntime, ...args: ConvBackwardArgs): boolean {
  const [dx, dw, db, dy, mask, x, w, g, f] = args;
  const { heap, kernels } = rt;
  if (!dx && !dw && !db) return true;
  const chunks = Math.ceil(g.batch / CONV_CHUNK);
  const work = g.batch * g.outH * g.outW * g.kh * g.kw * g.channels * f * ((dw ? 1 : 0) + (dx ? 1 : 0));
  if (chunks > 1 || rt.scheduler.partsFor(Infinity, work) === 1) return chunked(rt, true, ...args);
  const { dxg, turned, byTiles } = routes(rt, dx, dw, g, f);
  if (!turned && !byTiles) return false;
  // Wherever this route lacks memory, the chunk goes on this thread (the same bits again).
  const n = g.batch * g.outH * g.outW * f;
  let dz = dy;
  if (mask) {
    dz = heap.allocF32(n);
    if (!heap.owns(dz)) return chunked(rt, true, ...args);
    kernels.reluBackward(dz, dy, mask, n);
  }
  if (byTiles) {
    if (!chunked(rt, false, null, dw, db, dz, null, x, w, g, f)) return chunked(rt, true, ...args);
  } else if (dw || db) conv2dBackwardByProducts(kernels, null, dw, db, dz, null, x, w, g, f);
  if (!dx) return true;
  if (turned) {
    return winograd(rt, dx.byteOffset, dz.byteOffset, w, true, 0, false, dxg, g.channels) || chunked(rt, true, ...args);
  }
  conv2dBackwardByProducts(kernels, dx, null, null, dz, null, x, w, g, f);
  return true;
}

/**
 * Which of a convolution's gradients go by Winograd: dx (`turned`) as the convolution of dz over
 * dxg (see winograd); dw (`byTiles`) by F(3×3, 2×2) over each chunk's tiles.
 */
function routes(
  rt: WasmRuntime,
  dx: Float32Array | null,
  dw: Float32Array | null,
  g: WindowGeometry,
  f: number,
): { dxg: WindowGeometry; turned: boolean; byTiles: boolean } {
  const dxg = dxGeometry(g, f);
  const minTiles = rt.winogradMinTiles;
  return {
    dxg,
    turned: dx !== null && winogradFits(dxg, g.channels, minTiles),
    byTiles: dw !== null && winogradFits(g, f, minTiles),
  };
}

/** The chunks of convolveBackward, across the pool when `threads`, else on this thread. */
function chunked(rt: WasmRuntime, threads: boolean, ...[dx, dw, db, dy, mask, x, w, g, f]: ConvBackwardArgs): boolean {
  const rows = g.outH * g.outW;
  const depth = g.kh * g.kw * g.channels;
  const { img } = perSample(g);
  const chunks = Math.ceil(g.batch / CONV_CHUNK);
  const work = threads ? g.batch * rows * depth * f * ((dw ? 1 : 0) + (dx ? 1 : 0)) : 0;
  const { dxg, turned, byTiles } = routes(rt, dx, dw, g, f);
  const upFloats = turned ? winogradKernelsSize(f, g.channels) : 0;
  const packBytes = turned ? vecBytes(upFloats) : dx ? Math.ceil(depth / W) * W * f * 4 : 0;
  const dwBytes = dw ? vecBytes(chunks * depth * f) : 0;
  const dbBytes = db ? vecBytes(chunks * f) : 0;
  const chunkRows = Math.min(CONV_CHUNK, g.batch) * rows;
  const tiles = byTiles
    ? winogradDwBytes(Math.min(CONV_CHUNK, g.batch), Math.ceil(g.outH / 2), Math.ceil(g.outW / 2), g.channels, f)
    : null;
  // cols: a chunk's windows (dw) or v and m (dw by Winograd), its dcols (dx by products) or a
  // sample's v and m (dx by Winograd).
  const windowBytes = (dw && !byTiles) || (dx && !turned) ? vecBytes(chunkRows * depth) : 0;
  const colsBytes = Math.max(windowBytes, turned ? winogradBytes(dxg, g.channels) : 0, tiles?.vm ?? 0);
  const dzBytes = mask ? vecBytes(chunkRows * f) : 0;
  // dz packed (dw by products), or its tiles' transforms packed (dw by Winograd).
  const dzpBytes = tiles ? tiles.dzp : dw ? Math.ceil(f / W) * W * chunkRows * 4 : 0;
  const area = colsBytes + dzBytes + dzpBytes + R * W * 4;
  const room = areas(rt.heap, packBytes + dwBytes + dbBytes, area, rt.scheduler.partsFor(chunks, work));
  if (!room) return false;
  const { base } = room;
  const dwp = base + packBytes;
  const dbp = dwp + dwBytes;
  if (turned) rt.wasm.wino_kernels(base, w.byteOffset, f, g.channels, 1);
  else if (dx) pack(rt, 'nt', base, w.byteOffset, f, depth);
  const perThread = { bytes: area, areas: room.parts, args: [9, 10, 11, 12] };
  rt.scheduler.split(
    rt.productOp('conv_backward'),
    chunks,
    work,
    (c0, nc) => {
      const s0 = c0 * CONV_CHUNK;
      const cols = dbp + dbBytes;
      return [
        dx ? dx.byteOffset + 4 * img * s0 : 0,
        dw ? dwp + 4 * depth * f * c0 : 0,
        db ? dbp + 4 * f * c0 : 0,
        dy.byteOffset + 4 * rows * f * s0,
        mask ? mask.byteOffset + 4 * rows * f * s0 : 0,
        x.byteOffset + 4 * img * s0,
        base,
        turned ? (upFloats / 16) * 4 : 0,
        byTiles ? 1 : 0,
        cols,
        cols + colsBytes,
        cols + colsBytes + dzBytes,
        cols + colsBytes + dzBytes + dzpBytes,
        f,
        CONV_CHUNK,
        ...geometryArgs({ ...g, batch: Math.min(g.batch, (c0 + nc) * CONV_CHUNK) - s0 }),
      ];
    },
    1,
    NO_FLOATS,
    perThread,
  );
  if (dw) colSums(rt, dw.byteOffset, dwp, chunks, depth * f);
  if (db) colSums(rt, db.byteOffset, dbp, chunks, f);
  return true;
}

/** The convolution's entries: in wasm where every array is in the memory, else by the products. */
export function convolutionKernels(rt: WasmRuntime): Pick<Kernels, 'conv2d' | 'conv2dBackward'> {
  const { heap } = rt;
  return {
    conv2d(z, x, w, b, g, filters, relu) {
      type F = Float32Array;
      const inMemory = here(heap, z, x, w) && (!b || here(heap, b));
      const ok = inMemory && convolve(rt, z as F, x as F, w as F, b as F | null, g, filters, relu);
      if (!ok) conv2dByProducts(rt.kernels, z, x, w, b, g, filters, relu);
    },
    conv2dBackward(dx, dw, db, dy, mask, x, w, g, f) {
      type F = Float32Array | null;
      type T = Float32Array;
      const present = [dx, dw, db, dy, mask, x, w].filter((a): a is FloatArray => a !== null);
      const ok =
        here(heap, ...present) &&
        convolveBackward(rt, dx as F, dw as F, db as F, dy as T, mask as F, x as T, w as T, g, f);
      if (!ok) conv2dBackwardByProducts(rt.kernels, dx, dw, db, dy, mask, x, w, g, f);
    },
  };
}
