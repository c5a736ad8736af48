/**
 * A small builder of WebAssembly text (WAT), which every kernel generator in this folder writes with.
 * An expression or instruction is its text in folded form, `(i32.add (local.get $p) (i32.const 4))`;
 * a helper per instruction, grouped by value type (i32, i64, f32, f64, v128 and its lane shapes),
 * plus locals, loads and stores, loops, ifs, functions and the module. Where an operand of a
 * type's instruction is a number, it stands for that type's constant: `i32.add(get('p'), 4)`.
 *
 * The text is all there is: the generators compose strings, wabt assembles them
 * (scripts/assemble.ts). Names ($p) and labels do not reach the binary, nor does layout.
 */

/** WebAssembly text: one expression or instruction, or several one after another. */
export type Wat = string;
export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';
/** An operand: text, or a number for the constant of the instruction's type. */
export type Arg = Wat | number;
/** Instructions in order: one, or a list. */
export type Body = Wat | readonly Wat[];

/** 0, 1, …, n − 1: the indices of unrolled code (lanes, rows of a tile, positions of a transform). */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Instructions one after another. */
export const seq = (body: Body): Wat => (typeof body === 'string' ? body : body.join('\n'));

/** `(name operand…)`: any instruction, folded. */
export const op = (name: string, ...operands: (Wat | number)[]): Wat => `(${[name, ...operands].join(' ')})`;

// ---- Locals and parameters -------------------------------------------------------------------

/** Parameters or locals by name, in order (the order gives their indices). */
export type Decls = Record<string, ValType>;

export const get = (name: string): Wat => `(local.get $${name})`;
export const set = (name: string, value: Wat): Wat => `(local.set $${name} ${value})`;
/** The same type for several names: `names('i32', 'a', 'b')` = { a: 'i32', b: 'i32' }. */
export const names = (type: ValType, ...ns: string[]): Decls => Object.fromEntries(ns.map((n) => [n, type]));
const decls = (kind: 'param' | 'local', d: Decls): string[] =>
  Object.entries(d).map(([n, t]) => `(${kind} $${n} ${t})`);

// ---- Instructions by type --------------------------------------------------------------------

/** A memory access's immediates: byte offset and alignment (in bytes; the default is natural). */
export interface MemArg {
  offset?: number;
  align?: number;
}
const memarg = (m: MemArg = {}): string =>
  (m.offset !== undefined ? ` offset=${m.offset}` : '') + (m.align !== undefined ? ` align=${m.align}` : '');
const access = (name: string, m: MemArg | undefined, ...operands: Wat[]): Wat => op(name + memarg(m), ...operands);

type Unary = (a: Arg) => Wat;
type Binary = (a: Arg, b: Arg) => Wat;
/** A type's instructions: `unary` and `binary` names, numbers as `literal`. */
function ops<U extends string, B extends string>(
  prefix: string,
  literal: (n: number) => Wat,
  unary: readonly U[],
  binary: readonly B[],
): Record<U, Unary> & Record<B, Binary> {
  const arg = (a: Arg): Wat => (typeof a === 'number' ? literal(a) : a);
  const out: Record<string, Unary | Binary> = {};
  for (const n of unary) out[n] = (a: Arg) => op(`${prefix}.${n}`, arg(a));
  for (const n of binary) out[n] = (a: Arg, b: Arg) => op(`${prefix}.${n}`, arg(a), arg(b));
  return out as Record<U, Unary> & Record<B, Binary>;
}
/** Loads and stores of a scalar type. */
const memory = (t: ValType) => ({
  load: (addr: Wat, m?: MemArg): Wat => access(`${t}.load`, m, addr),
  store: (addr: Wat, value: Wat, m?: MemArg): Wat => access(`${t}.store`, m, addr, value),
});

const i32Const = (v: number): Wat => `(i32.const ${v})`;
export const i32 = {
  const: i32Const,
  ...memory('i32'),
  ...ops(
    'i32',
    i32Const,
    ['eqz', 'reinterpret_f32', 'trunc_f64_s', 'trunc_sat_f64_s'],
    ['add', 'sub', 'mul', 'div_u', 'rem_u', 'rem_s', 'and', 'or', 'xor', 'shl', 'shr_u', 'rotl'],
  ),
  // Comparisons: 1 or 0.
  ...ops('i32', i32Const, [], ['eq', 'ne', 'lt_u', 'lt_s', 'le_u', 'le_s', 'gt_u', 'gt_s', 'ge_u', 'ge_s']),
};

export const i64 = memory('i64');

/** Floats print as given: a number, or a string such as '0x1p-126'. */
function fConst(t: 'f32' | 'f64'): (v: number | string) => Wat {
  return (v) => `(${t}.const ${v})`;
}
export const f32 = {
  const: fConst('f32'),
  ...memory('f32'),
  ...ops(
    'f32',
    fConst('f32'),
    ['abs', 'sqrt', 'demote_f64'],
    ['add', 'sub', 'mul', 'div', 'max', 'eq', 'ne', 'lt', 'gt'],
  ),
};
export const f64 = {
  const: fConst('f64'),
  ...memory('f64'),
  ...ops(
    'f64',
    fConst('f64'),
    ['abs', 'floor', 'promote_f32', 'convert_i32_s', 'convert_i32_u'],
    ['add', 'sub', 'mul', 'div', 'lt'],
  ),
};

/** A v128 constant of four i32, four f32 or two f64 lanes; one value fills every lane. */
const v128Const = (shape: 'i32x4' | 'f32x4' | 'f64x2', ...lanes: (number | string)[]): Wat => {
  const n = shape === 'f64x2' ? 2 : 4;
  return `(v128.const ${shape} ${(lanes.length === 1 ? Array(n).fill(lanes[0]) : lanes).join(' ')})`;
};
export const v128 = {
  const: v128Const,
  load: (addr: Wat, m?: MemArg): Wat => access('v128.load', m, addr),
  store: (addr: Wat, value: Wat, m?: MemArg): Wat => access('v128.store', m, addr, value),
  /** One f32 (or i32) from memory into every lane. */
  load32_splat: (addr: Wat, m?: MemArg): Wat => access('v128.load32_splat', m, addr),
  /** One f32 into lane 0, zeros in the others. */
  load32_zero: (addr: Wat, m?: MemArg): Wat => access('v128.load32_zero', m, addr),
  and: (a: Wat, b: Wat): Wat => op('v128.and', a, b),
  /** a & ~b. */
  andnot: (a: Wat, b: Wat): Wat => op('v128.andnot', a, b),
  /** a's bits where mask's are set, else b's. */
  bitselect: (a: Wat, b: Wat, mask: Wat): Wat => op('v128.bitselect', a, b, mask),
};

const f32x4Const = (v: number): Wat => v128Const('f32x4', v);
export const f32x4 = {
  ...ops(
    'f32x4',
    f32x4Const,
    ['abs', 'sqrt', 'splat', 'demote_f64x2_zero'],
    ['add', 'sub', 'mul', 'div', 'pmax', 'lt', 'gt'],
  ),
  extract_lane: (lane: number, v: Wat): Wat => op('f32x4.extract_lane', lane, v),
  replace_lane: (lane: number, v: Wat, x: Wat): Wat => op('f32x4.replace_lane', lane, v, x),
  /** a·b + c, fused where the processor can (relaxed SIMD: its last bits depend on the machine). */
  relaxed_madd: (a: Wat, b: Wat, c: Wat): Wat => op('f32x4.relaxed_madd', a, b, c),
};
export const f64x2 = ops('f64x2', (v) => v128Const('f64x2', v), ['promote_low_f32x4'], ['add', 'sub', 'mul']);
export const i32x4 = ops('i32x4', (v) => v128Const('i32x4', v), ['splat'], ['add']);
/** Bytes of a and b (0–15 a's, 16–31 b's) picked by `lanes`. */
export const i8x16 = {
  shuffle: (lanes: readonly number[], a: Wat, b: Wat): Wat => op('i8x16.shuffle', ...lanes, a, b),
};
/** v with its two 64-bit halves swapped (so that f64x2.promote_low_f32x4 reads its upper two f32). */
export const swapHalves = (v: Wat): Wat => i8x16.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7], v, v);

/** f32x4 zeros. */
export const ZERO = v128Const('f32x4', 0);

/**
 * a·b + c on f32x4: a multiply and an add, or with `fma` relaxed SIMD's f32x4.relaxed_madd, which the
 * engine compiles to a fused multiply-add where the processor has one (so its rounding, and the
 * last bits of a product, depend on the machine).
 */
export const madd = (a: Wat, b: Wat, c: Wat, fma: boolean): Wat =>
  fma ? f32x4.relaxed_madd(a, b, c) : f32x4.add(c, f32x4.mul(a, b));

// ---- Other instructions ----------------------------------------------------------------------

/** `cond ? a : b`, both evaluated (no branch). */
export const select = (a: Wat, b: Wat, cond: Wat): Wat => op('select', a, b, cond);
export const call = (fn: string, ...args: Wat[]): Wat => op(`call $${fn}`, ...args);
export const ret = (value?: Wat): Wat => (value === undefined ? '(return)' : op('return', value));
export const nop: Wat = '(nop)';
/** memory.fill(dst, byte, n) and memory.copy(dst, src, n). */
export const fill = (dst: Wat, byte: Arg, n: Wat): Wat =>
  op('memory.fill', dst, typeof byte === 'number' ? i32Const(byte) : byte, n);
export const copy = (dst: Wat, src: Wat, n: Wat): Wat => op('memory.copy', dst, src, n);

// ---- Control ---------------------------------------------------------------------------------

/** `if cond then … [else …]`, as an instruction (no value). */
export function ifThen(cond: Wat, then: Body, otherwise?: Body): Wat {
  return `(if ${cond}\n(then\n${seq(then)})${otherwise === undefined ? '' : `\n(else\n${seq(otherwise)})`})`;
}
/** `cond ? then : otherwise` of type `type`, by a branch (only one side runs). */
export const ifValue = (type: ValType, cond: Wat, then: Wat, otherwise: Wat): Wat =>
  `(if (result ${type}) ${cond} (then ${then}) (else ${otherwise}))`;

/** `while (!exit) body`: a loop that leaves when `exit` holds, tested before each pass. */
export function until(label: string, exit: Wat, body: Body): Wat {
  const [done, next] = [`$${label}_done`, `$${label}_next`];
  return `(block ${done} (loop ${next}\n(br_if ${done} ${exit})\n${seq(body)}\n(br ${next})))`;
}

/** `for (v = 0; v < n; v += step) body`, unsigned. */
export function forLoop(v: string, n: Arg, body: Body, step: Arg = 1): Wat {
  return seq([set(v, i32.const(0)), until(v, i32.ge_u(get(v), n), [seq(body), set(v, i32.add(get(v), step))])]);
}

/** The locals `loop4` uses. */
export const LOOP4_LOCALS: Decls = names('i32', 'o', 'end', 'end4');
/** Pointer local p plus loop4's byte offset $o. */
export const at = (p: string): Wat => i32.add(get(p), get('o'));
/**
 * A loop over f32 arrays by byte offset $o from 0 to 4·count: `vec` for each whole f32x4 (with `at`
 * for the addresses), then `one` for each of the last count % 4 elements. Locals: LOOP4_LOCALS.
 */
export function loop4(count: Wat, vec: Body, one: Body): Wat {
  return seq([
    set('end', i32.shl(count, 2)),
    set('end4', i32.and(get('end'), -16)),
    set('o', i32.const(0)),
    until('v', i32.ge_u(get('o'), get('end4')), [seq(vec), set('o', i32.add(get('o'), 16))]),
    until('s', i32.ge_u(get('o'), get('end')), [seq(one), set('o', i32.add(get('o'), 4))]),
  ]);
}

// ---- Functions and the module ----------------------------------------------------------------

export interface FuncSpec {
  /** Also exported under this name. */
  exported?: boolean;
  params?: Decls;
  result?: ValType;
  locals?: Decls;
}

/** `(func $name [(export "name")] (param …)… [(result …)] (local …)… body)`. */
export function func(name: string, spec: FuncSpec, body: Body): Wat {
  const head = [
    `func $${name}`,
    ...(spec.exported ? [`(export "${name}")`] : []),
    ...decls('param', spec.params ?? {}),
    ...(spec.result ? [`(result ${spec.result})`] : []),
  ];
  const locals = decls('local', spec.locals ?? {});
  return `(${head.join(' ')}\n${locals.length > 0 ? locals.join(' ') + '\n' : ''}${seq(body)})`;
}

/** The memory "env" "memory" of 1 to 16,384 pages, shared (for the worker pool's threads) or not. */
export const importMemory = (shared: boolean): Wat =>
  `(import "env" "memory" (memory 1 16384${shared ? ' shared' : ''}))`;

/** `(module …)`, indented by nesting. */
export function module(fields: Body): Wat {
  return indent(`(module\n${seq(fields)}\n)\n`);
}

/** Each line indented two spaces per parenthesis still open before it. */
function indent(text: string): Wat {
  let depth = 0;
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      const out = trimmed === '' ? '' : '  '.repeat(depth) + trimmed;
      for (const ch of trimmed) depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
      return out;
    })
    .join('\n');
}
