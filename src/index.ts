/**
 * mnist-nn: a from-scratch neural-network library with Keras's API, hand-written backward passes
 * over Float32Array kernels, and the MNIST data set bundled.
 *
 * ```ts
 * import { Sequential, Dense, Flatten, loadMnist } from 'mnist-nn';
 * ```
 * This is the Node entry. Browsers get `mnist-nn/browser` (bundlers pick it for `mnist-nn` by the
 * `browser` condition): the same library without files, loadMnist and the image codecs.
 * @module
 */
export * from './portable.js';

// Node only: files, the MNIST package on disk, image codecs.
import './io/save.js'; // gives model.save(path) its file writer
export { loadModel } from './io/load.js';
export { readIdxFile } from './data/idx-file.js';
export { loadMnist, type LoadMnistOptions, type MnistData } from './data/mnist.js';
export { decodeImage, loadImageFile, encodePng } from './image/codecs.js';

// Plots for scripts: the chart packages (vega, vega-lite, resvg) load when the first one is drawn.
export {
  Plot,
  plotHistory,
  plotDigits,
  plotProbabilities,
  plotConfusion,
  plotClassMetrics,
  type Labels,
  type PlotHistoryOptions,
  type PlotDigitsOptions,
  type PlotLabelsOptions,
} from './plot/plots.js';
