/**
 * A small seeded generator (xoshiro128**, state seeded by splitmix32), so that a seed fixes weight
 * initialisation, shuffles and dropout masks bit for bit on every platform. Math.random cannot be seeded.
 */
import { ValueError } from '../errors.js';
import { jsKernels, type FloatArray, type Kernels } from './kernels.js';

/**
 * Throws a ValueError naming `where` unless the seed is an integer from 0 to 2⁵³ − 1 (so
 * `Date.now()` serves). Every such seed gives its own run: seeds below 2³² as they always have, and
 * the bits above those change the generator's state further (so 0 and 2³² differ).
 *
 * @example
 * ```ts
 * checkSeed('Sequential', Date.now()); // fine; -1 or 0.5 would be a ValueError
 * ```
 */
export function checkSeed(where: string, seed: unknown): void {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new ValueError(
      `${where}: seed must be an integer from 0 to 2^53 − 1, got ${typeof seed === 'string' ? JSON.stringify(seed) : String(seed)}.`,
    );
  }
}

/** splitmix32's finaliser: a bijection of uint32 with fin(0) = 0. */
function fin(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A small seeded generator (xoshiro128**, seeded by splitmix32): a seed fixes weight initialisation,
 * shuffles and dropout masks bit for bit on every platform, which Math.random cannot. Models make their
 * own from their `seed`; use one directly for reproducible data of your own.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.uniform(-1, 1);     // the same number on every run
 * rng.normal();           // a standard normal draw
 * rng.int(10);            // an integer in [0, 10)
 * rng.permutation(5);     // Int32Array, a shuffle of 0..4
 * ```
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;
  /** The four words handed to a bernoulli kernel. */
  private readonly words = new Uint32Array(4);

  constructor(seed: number = Math.floor(Math.random() * 2 ** 32)) {
    checkSeed('Rng', seed);
    let x = seed % 2 ** 32;
    const splitmix = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return fin(x);
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
    // The seed's bits above 32 (up to 21 of them) go into s2 and s3 through a bijection that keeps 0
    // at 0: a seed below 2³² gives the state it always gave, and two seeds never share a state
    // (s0 determines the low word, s2 then the high word).
    const hi = Math.floor(seed / 2 ** 32);
    if (hi > 0) {
      this.s2 = (this.s2 ^ fin(hi)) >>> 0;
      this.s3 = (this.s3 ^ fin(hi ^ 0x5bd1e995)) >>> 0;
    }
  }

  /** The generator's state, to save and restore a run exactly (four uint32 words and a pending normal). */
  getState(): { words: number[]; spareNormal: number | null } {
    // As uint32: the generator leaves a word as int32 or uint32, the same 32 bits, depending on how it was drawn.
    return { words: [this.s0, this.s1, this.s2, this.s3].map((w) => w >>> 0), spareNormal: this.spareNormal };
  }

  /** Restores what getState returned; a ValueError for anything else (an all-zero state would never change). */
  setState(state: { words: number[]; spareNormal: number | null }): void {
    const words = state?.words;
    // A word may come as int32 or uint32 (the state's xors leave either): the same 32 bits.
    if (
      !Array.isArray(words) ||
      words.length !== 4 ||
      !words.every((w) => Number.isInteger(w) && w >= -(2 ** 31) && w < 2 ** 32) ||
      words.every((w) => w === 0)
    ) {
      throw new ValueError(`Rng.setState: expected four 32-bit words, not all zero, got ${JSON.stringify(words)}.`);
    }
    const spare = state.spareNormal;
    if (spare !== null && !(typeof spare === 'number' && Number.isFinite(spare))) {
      throw new ValueError(`Rng.setState: spareNormal must be null or a finite number, got ${JSON.stringify(spare)}.`);
    }
    [this.s0, this.s1, this.s2, this.s3] = words.map((w) => w >>> 0);
    this.spareNormal = spare;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * out[i] = value where a uniform draw is below p, else 0, for i < n: the draws `next() < p` would
   * give, one per element in order, by K's bernoulli kernel (a dropout mask of a batch is hundreds of
   * thousands of draws); the generator is left where n calls of next would leave it.
   */
  bernoulli(out: FloatArray, n: number, p: number, value: number, K: Kernels = jsKernels): void {
    const state = this.words;
    state[0] = this.s0;
    state[1] = this.s1;
    state[2] = this.s2;
    state[3] = this.s3;
    K.bernoulli(out, n, p, value, state);
    [this.s0, this.s1, this.s2, this.s3] = state;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** The permutation 0..n-1, shuffled. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
