/**
 * Every layer mnist-nn has, one export line each: the public list (the entries re-export it), and
 * what the loaders import so that each layer's file has run its registration before a file names it.
 * @module
 */
export { InputLayer, Input, type InputArgs } from './core/input-layer.js';
export { Dense, type DenseArgs } from './core/dense.js';
export { Conv2D, type Conv2DArgs } from './convolution/conv2d.js';
export { MaxPooling2D, type MaxPooling2DArgs } from './pooling/maxpool2d.js';
export { AveragePooling2D, type AveragePooling2DArgs } from './pooling/avgpool2d.js';
export { GlobalAveragePooling2D } from './pooling/global-avgpool2d.js';
export { GlobalMaxPooling2D } from './pooling/global-maxpool2d.js';
export { Dropout } from './core/dropout.js';
export { Flatten } from './reshaping/flatten.js';
export { Reshape } from './reshaping/reshape.js';
export { Activation, ActivationLayer, type ActivationArgs } from './activation/activation.js';
export { ReLU } from './activation/relu.js';
export { LeakyReLU, type LeakyReLUArgs } from './activation/leaky-relu.js';
export { Softmax } from './activation/softmax.js';
export { BatchNormalization, type BatchNormalizationArgs } from './normalization/batch-normalization.js';
export { RandomRotation } from './augmentation/random-rotation.js';
export { RandomTranslation } from './augmentation/random-translation.js';
export { RandomZoom } from './augmentation/random-zoom.js';
export { Add } from './merging/add.js';
export { Subtract } from './merging/subtract.js';
export { Multiply } from './merging/multiply.js';
export { Average } from './merging/average.js';
export { Maximum } from './merging/maximum.js';
export { Minimum } from './merging/minimum.js';
export { Concatenate, type ConcatenateArgs } from './merging/concatenate.js';
