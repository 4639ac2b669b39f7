/**
 * @edgeq/qat — quantization-aware training on TensorFlow.js and freeze to QGraph:
 * backend choice, wasm gradient kernels, fake-quant with STE, BN folding, range
 * observers and schedules, PTQ calibration, sample sets of any shape and Fashion-MNIST
 * loading, tasks and their losses, float and int8 evaluation (the integer interpreter of
 * @edgeq/ir) with task metrics, saving/loading models as directories, and reading float
 * models from Keras .keras/.h5 files and float32 .tflite files.
 */

export * from './errors.js';
export * from './backend.js';
export * from './grad-kernels.js';
export * from './fake-quant.js';
export * from './fused-ops.js';
export { FOLD_QUANT_WEIGHTS, foldQuantWeights, type FoldedWeights } from './fold-weights.js';
export { backendKernel } from './simd-kernels.js';
/** The TensorFlow.js that edgeq's models, backends and kernels live in: use it for tensors of your own, so that both share one engine. */
export * as tf from '@tensorflow/tfjs';
export * from './quant-params.js';
export * from './weight-bits.js';
export * from './dataset.js';
export * from './arch.js';
export * from './net.js';
export * from './cropping-1d.js';
export * from './model.js';
export * from './model-io.js';
export * from './tfjs-model-dir.js';
export * from './keras-config.js';
export { loadKerasFile, looksLikeKerasFile } from './keras-file.js';
export * from './tflite-float.js';
export * from './float-outputs.js';
export * from './task.js';
export * from './train.js';
export * from './qat.js';
export * from './calibrate.js';
export * from './freeze.js';
export * from './evaluate.js';
export * from './metrics.js';
export * from './layer-error.js';
export { permutation, subSeed } from './random.js';
export * from './training-loss.js';
export { TrainingPool, defaultWorkerCount, resolveWorkerCount, type PoolOptions } from './train-workers.js';
