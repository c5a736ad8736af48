// The source tree's shape: no import cycles between files (a type-only import counts: it still ties the
// two files together) nor between rooms (src/'s folders), tests that import nothing from bench/, the
// wasm kernels' generators (src/tensor/wasm/codegen, build-time only) imported by nothing else in src/,
// each layer class named in one place only (its own file), and every layer registered wherever a model
// can be loaded.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '../src/index.js';
import { registeredLayers } from '../src/layers/registry.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The files a source file imports (static, type-only, re-exports and dynamic import()), as paths. */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const specs = [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g,
    ),
  ].map((m) => m[1] ?? m[2] ?? m[3]);
  return specs.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

/** Every cycle's files, one strongly connected component of more than one file (or a self-import) each. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** The room (first folder under src/) of a file, or undefined for the entry files at src/'s root. */
function roomOf(file: string): string | undefined {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0] : undefined;
}

/** The rooms' graph: room → the other rooms its files import. */
export function roomGraph(graph: Map<string, string[]>): Map<string, string[]> {
  const rooms = new Map<string, Set<string>>();
  for (const [file, imports] of graph) {
    const from = roomOf(file);
    if (from === undefined) continue;
    const to = rooms.get(from) ?? new Set<string>();
    rooms.set(from, to);
    for (const target of imports) {
      const room = roomOf(target);
      if (room !== undefined && room !== from) to.add(room);
    }
  }
  return new Map([...rooms].map(([room, to]) => [room, [...to].sort()]));
}

const CODEGEN = join(SRC, 'tensor/wasm/codegen');

/** `from → to` for each import of a file inside src/tensor/wasm/codegen by a file outside it. */
export function codegenImporters(graph: Map<string, string[]>): string[] {
  const inside = (f: string): boolean => f.startsWith(CODEGEN + '/');
  return [...graph].flatMap(([file, imports]) =>
    inside(file) ? [] : imports.filter(inside).map((t) => `${relative(SRC, file)} → ${relative(SRC, t)}`),
  );
}

describe('source structure', () => {
  it('has no import cycles', () => {
    const files = sourceFiles(SRC);
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const cycles = importCycles(graph).map((c) => c.map((f) => relative(SRC, f)));
    expect(cycles).toEqual([]);
  });

  it("has no cycles between rooms: no two of src/'s folders import each other, directly or through others", () => {
    const files = sourceFiles(SRC);
    const rooms = roomGraph(new Map(files.map((f) => [f, importsOf(f)])));
    expect(rooms.size).toBeGreaterThan(10);
    expect(importCycles(rooms)).toEqual([]);
  });

  it('the room graph sees two rooms that import each other', () => {
    const a = join(SRC, 'layers/core/dense.ts');
    const b = join(SRC, 'training/trainer.ts');
    const graph = new Map([
      [a, importsOf(a, "import type { Trainer } from '../../training/trainer.js';\n")],
      [b, importsOf(b, "import { Dense } from '../layers/core/dense.js';\n")],
    ]);
    expect(importCycles(roomGraph(graph))).toEqual([['layers', 'training']]);
    graph.set(a, []);
    expect(importCycles(roomGraph(graph))).toEqual([]);
  });

  it('imports nothing from the wasm generators outside them (the runtime needs only wasm/abi.ts and wasm/binary.ts)', () => {
    const files = sourceFiles(SRC);
    expect(files.filter((f) => f.startsWith(CODEGEN + '/')).length).toBeGreaterThan(5);
    expect(codegenImporters(new Map(files.map((f) => [f, importsOf(f)])))).toEqual([]);
  });

  it('the generators check sees a runtime file that imports a generator, type-only included', () => {
    const backend = join(SRC, 'tensor/wasm/backend.ts');
    const gemm = join(CODEGEN, 'gemm.ts');
    const graph = new Map([
      [backend, importsOf(backend, "import type { AMode } from './codegen/gemm.js';\n")],
      [gemm, importsOf(gemm, "import { DEFAULT_TILE } from '../abi.js';\n")],
    ]);
    expect(codegenImporters(graph)).toEqual(['tensor/wasm/backend.ts → tensor/wasm/codegen/gemm.ts']);
    graph.set(backend, importsOf(backend, "import { DEFAULT_TILE } from './abi.js';\n"));
    expect(codegenImporters(graph)).toEqual([]);
  });

  it('tests import nothing from bench/', () => {
    const TEST = resolve(SRC, '../test');
    const BENCH = resolve(SRC, '../bench');
    const offenders = sourceFiles(TEST).flatMap((f) =>
      importsOf(f)
        .filter((t) => t.startsWith(BENCH + '/'))
        .map((t) => `${relative(TEST, f)} → ${relative(BENCH, t)}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the cycle finder finds a cycle, type-only and dynamic imports included', () => {
    const a = '/x/a.ts';
    const b = '/x/b.ts';
    const c = '/x/c.ts';
    const graph = new Map([
      [a, importsOf(a, "import type { B } from './b.js';\n")],
      [b, importsOf(b, "const m = await import('./c.js');\n")],
      [c, importsOf(c, "export { A } from './a.js';\n")],
    ]);
    expect(importCycles(graph)).toEqual([[a, b, c]]);
    graph.set(c, []);
    expect(importCycles(graph)).toEqual([]);
  });

  it("names each layer class, as a string, only in the layer's own file", () => {
    const files = sourceFiles(SRC).map((f) => [f, readFileSync(f, 'utf8')] as const);
    for (const r of registeredLayers()) {
      const quoted = new RegExp(`['"\`]${r.className}['"\`]`);
      const where = files.filter(([, text]) => quoted.test(text)).map(([f]) => relative(SRC, f));
      expect(where.length, `${r.className} is named in ${where.join(', ')}`).toBe(1);
    }
  });

  it('registers every layer wherever a model can be loaded (the loaders alone, as the command line imports them)', () => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(dirname(fileURLToPath(import.meta.url)), 'helpers/loader-registry.ts')],
      { encoding: 'utf8' },
    );
    expect((JSON.parse(out) as string[]).sort()).toEqual(
      registeredLayers()
        .map((r) => r.className)
        .sort(),
    );
  });
});
