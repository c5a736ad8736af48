/**
 * How fast each core is, right now: the same product (the kernels' gemm_n, 16×784·784×128, the
 * MLP's forward pass for half a batch of 32) run for PROBE_MS on every core at once, each probe a
 * child process pinned to its core with taskset (Linux; skipped elsewhere or without taskset).
 *
 * Why: the machines here are shared virtual machines, and one core can run at 60% of the other's speed
 * for seconds or minutes at a time, even with nothing else of ours running (seen on the 2-core Intel
 * Xeon: 160 µs a call on one core while the other took 97). Two threads then cannot be more than
 * 1 + 0.6 = 1.6× faster than one on the fast core, whatever the kernels do. So the bench reports this
 * beside its thread ratios: `ceiling` is what the cores' speeds allow, (Σ speeds) ÷ the fastest.
 * Run alone: npx tsx bench/cores.ts
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Milliseconds each probe runs. */
const PROBE_MS = 400;
const PROBE = fileURLToPath(import.meta.url);

export interface CoreSpeeds {
  /** Microseconds a call of the probe's product on each core, by core number. */
  micros: number[];
}

/** What two (or N) threads can give over one on the fastest core, from the cores' speeds. */
export function ceiling(c: CoreSpeeds): number {
  const speeds = c.micros.map((us) => 1 / us);
  return speeds.reduce((a, b) => a + b, 0) / Math.max(...speeds);
}

export function coresLine(c: CoreSpeeds | string): string {
  if (typeof c === 'string') return `cores not measured: ${c}`;
  const list = c.micros.map((us, i) => `cpu${i} ${us.toFixed(0)} µs`).join(', ');
  return `${list} a call of the probe's product, every core at once (${c.micros.length} threads at most ${ceiling(c).toFixed(2)}× one)`;
}

/** The ceilings of probes taken before and after a measurement, for its row: "1.93× before, 1.56× after". */
export function ceilingsNote(probes: (CoreSpeeds | string)[]): string {
  const at = ['before', 'after'];
  return probes
    .map((c, i) => `${typeof c === 'string' ? 'not measured' : `${ceiling(c).toFixed(2)}×`} ${at[i] ?? ''}`.trim())
    .join(', ');
}

/** Runs the probe on every core at once; a string saying why not where it cannot. */
export async function probeCores(): Promise<CoreSpeeds | string> {
  if (process.platform !== 'linux') return 'taskset pins to a core on Linux only';
  if (spawnSync('taskset', ['--version']).error) return 'no taskset (util-linux)';
  const cores = availableParallelism();
  // every child starts the product at once, after its own start-up (a child late to it says so)
  const start = Date.now() + 3000;
  const runs = Array.from(
    { length: cores },
    (_, cpu) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn('taskset', ['-c', String(cpu), process.execPath, '--import', 'tsx', PROBE], {
          env: { ...process.env, CORE_PROBE_START: String(start) },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('close', (code) =>
          code === 0 && Number(out) > 0
            ? resolve(Number(out))
            : reject(new Error(`core probe on cpu${cpu} exited with ${code}: ${out}`)),
        );
      }),
  );
  try {
    return { micros: await Promise.all(runs) };
  } catch (e) {
    return (e as Error).message;
  }
}

/** The probe itself, in a pinned child: µs a call of gemm_n, printed alone. */
async function probe(start: number): Promise<void> {
  const { KERNELS_PLAIN } = await import('../src/tensor/wasm/binary.js');
  const bytes = Uint8Array.from(atob(KERNELS_PLAIN), (c) => c.charCodeAt(0));
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 16384 }); // the kernels declare a maximum
  const k = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<
    string,
    (...a: number[]) => void
  >;
  const [m, depth, n] = [16, 784, 128];
  // A [m,depth] at 0, B [depth,n] after it, B packed, C, then the tile scratch; values in [0, 1).
  const a = 0;
  const b = a + 4 * m * depth;
  const packed = b + 4 * depth * n;
  const c = packed + 4 * depth * n;
  const scratch = c + 4 * m * n;
  const f32 = new Float32Array(memory.buffer, 0, (scratch >> 2) + 1024);
  for (let i = 0; i < f32.length; i++) f32[i] = (i % 97) / 97;
  k.pack_b(packed, b, depth, n, n);
  if (Date.now() > start) throw new Error(`the probe started ${Date.now() - start} ms after the others were to`);
  while (Date.now() < start);
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < PROBE_MS) {
    for (let i = 0; i < 10; i++) k.gemm_n(c, a, packed, m, depth, n, 4 * depth, 4, scratch);
    calls += 10;
  }
  process.stdout.write(String(((performance.now() - t0) * 1e3) / calls));
}

if (process.argv[1] === PROBE) {
  if (process.env.CORE_PROBE_START) await probe(Number(process.env.CORE_PROBE_START));
  else console.log(coresLine(await probeCores()));
}
