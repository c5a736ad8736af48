/**
 * In-page training on one thread against every core, in Chromium (issue 15: "in-page training on 2
 * threads ≥ 1.6× faster than on 1"). Builds the page, serves it cross-origin isolated as
 * `npm run demo` does, and trains its MLP (the first tutorial's, Adam, 12,000 digits) as a user would
 * who presses Train (the page's own epochs and batch size unless set below), with the page's
 * ?threads=1 and ?threads=N alternately, ROUNDS times each. The time is the page's own, unrounded
 * (body's data-train-seconds): the training worker's, from loading the bundled digits (a few
 * milliseconds here) to the end of training; the worker's own start and the pool's are not in it.
 * On Linux it also reads how much CPU time Chromium's other threads (the page's main thread, the
 * compositor, V8's compilers and collectors) took meanwhile: on 2 cores that time comes out of the
 * training's.
 * Needs Debian's Chromium (apt-get install chromium; CHROMIUM_PATH overrides /usr/bin/chromium).
 * Run: npx tsx bench/browser-threads.ts  (BENCH_PAGE_EPOCHS, default the page's 5; BENCH_PAGE_BATCH,
 * default the page's 32; BENCH_PAGE_ROUNDS, default 3)
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { buildWeb, serveWeb } from '../scripts/demo.js';
import { ceilingsNote, coresLine, probeCores, type CoreSpeeds } from './cores.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EPOCHS = process.env.BENCH_PAGE_EPOCHS;
const BATCH = process.env.BENCH_PAGE_BATCH;
const ROUNDS = Number(process.env.BENCH_PAGE_ROUNDS ?? 3);
/** Whether Linux's /proc gives each thread's CPU time here. */
const PER_THREAD_CPU = existsSync('/proc/self/task');

export interface PageThreads {
  cores: number;
  /** Seconds of each run, on one thread and on every core. */
  one: number[];
  all: number[];
  /**
   * CPU seconds of Chromium's threads other than the training's (its worker and their pool), each run; empty where
   * /proc is missing.
   */
  otherOne: number[];
  otherAll: number[];
  epochs: string;
  batch: string;
  /** Each core's speed just before and after the rounds (bench/cores.ts). */
  coreSpeeds: (CoreSpeeds | string)[];
  /**
   * The share of the split kernel calls' tasks that the pool's workers ran, each run on every core (getThreadTasks; an
   * even split is (cores − 1) ÷ cores).
   */
  workerShare: number[];
}

/**
 * CPU seconds so far of each thread of every Chromium process (Linux /proc; empty elsewhere), by
 * process/thread id. `training`: whether it is one of the page's Web Workers (Chromium names them
 * DedicatedWorker), which a run ends by terminating, so their time is not counted here.
 */
function chromiumThreads(): Map<string, { seconds: number; training: boolean }> {
  const out = new Map<string, { seconds: number; training: boolean }>();
  if (!PER_THREAD_CPU) return out;
  const tick = 100; // USER_HZ: Linux reports utime and stime in hundredths of a second
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('chrom')) continue;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(`${pid}/${tid}`, {
          seconds: (Number(fields[11]) + Number(fields[12])) / tick,
          training: name.startsWith('DedicatedWorker'),
        });
      }
    } catch {
      // a process or thread that ended while being read
    }
  }
  return out;
}

/** CPU seconds taken between two readings by the threads that are not the training's. */
function otherSeconds(before: ReturnType<typeof chromiumThreads>, after: ReturnType<typeof chromiumThreads>): number {
  let sum = 0;
  for (const [id, t] of after) if (!t.training) sum += t.seconds - (before.get(id)?.seconds ?? 0);
  return sum;
}

export async function runPageThreads(): Promise<PageThreads> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  await buildWeb();
  const { server, url } = await serveWeb(0);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    const run = async (
      threads: number,
    ): Promise<{ seconds: number; reported: number; other: number; workerShare: number }> => {
      await page.goto(`${url}?threads=${threads}`);
      await page.waitForFunction(() => document.body.dataset.modelReady !== undefined);
      if (EPOCHS) await page.fill('#epochs', EPOCHS);
      if (BATCH) await page.fill('#batch-size', BATCH);
      const before = chromiumThreads();
      await page.click('#train');
      // Polled every 100 ms, not at every animation frame (Playwright's default), which would keep the page's main
      // thread busy.
      await page.waitForFunction(() => document.body.dataset.training === 'done', null, {
        timeout: 600_000,
        polling: 100,
      });
      const other = otherSeconds(before, chromiumThreads());
      const status = (await page.textContent('#train-status')) ?? '';
      const m = /^Done: \d+ epochs? \([\d.]+ s, wasm, (\d+) threads?\)/.exec(status);
      if (!m) throw new Error(`unexpected status: ${status}`);
      const tasks = ((await page.evaluate(() => document.body.dataset.threadTasks)) ?? '').split(',').map(Number);
      const workerShare = tasks.slice(1).reduce((a, b) => a + b, 0) / tasks.reduce((a, b) => a + b, 0);
      return {
        seconds: Number(await page.evaluate(() => document.body.dataset.trainSeconds)),
        reported: Number(m[1]),
        other,
        workerShare,
      };
    };
    await page.goto(url);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const epochs = EPOCHS ?? `${await page.inputValue('#epochs')} (the page's)`;
    const batch = BATCH ?? `${await page.inputValue('#batch-size')} (the page's)`;
    const result: PageThreads = {
      cores,
      one: [],
      all: [],
      otherOne: [],
      otherAll: [],
      epochs,
      batch,
      coreSpeeds: [],
      workerShare: [],
    };
    await run(cores); // warm-up: the browser's caches and JIT
    result.coreSpeeds.push(await probeCores());
    for (let r = 0; r < ROUNDS; r++) {
      for (const threads of r % 2 === 0 ? [1, cores] : [cores, 1]) {
        const { seconds, reported, other, workerShare } = await run(threads);
        if (reported !== threads) throw new Error(`asked for ${threads} threads, the page trained on ${reported}`);
        (threads === 1 ? result.one : result.all).push(seconds);
        if (threads > 1) result.workerShare.push(workerShare);
        if (PER_THREAD_CPU) (threads === 1 ? result.otherOne : result.otherAll).push(other);
      }
    }
    result.coreSpeeds.push(await probeCores());
    return result;
  } finally {
    await browser.close();
    server.close();
  }
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** The workers' shares of the split calls' tasks, as percentages: "42%, 50%". */
export const workerShares = (r: PageThreads): string => r.workerShare.map((f) => `${(100 * f).toFixed(0)}%`).join(', ');

/** Median time on one thread ÷ median time on every core. */
export const pageSpeedup = (r: PageThreads): number => median(r.one) / median(r.all);

export function pageThreadsReport(r: PageThreads): string {
  const one = median(r.one);
  const all = median(r.all);
  const other = (v: number[]): string =>
    v.length ? `; Chromium's other threads ${v.map((s) => s.toFixed(2)).join(', ')} CPU-s` : '';
  return [
    `Chromium, the page's MLP, ${r.epochs} epochs of 12,000 digits, batch ${r.batch}:`,
    `  1 thread: ${r.one.map((s) => s.toFixed(2)).join(', ')} s (median ${one.toFixed(2)})${other(r.otherOne)}`,
    `  ${r.cores} threads: ${r.all.map((s) => s.toFixed(2)).join(', ')} s (median ${all.toFixed(2)})${other(r.otherAll)}`,
    `  1 thread ÷ ${r.cores} threads: ${pageSpeedup(r).toFixed(2)}× (issue 15's target on 2 cores: ≥ 1.6×)`,
    ...(r.workerShare.length
      ? [
          `  on ${r.cores} threads the pool's workers ran ${workerShares(r)} of the split calls' tasks (an even split: ${((100 * (r.cores - 1)) / r.cores).toFixed(0)}%)`,
        ]
      : []),
    `  what the cores' speeds allowed then (bench/cores.ts): ${ceilingsNote(r.coreSpeeds)}`,
    ...r.coreSpeeds.map((c, i) => `  ${i === 0 ? 'before' : 'after'} the rounds, ${coresLine(c)}`),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(pageThreadsReport(await runPageThreads()));
