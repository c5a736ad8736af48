/**
 * npm run bench: kernel micro-benchmarks, then the end-to-end epoch, then a Markdown table of every
 * figure for the README. Ratios are TF.js time ÷ ours, so above 1 means ours is faster.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { epochReport, median, runEpoch } from './epoch.js';
import { formatTime, gflops, kernelTable, runKernels } from './kernels.js';

const cpus = os.cpus();
console.log(`# mnist-nn benchmarks — ${new Date().toISOString()}`);
console.log(`${cpus[0].model}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.arch()}`);
console.log(`Node ${process.version}, TF.js ${tf.version.tfjs} (cpu backend, pure JS), single-threaded\n`);

console.log('## Kernels (benchmark.js), one training step of 784-128-10, batch 128\n');
const kernels = await runKernels();
console.log(kernelTable(kernels));
console.log('GFLOPS = 2·m·k·n / mean. The step rows run on real operands whose left factor is mostly zeros, which');
console.log('the js kernels skip, so theirs are effective rates; the dense random rows measure raw arithmetic.\n');

console.log(`## One epoch, ${process.env.BENCH_SAMPLES ?? 60000} MNIST digits, Adam 1e-3, batch 128\n`);
const e = await runEpoch();
console.log(`${epochReport(e)}\n`);

const [ours, theirs] = kernels.slice(-2);
const ratio = (t: number, o: number) => `${(t / o).toFixed(2)}×`;
const rows: string[][] = [
  ...kernels.slice(0, -2).map((r) => [`${r.name.replace(/\s+/g, ' ')} (${r.shape})`, formatTime(r.mean) + (r.flops ? ` (${gflops(r)} GFLOPS)` : ''), '—', '—']),
  [`matmul ${ours.shape}, dense random`, `${formatTime(ours.mean)} (${gflops(ours)} GFLOPS)`, `${formatTime(theirs.mean)} (${gflops(theirs)} GFLOPS)`, ratio(theirs.mean, ours.mean)],
  [`one epoch, ${e.samples} digits, batch 128`, `${median(e.ours.epochs).toFixed(2)} s`, `${median(e.tfjs.epochs).toFixed(2)} s`, ratio(median(e.tfjs.epochs), median(e.ours.epochs))],
  ['training loss after the epoch', e.ours.loss.toFixed(4), e.tfjs.loss.toFixed(4), '—'],
  ['predict one digit (median)', `${e.ours.predictUs.toFixed(0)} µs`, `${e.tfjs.predictUs.toFixed(0)} µs`, ratio(e.tfjs.predictUs, e.ours.predictUs)],
];
console.log('## Markdown\n');
console.log('| what | ours | TF.js cpu | TF.js time ÷ ours |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
