/**
 * @edgeq/tflite — int8 .tflite interop for QGraphs (4-bit weights as TFLite INT4 tensors):
 * export, import, and LiteRT.js as an independent oracle for the interpreter and the generated C.
 */

export * from './errors.js';
export * from './model.js';
export { readTfliteModel } from './read-model.js';
export { BuiltinOperator, BuiltinOptions, TensorType } from './schema.js';
export { writeTfliteModel } from './write-model.js';
export { exportTflite, type EdgeqTfliteMetadata } from './export.js';
export { LiteRtModel, LiteRtError, liteRt, type OracleTensor } from './litert.js';
export { importTflite, type ImportOptions } from './import.js';
export { singleOpGraph, compareWholeModel, compareOpByOp, formatOpDiffs, LiteRtGraph, type DiffStats, type OpDiff } from './oracle.js';
