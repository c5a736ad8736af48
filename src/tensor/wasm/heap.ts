/**
 * The WebAssembly memory the kernels compute in, and a small allocator over it. Layer buffers,
 * weights and optimizer state are Float32Array views of this memory, so a kernel call copies
 * nothing; arrays from elsewhere are copied into a scratch area for the call.
 *
 * Blocks are power-of-two sizes from 64 bytes, kept on free lists by size; a block returns to its
 * list when the view it was handed out as is garbage-collected. A shared memory never detaches its
 * old buffers when it grows, so views stay valid. A plain memory (no SharedArrayBuffer) would
 * detach them, so there `alloc` hands out ordinary arrays and only the scratch area lives here.
 */
const PAGE = 65536;
const MAX_PAGES = 16384; // 1 GiB: offsets stay within an i32

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  private top = 64; // offset 0 stays unused, so no block is at the null pointer
  private readonly free = new Map<number, number[]>();
  /**
   * Every buffer object this memory's views were made on. A shared memory's `buffer` can be a new
   * object from one read to the next with nothing grown (V8 hands out a fresh one after any shared
   * memory in the process grows), so the one at hand now may not be the one an older view holds.
   * Weak: an object is kept only while views of it live.
   */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly registry = new FinalizationRegistry<[number, number]>(([off, size]) => this.release(off, size));
  private scratchOff = 0;
  private scratchSize = 0;

  private readonly maxPages: number;

  /** `maxPages` (64 KiB each) caps the memory; the kernels' module declares 1 GiB as its limit. */
  constructor(shared: boolean, initialPages = 256, maxPages = MAX_PAGES) {
    this.shared = shared;
    this.maxPages = maxPages;
    this.memory = new WebAssembly.Memory({
      initial: Math.min(initialPages, maxPages),
      maximum: MAX_PAGES,
      shared,
    });
  }

  /**
   * A zeroed f32 array of n elements: a view of this memory when it is shared and has room, else a
   * plain array (which the kernels copy in and out). Blocks come back only when the garbage
   * collector finds their view unreachable, which nothing in wasm memory use prompts, so a full
   * memory is not an error: new buffers just live outside it until blocks come back.
   */
  allocF32(n: number): Float32Array {
    return this.alloc(Float32Array, n);
  }

  /** As allocF32, for indices. */
  allocI32(n: number): Int32Array {
    return this.alloc(Int32Array, n);
  }

  private alloc<T extends Float32Array | Int32Array>(
    Ctor: { new (n: number): T; new (b: ArrayBufferLike, off: number, n: number): T },
    n: number,
  ): T {
    if (!this.shared) return new Ctor(n);
    const size = blockSize(n * 4);
    const off = this.tryTake(size);
    if (off < 0) return new Ctor(n);
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    const view = new Ctor(buffer, off, n);
    view.fill(0);
    this.registry.register(view, [off, size]);
    return view;
  }

  /** Whether `a` lives in this memory (so its byteOffset is a pointer the kernels can use). */
  owns(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  /**
   * A region of at least `bytes` for one kernel call's temporaries (packed panels, copies of
   * foreign operands), or −1 when the memory has no room for it. It is reused by the next call,
   * and may move when it has to grow.
   */
  scratch(bytes: number): number {
    if (bytes > this.scratchSize) {
      const size = blockSize(bytes);
      const off = this.tryTake(size);
      if (off < 0) return -1;
      if (this.scratchSize > 0) this.release(this.scratchOff, this.scratchSize);
      this.scratchSize = size;
      this.scratchOff = off;
    }
    return this.scratchOff;
  }

  /** A Float32Array over [off, off + 4n) of the current buffer. */
  f32(off: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, off, n);
  }

  /** A Float64Array over [off, off + 8n) of the current buffer (off a multiple of 8). */
  f64(off: number, n: number): Float64Array {
    return new Float64Array(this.memory.buffer, off, n);
  }

  /** A block's offset, or −1 when the memory is at its limit. */
  private tryTake(size: number): number {
    const list = this.free.get(size);
    if (list && list.length > 0) return list.pop()!;
    const off = this.top;
    const end = off + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > this.maxPages) return -1;
      // Grow by half again at least, so a run of allocations grows the memory a few times only.
      this.memory.grow(Math.min(this.maxPages - have / PAGE, Math.max(pages, Math.ceil(have / PAGE / 2))));
    }
    this.top = end;
    return off;
  }

  private release(off: number, size: number): void {
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(off);
  }
}

/** Power of two from 64 bytes: 64-byte alignment for every block, and few distinct sizes to reuse. */
function blockSize(bytes: number): number {
  let s = 64;
  while (s < bytes) s *= 2;
  return s;
}
