/**
 * Kernel micro-benchmarks (benchmark.js) on the shapes of one training step of the 784-128-10 MLP
 * with batch 128, plus the 128×784·784×128 product against TensorFlow.js's cpu backend.
 *
 * The step's operands are the real ones (MNIST pixels, ReLU outputs, a softmax gradient), produced by
 * running one step with the kernels themselves: the js matmuls skip zeros in their left operand, so
 * random data would misreport what training costs. The headline product uses dense random operands,
 * the same for both libraries, so that the comparison with TF.js measures arithmetic, not sparsity.
 * Run alone: npx tsx bench/kernels.ts
 */
import { pathToFileURL } from 'node:url';
import Benchmark from 'benchmark';
import * as tf from '@tensorflow/tfjs';
import { kernels, loadMnist } from 'mnist-nn';
import { useTfCpu } from './tfjs.js';

export interface KernelResult {
  name: string;
  shape: string;
  /** Seconds per call. */
  mean: number;
  /** Relative margin of error, percent. */
  rme: number;
  /** Floating-point operations per call (products only). */
  flops?: number;
  /** TF.js time ÷ ours, for the row that has a TF.js twin. */
  ratio?: number;
}

const B = 128;
const IN = 784;
const H = 128;
const OUT = 10;

const random = (n: number, scale = 1): Float32Array => Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * scale);

/** Every buffer of one forward/backward pass, filled by running it once. */
function stepOperands() {
  const K = kernels();
  const { xTrain, yTrain } = loadMnist();
  const x = xTrain.slice(0, B).div(255).data as Float32Array;
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
  return { x, w1, b1, w2, z1, h, z2, dz2, dz1 };
}

export async function runKernels(maxTime = Number(process.env.BENCH_MAX_TIME ?? 1.5)): Promise<KernelResult[]> {
  const K = kernels();
  const o = stepOperands();
  const c = new Float32Array(IN * H); // output scratch, big enough for every product
  const s = new Float32Array(B * H);

  // Dense random operands for the comparison with TF.js.
  const a = random(B * IN);
  const b = random(IN * H);
  await useTfCpu();
  const ta = tf.tensor2d(a, [B, IN]);
  const tb = tf.tensor2d(b, [IN, H]);

  const cases: [name: string, shape: string, flops: number | undefined, fn: () => void][] = [];
  const product = (name: string, m: number, k: number, n: number, shape: string, fn: () => void) => cases.push([name, shape, 2 * m * k * n, fn]);
  const elementwise = (name: string, shape: string, fn: () => void) => cases.push([name, shape, undefined, fn]);

  product('matmul   fwd L1 z1 = x·W1', B, IN, H, '128×784 · 784×128', () => K.matmul(c, o.x, o.w1, B, IN, H));
  product('matmul   fwd L2 z2 = h·W2', B, H, OUT, '128×128 · 128×10', () => K.matmul(c, o.h, o.w2, B, H, OUT));
  product('matmulTN bwd L2 dW2 = hᵀ·dz2', H, B, OUT, '[128×128]ᵀ · 128×10', () => K.matmulTN(c, o.h, o.dz2, H, B, OUT));
  product('matmulNT bwd L2 dh = dz2·W2ᵀ', B, OUT, H, '128×10 · [128×10]ᵀ', () => K.matmulNT(c, o.dz2, o.w2, B, OUT, H));
  product('matmulTN bwd L1 dW1 = xᵀ·dz1', IN, B, H, '[128×784]ᵀ · 128×128', () => K.matmulTN(c, o.x, o.dz1, IN, B, H));
  // Not part of this step (nothing below the first Dense learns, so Sequential skips it), but the
  // input gradient of any Dense that has weights below it: the widest matmulNT a network of this size runs.
  product('matmulNT dx = dz1·W1ᵀ (deeper nets)', B, H, IN, '128×128 · [784×128]ᵀ', () => K.matmulNT(c, o.dz1, o.w1, B, H, IN));
  // addBias works in place, so the scratch drifts from run to run; its speed does not depend on the values.
  elementwise('addBias  fwd L1', '128×128', () => K.addBias(s, o.b1, B, H));
  elementwise('relu     fwd L1', '128×128', () => K.relu(s, o.z1, B * H));
  elementwise('softmax  fwd L2', '128×10', () => K.softmax(c, o.z2, B, OUT));
  product('matmul   dense random (ours)', B, IN, H, '128×784 · 784×128', () => K.matmul(c, a, b, B, IN, H));
  product('tf.matMul dense random (TF.js cpu)', B, IN, H, '128×784 · 784×128', () => {
    const t = tf.matMul(ta, tb);
    t.dataSync(); // the cpu backend computes eagerly, but reading back is part of any real use
    t.dispose();
  });

  const suite = new Benchmark.Suite();
  for (const [name, , , fn] of cases) suite.add(name, fn, { maxTime });
  const stats: Benchmark.Stats[] = [];
  suite.on('cycle', (e: Benchmark.Event) => {
    const t = e.target as Benchmark.Target & { error?: Error };
    if (t.error) throw t.error;
    stats.push(t.stats!);
  });
  suite.run({ async: false });
  ta.dispose();
  tb.dispose();

  const results: KernelResult[] = cases.map(([name, shape, flops], i) => ({ name, shape, flops, mean: stats[i].mean, rme: stats[i].rme }));
  const [ours, theirs] = results.slice(-2);
  ours.ratio = theirs.mean / ours.mean;
  return results;
}

export function formatTime(sec: number): string {
  if (sec >= 1) return `${sec.toFixed(2)} s`;
  if (sec >= 1e-3) return `${(sec * 1e3).toFixed(2)} ms`;
  return `${(sec * 1e6).toFixed(1)} µs`;
}

export const gflops = (r: KernelResult): string => (r.flops ? (r.flops / r.mean / 1e9).toFixed(2) : '—');

export function kernelTable(results: KernelResult[]): string {
  const rows = [
    ['kernel', 'shape', 'mean', '±rme', 'GFLOPS', 'TF.js time ÷ ours'],
    ...results.map((r) => [r.name, r.shape, formatTime(r.mean), `${r.rme.toFixed(1)}%`, gflops(r), r.ratio ? `${r.ratio.toFixed(2)}×` : '']),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(kernelTable(await runKernels()));
