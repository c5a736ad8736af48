// The worker pool's worker: worker-source.ts is what scripts/build-worker.ts makes of worker.ts (so the
// committed text cannot go stale), and that text runs as a classic script, as Node's eval'd workers and
// a browser's Blob URL run it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKER_SOURCE_FILE, bundleWorker, workerSourceFile } from '../scripts/build-worker.js';
import { WORKER_SOURCE } from '../src/tensor/wasm/worker-source.js';

describe('the worker source', () => {
  it('is what scripts/build-worker.ts bundles from worker.ts (run it after changing worker.ts)', async () => {
    const script = await bundleWorker();
    expect(WORKER_SOURCE).toBe(script);
    expect(readFileSync(WORKER_SOURCE_FILE, 'utf8')).toBe(workerSourceFile(script));
  });
  it('is a script that imports nothing and has the control words inlined as numbers', () => {
    expect(WORKER_SOURCE).not.toMatch(/^\s*(import|export)\s/m);
    expect(WORKER_SOURCE).not.toMatch(/\b(SLOTS|WORKER_SPIN|MAX_ARGS)\b/);
    expect(() => new Function(WORKER_SOURCE)).not.toThrow();
  });
});
