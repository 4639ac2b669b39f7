/**
 * @edgeq/ir — the QGraph contract: types, validation, (de)serialisation, quantisation
 * math, the op registry (ops/), derived op parameters and the integer reference interpreter.
 */

export * from './qgraph.js';
export * from './errors.js';
export * from './shapes.js';
export * from './quant-math.js';
export * from './gemmlowp-fixed-point.js';
export { correctlyRoundedExpF32 } from './exp-f32.js';
export * from './constants.js';
export * from './int4.js';
export * from './weight-clipping.js';
export * from './narrow-weights.js';
export * from './requant-derive.js';
export * from './op-params.js';
export * from './validate.js';
export * from './validate-io.js';
export * from './graph-io.js';
export * from './io.js';
export * from './temporary-paths.js';
export * from './builder.js';
export * from './interpreter.js';
export {
  AUTO_WORKERS_MIN_MS, IN_THREAD_BELOW, PROBE_MS, SimulationError, defaultSimulationWorkers, sampleValues, simulateBatch, type BatchOutputs, type SimulateBatchOptions,
} from './simulate-batch.js';
export { startModuleWorker } from './module-worker.js';
export * from './arch-spec.js';
export * from './reference-models.js';
export * from './random-graph.js';
export * from './ops/index.js';
export * as kernels from './kernels.js';
export * from './graph-limits.js';
