/**
 * Every layer mnist-nn has, one export line each: the public list (the entries re-export it), and
 * what the loaders import so that each layer's file has run its registration before a file names it.
 */
export { Dense, type DenseArgs } from './dense.js';
export { Conv2D, type Conv2DArgs } from './conv2d.js';
export { MaxPooling2D, type MaxPooling2DArgs } from './maxpool2d.js';
export { AveragePooling2D, type AveragePooling2DArgs } from './avgpool2d.js';
export { GlobalAveragePooling2D } from './global-avgpool2d.js';
export { GlobalMaxPooling2D } from './global-maxpool2d.js';
export { Dropout } from './dropout.js';
export { Flatten } from './flatten.js';
export { Reshape } from './reshape.js';
export { Activation, ActivationLayer, type ActivationArgs } from './activation.js';
export { ReLU } from './relu.js';
export { LeakyReLU, type LeakyReLUArgs } from './leaky-relu.js';
export { Softmax } from './softmax.js';
export { BatchNormalization, type BatchNormalizationArgs } from './batch-normalization.js';
export { RandomRotation } from './random-rotation.js';
export { RandomTranslation } from './random-translation.js';
export { RandomZoom } from './random-zoom.js';
