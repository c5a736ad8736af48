// Loads one model file in this process and prints, as one JSON line, what happened: the error's class
// and message (or the model's layer count), the milliseconds it took and the process's peak RSS.
// test/hostile-files.test.ts runs it in a child Node process with a heap limit and a timeout.
import { loadModel } from '../../src/index.js';

const path = process.argv[2];
const started = performance.now();
let outcome: { error?: string; message?: string; layers?: number };
try {
  const model = await loadModel(path);
  outcome = { layers: model.layers.length };
} catch (e) {
  outcome = { error: (e as Error).constructor.name, message: (e as Error).message };
}
const ms = performance.now() - started;
console.log(JSON.stringify({ ...outcome, ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
