// The wasm backend as a whole: its binary is what its source assembles to, a training run gives
// the same results as on the reference kernels, and it keeps layer buffers in its own memory.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { assembleKernels } from '../scripts/assemble.js';
import {
  Adam,
  Dense,
  Dropout,
  Flatten,
  RandomRotation,
  RandomTranslation,
  RandomZoom,
  Sequential,
  loadMnist,
  setBackend,
  setThreads,
  getBackend,
  getThreads,
  getThreadTasks,
  getFma,
  setFma,
  tensor,
  toCategorical,
  zeros,
  createWasmKernels,
} from '../src/index.js';
import { Rng } from '../src/tensor/random.js';
import { bufferZeros } from '../src/tensor/tensor.js';
import { KERNELS_PLAIN, KERNELS_SHARED, PRODUCTS_FMA_PLAIN, PRODUCTS_FMA_SHARED } from '../src/tensor/wasm/binary.js';
import { ValueError } from '../src/errors.js';
import { WorkerPool, availableCores } from '../src/tensor/wasm/pool.js';
import { WasmHeap } from '../src/tensor/wasm/heap.js';

describe('the wasm binary', () => {
  it('is what src/tensor/wasm/codegen/ assembles to (run `npm run build:wasm` after changing them)', async () => {
    expect(Buffer.from(await assembleKernels(true)).toString('base64')).toBe(KERNELS_SHARED);
    expect(Buffer.from(await assembleKernels(false)).toString('base64')).toBe(KERNELS_PLAIN);
    expect(Buffer.from(await assembleKernels(true, true)).toString('base64')).toBe(PRODUCTS_FMA_SHARED);
    expect(Buffer.from(await assembleKernels(false, true)).toString('base64')).toBe(PRODUCTS_FMA_PLAIN);
  });
  it('is embedded: no .wasm file ships or is read at run time', () => {
    // Every file of the backend, the runtime's and the generators'.
    const dir = new URL('../src/tensor/wasm/', import.meta.url);
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('backend.ts');
    for (const file of files)
      expect(readFileSync(new URL(file, dir), 'utf8'), file).not.toMatch(/readFile|fetch\(|\.wasm['"]/);
  });
});

describe('createWasmKernels options', () => {
  it.each([
    ['winogradMinTiles', -1, /winogradMinTiles: expected a number ≥ 0, got -1\./],
    ['winogradMinTiles', NaN, /winogradMinTiles: expected a number ≥ 0, got NaN\./],
    ['winogradMinTiles', '128', /winogradMinTiles: expected a number ≥ 0, got '128'\./],
    ['minParallelMacs', -5, /minParallelMacs: expected a number ≥ 0, got -5\./],
    ['minParallelMacs', null, /minParallelMacs: expected a number ≥ 0, got null\./],
  ])('refuses %s = %s with a ValueError naming it', (name, value, message) => {
    const make = () => createWasmKernels({ threads: 1, [name]: value });
    expect(make).toThrow(ValueError);
    expect(make).toThrow(message);
  });
  // Each thread is a worker: a count past what a split call can use is refused before any starts.
  it.each([
    [0, /threads: expected an integer from 1 to 64 \(a split call's most tasks\), got 0\./],
    [2.5, /threads: expected an integer from 1 to 64 \(a split call's most tasks\), got 2\.5\./],
    ['2', /threads: expected an integer from 1 to 64 \(a split call's most tasks\), got '2'\./],
    [65, /threads: expected an integer from 1 to 64 \(a split call's most tasks\), got 65\./],
    [1e6, /threads: expected an integer from 1 to 64 \(a split call's most tasks\), got 1000000\./],
  ])('refuses threads = %s with a ValueError naming the limit', (threads, message) => {
    const make = () => createWasmKernels({ threads: threads as number });
    expect(make).toThrow(ValueError);
    expect(make).toThrow(message);
  });
  it("refuses the same counts in a backend's setThreads, keeping its threads", () => {
    const wasm = createWasmKernels({ threads: 1 });
    try {
      for (const n of [0, 65, 1e6])
        expect(() => wasm.setThreads(n)).toThrow(/^setThreads: expected an integer from 1 to 64/);
      expect(wasm.threads).toBe(1);
      expect(wasm.threadTasks()).toEqual([0]); // no worker started
    } finally {
      wasm.close();
    }
  });
  it('takes 0 and Infinity (every call split or by Winograd; none)', () => {
    for (const v of [0, Infinity]) createWasmKernels({ threads: 1, winogradMinTiles: v, minParallelMacs: v }).close();
  });
});

describe('the heap', () => {
  // Before, a kernel then took its own arrays for foreign ones: copies, or the reference kernels (and,
  // for the convolutions, other sums than on another thread count).
  it('still owns its views after another shared memory grows (V8 then hands out a new buffer object)', () => {
    const heap = new WasmHeap(true);
    const a = heap.allocF32(10);
    const other = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    other.grow(1);
    // (On Node 20's V8 heap.memory.buffer is now another object than a.buffer.)
    expect(heap.owns(a)).toBe(true);
    expect(heap.owns(a.subarray(2))).toBe(true);
    expect(heap.owns(heap.allocF32(10))).toBe(true);
    expect(heap.owns(new Float32Array(10))).toBe(false);
    expect(heap.owns(new Float32Array(new SharedArrayBuffer(40)))).toBe(false);
  });
});

describe('backend choice', () => {
  afterEach(() => {
    setBackend('wasm');
    setThreads(availableCores());
  });
  it("is 'wasm' by default here, with every core", () => {
    expect(getBackend()).toBe('wasm');
    expect(getThreads()).toBe(availableCores());
  });
  it('rejects unknown backends and thread counts', () => {
    expect(() => setBackend('webgl')).toThrow(/Unknown backend 'webgl': expected one of 'wasm', 'js'/);
    expect(() => setThreads(0)).toThrow(ValueError);
  });
  it('refuses more threads than the cores, naming them, and keeps the threads it had', () => {
    const cores = availableCores();
    const limit = `setThreads: expected an integer from 1 to ${cores} (the cores here)`;
    expect(() => setThreads(cores + 1)).toThrow(ValueError);
    expect(() => setThreads(cores + 1)).toThrow(`${limit}, got ${cores + 1}.`);
    expect(() => setThreads(1e6)).toThrow(`${limit}, got 1000000.`);
    expect(getThreads()).toBe(cores);
    expect(getThreadTasks()).toHaveLength(cores);
  });

  async function train(backend: 'js' | 'wasm', threads = 2) {
    setBackend(backend);
    setThreads(threads);
    const { xTrain, yTrain, xTest, yTest } = loadMnist();
    const model = new Sequential(
      [
        new Flatten({ inputShape: [28, 28] }),
        new Dense(64, { activation: 'relu' }),
        new Dropout(0.2),
        new Dense(10, { activation: 'softmax' }),
      ],
      { seed: 11 },
    );
    model.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(xTrain.slice(0, 12000).div(255), yTrain.slice(0, 12000), {
      epochs: 3,
      batchSize: 64,
      verbose: 0,
    });
    const e = await model.evaluate(xTest.slice(0, 2000).div(255), yTest.slice(0, 2000));
    return { h: h.history, e };
  }

  it('a training run gives the same losses and accuracy on js and on wasm, and bit for bit the same on 1 and 2 threads', async () => {
    const js = await train('js');
    const one = await train('wasm', 1);
    const two = await train('wasm', 2);
    expect(getThreads()).toBe(2);
    for (const w of [one, two]) {
      // float32 sums in another order round differently; over 3 epochs the runs stay together
      js.h.loss.forEach((l, i) => expect(Math.abs(w.h.loss[i] - l)).toBeLessThan(2e-3));
      expect(Math.abs(w.e.accuracy - js.e.accuracy)).toBeLessThanOrEqual(0.005);
      expect(w.e.accuracy).toBeGreaterThan(0.9);
    }
    // splitting rows across threads does not change any element's order of summation
    expect(two.h).toEqual(one.h);
    expect(two.e).toEqual(one.e);
  });

  it('the augmentation layers resample a batch of digits bit for bit as the reference does, on 1 and 2 threads', () => {
    const { xTrain } = loadMnist();
    const run = (backend: 'js' | 'wasm', threads = 1) => {
      setBackend(backend);
      setThreads(threads);
      const layers = [
        new RandomRotation(0.1),
        new RandomTranslation(0.1, 0.1, { fillMode: 'constant', interpolation: 'nearest' }),
        new RandomZoom(0.2, [-0.1, 0.3], { fillMode: 'wrap' }),
      ];
      const rng = new Rng(5);
      const out: number[][] = [];
      // 128 digits: large enough that the wasm backend splits the samples across both threads
      let h = bufferZeros([128, 28, 28, 1], 'float32');
      h.data.set(xTrain.slice(0, 128).div(255).data);
      for (const l of layers) {
        l.build([28, 28, 1], { dtype: 'float32', rng });
        h = l.forward(h, { training: true, rng });
        out.push(Array.from(h.data));
      }
      let d = h;
      for (const l of [...layers].reverse()) {
        d = l.backward(d, { needInputGrad: true })!;
        out.push(Array.from(d.data));
      }
      return out;
    };
    const js = run('js');
    expect(run('wasm', 1)).toEqual(js);
    expect(run('wasm', 2)).toEqual(js);
  });

  it('tells how many tasks of split calls each thread ran (getThreadTasks): the workers take part on 2 threads; on 1 nothing splits', async () => {
    setBackend('wasm');
    const { xTrain, yTrain } = loadMnist();
    const fit = async () => {
      const model = new Sequential(
        [
          new Flatten({ inputShape: [28, 28] }),
          new Dense(128, { activation: 'relu' }),
          new Dense(10, { activation: 'softmax' }),
        ],
        { seed: 2 },
      );
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await model.fit(xTrain.slice(0, 1280).div(255), yTrain.slice(0, 1280), { epochs: 1, batchSize: 128, verbose: 0 });
    };
    setThreads(2);
    const before = getThreadTasks();
    expect(before).toHaveLength(2);
    await fit();
    const after = getThreadTasks();
    // Each step's products and Adam are jobs of several tasks: the caller takes some, the worker some.
    expect(after[0] - before[0]).toBeGreaterThan(10);
    expect(after[1] - before[1]).toBeGreaterThan(0);
    setThreads(1);
    await fit();
    expect(getThreadTasks()).toEqual([after[0]]); // every call whole on the calling thread: no task
    setThreads(2); // the same worker, asleep meanwhile: it ran nothing
    expect(getThreadTasks()).toEqual(after);
    // A memory that is not shared has no workers, so no call splits.
    const plain = createWasmKernels({ shared: false, threads: 2 });
    expect(plain.threadTasks()).toEqual([0]);
    plain.close();
  });

  it("keeps weights, gradients and optimizer state in its own memory, and users' tensors out of it", async () => {
    setBackend('wasm');
    const model = new Sequential([new Dense(8, { inputShape: [4] }), new Dense(2, { activation: 'softmax' })]);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = tensor([[1, 2, 3, 4]]);
    await model.trainOnBatch(x, tensor([1]));
    const shared = (a: ArrayBufferView) => a.buffer instanceof SharedArrayBuffer;
    for (const p of model.parameters()) {
      expect(shared(p.value.data)).toBe(true);
      expect(shared(p.grad.data)).toBe(true);
    }
    // Tensors handed to users live on the ordinary heap: a block of the wasm memory is recycled
    // when its view is collected, so nothing a user may slice and keep can be one.
    for (const t of [
      x.div(2),
      zeros([3]),
      toCategorical(tensor([1, 0])),
      await model.predict(x),
      model.getWeights()[0],
    ]) {
      expect(shared(t.data)).toBe(false);
    }
  });

  it('multiplies with fused multiply-adds where relaxed SIMD validates (the test processes: vitest.config.ts), else with a multiply and an add', () => {
    expect(getFma()).toBe(true);
    // One dot product of k terms, summed in order as each C element is: the product added to the
    // sum (x·y of two f32 is exact in f64; the f64 sum then rounded to f32, which is the fused
    // result but for rare double roundings) or rounded first. On a processor with FMA (every
    // x86-64 machine this project runs on), relaxed_madd is the fused one.
    const k = 512;
    const rng = new Rng(3);
    const kernels = [createWasmKernels({ threads: 1, fma: true }), createWasmKernels({ threads: 1, fma: false })];
    const [fused, unfused] = kernels.map((K) => {
      const a = K.alloc(4 * k, 'float32');
      const b = K.alloc(k * 8, 'float32');
      for (let i = 0; i < a.length; i++) a[i] = rng.normal();
      for (let i = 0; i < b.length; i++) b[i] = rng.normal();
      const c = K.alloc(4 * 8, 'float32');
      K.matmul(c, a, b, 4, k, 8);
      let f = 0;
      let u = 0;
      for (let p = 0; p < k; p++) {
        f = Math.fround(f + a[p] * b[p * 8]);
        u = Math.fround(u + Math.fround(a[p] * b[p * 8]));
      }
      return { c0: c[0], f, u };
    });
    expect(fused.c0).toBe(fused.f);
    expect(unfused.c0).toBe(unfused.u);
    expect(fused.f).not.toBe(fused.u); // the two roundings do differ on this input
    kernels.forEach((K) => K.close());

    // A row alone (gemm_rows, no packing) and the same row in a batch (the tiles) round alike, in
    // the columns past the last whole vector too: with a·b = 2⁻²⁴ + 2⁻⁵⁶, 1 + a·b is 1 + 2⁻²³
    // rounded once and 1 rounded twice (through float64, or product first).
    const K = createWasmKernels({ threads: 1, fma: true });
    const n = 5;
    const a = K.alloc(8 * 2, 'float32');
    for (let i = 0; i < 8; i++) [a[2 * i], a[2 * i + 1]] = [1, 641 * 2 ** -28];
    const b = K.alloc(2 * n, 'float32');
    for (let j = 0; j < n; j++) [b[j], b[n + j]] = [1, 6700417 * 2 ** -28]; // 641 · 6700417 = 2³² + 1
    const one = K.alloc(n, 'float32');
    const batch = K.alloc(8 * n, 'float32');
    K.matmul(one, a, b, 1, 2, n);
    K.matmul(batch, a, b, 8, 2, n);
    expect(Array.from(one)).toEqual(Array.from(batch.subarray(0, n)));
    expect(one[n - 1]).toBe(1 + 2 ** -23);
    K.close();
    setFma(false);
    expect(getFma()).toBe(false);
    setFma(true);
    expect(() => setFma('yes' as unknown as boolean)).toThrow(/setFma: expected true or false, got yes/);
  });

  it('gives a few rows alone (gemm_rows, registers over k, zeros skipped) bit for bit what the tiles give them in a batch', () => {
    // n = 45: a block of 8 vectors, two single vectors and a column past them; k = 300 over two of
    // the tiles' k blocks; a third of A zero (the list of nonzeros); each row count gemm_rows takes.
    const rng = new Rng(7);
    for (const fma of [false, ...(getFma() ? [true] : [])]) {
      const K = createWasmKernels({ threads: 1, fma });
      const [k, n] = [300, 45];
      const a = K.alloc(8 * k, 'float32');
      for (let i = 0; i < a.length; i++) a[i] = rng.next() < 0.3 ? 0 : rng.next() - 0.5;
      const b = K.alloc(k * n, 'float32');
      for (let i = 0; i < b.length; i++) b[i] = rng.next() - 0.5;
      const batch = K.alloc(8 * n, 'float32');
      K.matmul(batch, a, b, 8, k, n);
      for (const m of [1, 2, 3]) {
        const few = K.alloc(m * n, 'float32');
        K.matmul(few, a, b, m, k, n);
        expect(Array.from(few), `fma ${fma}, ${m} rows`).toEqual(Array.from(batch.subarray(0, m * n)));
      }
      K.close();
    }
  });

  it('splits a product of a few rows by the columns of B, each thread packing its own panels, bit for bit what one thread gives', () => {
    // Up to 128 rows (backend.ts: COLUMNS_MAX_M; 129 goes by rows, for contrast); n = 125 ends in a
    // partial panel (16 panels: by columns on 2, 3 and 4 threads; n = 61, 8 panels, on 2 alone), n = 128
    // is the MLP's; k = 500 crosses a k block (384). Every split: minParallelMacs 1.
    const rng = new Rng(11);
    const k = 500;
    for (const fma of [false, ...(getFma() ? [true] : [])]) {
      const one = createWasmKernels({ threads: 1, fma });
      const many = [2, 3, 4].map((threads) => createWasmKernels({ threads, fma, minParallelMacs: 1 }));
      for (const [m, n] of [
        [4, 128],
        [32, 128],
        [32, 125],
        [32, 61],
        [128, 128],
        [129, 128],
      ]) {
        const product = (K: ReturnType<typeof createWasmKernels>, a: Float32Array, b: Float32Array): number[] => {
          const [ka, kb, c] = [K.alloc(m * k, 'float32'), K.alloc(k * n, 'float32'), K.alloc(m * n, 'float32')];
          ka.set(a);
          kb.set(b);
          K.matmul(c, ka, kb, m, k, n);
          return Array.from(c);
        };
        const a = Float32Array.from({ length: m * k }, () => rng.next() - 0.5);
        const b = Float32Array.from({ length: k * n }, () => rng.next() - 0.5);
        const expected = product(one, a, b);
        // and close to the sums in float64 (the bits above are one thread's, by rows)
        for (const i of [0, m * n - 1, (m >> 1) * n + (n >> 1)]) {
          let sum = 0;
          for (let p = 0; p < k; p++) sum += a[Math.floor(i / n) * k + p] * b[p * n + (i % n)];
          expect(Math.abs(expected[i] - sum)).toBeLessThan(1e-4);
        }
        many.forEach((K, t) =>
          expect(product(K, a, b), `fma ${fma}, ${m}×${k}·${k}×${n}, ${t + 2} threads`).toEqual(expected),
        );
      }
      [one, ...many].forEach((K) => K.close());
    }
  });

  it('falls back to a multiply and an add where the engine lacks relaxed SIMD, and says so when asked for FMA', () => {
    // A Node process without the flag: Node 20 does not validate relaxed SIMD there (newer engines
    // do, and then there is nothing to fall back from).
    const script = `import { getFma, setFma } from './src/index.ts';
      let msg = 'none'; try { setFma(true); } catch (e) { msg = e.name + ': ' + e.message; }
      console.log(JSON.stringify({ fma: getFma(), msg, validates: WebAssembly.validate(Buffer.from(${JSON.stringify(PRODUCTS_FMA_PLAIN)}, 'base64')) }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: new URL('..', import.meta.url),
        encoding: 'utf8',
      }),
    ) as { fma: boolean; msg: string; validates: boolean };
    if (out.validates) expect(out).toMatchObject({ fma: true, msg: 'none' });
    else
      expect(out).toEqual({
        fma: false,
        validates: false,
        msg: expect.stringMatching(
          /^ValueError: fma: this WebAssembly engine does not validate relaxed SIMD/,
        ) as string,
      });
  });

  it('hands out ordinary arrays once its memory is full, rather than failing', () => {
    const k = createWasmKernels({ threads: 1, maxPages: 8 }); // 512 KiB
    const big = Array.from({ length: 6 }, () => k.alloc(32 * 1024, 'float32')); // 128 KiB each
    expect(big.filter((a) => a.buffer instanceof SharedArrayBuffer).length).toBeLessThan(6);
    const [a, b, c] = [big[5], big[4], k.alloc(4, 'float32')];
    a.fill(1);
    b.fill(2);
    k.matmul(c.subarray(0, 4), a.subarray(0, 8), b.subarray(0, 8), 2, 4, 2); // works on either kind
    expect([...c]).toEqual([8, 8, 8, 8]);
    // a product whose scratch (about 256 KiB: two operand copies, packed B, the output) cannot fit
    // in what is left runs on the reference kernels instead
    const m = 128;
    const x = new Float32Array(m * m).fill(1);
    const y = new Float32Array(m * m);
    k.matmul(y, x, x, m, m, m);
    expect(y.every((v) => v === m)).toBe(true);
    k.close();
  });
});

describe("Winograd's kernel transforms (wino_kernels)", () => {
  // U = G g Gᵀ for each 3×3 kernel g, as 16 matrices U_ξ [C, F] packed in panels of 8 filters (zero
  // past F), against the product of the matrices here in float64, rounded once: the sums of a few
  // f32 halves are exact in float64, so any order gives the same bits.
  const G = [
    [1, 0, 0],
    [0.5, 0.5, 0.5],
    [0.5, -0.5, 0.5],
    [0, 0, 1],
  ];
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 16384 });
  const wasm = new WebAssembly.Instance(
    new WebAssembly.Module(Uint8Array.from(atob(KERNELS_PLAIN), (ch) => ch.charCodeAt(0))),
    { env: { memory } },
  ).exports as unknown as {
    wino_kernels(up: number, w: number, C: number, F: number, turned: number): void;
  };
  it.each([
    [4, 8, false],
    [8, 12, false],
    [12, 4, true],
    [8, 20, true],
  ])('C = %i, F = %i, turned %s', (C, F, turned) => {
    const rng = new Rng(C * 100 + F);
    const w = new Float32Array(memory.buffer, 1024, 9 * C * F);
    for (let i = 0; i < w.length; i++) w[i] = rng.normal();
    const panels = Math.ceil(F / 8);
    const per = panels * 8 * C;
    const upAt = 1024 + 4 * w.length + 64;
    const up = new Float32Array(memory.buffer, upAt, 16 * per).fill(Number.NaN); // every float must be written
    wasm.wino_kernels(upAt, 1024, C, F, turned ? 1 : 0);
    for (let c = 0; c < C; c++) {
      for (let f = 0; f < F + (F % 8 ? 4 : 0); f++) {
        // g[r][s]: tap (r, s) of channel c, filter f; turned: w [3, 3, F, C] turned by 180°, its channels and filters
        // swapped.
        const g = [0, 1, 2].map((r) =>
          [0, 1, 2].map((s) =>
            f >= F ? 0 : turned ? w[((2 - r) * 3 + (2 - s)) * F * C + f * C + c] : w[(r * 3 + s) * C * F + c * F + f],
          ),
        );
        for (let i = 0; i < 4; i++) {
          for (let j = 0; j < 4; j++) {
            let u = 0;
            for (let r = 0; r < 3; r++) for (let s = 0; s < 3; s++) u += G[i][r] * g[r][s] * G[j][s];
            const got = up[(4 * i + j) * per + (Math.floor(f / 8) * C + c) * 8 + (f % 8)];
            expect(got, `c ${c}, f ${f}, ξ ${4 * i + j}`).toBe(Math.fround(u));
          }
        }
      }
    }
  });
});

describe('the worker pool', () => {
  // add_bias(y, bias, rows, cols) over the shared memory: y += bias, row by row. Each task adds the
  // ones at `ones` to a row of its own, or (per thread) to its thread's row.
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 16384, shared: true });
  const module = new WebAssembly.Module(Uint8Array.from(atob(KERNELS_SHARED), (ch) => ch.charCodeAt(0)));
  const own = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as {
    add_bias(y: number, b: number, rows: number, cols: number): void;
  };
  const heap = new Float32Array(memory.buffer);
  const cols = 16;
  const ones = 0; // bytes
  const rowsAt = 4096; // bytes: the tasks' rows
  const row = (r: number): Float32Array => heap.subarray(rowsAt / 4 + r * cols, rowsAt / 4 + (r + 1) * cols);
  heap.fill(1, 0, cols);
  const taskOf = (r: number): number[] => [rowsAt + 4 * cols * r, ones, 1, cols];

  it('runs every task exactly once, on the caller and its workers, whether the workers are awake, asleep or late; and counts each where it ran', async () => {
    const pool = new WorkerPool(module, undefined, memory, 2);
    const rng = new Rng(3);
    let local = 0;
    let total = 0;
    let callerSays = 0;
    try {
      for (let call = 0; call < 3000; call++) {
        const n = 1 + Math.floor(rng.next() * WorkerPool.maxTasks);
        for (let r = 0; r < n; r++) row(r).fill(0);
        const delay = Math.floor(rng.next() * 3) * Math.floor(rng.next() * 2000);
        callerSays += pool.run(
          'add_bias',
          Array.from({ length: n }, (_, r) => taskOf(r)),
          [],
          2,
          0,
          0,
          (a) => {
            for (let i = delay; i > 0; i--); // a slow caller leaves more tasks to the workers
            own.add_bias(a[0], a[1], a[2], a[3]);
            local++;
          },
        );
        total += n;
        for (let r = 0; r < n; r++)
          expect(
            row(r).every((v) => v === 1),
            `call ${call}, task ${r}`,
          ).toBe(true);
        if (call % 500 === 0) await new Promise((r) => setTimeout(r, 2)); // the workers fall asleep
      }
      await new Promise((r) => setTimeout(r, 20));
      // no late run after the last call
      for (let r = 0; r < WorkerPool.maxTasks; r++) expect(row(r).every((v) => v <= 1)).toBe(true);
      expect(local).toBeGreaterThan(0);
      expect(local).toBeLessThan(total); // the workers took some
      // What run returns and the workers' counts: each task once, on the thread that ran it.
      expect(callerSays).toBe(local);
      const workers = pool.workerTasks();
      expect(workers).toHaveLength(2);
      expect(local + workers[0] + workers[1]).toBe(total);
    } finally {
      pool.close();
    }
  });

  it('gives each thread its own area: the arguments in the mask move by the thread’s number times the area', () => {
    const pool = new WorkerPool(module, undefined, memory, 3);
    const area = 4 * cols * 8;
    const areas = (): number[] => [0, 1, 2, 3].map((t) => heap[rowsAt / 4 + (t * area) / 4]);
    try {
      let local = 0;
      let seen = [0, 0, 0, 0];
      for (let call = 0; call < 200; call++) {
        heap.fill(0, rowsAt / 4, rowsAt / 4 + area);
        pool.run(
          'add_bias',
          Array.from({ length: 40 }, () => taskOf(0)),
          [],
          3,
          area,
          0b1,
          (a) => {
            for (let i = 0; i < 20000; i++); // a slow caller, so that the workers come to the job
            own.add_bias(a[0], a[1], a[2], a[3]);
            local++;
          },
        );
        const counts = areas();
        expect(counts.reduce((x, y) => x + y, 0)).toBe(40); // every task once, into its thread's area
        seen = seen.map((v, t) => v + counts[t]);
      }
      expect(seen[0]).toBe(local); // area 0 is the caller's
      expect(seen.slice(1).some((v) => v > 0)).toBe(true);
    } finally {
      pool.close();
    }
  });

  it('throws when a task fails, on whichever thread, once every other task has run; then runs the next job', () => {
    const pool = new WorkerPool(module, undefined, memory, 1);
    try {
      const bad = [memory.buffer.byteLength, ones, 1, cols]; // past the end of the memory: a trap
      for (let call = 0; call < 200; call++) {
        for (let r = 0; r < 8; r++) row(r).fill(0);
        const failing = call % 8;
        const tasks = Array.from({ length: 8 }, (_, r) => (r === failing ? bad : taskOf(r)));
        expect(() =>
          pool.run('add_bias', tasks, [], 1, 0, 0, (a) => {
            for (let i = 0; i < (call % 3) * 5000; i++); // now the caller, now the worker takes the failing task
            own.add_bias(a[0], a[1], a[2], a[3]);
          }),
        ).toThrow();
        for (let r = 0; r < 8; r++)
          if (r !== failing)
            expect(
              row(r).every((v) => v === 1),
              `call ${call}, task ${r}`,
            ).toBe(true);
      }
      for (let r = 0; r < 8; r++) row(r).fill(0);
      pool.run(
        'add_bias',
        Array.from({ length: 8 }, (_, r) => taskOf(r)),
        [],
        1,
        0,
        0,
        (a) => own.add_bias(a[0], a[1], a[2], a[3]),
      );
      for (let r = 0; r < 8; r++) expect(row(r).every((v) => v === 1)).toBe(true);
    } finally {
      pool.close();
    }
  });

  it('runs the tasks of a worker that is gone on the caller, instead of waiting a minute for it', async () => {
    const pool = new WorkerPool(module, undefined, memory, 1);
    try {
      await (pool as unknown as { workers: { terminate(): Promise<number> }[] }).workers[0].terminate();
      for (let r = 0; r < 8; r++) row(r).fill(0);
      const t0 = Date.now();
      pool.run(
        'add_bias',
        Array.from({ length: 8 }, (_, r) => taskOf(r)),
        [],
        1,
        0,
        0,
        (a) => own.add_bias(a[0], a[1], a[2], a[3]),
      );
      expect(Date.now() - t0).toBeLessThan(5000);
      for (let r = 0; r < 8; r++) expect(row(r).every((v) => v === 1)).toBe(true);
    } finally {
      pool.close();
    }
  });
});
