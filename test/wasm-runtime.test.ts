// The wasm backend's runtime (src/tensor/wasm/ outside codegen/): the worker pool's worker source is what
// scripts/build-worker.ts makes of worker.ts (so the committed text cannot go stale) and runs as a classic
// script, as Node's eval'd workers and a browser's Blob URL run it; and no runtime file imports a generator.
import { readFileSync, readdirSync } from 'node:fs';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { WORKER_SOURCE_FILE, bundleWorker, workerSourceFile } from '../scripts/build-worker.js';
import { WATCHER_SOURCE, WORKER_SOURCE } from '../src/tensor/wasm/worker-source.js';

describe('the worker source', () => {
  it('is what scripts/build-worker.ts bundles from worker.ts and watcher.ts (run it after changing them)', async () => {
    const scripts = await bundleWorker();
    expect(WORKER_SOURCE).toBe(scripts.worker);
    expect(WATCHER_SOURCE).toBe(scripts.watcher);
    expect(readFileSync(WORKER_SOURCE_FILE, 'utf8')).toBe(workerSourceFile(scripts));
  });
  it('is scripts that import nothing and have the control words inlined as numbers', () => {
    for (const source of [WORKER_SOURCE, WATCHER_SOURCE]) {
      expect(source).not.toMatch(/^\s*(import|export)\s/m);
      expect(source).not.toMatch(/\b(SLOTS|SLOT|GONE|WORKER_SPIN|MAX_ARGS)\b/);
      expect(() => new Script(source)).not.toThrow(); // compiles, as a classic script
    }
  });
});

describe('the runtime', () => {
  // The generators: codegen/, and (before they moved there) the *-wat.ts files and winograd.ts.
  const generator = (path: string): boolean => /(^|\/)codegen\/|-wat\.[jt]s$|(^|\/)winograd\.[jt]s$/.test(path);
  const dir = new URL('../src/tensor/wasm/', import.meta.url);
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  const runtime = files.filter((f) => f.endsWith('.ts') && !generator(f));

  it('imports no generator, only what abi.ts and binary.ts say of the module', () => {
    expect(runtime).toEqual(expect.arrayContaining(['backend.ts', 'pool.ts', 'worker.ts', 'kernels/products.ts']));
    for (const file of runtime) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      const specs = [...text.matchAll(/\bfrom\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);
      const targets = specs.filter((s) => s.startsWith('.')).map((s) => new URL(s, new URL(file, dir)).pathname);
      for (const target of targets) expect(generator(target), `${file} imports ${target}`).toBe(false);
    }
  });
});
