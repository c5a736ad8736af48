/** Pieces the subcommands share: finding and loading a saved model, shaping MNIST for it, and scoring it. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../io/load.js';
import '../io/save.js'; // gives model.save(path) its file writer
import type { Sequential } from '../nn/sequential.js';
import type { Tensor } from '../tensor/tensor.js';
import { confusionMatrix, perClass, type ClassFigures } from '../report/metrics.js';
import { UsageError } from './args.js';

export const MODEL_FILE = 'model.mnn';

/** Loads DIR/model.mnn (or DIR itself when it is a model file); a UsageError names what is missing. */
export async function loadModelFrom(command: string, dir: string): Promise<Sequential> {
  if (!existsSync(dir)) throw new UsageError(`${command}: ${dir}: no such directory.`);
  const path = statSync(dir).isDirectory() ? join(dir, MODEL_FILE) : dir;
  if (!existsSync(path)) throw new UsageError(`${command}: ${path}: no such file (train a model first: mnist-nn train --out ${dir}).`);
  return loadModel(path);
}

/** The model's per-sample input shape ([28, 28] for the MLPs, [28, 28, 1] for the CNN). */
export function inputShapeOf(model: Sequential): number[] {
  return model.toConfig().inputShape ?? [28, 28];
}

/** Images [n, 28, 28] (uint8 0–255 or floats in [0, 1]) as the model's input, scaled to [0, 1]. */
export function modelInput(model: Sequential, images: Tensor, scale = 255): Tensor {
  const x = scale === 1 ? images : images.div(scale);
  return x.reshape([images.shape[0], ...inputShapeOf(model)]);
}

export interface Assessment {
  loss: number;
  accuracy: number;
  predicted: Int32Array;
  confusion: number[][];
  classes: ClassFigures[];
}

/**
 * Predicts `x` and scores it against the sparse labels `y`: sparse categorical cross-entropy (with
 * Keras's 1e-7 clipping), accuracy, the confusion matrix and per-class figures.
 */
export async function assess(model: Sequential, x: Tensor, y: Tensor): Promise<Assessment> {
  const probs = await model.predict(x);
  const k = probs.shape[1];
  const n = probs.shape[0];
  const predicted = new Int32Array(n);
  let loss = 0;
  let right = 0;
  for (let i = 0; i < n; i++) {
    const row = probs.data.subarray(i * k, (i + 1) * k);
    let best = 0;
    for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
    predicted[i] = best;
    const label = y.data[i];
    loss -= Math.log(Math.min(1 - 1e-7, Math.max(1e-7, row[label])));
    if (best === label) right++;
  }
  const confusion = confusionMatrix(y.data, predicted, k);
  return { loss: loss / n, accuracy: right / n, predicted, confusion, classes: perClass(confusion) };
}

/** A plain text table with right-aligned columns. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((s, c) => s.padStart(widths[c])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Per-class precision, recall, F1 and support as a text table. */
export function classTable(classes: ClassFigures[]): string {
  return textTable(
    ['digit', 'precision', 'recall', 'f1', 'support'],
    classes.map((c, d) => [String(d), c.precision.toFixed(4), c.recall.toFixed(4), c.f1.toFixed(4), String(c.support)]),
  );
}

/** The confusion matrix as a text table: rows true digits, columns predicted. */
export function confusionTable(confusion: number[][]): string {
  return textTable(
    ['true\\pred', ...confusion.map((_, c) => String(c))],
    confusion.map((row, t) => [String(t), ...row.map(String)]),
  );
}

/** A 28×28 image of a [n, 28, 28] uint8 tensor as floats in [0, 1]. */
export function digitImage(images: Tensor, i: number): Float32Array {
  const px = images.data.subarray(i * 784, (i + 1) * 784);
  const out = new Float32Array(784);
  for (let j = 0; j < 784; j++) out[j] = px[j] / 255;
  return out;
}
