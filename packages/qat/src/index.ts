/**
 * @edgeq/qat — quantization-aware training on TensorFlow.js and freeze to QGraph:
 * backend choice, wasm gradient kernels, fake-quant with STE, BN folding, range
 * observers and schedules, PTQ calibration, Fashion-MNIST loading, int8 evaluation
 * through the integer interpreter of @edgeq/ir, and saving/loading models as directories.
 */

export * from './errors.js';
export * from './backend.js';
export * from './grad-kernels.js';
export * from './fake-quant.js';
export * from './fused-ops.js';
export * from './quant-params.js';
export * from './dataset.js';
export * from './arch.js';
export * from './net.js';
export * from './model.js';
export * from './model-io.js';
export * from './tfjs-model-dir.js';
export * from './train.js';
export * from './qat.js';
export * from './calibrate.js';
export * from './freeze.js';
export * from './evaluate.js';
export { permutation, subSeed } from './random.js';
export * from './training-loss.js';
export { TrainingPool, defaultWorkerCount, resolveWorkerCount, type PoolOptions } from './train-workers.js';
