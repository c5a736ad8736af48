/**
 * A kernel call's scratch in the heap's scratch region (heap.ts): its fixed areas (packed panels,
 * transforms), one area for each thread of a split call, and copies of operands that live outside
 * the memory (the output copied back after the call).
 */
import type { FloatArray } from '../kernels.js';
import type { WasmHeap } from './heap.js';

/** Bytes of `floats` rounded up to whole f32x4 vectors, so that each scratch area after it starts 16-byte aligned. */
export const vecBytes = (floats: number): number => Math.ceil(floats / 4) * 16;

/** A call's staged scratch: see `stage`. */
export interface Staged {
  /** The scratch's start: the `extra` bytes asked for. */
  base: number;
  /** Each operand's pointer: its own where the memory holds it, else its copy's. */
  ptr: number[];
  /** Copies the last operand (the output) back out when it had to be staged. */
  finish(): void;
}

/**
 * Scratch for one call: `extra` bytes first (at `base`), then a copy of each operand [array, length]
 * that is not in the memory. null when the memory has no room.
 */
export function stage(heap: WasmHeap, extra: number, ...operands: [FloatArray, number][]): Staged | null {
  const bytes = operands.map(([x, len]) => (heap.owns(x) ? 0 : len * 4));
  const base = heap.scratch(extra + bytes.reduce((s, b) => s + b, 0));
  if (base < 0) return null;
  let free = base + extra;
  const ptr = operands.map(([x, len], i) => {
    if (bytes[i] === 0) return x.byteOffset;
    const at = free;
    free += bytes[i];
    if (i < operands.length - 1) heap.f32(at, len).set(x.subarray(0, len));
    return at;
  });
  const [out, outLen] = operands[operands.length - 1];
  const outPtr = ptr[ptr.length - 1];
  const staged = bytes[bytes.length - 1] !== 0;
  return { base, ptr, finish: () => staged && out.set(heap.f32(outPtr, outLen)) };
}

/**
 * Scratch of `fixed` bytes, then one `area` for each of up to `parts` parts; with no room for them
 * all, room for one (the call then runs on the calling thread alone: the scheduler takes no more
 * threads than PerThread.areas). null when the memory has no room even for that.
 */
export function areas(
  heap: WasmHeap,
  fixed: number,
  area: number,
  parts: number,
): { base: number; parts: number } | null {
  for (const n of parts > 1 ? [parts, 1] : [1]) {
    const base = heap.scratch(fixed + n * area);
    if (base >= 0) return { base, parts: n };
  }
  return null;
}
