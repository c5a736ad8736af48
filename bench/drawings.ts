/**
 * How well models read digits drawn on the draw-a-digit page (web/), through the page's own path:
 * strokes drawn with the mouse on the page's pad in Chromium (the page's 20-pixel round pen on its
 * 280×280 canvas), the pad's pixels read back, prepared by mnistFromImage (the function the page
 * calls: crop to the ink, fit 20×20, centre by mass in 28×28) and read by each model, as the page
 * reads them (predict on [1, ...inputShape]; the digit is the most probable class).
 *
 * The drawings: the six digits test/browser.test.ts draws, and a seeded set of our own made by
 * test/helpers/drawn-digits.ts (2–4 ways of writing each digit, each drawn at random sizes, widths, slants,
 * rotations, hand wobbles and places on the pad). They are ours, so they are a probe of how the page
 * reads drawings, not a benchmark of handwriting.
 *
 * As a check of the path, the page's own reading (with its shipped model, web/model/model.mnn, in
 * the browser) is compared with Node's reading of the same pixels with that file.
 *
 *   npx tsx bench/drawings.ts [--per-class N] [--seed S] [--renderer chromium|node|both] [--check N] [--reuse] [--out
 *   DIR] MODEL...
 *
 * MODEL: model files or run directories (default web/model/model.mnn). --renderer node draws the
 * strokes with test/helpers/drawn-digits.ts's renderStrokes instead of Chromium (no browser; an
 * approximation of its rasterizer); both does both and says how far apart their inputs are.
 * --per-class: drawings of each digit (default 100, half neat, half sloppy); --seed: the set's (default 1);
 * --check: how many of the set are also drawn with the mouse (default 24; the page tests' six always are);
 * --reuse: read the Chromium inputs a run of the same set left in --out (inputs-chromium.f32) instead of drawing.
 * Writes to --out (default scratch/drawings): results.json, inputs.png (each drawing as the network
 * sees it) and misread.png (those some model misreads, captioned with the first model's reading). Chromium:
 * /usr/bin/chromium, or CHROMIUM_PATH.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { Tensor, loadModel, mnistFromImage, plotDigits, type Model } from '../src/index.js';
import { buildWeb, serveWeb } from '../scripts/demo.js';
import {
  PAD,
  PAGE_TEST_DIGITS,
  PEN,
  drawOnPage,
  drawingSet,
  mousePath,
  renderStrokes,
  type Drawing,
} from '../test/helpers/drawn-digits.js';

/**
 * Saves the drawings `which` of the inputs x ([n·784]) as a PNG grid, captioned with their digit (and one model's
 * reading).
 */
async function saveGrid(
  path: string,
  x: Float32Array,
  which: number[],
  labels: number[],
  predictions?: number[],
  columns = 20,
): Promise<void> {
  const images = new Float32Array(which.length * 784);
  which.forEach((i, k) => images.set(x.subarray(i * 784, (i + 1) * 784), k * 784));
  const plot = await plotDigits(
    new Tensor(images, [which.length, 28, 28]),
    which.map((i) => labels[i]),
    { columns, ...(predictions ? { predictions: which.map((i) => predictions[i]) } : {}) },
  );
  await plot.save(path);
}

const { values, positionals } = parseArgs({
  options: {
    'per-class': { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    renderer: { type: 'string', default: 'chromium' },
    out: { type: 'string', default: 'scratch/drawings' },
    check: { type: 'string', default: '24' },
    reuse: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const perClass = Number(values['per-class']);
const seed = Number(values.seed);
const renderer = values.renderer as 'chromium' | 'node' | 'both';
if (!['chromium', 'node', 'both'].includes(renderer))
  throw new Error(`--renderer: chromium, node or both, not ${renderer}`);
const out = values.out;
const checkCount = Number(values.check);
const modelPaths = positionals.length > 0 ? positionals : ['web/model/model.mnn'];

/** A drawing of the probe: the page tests' (id page-…) or the set's. */
const pageDigits: Drawing[] = PAGE_TEST_DIGITS.map(([d, strokes]) => ({
  id: `page-${d}`,
  label: Number(d),
  variant: 'page test',
  style: { tier: 'neat', height: 0, widen: 1, slant: 0, rotate: 0, wobble: 0, ends: 0, misplace: 0 },
  strokes,
}));
const drawings = [...pageDigits, ...drawingSet(perClass, seed)];

const gray = (r: Uint8Array | Uint8ClampedArray) => {
  const data = new Uint8ClampedArray(PAD * PAD * 4);
  for (let i = 0; i < PAD * PAD; i++) data.set([r[i], r[i], r[i], 255], 4 * i);
  return { width: PAD, height: PAD, data };
};

/** The red channel of a canvas's pixels (the pad is gray), base64, read in the page. */
type PadBase64 = (canvas: HTMLCanvasElement) => string;

/**
 * The pad's pixels (red channel) for each drawing, in Chromium, on the page. Every drawing is drawn
 * by replaying, in the page, what its pointer events make the pad draw: the positions drawOnPage's
 * mouse would send (mousePath), each mapped and painted by the pad's own pen (web/src/pen.ts's
 * padPoint and paintStroke, as the page's pointer handlers call them) on a canvas like the pad.
 * `check` drawings are also drawn with the
 * real mouse on the real pad (as test/browser.test.ts draws, a few seconds each); their pixels are
 * compared with the replay's, and the page's own reading is kept.
 */
async function renderInChromium(
  items: Drawing[],
  check: number[],
): Promise<{
  pixels: Uint8Array[];
  checked: { index: number; differing: number; largest: number; input: number; pageDigit: string }[];
}> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath))
    throw new Error(`no Chromium at ${executablePath} (apt-get install chromium, or --renderer node)`);
  await buildWeb();
  const { server, url } = await serveWeb(0);
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1220 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.modelReady !== undefined);
    if ((await page.evaluate(() => document.body.dataset.modelReady)) !== 'true')
      throw new Error(`the page did not load its model: ${await page.textContent('#model-info')}`);
    // tsx compiles with esbuild's keepNames, which wraps named functions in __name(): give the page one.
    await page.evaluate('globalThis.__name = (f) => f');
    await page.evaluate(() => {
      (window as unknown as { padBase64: PadBase64 }).padBase64 = (canvas) => {
        const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let s = '';
        for (let j = 0; j < d.length; j += 4) s += String.fromCharCode(d[j]);
        return btoa(s);
      };
    });
    // The page's pen (web/src/pen.ts), bundled and added to the page: the drawings are painted by
    // the code the pad's pointer handlers run.
    const penBundle = await build({
      entryPoints: [fileURLToPath(new URL('../web/src/pen.ts', import.meta.url))],
      bundle: true,
      format: 'iife',
      globalName: 'mnistPen',
      write: false,
    });
    await page.addScriptTag({ content: penBundle.outputFiles[0].text });
    const box = (await page.locator('#pad').boundingBox())!;
    const pen = PEN;
    const pixels: Uint8Array[] = [];
    for (let start = 0; start < items.length; start += 50) {
      const paths = items.slice(start, start + 50).map((d) => mousePath(d.strokes, box));
      const b64 = await page.evaluate(
        ([paths, pen]) => {
          const pad = document.getElementById('pad') as HTMLCanvasElement;
          const { padPoint, paintStroke } = (window as unknown as { mnistPen: typeof import('../web/src/pen.js') })
            .mnistPen;
          const canvas = document.createElement('canvas');
          canvas.width = pad.width;
          canvas.height = pad.height;
          const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
          return paths.map((strokes) => {
            ctx.fillStyle = '#fff';
            ctx.fillRect(0, 0, canvas.width, canvas.height);
            for (const stroke of strokes) {
              let last: { x: number; y: number } | null = null;
              for (const [cx, cy] of stroke) {
                // What the page's pointer handlers do with each event: the pad's own pen.
                const to = padPoint(pad, cx, cy);
                paintStroke(ctx, last, to, pen);
                last = to;
              }
            }
            return (window as unknown as { padBase64: PadBase64 }).padBase64(canvas);
          });
        },
        [paths, pen] as const,
      );
      for (const b of b64) pixels.push(new Uint8Array(Buffer.from(b, 'base64')));
    }
    const checked: { index: number; differing: number; largest: number; input: number; pageDigit: string }[] = [];
    for (const index of check) {
      await page.click('#clear');
      await drawOnPage(page, items[index].strokes);
      await page.waitForFunction(
        () =>
          document.getElementById('pad')!.dataset.version === document.getElementById('prediction')!.dataset.version,
      );
      const pageDigit = (await page.getAttribute('#prediction', 'data-digit')) ?? '';
      const real = new Uint8Array(
        Buffer.from(
          await page.evaluate(() =>
            (window as unknown as { padBase64: PadBase64 }).padBase64(
              document.getElementById('pad') as HTMLCanvasElement,
            ),
          ),
          'base64',
        ),
      );
      let differing = 0;
      let largest = 0;
      real.forEach((v, j) => {
        const diff = Math.abs(v - pixels[index][j]);
        if (diff > 0) differing++;
        largest = Math.max(largest, diff);
      });
      // And the largest difference in the 28×28 input the model reads.
      const [a, b] = [mnistFromImage(gray(real)).data, mnistFromImage(gray(pixels[index])).data];
      let input = 0;
      for (let j = 0; j < 784; j++) input = Math.max(input, Math.abs(Number(a[j]) - Number(b[j])));
      checked.push({ index, differing, largest, input: +input.toFixed(4), pageDigit });
    }
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    return { pixels, checked };
  } finally {
    await browser.close();
    await new Promise((done) => server.close(done));
  }
}

/** The 28×28 inputs, [N, 28, 28] in [0, 1], from the pad's pixels. */
function inputsFrom(pixels: Uint8Array[]): Float32Array {
  // The page calls mnistFromImage(ctx.getImageData(...)) on the pad; the pad is gray, so its red channel is all of it.
  const x = new Float32Array(pixels.length * 784);
  pixels.forEach((p, i) => x.set(mnistFromImage(gray(p)).data, i * 784));
  return x;
}

interface Scores {
  model: string;
  /** On the drawing set (without the page tests' digits). */
  accuracy: number;
  /** On the set's neat and sloppy halves. */
  neat: number;
  sloppy: number;
  perClass: number[];
  /** Mean probability given to the right digit on the set. */
  meanTrueProbability: number;
  pageTests: { right: number; of: number; wrong: string[] };
  /** Of the set's drawings: id (variant) → what the model read. */
  wrong: string[];
  predicted: number[];
}

async function score(name: string, model: Model, x: Float32Array): Promise<Scores> {
  const shape = model.inputShape ?? [28, 28];
  const p = ((await model.predict(new Tensor(x, [drawings.length, ...shape]), { batchSize: 256 })) as Tensor).data;
  const predicted = drawings.map((_, i) => {
    let best = 0;
    for (let d = 1; d < 10; d++) if (p[i * 10 + d] > p[i * 10 + best]) best = d;
    return best;
  });
  const set = drawings.map((d, i) => ({ d, i })).filter(({ d }) => !d.id.startsWith('page-'));
  const page = drawings.map((d, i) => ({ d, i })).filter(({ d }) => d.id.startsWith('page-'));
  const right = (i: number) => predicted[i] === drawings[i].label;
  return {
    model: name,
    accuracy: set.filter(({ i }) => right(i)).length / set.length,
    neat:
      set.filter(({ d, i }) => d.style.tier === 'neat' && right(i)).length /
      set.filter(({ d }) => d.style.tier === 'neat').length,
    sloppy:
      set.filter(({ d, i }) => d.style.tier === 'sloppy' && right(i)).length /
      set.filter(({ d }) => d.style.tier === 'sloppy').length,
    perClass: Array.from({ length: 10 }, (_, c) => {
      const of = set.filter(({ d }) => d.label === c);
      return of.filter(({ i }) => right(i)).length / of.length;
    }),
    meanTrueProbability: set.reduce((s, { d, i }) => s + Number(p[i * 10 + d.label]), 0) / set.length,
    pageTests: {
      right: page.filter(({ i }) => right(i)).length,
      of: page.length,
      wrong: page.filter(({ i }) => !right(i)).map(({ d, i }) => `${d.label}→${predicted[i]}`),
    },
    wrong: set
      .filter(({ i }) => !right(i))
      .map(({ d, i }) => `${d.id} (${d.variant}, ${d.style.tier}) → ${predicted[i]}`),
    predicted,
  };
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

function table(results: Scores[]): string {
  const head = `| model | drawings (${drawings.length - pageDigits.length}) | neat | sloppy | ${Array.from({ length: 10 }, (_, c) => c).join(' | ')} | mean p(right) | page tests |`;
  const rule = `| --- | ---: | ---: | ---: | ${Array(10).fill('---:').join(' | ')} | ---: | ---: |`;
  const rows = results.map(
    (r) =>
      `| ${r.model} | ${pct(r.accuracy)} | ${pct(r.neat)} | ${pct(r.sloppy)} | ${r.perClass.map(pct).join(' | ')} | ${r.meanTrueProbability.toFixed(3)} | ${r.pageTests.right}/${r.pageTests.of}${r.pageTests.wrong.length ? ` (${r.pageTests.wrong.join(', ')})` : ''} |`,
  );
  return [head, rule, ...rows].join('\n');
}

const models: [string, Model][] = [];
for (const path of modelPaths) {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'model.mnn') : path;
  models.push([path, await loadModel(file)]);
}
mkdirSync(out, { recursive: true });
console.log(
  `${drawings.length - pageDigits.length} drawings of our own (${perClass} a digit, seed ${seed}) and the page tests' ${pageDigits.length}; renderer ${renderer}.`,
);

const report: Record<string, unknown> = {
  perClass,
  seed,
  renderer,
  drawings: drawings.map(({ id, label, variant, style }) => ({ id, label, variant, style })),
};
const runs: [string, Float32Array][] = [];
/**
 * The inputs of an earlier Chromium run of the same set, kept in --out: a stamp of the set and the [N, 28, 28] floats.
 */
const cacheFile = join(out, 'inputs-chromium.f32');
const stampFile = join(out, 'inputs-chromium.json');
const stamp = JSON.stringify({
  perClass,
  seed,
  ids: drawings.map((d) => d.id),
  strokes: drawings.map((d) => d.strokes),
});
const cached =
  values.reuse &&
  renderer === 'chromium' &&
  existsSync(cacheFile) &&
  existsSync(stampFile) &&
  readFileSync(stampFile, 'utf8') === stamp;
if (values.reuse && renderer === 'chromium' && !cached)
  console.log(`No Chromium inputs of this set in ${out} to reuse: drawing them.`);
if (cached) {
  const bytes = readFileSync(cacheFile);
  const x = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  console.log(
    `Chromium: the inputs drawn on the page by an earlier run (${statSync(cacheFile).mtime.toISOString()}), from ${cacheFile}.`,
  );
  runs.push(['chromium', x]);
} else if (renderer !== 'node') {
  const started = performance.now();
  // The page tests' digits and a spread of the set are drawn with the mouse on the page as well.
  const check = [
    ...pageDigits.keys(),
    ...Array.from(
      { length: checkCount },
      (_, k) => pageDigits.length + Math.floor(((k + 0.5) * (drawings.length - pageDigits.length)) / checkCount),
    ),
  ];
  const { pixels, checked } = await renderInChromium(drawings, checkCount < 0 ? [] : check);
  const x = inputsFrom(pixels);
  console.log(
    `Chromium: drew ${drawings.length} drawings on the page's canvas, and ${checked.length} of them with the mouse, in ${((performance.now() - started) / 1e3).toFixed(0)} s.`,
  );
  runs.push(['chromium', x]);
  writeFileSync(cacheFile, new Uint8Array(x.buffer));
  writeFileSync(stampFile, stamp);
  // The mouse on the real pad against the replay; the page's own reading (its shipped model, in the browser) against
  // Node's of the replay's pixels.
  const shipped = await score('web/model/model.mnn', await loadModel('web/model/model.mnn'), x);
  const same = checked.filter((c) => c.differing === 0).length;
  const agree = checked.filter((c) => String(shipped.predicted[c.index]) === c.pageDigit).length;
  console.log(
    `Drawn with the mouse on the page: ${same}/${checked.length} pads identical to the replay (largest difference ${Math.max(0, ...checked.map((c) => c.largest))}/255, at most ${Math.max(0, ...checked.map((c) => c.differing))} pixels of ${PAD * PAD} differing; in the 28×28 inputs, at most ${Math.max(0, ...checked.map((c) => c.input)).toFixed(3)}); ` +
      `the page's reading with its shipped model equals Node's reading of the replayed pixels on ${agree}/${checked.length}.`,
  );
  report.mouseCheck = {
    drawings: checked.map((c) => ({ id: drawings[c.index].id, ...c, nodeDigit: shipped.predicted[c.index] })),
  };
  await saveGrid(
    join(out, 'inputs.png'),
    x,
    drawings.map((_, i) => i),
    drawings.map((d) => d.label),
  );
}
if (renderer !== 'chromium') {
  const x = new Float32Array(drawings.length * 784);
  drawings.forEach((d, i) => x.set(mnistFromImage(renderStrokes(d.strokes)).data, i * 784));
  runs.push(['node', x]);
  if (renderer === 'node')
    await saveGrid(
      join(out, 'inputs.png'),
      x,
      drawings.map((_, i) => i),
      drawings.map((d) => d.label),
    );
}
if (runs.length === 2) {
  const [a, b] = [runs[0][1], runs[1][1]];
  let worst = 0;
  let sum = 0;
  for (let i = 0; i < drawings.length; i++) {
    let m = 0;
    for (let j = 0; j < 784; j++) m = Math.max(m, Math.abs(a[i * 784 + j] - b[i * 784 + j]));
    worst = Math.max(worst, m);
    sum += m;
  }
  console.log(
    `Inputs from Chromium and from renderStrokes: largest pixel difference ${worst.toFixed(3)}, mean of each drawing's largest ${(sum / drawings.length).toFixed(3)}.`,
  );
}

for (const [name, x] of runs) {
  const results: Scores[] = [];
  for (const [path, model] of models) results.push(await score(path, model, x));
  if (name === runs[0][0]) {
    // The drawings some model misreads, captioned with the first model's reading (results.json has every model's).
    const missed = drawings.map((d, i) => i).filter((i) => results.some((r) => r.predicted[i] !== drawings[i].label));
    if (missed.length > 0)
      await saveGrid(
        join(out, 'misread.png'),
        x,
        missed,
        drawings.map((d) => d.label),
        results[0].predicted.map(Number),
        16,
      );
  }
  console.log(`\nRendered by ${name}:\n${table(results)}\n`);
  for (const r of results) console.log(`${r.model}: wrong on ${r.wrong.length}: ${r.wrong.join('; ') || 'none'}`);
  report[name] = results.map((scores) => {
    const r: Omit<Scores, 'predicted'> & Partial<Pick<Scores, 'predicted'>> = { ...scores };
    delete r.predicted;
    return r;
  });
  if (runs.length === 2) {
    const other = runs.find(([n]) => n !== name)![1];
    for (const [path, model] of models) {
      const a = await score(path, model, x);
      const b = await score(path, model, other);
      const differ = a.predicted.filter((p, i) => p !== b.predicted[i]).length;
      if (name === 'chromium')
        console.log(`${path}: reads ${differ} of ${drawings.length} drawings differently from the two renderers.`);
    }
  }
}
writeFileSync(join(out, 'results.json'), JSON.stringify(report, null, 1) + '\n');
console.log(`\nWrote ${out}/: results.json, inputs.png${existsSync(join(out, 'misread.png')) ? ', misread.png' : ''}.`);
