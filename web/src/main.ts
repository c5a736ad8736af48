/**
 * The draw-a-digit page: a drawing pad read live by a model (the CNN shipped in web/model/, an MLP
 * trained in this page, or a model file the user drops on the page or picks: a Keras .keras or .h5,
 * or an mnist-nn .mnn), the ten probabilities as bars, the 28×28 input the network sees, and a
 * training panel whose work runs in train-worker.ts so the page never freezes.
 */
import {
  InputLayer,
  ValueError,
  getBackend,
  getThreads,
  loadModel,
  mnistFromImage,
  type Model,
  type Tensor,
} from '../../src/browser.js';
import type { ChartPoint } from './chart.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { paintStroke, padPoint, type PadPoint } from './pen.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page: no element #${id}`);
  return el as T;
};

// ---- models ----------------------------------------------------------------------------------
const models: { shipped?: Model; browser?: Model; file?: Model } = {};
type ModelKey = keyof typeof models;
let active: ModelKey = 'shipped';
const modelInfo = $<HTMLParagraphElement>('model-info');
const select = $<HTMLSelectElement>('model-select');

async function loadShipped(): Promise<void> {
  try {
    const model = await loadModel(new URL('../model/model.mnn', import.meta.url));
    models.shipped = model;
    const about = await fetch(new URL('../model/about.json', import.meta.url))
      .then((r) => (r.ok ? (r.json() as Promise<{ testAccuracy?: number }>) : undefined))
      .catch(() => undefined);
    const acc =
      about?.testAccuracy !== undefined ? `, ${(100 * about.testAccuracy).toFixed(2)}% on MNIST's test set` : '';
    modelInfo.textContent = `CNN, ${model.countParams().toLocaleString('en')} weights${acc}. Backend: ${getBackend()}, ${getThreads()} thread.`;
    document.body.dataset.modelReady = 'true';
    schedulePredict();
  } catch (e) {
    modelInfo.textContent = `Could not load the model: ${(e as Error).message}`;
    document.body.dataset.modelReady = 'error';
  }
}

select.addEventListener('change', () => {
  active = select.value as ModelKey;
  schedulePredict();
});

// ---- a model file of the user's: dropped on the page or picked -----------------------------------
const fileInput = $<HTMLInputElement>('model-file');
const fileInfo = $<HTMLParagraphElement>('file-info');

/** Reads a dropped or picked file with the library's loadModel (Keras .keras / .h5, or .mnn) and draws against it. */
async function useModelFile(file: File): Promise<void> {
  document.body.dataset.fileModel = 'loading';
  fileInfo.textContent = `Reading ${file.name}…`;
  try {
    const model = await loadModel(new Uint8Array(await file.arrayBuffer()));
    const input = model.inputShape ?? [];
    const output = model.outputShape;
    if (input.reduce((a, b) => a * b, 1) !== 784 || output.length !== 1 || output[0] !== 10) {
      throw new ValueError(
        `it takes inputs [${input.join(', ')}] to outputs [${output.join(', ')}]; a digit reader takes 28×28 pixels ([28, 28], [28, 28, 1] or [784]) to 10 probabilities.`,
      );
    }
    models.file = model;
    let option = select.querySelector<HTMLOptionElement>('option[value="file"]');
    if (!option) {
      option = document.createElement('option');
      option.value = 'file';
      select.append(option);
    }
    option.textContent = `${file.name} (your file)`;
    select.value = 'file';
    active = 'file';
    const layers = model.layers.filter((l) => !(l instanceof InputLayer)).map((l) => l.className);
    fileInfo.textContent = `${file.name}: ${layers.join(', ')}; ${model.countParams().toLocaleString('en')} weights. It reads your drawings now.`;
    document.body.dataset.fileModel = 'ready';
    schedulePredict();
  } catch (e) {
    fileInfo.textContent = `Could not use ${file.name}: ${(e as Error).message}`;
    document.body.dataset.fileModel = 'error';
  }
}

fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  if (file) void useModelFile(file);
});
document.addEventListener('dragover', (e) => {
  if (!e.dataTransfer?.types.includes('Files')) return;
  e.preventDefault();
  document.body.classList.add('dropping');
});
document.addEventListener('dragleave', (e) => {
  if (e.relatedTarget === null) document.body.classList.remove('dropping');
});
document.addEventListener('drop', (e) => {
  document.body.classList.remove('dropping');
  const file = e.dataTransfer?.files[0];
  if (!file) return;
  e.preventDefault();
  void useModelFile(file);
});

// ---- drawing pad -------------------------------------------------------------------------------
const pad = $<HTMLCanvasElement>('pad');
const ctx = pad.getContext('2d', { willReadFrequently: true })!;
/** The one pointer drawing now (a second finger or a resting palm is ignored). */
let pen: number | null = null;
let last: PadPoint | null = null;
let inked = false;
/** Bumped by every stroke; a prediction records the version it read, so "settled" means they match. */
let version = 0;

function clearPad(): void {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, pad.width, pad.height);
  inked = false;
  version++;
  pad.dataset.version = String(version);
  showEmpty();
}

function at(e: PointerEvent): PadPoint {
  return padPoint(pad, e.clientX, e.clientY);
}

function stroke(to: PadPoint): void {
  paintStroke(ctx, last, to);
  last = to;
  inked = true;
  version++;
  pad.dataset.version = String(version);
}

pad.addEventListener('pointerdown', (e) => {
  e.preventDefault();
  if (pen !== null || e.button !== 0) return; // one pointer at a time; the left button (or a touch, a pen tip) only
  pen = e.pointerId;
  pad.setPointerCapture(e.pointerId);
  last = null;
  stroke(at(e));
  schedulePredict();
});
pad.addEventListener('pointermove', (e) => {
  if (e.pointerId !== pen) return;
  for (const ev of e.getCoalescedEvents?.() ?? [e]) stroke(at(ev));
  schedulePredict();
});
const endStroke = (e: PointerEvent): void => {
  if (e.pointerId !== pen) return;
  pen = null;
  last = null;
  schedulePredict();
};
pad.addEventListener('contextmenu', (e) => e.preventDefault());
pad.addEventListener('pointerup', endStroke);
pad.addEventListener('pointercancel', endStroke);
$<HTMLButtonElement>('clear').addEventListener('click', clearPad);

// ---- prediction --------------------------------------------------------------------------------
const bars = $<HTMLOListElement>('bars');
const prediction = $<HTMLOutputElement>('prediction');
const confidence = $<HTMLSpanElement>('confidence');
const seen = $<HTMLCanvasElement>('seen');
const seenCtx = seen.getContext('2d')!;
const rows = Array.from({ length: 10 }, (_, d) => {
  const li = document.createElement('li');
  li.dataset.digit = String(d);
  li.innerHTML = `<span class="digit">${d}</span><span class="track"><span class="fill"></span></span><span class="pct">0.0%</span>`;
  bars.append(li);
  return { li, fill: li.querySelector<HTMLElement>('.fill')!, pct: li.querySelector<HTMLElement>('.pct')! };
});

function showEmpty(): void {
  prediction.textContent = '?';
  prediction.dataset.digit = '';
  prediction.dataset.version = String(version);
  confidence.textContent = 'draw a digit';
  for (const r of rows) {
    r.fill.style.width = '0';
    r.pct.textContent = '0.0%';
    r.li.classList.remove('top');
  }
  seenCtx.fillStyle = '#000';
  seenCtx.fillRect(0, 0, 28, 28);
}

function showInput(x: Tensor): void {
  const img = seenCtx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * Number(x.data[i]));
    img.data.set([v, v, v, 255], 4 * i);
  }
  seenCtx.putImageData(img, 0, 0);
}

let pending = false;
let busy = false;
/** Predicts at most once a frame, however fast pointer events come. */
function schedulePredict(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    void predict();
  });
}

async function predict(): Promise<void> {
  const model = models[active];
  if (!inked || !model) return;
  if (busy) return schedulePredict();
  busy = true;
  try {
    const seenVersion = version;
    let x: Tensor;
    try {
      x = mnistFromImage(ctx.getImageData(0, 0, pad.width, pad.height));
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      return showEmpty(); // no ink yet (a dot too faint to count)
    }
    showInput(x);
    const shape = model.inputShape ?? [28, 28];
    const p = ((await model.predict(x.reshape([1, ...shape]))) as Tensor).data;
    let best = 0;
    for (let d = 1; d < 10; d++) if (p[d] > p[best]) best = d;
    rows.forEach((r, d) => {
      r.fill.style.width = `${(100 * Number(p[d])).toFixed(1)}%`;
      r.pct.textContent = `${(100 * Number(p[d])).toFixed(1)}%`;
      r.li.classList.toggle('top', d === best);
    });
    prediction.textContent = String(best);
    prediction.dataset.digit = String(best);
    confidence.textContent = `${(100 * Number(p[best])).toFixed(1)}% sure`;
    prediction.dataset.version = String(seenVersion);
  } finally {
    busy = false;
  }
}

// ---- training in a worker ----------------------------------------------------------------------
const trainButton = $<HTMLButtonElement>('train');
const stopButton = $<HTMLButtonElement>('stop');
const progressBar = $<HTMLDivElement>('progress-bar');
const status = $<HTMLParagraphElement>('train-status');
const chart = $<HTMLDivElement>('chart');
let worker: Worker | undefined;
let points: ChartPoint[] = [];
let epochsPlanned = 5;
let stopping = false;
let lastChart = 0;
// What the page draws while training comes out of the training's cores (the training worker and its
// kernel workers are busy on every core). Measured on 2 cores, 10 epochs of about 3 s: Chromium's
// threads other than the training's used 1.5–2.1 CPU-seconds when the status line and the progress
// bar changed at every report and the chart was drawn ten times a second; 0.5 with nothing drawn; 0.8–1.1
// as now. So the status and the bar are drawn no more often than every STATUS_MS, and the chart than
// every CHART_MS (or ten of its draws' time); every report still reaches the chart's points.
const STATUS_MS = 200;
const CHART_MS = 250;
/**
 * How long the chart's last draw took (ms): the next waits ten times that, so drawing takes a tenth of the main thread
 * at most.
 */
let chartCost = 0;
/** The newest batch report not yet shown, and the timer that will show it. */
let unshown: Extract<FromWorker, { type: 'batch' }> | undefined;
let statusTimer: ReturnType<typeof setTimeout> | undefined;
let lastStatus = 0;
// The chart (chart.ts and Vega) loads after the page is up, in a chunk of its own.
const drawChart = import('./chart.js').then((m) => m.createChart(chart, new URL('./curves.vg.json', import.meta.url)));
drawChart.catch((e) => (chart.textContent = `The chart did not load: ${(e as Error).message}`));
/** A draw is under way; `drawAgain`: another was asked for meanwhile, and follows it. */
let drawing = false;
let drawAgain = false;

function redraw(force = false): void {
  const now = performance.now();
  if (!force && now - lastChart < Math.max(CHART_MS, 10 * chartCost)) return;
  lastChart = now;
  if (drawing) return void (drawAgain = true);
  drawing = true;
  const n = points.length;
  void drawChart
    .then((draw) => {
      const started = performance.now();
      return draw(points, epochsPlanned).then(() => (chartCost = performance.now() - started));
    })
    .then(() => (chart.dataset.points = String(n)))
    .catch(() => undefined) // a chart that did not load says so in its place (above)
    .finally(() => {
      drawing = false;
      if (drawAgain) {
        drawAgain = false;
        redraw(true);
      }
    });
}

function send(msg: ToWorker): void {
  worker?.postMessage(msg);
}

trainButton.addEventListener('click', () => {
  const epochs = Math.max(1, Math.min(50, Math.round(Number($<HTMLInputElement>('epochs').value) || 5)));
  const batchSize = Math.max(1, Math.min(1024, Math.round(Number($<HTMLInputElement>('batch-size').value) || 32)));
  epochsPlanned = epochs;
  worker?.terminate();
  worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onWorker(e.data);
  worker.onerror = (e) => {
    e.preventDefault();
    failed(
      e.message
        ? `the training worker failed: ${e.message}`
        : 'could not start the training worker (build/train-worker.js)',
    );
  };
  points = [];
  stopping = false;
  redraw(true);
  progressBar.style.width = '0';
  status.textContent = 'Loading the digits…';
  document.body.dataset.training = 'running';
  trainButton.disabled = true;
  stopButton.disabled = false;
  // ?threads=N trains on N threads (bench/browser-threads.ts compares 1 with every core).
  // A bad value (0, 2.5, abc) reaches setThreads, whose ValueError the page then shows.
  const asked = new URLSearchParams(location.search).get('threads');
  const threads = asked === null ? undefined : Number(asked);
  send({ type: 'train', epochs, batchSize, threads });
});
stopButton.addEventListener('click', () => {
  send({ type: 'stop' });
  stopButton.disabled = true;
  stopping = true;
  status.textContent += ' Stopping…';
});

/** Shows the newest batch report: the status line, the progress bar, and the chart if its time has come. */
function showBatch(): void {
  statusTimer = undefined;
  const msg = unshown;
  if (!msg) return;
  unshown = undefined;
  lastStatus = performance.now();
  const done = msg.epoch * msg.batches + msg.batch + 1;
  progressBar.style.width = `${((100 * done) / (msg.epochs * msg.batches)).toFixed(1)}%`;
  status.textContent = `Epoch ${msg.epoch + 1}/${msg.epochs}, batch ${msg.batch + 1}/${msg.batches}: loss ${msg.loss.toFixed(4)}, accuracy ${(100 * msg.accuracy).toFixed(1)}%${stopping ? ' Stopping…' : ''}`;
  redraw();
}

/** Forgets a batch report not yet shown (an epoch's end, the end of training or a failure says more). */
function dropUnshown(): void {
  clearTimeout(statusTimer);
  statusTimer = undefined;
  unshown = undefined;
}

function failed(message: string): void {
  dropUnshown();
  status.textContent = `Training failed: ${message}`;
  document.body.dataset.training = 'error';
  trainButton.disabled = false;
  stopButton.disabled = true;
  worker?.terminate();
  worker = undefined;
}

/** The backend and threads of the training worker's run, as it reported them. */
let trainedOn = '';

async function onWorker(msg: FromWorker): Promise<void> {
  if (msg.type === 'ready') {
    $('train-count').textContent = msg.trainDigits.toLocaleString('en');
    $('test-count').textContent = msg.testDigits.toLocaleString('en');
    trainedOn = `${msg.backend}, ${msg.threads} thread${msg.threads === 1 ? '' : 's'}`;
    document.body.dataset.trainThreads = String(msg.threads);
    status.textContent = `Training on ${msg.trainDigits.toLocaleString('en')} digits (${trainedOn})…`;
  } else if (msg.type === 'batch') {
    points.push({ x: msg.epoch + (msg.batch + 1) / msg.batches, loss: msg.loss, accuracy: msg.accuracy });
    unshown = msg;
    statusTimer ??= setTimeout(showBatch, Math.max(0, lastStatus + STATUS_MS - performance.now()));
  } else if (msg.type === 'epoch') {
    dropUnshown(); // the epoch's line replaces its last batch's, and stays STATUS_MS at least
    lastStatus = performance.now();
    // Where the epoch ended: its last batch, or the one Stop ended it at (always reported).
    progressBar.style.width = `${((100 * Math.min(msg.epoch + 1, points.at(-1)?.x ?? msg.epoch + 1)) / msg.epochs).toFixed(1)}%`;
    document.body.dataset.epochsDone = String(msg.epoch + 1);
    // the epoch's last batch (or the one Stop ended it at) is always reported: hang validation on it
    const end = points.at(-1);
    if (end && end.x > msg.epoch) Object.assign(end, { valLoss: msg.valLoss, valAccuracy: msg.valAccuracy });
    else
      points.push({
        x: msg.epoch + 1,
        loss: msg.loss,
        accuracy: msg.accuracy,
        valLoss: msg.valLoss,
        valAccuracy: msg.valAccuracy,
      });
    status.textContent = `Epoch ${msg.epoch + 1}/${msg.epochs} in ${msg.seconds.toFixed(1)} s: loss ${msg.loss.toFixed(4)}, accuracy ${(100 * msg.accuracy).toFixed(1)}%; validation ${(100 * msg.valAccuracy).toFixed(1)}%${stopping ? ' Stopping…' : ''}`;
    redraw(true);
  } else if (msg.type === 'done') {
    dropUnshown();
    worker?.terminate();
    worker = undefined;
    epochsPlanned = Math.max(1, Math.ceil(points.at(-1)?.x ?? 1));
    redraw(true);
    trainButton.disabled = false;
    stopButton.disabled = true;
    document.body.dataset.training = 'done';
    // the status line's figure, unrounded (bench/browser-threads.ts)
    document.body.dataset.trainSeconds = String(msg.seconds);
    if (msg.epochsRun === 0) {
      status.textContent = 'Stopped before training began.';
      return;
    }
    try {
      models.browser = await loadModel(msg.model);
    } catch (e) {
      return failed(`the trained model did not load: ${(e as Error).message}`);
    }
    // The threads the kernels ran on, counted at the end: the pool's Web Workers start after the run's first steps.
    trainedOn = trainedOn.replace(/\d+ threads?$/, `${msg.threads} thread${msg.threads === 1 ? '' : 's'}`);
    document.body.dataset.trainThreads = String(msg.threads);
    // The tasks of split kernel calls each thread ran (the training worker's, then its pool's): how the work split (the
    // browser test, bench/browser-threads.ts).
    document.body.dataset.threadTasks = msg.threadTasks.join(',');
    const option = select.querySelector<HTMLOptionElement>('option[value="browser"]')!;
    option.disabled = false;
    option.textContent = `MLP (trained here, ${(100 * msg.testAccuracy).toFixed(1)}%)`;
    status.textContent = `${msg.stopped ? `Stopped in epoch ${msg.epochsRun}` : `Done: ${msg.epochsRun} epoch${msg.epochsRun === 1 ? '' : 's'}`} (${msg.seconds.toFixed(1)} s, ${trainedOn}): test accuracy ${(100 * msg.testAccuracy).toFixed(2)}% on ${msg.testDigits.toLocaleString('en')} digits. Pick it under Model to draw against it.`;
  } else if (msg.type === 'error') {
    failed(msg.message);
  }
}

clearPad();
redraw(true);
void loadShipped();
