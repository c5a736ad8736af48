// The WAT builder the wasm kernels' generators write with (src/tensor/wasm/codegen/wat.ts): its text is
// the WebAssembly text format's, and functions built with it assemble with wabt and compute what they say.
import wabtInit from 'wabt';
import { describe, expect, it } from 'vitest';
import {
  LOOP4_LOCALS,
  at,
  f32,
  f32x4,
  forLoop,
  func,
  get,
  i32,
  ifValue,
  importMemory,
  loop4,
  module,
  names,
  set,
  v128,
} from '../src/tensor/wasm/codegen/wat.js';

/** Assembles `text` (validated) and instantiates it over `memory`; `T` names the exports the text declares. */
async function instantiate<T>(text: string, memory: WebAssembly.Memory): Promise<T> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat('test.wat', text, { simd: true, bulk_memory: true });
  try {
    mod.validate();
    const { instance } = await WebAssembly.instantiate(new Uint8Array(mod.toBinary({}).buffer), { env: { memory } });
    return instance.exports as T;
  } finally {
    mod.destroy();
  }
}

describe('WAT builder', () => {
  it('writes instructions in folded form, numbers as the constants of the instruction type', () => {
    expect(i32.add(get('p'), 4)).toBe('(i32.add (local.get $p) (i32.const 4))');
    expect(f32.max(f32.load(get('x')), 0)).toBe('(f32.max (f32.load (local.get $x)) (f32.const 0))');
    expect(set('o', i32.shl(get('n'), 2))).toBe('(local.set $o (i32.shl (local.get $n) (i32.const 2)))');
    expect(v128.load(get('p'), { offset: 16, align: 4 })).toBe('(v128.load offset=16 align=4 (local.get $p))');
    expect(v128.store(get('p'), get('v'), { offset: 32 })).toBe('(v128.store offset=32 (local.get $p) (local.get $v))');
    expect(v128.const('f32x4', 0.5)).toBe('(v128.const f32x4 0.5 0.5 0.5 0.5)');
    expect(v128.const('i32x4', 0, 1, 2, 3)).toBe('(v128.const i32x4 0 1 2 3)');
    expect(ifValue('i32', get('c'), get('a'), get('b'))).toBe(
      '(if (result i32) (local.get $c) (then (local.get $a)) (else (local.get $b)))',
    );
  });

  it('declares a function with its export, parameters in order, result and locals', () => {
    const text = func(
      'f',
      { exported: true, params: { ...names('i32', 'a', 'b'), x: 'f64' }, result: 'i32', locals: names('v128', 'v') },
      get('a'),
    );
    expect(text.replace(/\s+/g, ' ')).toBe(
      '(func $f (export "f") (param $a i32) (param $b i32) (param $x f64) (result i32) (local $v v128) (local.get $a))',
    );
  });

  it('builds a module that assembles and computes: a counted loop, and a SIMD loop with its scalar tail', async () => {
    // sum(p, n) = Σ i32 at p over n words; add(out, a, b, n) = a + b over n floats.
    const sum = func(
      'sum',
      { exported: true, params: names('i32', 'p', 'n'), result: 'i32', locals: names('i32', 'i', 's') },
      [
        forLoop('i', get('n'), set('s', i32.add(get('s'), i32.load(i32.add(get('p'), i32.shl(get('i'), 2)))))),
        get('s'),
      ],
    );
    const add = func('add', { exported: true, params: names('i32', 'out', 'a', 'b', 'n'), locals: LOOP4_LOCALS }, [
      loop4(
        get('n'),
        v128.store(at('out'), f32x4.add(v128.load(at('a')), v128.load(at('b')))),
        f32.store(at('out'), f32.add(f32.load(at('a')), f32.load(at('b')))),
      ),
    ]);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16384 });
    const kernels = await instantiate<{
      sum(p: number, n: number): number;
      add(out: number, a: number, b: number, n: number): void;
    }>(module([importMemory(false), sum, add]), memory);

    new Int32Array(memory.buffer, 0, 5).set([3, -1, 4, 1, 5]);
    expect(kernels.sum(0, 5)).toBe(12);
    expect(kernels.sum(4, 3)).toBe(4);
    expect(kernels.sum(0, 0)).toBe(0);

    // 7 floats: one vector of four, then three one by one; the float after them stays untouched.
    const a = new Float32Array(memory.buffer, 64, 7);
    const b = new Float32Array(memory.buffer, 128, 7);
    const out = new Float32Array(memory.buffer, 192, 8);
    a.set([1, 2, 3, 4, 5, 6, 7]);
    b.set([0.5, 0.25, -3, 10, 100, -6, 0.125]);
    out.fill(-1);
    kernels.add(192, 64, 128, 7);
    expect([...out]).toEqual([1.5, 2.25, 0, 14, 105, 0, 7.125, -1]);
  });
});
