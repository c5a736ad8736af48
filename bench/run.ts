/**
 * npm run bench: everything the "Fast kernels" issue asks for, measured in one run.
 *   1. kernels (benchmark.js): products on js / wasm 1 thread / wasm every core, element-wise kernels
 *      js vs wasm, TF.js matMul on its cpu and wasm backends;
 *   2. one epoch of the 784-128-10 MLP: ours js, wasm 1 thread, wasm every core, TF.js wasm, TF.js cpu;
 *   3. predict one digit: the same five models;
 *   4. memory: ten epochs on ours (wasm, every core) in a fresh child process, RSS after each;
 *   5. one epoch of the seed 002 CNN, of the cnn-batchnorm network (bench/cnn-batchnorm.ts) and of the
 *      functional example's network (bench/functional.ts), and what
 *      the augmentation layers in front of the seed 002 CNN cost (bench/augment.ts);
 *   6. in-page training in Chromium on one thread and on every core (bench/browser-threads.ts; skipped without
 *      Chromium);
 *   7. a Markdown table of every figure for the README, with the issue's targets marked met or not.
 * The PyTorch peer (bench/torch.ts, bench/peers/torch_epochs.py; issue 15) trains the MLP of 2 and the
 * seed 002 CNN of 5 right after ours, with 1 and 2 threads; it needs Debian's /usr/bin/python3 with
 * torch (apt-get install python3-torch libopenblas0-pthread) and is skipped with a note without it,
 * or with BENCH_TORCH=0. It adds about a minute (the CNN's two epochs).
 * Ratios against TF.js are arranged so that above 1 means ours is faster; against PyTorch they are
 * ours ÷ PyTorch on 1 thread, as issue 15's targets put them (below 1, ours is faster).
 * BENCH_SAMPLES=N trains the MLP on N digits, BENCH_CNN_SAMPLES=N the CNNs (both for ours and
 * PyTorch; default 60000), BENCH_MAX_TIME=s sets benchmark.js's time per kernel case (default 0.6).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { getFma, setFma } from 'mnist-nn';
import { relaxedSimdFlags } from '../scripts/relaxed-simd.js';
import { configLine, epochReport, predictReport, runEpochs, torchConfig, warm, type ConfigResult } from './epoch.js';
import { HEADLINE, MLP_WEIGHTS, formatTime, gflops, kernelReport, runKernels, type Timing } from './kernels.js';
import { EPOCHS, FLAT_MIB, growth, readingLine, runMemory } from './memory.js';
import { tfVersion, tfWasmVersion } from './tfjs.js';
import { CNN_SAMPLES, cnnReport, oneThreadEpoch, oneThreadSpeedup, perEpoch, runCnnEpoch } from './cnn.js';
import { onThreads, probeTorch, runTorchCnn, runTorchMlp, torchHeader } from './torch.js';
import { batchNormCnnReport, runBatchNormCnnEpoch } from './cnn-batchnorm.js';
import { functionalReport, runFunctionalEpoch } from './functional.js';
import { augmentCost, augmentReport, layersShare, runAugmentCost } from './augment.js';
import { pageSpeedup, pageThreadsReport, runPageThreads, workerShares } from './browser-threads.js';
import { ceilingsNote } from './cores.js';

// Where the engine needs a flag for relaxed SIMD (Node 20), run again with it: the products then
// take the fused multiply-add path that current engines take by default. BENCH_FMA=0 measures
// the whole run without it.
const flags = relaxedSimdFlags();
if (flags.length > 0 && process.env.BENCH_FMA !== '0') {
  const child = spawnSync(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}
if (process.env.BENCH_FMA === '0' && getFma()) setFma(false);

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1e3).toFixed(0)} s`;

// ---- header -------------------------------------------------------------------------------------
const cpus = os.cpus();
const memInfo = (() => {
  try {
    return fs.readFileSync('/proc/meminfo', 'utf8');
  } catch {
    return '';
  }
})();
const available = /MemAvailable:\s+(\d+) kB/.exec(memInfo);
// The SIMD the products could use: the ratios against PyTorch move with it (AVX-512 against AVX2).
const simd = (() => {
  try {
    const flags = /^flags\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(/\s+/) ?? [];
    return ['avx2', 'fma', 'avx512f'].filter((f) => flags.includes(f)).join(' ') || 'none of avx2, fma, avx512f';
  } catch {
    return '';
  }
})();
console.log(`# mnist-nn benchmarks — ${new Date().toISOString()}\n`);
console.log(
  `Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores (availableParallelism ${os.availableParallelism()})${simd ? ` [${simd}]` : ''}, ` +
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM${available ? ` (${(Number(available[1]) / 2 ** 20).toFixed(1)} GiB available)` : ''}, ${os.platform()} ${os.arch()} ${os.release()}`,
);
console.log(
  `Load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')} (1, 5, 15 min)`,
);
console.log(
  `Node ${process.version} (V8 ${process.versions.v8}); TF.js ${tfVersion} (cpu: pure JS; wasm: @tensorflow/tfjs-backend-wasm ${tfWasmVersion}, XNNPACK, WebAssembly SIMD)`,
);
console.log(
  `Ours: js = the TypeScript reference kernels; wasm = WebAssembly SIMD products with a worker pool splitting rows, ${getFma() ? 'with fused multiply-adds (relaxed SIMD)' : 'without fused multiply-adds'}${process.env.BENCH_FMA === '0' ? ' (BENCH_FMA=0)' : ''}.`,
);
const peer = await probeTorch();
console.log(`${torchHeader(peer)}\n`);

// ---- 1. kernels ---------------------------------------------------------------------------------
console.log('## 1. Kernels (benchmark.js), one training step of 784-128-10 at batch 128, and the headline product\n');
const k = await runKernels();
console.log(kernelReport(k));
console.log(`\n[${elapsed()}]\n`);

// ---- 2. and 3. epoch and predict ----------------------------------------------------------------
console.log(
  `## 2. Epoch: 784-128-10 MLP, ${process.env.BENCH_SAMPLES ?? 60000} MNIST digits /255, Adam 1e-3, sparse CE, batch 128, shuffled\n`,
);
const e = await runEpochs(undefined, (r: ConfigResult) => console.log(configLine(r)));
const torchMlp = peer.ok ? await runTorchMlp(e.samples) : undefined;
if (torchMlp?.ok) for (const t of torchMlp.runs) console.log(configLine(torchConfig(t)));
console.log(`\n${epochReport(e, torchMlp)}\n`);
console.log('## 3. Predict one digit\n');
console.log(predictReport(e));
console.log(`\n[${elapsed()}]\n`);

// ---- 4. memory ----------------------------------------------------------------------------------
console.log(`## 4. Memory: ${EPOCHS} epochs on ours (wasm, every core) in a fresh child process\n`);
const mem = await runMemory((r) => console.log(readingLine(r)));
const grew = growth(mem);
const first = mem.readings[0];
const second = mem.readings[Math.min(1, mem.readings.length - 1)];
const last = mem.readings[mem.readings.length - 1];
console.log(
  `\nRSS growth from epoch 2 to epoch ${EPOCHS}: ${grew >= 0 ? '+' : ''}${grew.toFixed(1)} MiB (flat = at most ${FLAT_MIB} MiB); ` +
    `wasm memory ${first.wasm.toFixed(0)} → ${last.wasm.toFixed(0)} MiB. ${mem.threads} threads; ` +
    (mem.gc
      ? 'a full GC (the child runs with --expose-gc) before each reading.'
      : 'gc not exposed: readings without a forced collection.'),
);
console.log(`\n[${elapsed()}]\n`);

// ---- 5. CNN -------------------------------------------------------------------------------------
console.log('## 5. One epoch of the seed 002 CNN (Conv2D 32, pool, Conv2D 64, pool, Dense 10; Adam, batch 128)\n');
const cnn = await runCnnEpoch();
const torchCnn = peer.ok ? await runTorchCnn(cnn.samples) : undefined;
console.log(cnnReport(cnn, torchCnn));
console.log(`\n[${elapsed()}]\n`);

console.log(
  '### One epoch of the cnn-batchnorm network (augmentation, Conv2D + BatchNormalization blocks, Dense 128; one-cycle Adam, batch 128)\n',
);
const bnCnn = await runBatchNormCnnEpoch();
console.log(batchNormCnnReport(bnCnn, cnn));
console.log(`\n[${elapsed()}]\n`);

console.log(
  '### One epoch of the functional example (examples/functional.ts: a residual block with Add, two heads and two losses; Adam, batch 64)\n',
);
const fun = await runFunctionalEpoch();
console.log(functionalReport(fun));
console.log(`\n[${elapsed()}]\n`);

console.log('### Augmentation cost: RandomRotation, RandomTranslation, RandomZoom in front of the seed 002 CNN\n');
const aug = await runAugmentCost();
console.log(augmentReport(aug));
console.log(`\n[${elapsed()}]\n`);

console.log('### In-page training in Chromium: one thread against every core (bench/browser-threads.ts)\n');
const pageThreads = await runPageThreads().catch((e: unknown) => (e as Error).message);
console.log(typeof pageThreads === 'string' ? `skipped: ${pageThreads}` : pageThreadsReport(pageThreads));
console.log(`\n[${elapsed()}]\n`);

// ---- 6. Markdown --------------------------------------------------------------------------------
const N = k.threads;
const head = k.products[k.products.length - 1];
const tfCpuMm = k.tf.find((t) => t.backend === 'cpu')!;
const tfWasmMm = k.tf.find((t) => t.backend === 'wasm')!;
const gf = (t: Timing) => gflops(head.flops, t);
const x = (v: number) => `${v.toFixed(2)}×`;
const mark = (ok: boolean) => (ok ? '**met**' : '**not met**');
const g1 = gf(head.wasm1);
const gN = gf(head.wasmN);
const ep = warm(e.wasmN);
const pred = e.wasmN.predictUs;
// The PyTorch peer's runs (undefined when skipped or failed) and its cells; rows with 6 cells get '—' in its columns.
const m1 = onThreads(torchMlp, 1);
const m2 = onThreads(torchMlp, 2);
const c1 = onThreads(torchCnn, 1);
const c2 = onThreads(torchCnn, 2);
const cnnEp = perEpoch(cnn.seconds, cnn.samples);
const c1Ep = c1 && perEpoch(c1.seconds, c1.samples);
const c2Ep = c2 && perEpoch(c2.seconds, c2.samples);
const secs = (v: number | undefined, digits: number) => (v === undefined ? '—' : `${v.toFixed(digits)} s`);
const vsTorch = (ours: number, one: number | undefined, two: number | undefined) =>
  (one === undefined ? '' : `; ours ÷ PyTorch 1t ${x(ours / one)}`) +
  (one !== undefined && two !== undefined ? `, PyTorch 1t ÷ 2t ${x(one / two)}` : '');
const torchTarget = (ours: number, one: number | undefined) =>
  one === undefined ? '' : `; ≤ 1.0× PyTorch 1t: ${mark(ours / one <= 1)}`;
const md: string[][] = [
  [
    `matmul ${HEADLINE} dense random, 1 thread (GFLOPS)`,
    `${g1.toFixed(1)}`,
    `${gf(tfWasmMm.timing).toFixed(1)} (${tfWasmMm.threads} thread)`,
    `${gf(tfCpuMm.timing).toFixed(2)}`,
    `${x(g1 / gf(tfWasmMm.timing))} wasm, ${x(g1 / gf(tfCpuMm.timing))} cpu`,
    `≥ 40: ${mark(g1 >= 40)}`,
  ],
  [
    `matmul ${HEADLINE} dense random, ${N} threads (GFLOPS)`,
    `${gN.toFixed(1)}`,
    `${gf(tfWasmMm.timing).toFixed(1)} (${tfWasmMm.threads} thread)`,
    `${gf(tfCpuMm.timing).toFixed(2)}`,
    `${x(gN / gf(tfWasmMm.timing))} wasm, ${x(gN / gf(tfCpuMm.timing))} cpu`,
    `≥ 60: ${mark(gN >= 60)}`,
  ],
  ...(k.headlineNoFma
    ? [
        [
          `matmul ${HEADLINE} dense random, 1 thread, without FMA (GFLOPS)`,
          gf(k.headlineNoFma).toFixed(1),
          '—',
          '—',
          `with FMA ÷ without ${x(g1 / gf(k.headlineNoFma))}`,
          '—',
        ],
      ]
    : []),
  [
    `matmul ${HEADLINE} dense random, js reference (GFLOPS)`,
    gf(head.js).toFixed(2),
    '—',
    '—',
    `wasm ${N}t ÷ js ${x(head.js.mean / head.wasmN.mean)}`,
    '—',
  ],
  ...k.products
    .slice(0, -1)
    .map((p) => [
      `${p.name.replace(/\s+/g, ' ')} (${p.shape}), real operands (GFLOPS${p.real ? ', js effective' : ''})`,
      `${gflops(p.flops, p.wasmN).toFixed(1)} on ${N}t; ${gflops(p.flops, p.wasm1).toFixed(1)} on 1t; ${gflops(p.flops, p.js).toFixed(2)} js`,
      '—',
      '—',
      `wasm ${N}t ÷ js ${x(p.js.mean / p.wasmN.mean)}`,
      '—',
    ]),
  ...k.elementwise.map((el) => [
    `${el.name.replace(/\s+/g, ' ')} (${el.size})`,
    `${formatTime(el.wasm.mean)} wasm; ${formatTime(el.js.mean)} js`,
    '—',
    '—',
    `js ÷ wasm ${x(el.js.mean / el.wasm.mean)}`,
    '—',
  ]),
  [
    `one epoch, ${e.samples.toLocaleString('en-US')} digits, batch 128 (warm; TF.js cpu: 1st)`,
    `${ep.toFixed(2)} s (wasm ${N}t)`,
    `${warm(e.tfWasm).toFixed(2)} s`,
    `${warm(e.tfCpu).toFixed(2)} s`,
    secs(m1?.warm, 2),
    secs(m2?.warm, 2),
    `${x(warm(e.tfWasm) / ep)} wasm, ${x(warm(e.tfCpu) / ep)} cpu${vsTorch(ep, m1?.warm, m2?.warm)}`,
    `≤ 1.0 s: ${mark(ep <= 1.0)}${torchTarget(ep, m1?.warm)}`,
  ],
  [
    `one epoch, ours on 1 thread / js${e.wasmNoFma ? ` / ${N} threads without FMA` : ''}`,
    `${warm(e.wasm1).toFixed(2)} s wasm 1t; ${warm(e.js).toFixed(2)} s js${e.wasmNoFma ? `; ${warm(e.wasmNoFma).toFixed(2)} s wasm ${N}t without FMA` : ''}`,
    '—',
    '—',
    `js ÷ wasm ${N}t ${x(warm(e.js) / ep)}${m1 ? `; ours 1t ÷ PyTorch 1t ${x(warm(e.wasm1) / m1.warm)}` : ''}`,
    '—',
  ],
  [
    'training loss after epoch 1 (sanity)',
    `${e.wasmN.losses[0].toFixed(4)} (wasm ${N}t; ${e.wasm1.losses[0].toFixed(4)} 1t, ${e.js.losses[0].toFixed(4)} js)`,
    e.tfWasm.losses[0].toFixed(4),
    e.tfCpu.losses[0].toFixed(4),
    m1?.losses[0].toFixed(4) ?? '—',
    m2?.losses[0].toFixed(4) ?? '—',
    '—',
    '—',
  ],
  [
    'predict one digit [1,28,28], median',
    `${pred.toFixed(1)} µs (wasm); ${e.js.predictUs.toFixed(1)} µs js`,
    `${e.tfWasm.predictUs.toFixed(1)} µs`,
    `${e.tfCpu.predictUs.toFixed(1)} µs`,
    `${x(e.tfWasm.predictUs / pred)} wasm, ${x(e.tfCpu.predictUs / pred)} cpu`,
    `≤ 50 µs: ${mark(pred <= 50)}`,
  ],
  [
    `RSS over ${EPOCHS} epochs (wasm ${mem.threads}t), growth epoch 2 → ${EPOCHS}`,
    `${second.rss.toFixed(1)} → ${last.rss.toFixed(1)} MiB (${grew >= 0 ? '+' : ''}${grew.toFixed(1)} MiB)`,
    '—',
    '—',
    '—',
    `flat (growth ≤ ${FLAT_MIB} MiB): ${mark(grew <= FLAT_MIB)}`,
  ],
  [
    `one epoch of the seed 002 CNN, 60,000 digits, batch 128${cnn.samples < CNN_SAMPLES ? ` (from ${cnn.samples})` : ''}`,
    `${cnnEp.toFixed(1)} s (wasm ${cnn.threads}t)`,
    'cannot train it',
    `${(perEpoch(cnn.tfSeconds, cnn.tfSamples) / 3600).toFixed(1)} h (from ${cnn.tfSamples} digits)`,
    secs(c1Ep, 1),
    secs(c2Ep, 1),
    `${x(perEpoch(cnn.tfSeconds, cnn.tfSamples) / cnnEp)} cpu${vsTorch(cnnEp, c1Ep, c2Ep)}`,
    `≤ 30 s: ${mark(cnnEp <= 30)}${torchTarget(cnnEp, c1Ep)}`,
  ],
  [
    `the seed 002 CNN on 1 thread ÷ on ${cnn.threads} threads, the two in turn, 10 batches each, over ${cnn.oneThread?.samples.toLocaleString('en-US')} digits`,
    `${x(oneThreadSpeedup(cnn))} (${oneThreadEpoch(cnn).toFixed(1)} s a 60,000-digit epoch on 1 thread); the cores allowed ${ceilingsNote(cnn.oneThread?.cores ?? [])}`,
    '—',
    '—',
    c1Ep ? `ours 1t (from the turns) ÷ PyTorch 1t ${x(oneThreadEpoch(cnn) / c1Ep)}` : '—',
    `≥ 1.8×: ${mark(oneThreadSpeedup(cnn) >= 1.8)}`,
  ],
  [
    `one epoch of the cnn-batchnorm network (BatchNormalization, augmentation), 60,000 digits, batch 128${bnCnn.samples < CNN_SAMPLES ? ` (from ${bnCnn.samples})` : ''}`,
    `${perEpoch(bnCnn.seconds, bnCnn.samples).toFixed(1)} s (wasm ${bnCnn.threads}t); ${x(perEpoch(bnCnn.seconds, bnCnn.samples) / perEpoch(cnn.seconds, cnn.samples))} the seed 002 epoch`,
    'cannot train it',
    `${(perEpoch(bnCnn.tfSeconds, bnCnn.tfSamples) / 3600).toFixed(1)} h without the augmentation (from ${bnCnn.tfSamples} digits)`,
    `${x(perEpoch(bnCnn.tfSeconds, bnCnn.tfSamples) / perEpoch(bnCnn.seconds, bnCnn.samples))} cpu`,
    '—',
  ],
  [
    `one epoch of the functional example (residual block with Add, digit and is-even heads), 60,000 digits, batch 64${fun.samples < CNN_SAMPLES ? ` (from ${fun.samples})` : ''}`,
    `${perEpoch(fun.seconds, fun.samples).toFixed(1)} s (wasm ${fun.threads}t); ${x(perEpoch(fun.seconds, fun.samples) / cnnEp)} the seed 002 epoch`,
    '—',
    '—',
    '—',
    '—',
  ],
  [
    `augmentation cost: the three Random* layers in front of the seed 002 CNN, epochs of ${aug.samples.toLocaleString('en-US')} digits, alternating by batch`,
    `+${(100 * augmentCost(aug)).toFixed(1)}% of an epoch (wasm ${aug.threads}t); the layers alone ${aug.layersMs.toFixed(2)} ms a batch, ${(100 * layersShare(aug)).toFixed(1)}% of a step`,
    'has no such layers',
    'has no such layers',
    '—',
    `< 15%: ${mark(augmentCost(aug) < 0.15 && layersShare(aug) < 0.15)}`,
  ],
  ...(typeof pageThreads === 'string'
    ? []
    : [
        [
          `in-page training in Chromium (the page's MLP, 12,000 digits), 1 thread ÷ ${pageThreads.cores} threads`,
          `${pageSpeedup(pageThreads).toFixed(2)}× (medians of ${pageThreads.one.length}); the cores allowed ${ceilingsNote(pageThreads.coreSpeeds)}${pageThreads.workerShare.length ? `; the workers ran ${workerShares(pageThreads)} of the split calls' tasks` : ''}`,
          '—',
          '—',
          '—',
          `≥ 1.6×: ${mark(pageSpeedup(pageThreads) >= 1.6)}`,
        ],
      ]),
];
// The PyTorch columns are there when the peer ran; a row of 6 cells has none of its figures.
const cells = (r: string[]) => {
  const full = r.length === 6 ? [...r.slice(0, 4), '—', '—', ...r.slice(4)] : r;
  return peer.ok ? full : [...full.slice(0, 4), ...full.slice(6)];
};
const torchNamed = peer.ok
  ? `, PyTorch ${peer.probe.torch} (CPU, ${peer.probe.blas.kind === 'openblas' ? 'OpenBLAS' : `BLAS: ${peer.probe.blas.kind}`})`
  : '';
console.log('## 6. Markdown for the README\n');
console.log(
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus[0]?.model.trim()}, ${cpus.length} cores${simd ? ` (${simd})` : ''}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, TF.js ${tfVersion}${torchNamed}. ` +
    `Ratios: TF.js time ÷ ours (GFLOPS: ours ÷ TF.js); above 1, ours is faster.` +
    (peer.ok
      ? ` Against PyTorch, as issue 15's targets: ours ÷ PyTorch on 1 thread (below 1, ours is faster), and PyTorch 1 thread ÷ 2 threads.`
      : '') +
    '\n',
);
console.log(
  peer.ok
    ? '| what | ours | TF.js wasm | TF.js cpu | PyTorch 1t | PyTorch 2t | ratios | target |'
    : '| what | ours | TF.js wasm | TF.js cpu | ratios | target |',
);
console.log(
  peer.ok ? '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |' : '| --- | ---: | ---: | ---: | ---: | --- |',
);
for (const r of md) console.log(`| ${cells(r).join(' | ')} |`);
if (!peer.ok) console.log(`\nPyTorch peer skipped: ${peer.why}.`);
else if (!m1 || !c1)
  console.log(
    `\nPyTorch peer failed:${torchMlp?.ok === false ? ` MLP: ${torchMlp.why}.` : ''}${torchCnn?.ok === false ? ` CNN: ${torchCnn.why}.` : ''}`,
  );
else if (peer.probe.blas.kind !== 'openblas') console.log(`\n${torchHeader(peer)}`);
console.log(
  `\nAdam row: one update over all ${MLP_WEIGHTS.toLocaleString('en-US')} weights of the MLP. Total bench time ${elapsed()}.`,
);
