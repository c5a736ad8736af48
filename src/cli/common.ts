/** Pieces the subcommands share: finding and loading a saved model, shaping MNIST for it, and scoring it. */
import { existsSync } from 'node:fs';
import { FormatError, ShapeError, ValueError, formatShape } from '../errors.js';
import { loadModel, modelFileIn } from '../io/load.js';
import '../io/save.js'; // gives model.save(path) its file writer
import type { Model } from '../models/model.js';
import type { Layer } from '../layers/layer.js';
import type { Tensor } from '../tensor/tensor.js';
import { confusionMatrix, perClass, type ClassFigures } from '../metrics/classification.js';
import { UsageError } from './args.js';

export const MODEL_FILE = 'model.mnn';

/**
 * Loads the model the user named: a run directory (resolved by modelFileIn: DIR/model.mnn, else
 * DIR/model.json, DIR/model.keras or DIR/model.h5) or a model file (any of these formats, told by
 * content). A UsageError names what is missing and the model-like files DIR does hold; the model
 * must then be a digit classifier (see checkDigitModel).
 */
export async function loadModelFrom(command: string, dir: string): Promise<Model> {
  if (!existsSync(dir)) throw new UsageError(`${command}: ${dir}: no such file or directory.`);
  const path = modelFile(command, dir);
  const model = await loadModel(path);
  checkDigitModel(command, model, path);
  return model;
}

/** The model file a CLI argument names (see modelFileIn), a missing one a UsageError. */
export function modelFile(command: string, path: string): string {
  try {
    return modelFileIn(path, command, ` (train one: mnist-nn train --out ${path})`);
  } catch (e) {
    if (e instanceof FormatError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * The CLI feeds 28×28 digits and reads ten probabilities, one per digit, so a model must take 784
 * values per sample (`[28, 28]`, `[28, 28, 1]` or `[784]`) and end in a softmax over 10 classes.
 *
 * @throws ShapeError naming the file when the input or output shape differs; ValueError when the
 *   last layer is not a softmax (its outputs would not be probabilities).
 */
export function checkDigitModel(command: string, model: Model, path: string): void {
  if (!model.built)
    throw new ShapeError(
      `${command}: ${path} is a model without an input shape (never built), so it cannot read digits.`,
    );
  const ins = model.inputShapes?.length ?? 0;
  const outs = model.outputShapes.length;
  if (ins !== 1 || outs !== 1) {
    throw new ShapeError(
      `${command}: ${path} has ${ins} inputs and ${outs} outputs; a digit classifier has one of each (28×28 pixels in, ten probabilities out).`,
    );
  }
  const input = inputShapeOf(model);
  if (input.reduce((a, b) => a * b, 1) !== 784) {
    throw new ShapeError(
      `${command}: ${path} takes inputs of shape ${formatShape([null, ...input])}; MNIST digits are 28×28: expected [None, 28, 28], [None, 28, 28, 1] or [None, 784].`,
    );
  }
  const output = model.outputShape;
  if (output.length !== 1 || output[0] !== 10) {
    throw new ShapeError(
      `${command}: ${path} gives outputs of shape ${formatShape([null, ...output])}; a digit classifier gives [None, 10] (one probability per digit).`,
    );
  }
  const last = model.outputs[0].node.layer as Layer;
  if (!last.endsInSoftmax()) {
    throw new ValueError(
      `${command}: ${path} ends in ${last.describe()} without a softmax, so its outputs are not probabilities; expected a model ending in softmax.`,
    );
  }
}

/** The model's per-sample input shape ([28, 28] for the MLPs, [28, 28, 1] for the CNN). */
export function inputShapeOf(model: Model): number[] {
  return model.inputShape ?? [28, 28];
}

/** Images [n, 28, 28] (uint8 0–255 or floats in [0, 1]) as the model's input, scaled to [0, 1]. */
export function modelInput(model: Model, images: Tensor, scale = 255): Tensor {
  const x = scale === 1 ? images : images.div(scale);
  return x.reshape([images.shape[0], ...inputShapeOf(model)]);
}

export interface Assessment {
  loss: number;
  accuracy: number;
  /** The model's probabilities, [n, classes]. */
  probs: Tensor;
  predicted: Int32Array;
  confusion: number[][];
  classes: ClassFigures[];
}

/**
 * Predicts `x` and scores it against the sparse labels `y`: sparse categorical cross-entropy (with
 * Keras's 1e-7 clipping), accuracy, the confusion matrix and per-class figures.
 */
export async function assess(model: Model, x: Tensor, y: Tensor): Promise<Assessment> {
  // One output: checkDigitModel has seen to it.
  const probs = (await model.predict(x)) as Tensor;
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
  return { loss: loss / n, accuracy: right / n, probs, predicted, confusion, classes: perClass(confusion) };
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
