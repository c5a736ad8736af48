/**
 * Kernel micro-benchmarks (benchmark.js): the products of one training step of the 784-128-10 MLP at
 * batch 128 and the headline dense random 128×784·784×128 product, each on the js reference, the wasm
 * backend on one thread and the wasm backend on every core; the element-wise kernels of that step, js
 * against wasm; and TF.js's matMul of the headline product on its cpu and wasm backends.
 *
 * Each wasm backend is its own instance (createWasmKernels), and its operands are allocated with its
 * own `alloc`, so they live in its memory and no call copies anything in. The step's operands are
 * the real ones (MNIST pixels, ReLU outputs, a softmax gradient), produced by running one step with
 * the js kernels: the js products skip zeros in their left operand, so random data would misreport
 * what training costs there. The headline product is dense random, the same numbers for every
 * backend and for TF.js, so that it measures arithmetic, not sparsity.
 *
 * Run alone: npx tsx bench/kernels.ts (BENCH_MAX_TIME=seconds per case, default 0.6).
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import Benchmark from 'benchmark';
import * as tf from '@tensorflow/tfjs';
import { createWasmKernels, jsKernels, loadMnist, type Kernels } from 'mnist-nn';
import { tfWasmThreads, useTf, type TfBackend } from './tfjs.js';

export interface Timing {
  /** Seconds per call. */
  mean: number;
  /** Relative margin of error, percent. */
  rme: number;
}

export interface ProductRow {
  name: string;
  shape: string;
  /** 2·m·k·n. */
  flops: number;
  /** Whether the operands are the real (sparse) ones of a training step. */
  real: boolean;
  js: Timing;
  wasm1: Timing;
  wasmN: Timing;
}

export interface ElementwiseRow {
  name: string;
  size: string;
  js: Timing;
  wasm: Timing;
}

export interface TfProduct {
  backend: TfBackend;
  threads: number;
  timing: Timing;
}

export interface KernelResults {
  /** Threads of the "all threads" wasm instance. */
  threads: number;
  /** Whether the wasm memory is shared (alloc hands out views of it). */
  shared: boolean;
  products: ProductRow[];
  elementwise: ElementwiseRow[];
  /** TF.js matMul of the headline product, cpu then wasm. */
  tf: TfProduct[];
  /** Largest |wasm − js| / max|js| over the headline product, 1 thread and all threads. */
  maxRelError: [number, number];
  /** Whether the wasm instances' products use fused multiply-adds (relaxed SIMD). */
  fma: boolean;
  /** With fused multiply-adds: the headline product on one thread without them, for the comparison. */
  headlineNoFma?: Timing;
}

const B = 128;
const IN = 784;
const H = 128;
const OUT = 10;
/** Weights of the 784-128-10 MLP: 784·128 + 128 + 128·10 + 10. */
export const MLP_WEIGHTS = IN * H + H + H * OUT + OUT;
export const HEADLINE = '128×784 · 784×128';

const random = (n: number, scale = 1): Float32Array =>
  Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * scale);

/** Every buffer of one forward/backward pass, filled by running it once with the js kernels. */
function stepOperands() {
  const K = jsKernels;
  const { xTrain, yTrain } = loadMnist();
  const x = Float32Array.from(xTrain.slice(0, B).data, (v) => v / 255);
  const labels = yTrain.data;
  const w1 = random(IN * H, Math.sqrt(6 / (IN + H)));
  const b1 = random(H, 0.1);
  const w2 = random(H * OUT, Math.sqrt(6 / (H + OUT)));
  const b2 = random(OUT, 0.1);
  const z1 = new Float32Array(B * H);
  const h = new Float32Array(B * H);
  const z2 = new Float32Array(B * OUT);
  const p = new Float32Array(B * OUT);
  K.matmul(z1, x, w1, B, IN, H);
  K.addBias(z1, b1, B, H);
  K.relu(h, z1, B * H);
  K.matmul(z2, h, w2, B, H, OUT);
  K.addBias(z2, b2, B, OUT);
  K.softmax(p, z2, B, OUT);
  // Cross-entropy on softmax: dL/dz2 = (p − onehot)/B.
  const dz2 = p.map((v, i) => (v - (labels[Math.floor(i / OUT)] === i % OUT ? 1 : 0)) / B);
  const dh = new Float32Array(B * H);
  K.matmulNT(dh, dz2, w2, B, OUT, H);
  const dz1 = new Float32Array(B * H);
  K.reluBackward(dz1, dh, h, B * H);
  return {
    x,
    w1,
    b1,
    w2,
    z1,
    h,
    dz2,
    dh,
    dz1,
    // The headline product's dense random operands.
    a: random(B * IN),
    b: random(IN * H),
    // Adam over every weight of the MLP: weights, a gradient, and the two moments.
    aw: random(MLP_WEIGHTS, 0.05),
    ag: random(MLP_WEIGHTS, 1e-3),
    am: new Float32Array(MLP_WEIGHTS),
    av: new Float32Array(MLP_WEIGHTS),
  };
}
type Operands = ReturnType<typeof stepOperands>;

/** The operands copied into K's own memory (a plain copy for the js kernels), plus output scratch. */
function placed(K: Kernels, o: Operands) {
  const place = (src: Float32Array): Float32Array => {
    const d = K.alloc(src.length, 'float32') as Float32Array;
    d.set(src);
    return d;
  };
  const copy = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, place(v)])) as Operands;
  return {
    ...copy,
    c: K.alloc(IN * H, 'float32') as Float32Array,
    s: K.alloc(B * H, 'float32') as Float32Array,
    col: K.alloc(H, 'float32') as Float32Array,
  };
}
type Placed = ReturnType<typeof placed>;

type ProductSpec = [
  name: string,
  shape: string,
  real: boolean,
  m: number,
  k: number,
  n: number,
  run: (K: Kernels, p: Placed) => void,
];

const PRODUCTS: ProductSpec[] = [
  ['matmul   fwd L1 z1 = x·W1', '128×784 · 784×128', true, B, IN, H, (K, p) => K.matmul(p.c, p.x, p.w1, B, IN, H)],
  ['matmul   fwd L2 z2 = h·W2', '128×128 · 128×10', true, B, H, OUT, (K, p) => K.matmul(p.c, p.h, p.w2, B, H, OUT)],
  [
    'matmulTN bwd L2 dW2 = hᵀ·dz2',
    '[128×128]ᵀ · 128×10',
    true,
    H,
    B,
    OUT,
    (K, p) => K.matmulTN(p.c, p.h, p.dz2, H, B, OUT),
  ],
  [
    'matmulNT bwd L2 dh = dz2·W2ᵀ',
    '128×10 · [128×10]ᵀ',
    true,
    B,
    OUT,
    H,
    (K, p) => K.matmulNT(p.c, p.dz2, p.w2, B, OUT, H),
  ],
  [
    'matmulTN bwd L1 dW1 = xᵀ·dz1',
    '[128×784]ᵀ · 128×128',
    true,
    IN,
    B,
    H,
    (K, p) => K.matmulTN(p.c, p.x, p.dz1, IN, B, H),
  ],
  // Not part of this step (nothing below the first Dense learns, so Sequential skips it), but the
  // input gradient of any Dense with weights below it: the widest matmulNT a network of this size runs.
  [
    'matmulNT dx = dz1·W1ᵀ (deeper nets)',
    '128×128 · [784×128]ᵀ',
    true,
    B,
    H,
    IN,
    (K, p) => K.matmulNT(p.c, p.dz1, p.w1, B, H, IN),
  ],
  ['matmul   dense random (headline)', HEADLINE, false, B, IN, H, (K, p) => K.matmul(p.c, p.a, p.b, B, IN, H)],
];

type ElementwiseSpec = [name: string, size: string, run: (K: Kernels, p: Placed) => void];

const ELEMENTWISE: ElementwiseSpec[] = [
  ['relu          fwd L1', '128×128', (K, p) => K.relu(p.s, p.z1, B * H)],
  ['reluBackward  bwd L1', '128×128', (K, p) => K.reluBackward(p.s, p.dh, p.h, B * H)],
  // addBias works in place, so the scratch drifts from run to run; its speed does not depend on the values.
  ['addBias       fwd L1', '128×128 + 128', (K, p) => K.addBias(p.s, p.b1, B, H)],
  ['colSum        bwd L1 db1', '128×128 → 128', (K, p) => K.colSum(p.col, p.dz1, B, H)],
  [
    'adamUpdate    every weight',
    `${MLP_WEIGHTS.toLocaleString('en-US')} weights`,
    (K, p) => K.adamUpdate(p.aw, p.ag, p.am, p.av, MLP_WEIGHTS, 1e-3, 0.9, 0.999, 1e-7),
  ],
];

function maxRelError(got: Float32Array, want: Float32Array, n: number): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / scale;
}

/** Runs the cases through one benchmark.js suite, in order, and returns their timings. */
function runSuite(cases: [name: string, fn: () => void][], maxTime: number): Timing[] {
  const suite = new Benchmark.Suite();
  for (const [name, fn] of cases) suite.add(name, fn, { maxTime });
  const out: Timing[] = [];
  suite.on('cycle', (e: Benchmark.Event) => {
    const t = e.target as Benchmark.Target & { error?: Error };
    if (t.error) throw t.error;
    out.push({ mean: t.stats!.mean, rme: t.stats!.rme });
  });
  suite.run({ async: false });
  return out;
}

export async function runKernels(maxTime = Number(process.env.BENCH_MAX_TIME ?? 0.6)): Promise<KernelResults> {
  const threads = os.availableParallelism();
  const o = stepOperands();
  const wasm1 = createWasmKernels({ threads: 1 });
  const wasmN = createWasmKernels({ threads });
  try {
    const backends = [jsKernels, wasm1, wasmN] as const;
    const ops = backends.map((K) => placed(K, o));

    // Sanity: the headline product agrees across backends.
    for (let i = 0; i < 3; i++) PRODUCTS[PRODUCTS.length - 1][6](backends[i], ops[i]);
    const n = B * H;
    const maxRel: [number, number] = [maxRelError(ops[1].c, ops[0].c, n), maxRelError(ops[2].c, ops[0].c, n)];

    const productTimes = runSuite(
      PRODUCTS.flatMap(([name, , , , , , run]) =>
        backends.map((K, i): [string, () => void] => [
          `${name} [${i === 0 ? 'js' : i === 1 ? 'wasm 1' : `wasm ${threads}`}]`,
          () => run(K, ops[i]),
        ]),
      ),
      maxTime,
    );
    const products: ProductRow[] = PRODUCTS.map(([name, shape, real, m, k, nn], i) => ({
      name,
      shape,
      real,
      flops: 2 * m * k * nn,
      js: productTimes[3 * i],
      wasm1: productTimes[3 * i + 1],
      wasmN: productTimes[3 * i + 2],
    }));

    // Element-wise kernels: js against the 1-thread instance (large ones split across the pool, as products do).
    const elementTimes = runSuite(
      ELEMENTWISE.flatMap(([name, , run]) => [
        [`${name} [js]`, () => run(jsKernels, ops[0])] as [string, () => void],
        [`${name} [wasm]`, () => run(wasm1, ops[1])] as [string, () => void],
      ]),
      maxTime,
    );
    const elementwise: ElementwiseRow[] = ELEMENTWISE.map(([name, size], i) => ({
      name,
      size,
      js: elementTimes[2 * i],
      wasm: elementTimes[2 * i + 1],
    }));

    // TF.js on the same dense random operands; dataSync forces the result, as any real use reads it.
    const tfResults: TfProduct[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await useTf(backend);
      const ta = tf.tensor2d(o.a, [B, IN]);
      const tb = tf.tensor2d(o.b, [IN, H]);
      const [timing] = runSuite(
        [
          [
            `tf.matMul dense random [TF.js ${backend}]`,
            () => {
              const t = tf.matMul(ta, tb);
              t.dataSync();
              t.dispose();
            },
          ],
        ],
        maxTime,
      );
      tfResults.push({ backend, threads: backend === 'wasm' ? tfWasmThreads() : 1, timing });
      tf.dispose([ta, tb]);
    }

    // The same headline product on one thread with a separate multiply and add, where FMA is in use.
    let headlineNoFma: Timing | undefined;
    if (wasm1.fma) {
      const plain = createWasmKernels({ threads: 1, fma: false });
      const p = placed(plain, o);
      [headlineNoFma] = runSuite(
        [['matmul dense random (headline) [wasm 1, no FMA]', () => PRODUCTS[PRODUCTS.length - 1][6](plain, p)]],
        maxTime,
      );
      plain.close();
    }

    return {
      threads: wasmN.threads,
      shared: wasmN.shared,
      products,
      elementwise,
      tf: tfResults,
      maxRelError: maxRel,
      fma: wasm1.fma,
      headlineNoFma,
    };
  } finally {
    wasm1.close();
    wasmN.close();
  }
}

export function formatTime(sec: number): string {
  if (sec >= 1) return `${sec.toFixed(2)} s`;
  if (sec >= 1e-3) return `${(sec * 1e3).toFixed(2)} ms`;
  return `${(sec * 1e6).toFixed(1)} µs`;
}

export const gflops = (flops: number, t: Timing): number => flops / t.mean / 1e9;
export const fmtGflops = (flops: number, t: Timing): string => gflops(flops, t).toFixed(2);

/** A plain-text table: first two columns left-aligned, the rest right-aligned. */
export function textTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i >= 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function kernelReport(r: KernelResults): string {
  const N = r.threads;
  const cell = (p: ProductRow, t: Timing) => `${fmtGflops(p.flops, t)} (${formatTime(t.mean)})`;
  const products = textTable([
    ['product', 'shape', 'js GFLOPS', 'wasm 1 thread', `wasm ${N} threads`, `${N}t ÷ 1t`, `${N}t ÷ js`, 'max ±rme'],
    ...r.products.map((p) => [
      p.name,
      p.shape,
      cell(p, p.js),
      cell(p, p.wasm1),
      cell(p, p.wasmN),
      `${(p.wasm1.mean / p.wasmN.mean).toFixed(2)}×`,
      `${(p.js.mean / p.wasmN.mean).toFixed(1)}×`,
      `${Math.max(p.js.rme, p.wasm1.rme, p.wasmN.rme).toFixed(1)}%`,
    ]),
  ]);
  const elementwise = textTable([
    ['element-wise kernel', 'size', 'js', 'wasm', 'js ÷ wasm', 'max ±rme'],
    ...r.elementwise.map((e) => [
      e.name,
      e.size,
      formatTime(e.js.mean),
      formatTime(e.wasm.mean),
      `${(e.js.mean / e.wasm.mean).toFixed(2)}×`,
      `${Math.max(e.js.rme, e.wasm.rme).toFixed(1)}%`,
    ]),
  ]);
  const head = r.products[r.products.length - 1];
  const tfTable = textTable([
    [
      'TF.js tf.matMul, dense random',
      'shape',
      'GFLOPS',
      'mean',
      'threads',
      `ours (wasm ${N}t) ÷ TF.js`,
      'ours (wasm 1t) ÷ TF.js',
      '±rme',
    ],
    ...r.tf.map((t) => [
      `TF.js ${t.backend}`,
      HEADLINE,
      fmtGflops(head.flops, t.timing),
      formatTime(t.timing.mean),
      String(t.threads),
      `${(t.timing.mean / head.wasmN.mean).toFixed(2)}×`,
      `${(t.timing.mean / head.wasm1.mean).toFixed(2)}×`,
      `${t.timing.rme.toFixed(1)}%`,
    ]),
  ]);
  return [
    products,
    '',
    'GFLOPS = 2·m·k·n / mean time per call. The first six rows run on the real operands of a step, whose left',
    'factor is mostly zeros (MNIST pixels, ReLU outputs); the js kernels skip those, so their figures are',
    'effective rates. The headline row is dense random and measures raw arithmetic. Operands live in each',
    `wasm instance's own memory (shared: ${r.shared}), so no call copies anything in.`,
    `Headline product vs js: max relative error ${r.maxRelError[0].toExponential(1)} (1 thread), ${r.maxRelError[1].toExponential(1)} (${N} threads).`,
    r.fma
      ? `Products with fused multiply-adds (relaxed SIMD)${r.headlineNoFma ? `; the headline on 1 thread without them: ${gflops(2 * B * IN * H, r.headlineNoFma).toFixed(1)} GFLOPS` : ''}.`
      : 'Products without fused multiply-adds (the engine does not validate relaxed SIMD, or BENCH_FMA=0).',
    '',
    elementwise,
    '',
    tfTable,
    '',
    'Ratios above 1: ours is faster (ours GFLOPS ÷ TF.js GFLOPS).',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(kernelReport(await runKernels()));
