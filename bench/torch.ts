/**
 * The PyTorch peer of `npm run bench` (issue 15): bench/peers/torch_epochs.py trains the MLP of
 * bench/epoch.ts and the seed 002 CNN of bench/cnn.ts in PyTorch on the CPU, on the same digits,
 * with 1 and with 2 threads, and prints JSON; this module runs it as a child process right after
 * ours, so that the two are timed side by side, and formats its figures.
 *
 * It runs with Debian's Python, /usr/bin/python3 (apt-get install python3-torch libopenblas0-pthread),
 * and is skipped with a note when that Python cannot import torch, or when BENCH_TORCH=0. It warns
 * when torch calls the reference BLAS: that makes PyTorch's Dense layers some 8× slower, which
 * would flatter us.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian's Python, where python3-torch installs torch (a python3 first on PATH may have none). */
export const TORCH_PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./peers/torch_epochs.py', import.meta.url));
/** The thread counts the peer runs, in order. */
export const TORCH_THREADS = [1, 2];

export interface TorchBlas {
  /** 'openblas', 'mkl', 'blis', 'reference' (Netlib's, libblas3) or 'unknown'. */
  kind: string;
  /** The library file mapped into the Python process, when one was recognised. */
  library: string | null;
  /** BLAS_INFO of torch.__config__.show() ('generic' for Debian's torch, whichever libblas.so.3 is). */
  blasInfo: string | null;
  configNamesOpenBLAS: boolean;
}

export interface TorchProbe {
  torch: string;
  python: string;
  executable: string;
  blas: TorchBlas;
  defaultThreads: number;
  batch: number;
}

interface TorchRun {
  threads: number;
  samples: number;
  torchThreads: number;
  /** OpenBLAS's own thread count, set to `threads` (null when the BLAS is not OpenBLAS). */
  openblasThreads: number | null;
}

export interface TorchMlp extends TorchRun {
  /** Seconds of each of the two epochs; the second is the warm one, as for ours. */
  epochs: number[];
  losses: number[];
  warm: number;
}

export interface TorchCnn extends TorchRun {
  /** Seconds of one epoch of `samples` digits, after `warmupBatches` untimed batches on another model. */
  seconds: number;
  loss: number;
  warmupBatches: number;
}

/** The peer's state: available (with its versions and BLAS) or skipped (and why). */
export type TorchPeer = { ok: true; probe: TorchProbe } | { ok: false; why: string };

/** A run of the peer: its results, or why there are none. */
export type TorchResult<T> = { ok: true; runs: T[] } | { ok: false; why: string };

/** Runs the script (in this process's environment: OMP_WAIT_POLICY and the like pass through). */
function python(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn(TORCH_PYTHON, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', (error) => resolve({ code: null, stdout, stderr, error }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last line of a Python error (its exception), or a short description of the failure. */
function reason(r: { code: number | null; stderr: string; error?: Error }): string {
  if (r.error)
    return (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? `${TORCH_PYTHON} not found` : r.error.message;
  const last = r.stderr.trim().split('\n').pop()?.trim();
  return last ? `${TORCH_PYTHON}: ${last}` : `${TORCH_PYTHON} exited with code ${r.code}`;
}

/** Whether Debian's Python has torch, with its versions and BLAS (one import of torch, about a second). */
export async function probeTorch(): Promise<TorchPeer> {
  if (process.env.BENCH_TORCH === '0') return { ok: false, why: 'BENCH_TORCH=0' };
  const r = await python(['--probe']);
  if (r.code !== 0) return { ok: false, why: reason(r) };
  try {
    return { ok: true, probe: JSON.parse(r.stdout) as TorchProbe };
  } catch {
    return { ok: false, why: `unreadable output of ${SCRIPT}: ${r.stdout.slice(0, 200)}` };
  }
}

async function run<T>(key: 'mlp' | 'cnn', samples: number): Promise<TorchResult<T>> {
  const r = await python([`--${key}`, String(samples), '--threads', TORCH_THREADS.join(',')]);
  if (r.code !== 0) return { ok: false, why: reason(r) };
  try {
    return { ok: true, runs: (JSON.parse(r.stdout) as Record<string, T[]>)[key] };
  } catch {
    return { ok: false, why: `unreadable output of ${SCRIPT}: ${r.stdout.slice(0, 200)}` };
  }
}

/** Two epochs of the MLP on the first `samples` digits, per thread count. */
export const runTorchMlp = (samples: number) => run<TorchMlp>('mlp', samples);
/** One epoch of the seed 002 CNN on the first `samples` digits, per thread count. */
export const runTorchCnn = (samples: number) => run<TorchCnn>('cnn', samples);

/** The run on `threads` threads, if there is one. */
export const onThreads = <T extends TorchRun>(r: TorchResult<T> | undefined, threads: number): T | undefined =>
  r?.ok ? r.runs.find((t) => t.threads === threads) : undefined;

const BLAS_NAMES: Record<string, string> = {
  openblas: 'OpenBLAS',
  mkl: 'MKL',
  blis: 'BLIS',
  reference: 'the reference BLAS (Netlib)',
};

/** The header's lines on the peer: versions and BLAS, the warning about the reference BLAS, or why it is skipped. */
export function torchHeader(peer: TorchPeer): string {
  if (!peer.ok) {
    return `PyTorch peer skipped: ${peer.why}. (It needs Debian's torch with OpenBLAS: apt-get install python3-torch libopenblas0-pthread.)`;
  }
  const { probe: p } = peer;
  const b = p.blas;
  const lines = [
    `PyTorch ${p.torch} on the CPU (${p.executable}, Python ${p.python}), BLAS: ${BLAS_NAMES[b.kind] ?? 'not recognised'}` +
      `${b.library ? ` (${b.library})` : ''}; torch.__config__ says BLAS_INFO=${b.blasInfo ?? '?'}. ` +
      `Its "n threads" are torch.set_num_threads(n) and, with OpenBLAS, openblas_set_num_threads(n); its OpenMP threads ` +
      `spin while they wait (GNU OpenMP's default), so on a busy host its 2-thread figures suffer most (OMP_WAIT_POLICY=PASSIVE passes through to it).`,
  ];
  if (b.kind === 'reference') {
    lines.push(
      `WARNING: PyTorch calls the reference BLAS, which makes its Dense layers about 8× slower than with OpenBLAS ` +
        `and flatters mnist-nn: apt-get install libopenblas0-pthread (or update-alternatives --config libblas.so.3-<arch>) before comparing.`,
    );
  } else if (b.kind === 'unknown') {
    lines.push(
      'Note: which BLAS PyTorch calls could not be told; with the reference BLAS its Dense layers would be ~8× slow, flattering mnist-nn.',
    );
  }
  return lines.join('\n');
}

/** A note when PyTorch ran slower on 2 threads than on 1 (seconds on each), which points at a busy host. */
export const twoThreadNote = (one: number, two: number): string[] =>
  two > one
    ? [
        `PyTorch ran slower on 2 threads than on 1: on a host busy with other work its OpenMP threads spin against it; ` +
          `compare on a quiet host (the load average is at the top), or try OMP_WAIT_POLICY=PASSIVE.`,
      ]
    : [];

export const torchLabel = (threads: number): string => `PyTorch CPU, ${threads} thread${threads === 1 ? '' : 's'}`;

/** The report's lines for the peer: none when it was not run, a note when it failed, else `lines` of its runs. */
export function peerLines<T>(torch: TorchResult<T> | undefined, lines: (runs: T[]) => string[]): string[] {
  if (!torch) return [];
  return torch.ok ? lines(torch.runs) : [`PyTorch peer: no figures (${torch.why}).`];
}
