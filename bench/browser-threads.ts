/**
 * In-page training on one thread against every core, in Chromium (issue 15: "in-page training on 2
 * threads ≥ 1.6× faster than on 1"). Builds the page, serves it cross-origin isolated as
 * `npm run demo` does, and trains its MLP (the first tutorial's, Adam, 12,000 digits) with the
 * page's ?threads=1 and ?threads=N alternately, ROUNDS times each; the time is the page's own
 * "Done: E epochs (s …)" figure, which counts loading the bundled digits (a few milliseconds here)
 * and the training. Reports the median of each and their ratio.
 * Needs Debian's Chromium (apt-get install chromium; CHROMIUM_PATH overrides /usr/bin/chromium).
 * Run: npx tsx bench/browser-threads.ts  (BENCH_PAGE_EPOCHS, default 3; BENCH_PAGE_BATCH, default the
 * page's 32; BENCH_PAGE_ROUNDS, default 3)
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { buildWeb, serveWeb } from '../scripts/demo.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EPOCHS = Number(process.env.BENCH_PAGE_EPOCHS ?? 3);
const BATCH = process.env.BENCH_PAGE_BATCH;
const ROUNDS = Number(process.env.BENCH_PAGE_ROUNDS ?? 3);

export interface PageThreads {
  cores: number;
  /** Seconds of each run, on one thread and on every core. */
  one: number[];
  all: number[];
  batch: string;
}

export async function runPageThreads(): Promise<PageThreads> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  await buildWeb();
  const { server, url } = await serveWeb(0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    const run = async (threads: number): Promise<{ seconds: number; reported: number }> => {
      await page.goto(`${url}?threads=${threads}`);
      await page.waitForFunction(() => document.body.dataset.modelReady !== undefined);
      await page.fill('#epochs', String(EPOCHS));
      if (BATCH) await page.fill('#batch-size', BATCH);
      await page.click('#train');
      await page.waitForFunction(() => document.body.dataset.training === 'done', null, { timeout: 600_000 });
      const status = (await page.textContent('#train-status')) ?? '';
      const m = /^Done: \d+ epochs? \(([\d.]+) s, wasm, (\d+) threads?\)/.exec(status);
      if (!m) throw new Error(`unexpected status: ${status}`);
      return { seconds: Number(m[1]), reported: Number(m[2]) };
    };
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const result: PageThreads = { cores, one: [], all: [], batch: BATCH ?? '32 (the page default)' };
    await run(cores); // warm-up: the browser's caches and JIT
    for (let r = 0; r < ROUNDS; r++) {
      for (const threads of r % 2 === 0 ? [1, cores] : [cores, 1]) {
        const { seconds, reported } = await run(threads);
        if (reported !== threads) throw new Error(`asked for ${threads} threads, the page trained on ${reported}`);
        (threads === 1 ? result.one : result.all).push(seconds);
      }
    }
    return result;
  } finally {
    await browser.close();
    server.close();
  }
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Median time on one thread ÷ median time on every core. */
export const pageSpeedup = (r: PageThreads): number => median(r.one) / median(r.all);

export function pageThreadsReport(r: PageThreads): string {
  const one = median(r.one);
  const all = median(r.all);
  return [
    `Chromium, the page's MLP, ${EPOCHS} epochs of 12,000 digits, batch ${r.batch}:`,
    `  1 thread: ${r.one.map((s) => s.toFixed(2)).join(', ')} s (median ${one.toFixed(2)})`,
    `  ${r.cores} threads: ${r.all.map((s) => s.toFixed(2)).join(', ')} s (median ${all.toFixed(2)})`,
    `  1 thread ÷ ${r.cores} threads: ${pageSpeedup(r).toFixed(2)}× (issue 15's target on 2 cores: ≥ 1.6×)`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(pageThreadsReport(await runPageThreads()));
