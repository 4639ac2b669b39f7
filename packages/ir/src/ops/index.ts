/**
 * The op registry: every op type the integer core implements, keyed by its QGraph name.
 * `OpType`, `OpOptionsMap` and `OP_VERSIONS` follow from it, and validation, parameter
 * derivation, the interpreter, MAC counts and arena planning dispatch through it.
 * Adding an op: a module ops/<op-name>.ts exporting its `OpDefinition`, and its entry here.
 */

import type { OpDef } from '../qgraph.js';
import type { OpDefinition } from './definition.js';
import { conv2d } from './conv-2d.js';
import { depthwiseConv2d } from './depthwise-conv-2d.js';
import { fullyConnected } from './fully-connected.js';
import { add } from './add.js';
import { averagePool2d } from './average-pool-2d.js';
import { maxPool2d } from './max-pool-2d.js';
import { mean } from './mean.js';
import { reshape } from './reshape.js';
import { pad } from './pad.js';
import { concatenation } from './concatenation.js';
import { softmax } from './softmax.js';
import { quantize } from './quantize.js';
import { dequantize } from './dequantize.js';
import { resizeNearestNeighbor } from './resize-nearest-neighbor.js';
import { logistic } from './logistic.js';
import { stridedSlice } from './strided-slice.js';

export type { OpDefinition, OpMemory, OpOf, OpRun } from './definition.js';
export type { ConvOptions } from './conv-2d.js';
export type { DepthwiseOptions } from './depthwise-conv-2d.js';
export type { FullyConnectedOptions } from './fully-connected.js';
export type { AddOptions } from './add.js';
export type { PoolOptions } from './pool.js';
export { MEAN_MAX_COUNT, type MeanOptions } from './mean.js';
export type { PadOptions } from './pad.js';
export type { ConcatOptions } from './concatenation.js';
export type { SoftmaxOptions } from './softmax.js';
export { nearestSourceIndices, type ResizeNearestNeighborOptions, type ResizeNearestNeighborParams } from './resize-nearest-neighbor.js';
export { LOGISTIC_TABLE_SIZE, logisticInputScaling, logisticOutput, logisticTable, type LogisticInputScaling, type LogisticOptions, type LogisticParams } from './logistic.js';
export type { StridedSliceOptions, StridedSliceParams } from './strided-slice.js';
export { SOFTMAX_MAX_CLASSES, SOFTMAX_TABLE_SIZE, softmaxExpTable, softmaxInputScaling, type SoftmaxInputScaling } from './softmax.js';

/** Every op type, its definition. */
export const OP_REGISTRY = {
  CONV_2D: conv2d,
  DEPTHWISE_CONV_2D: depthwiseConv2d,
  FULLY_CONNECTED: fullyConnected,
  ADD: add,
  AVERAGE_POOL_2D: averagePool2d,
  MAX_POOL_2D: maxPool2d,
  MEAN: mean,
  RESHAPE: reshape,
  PAD: pad,
  CONCATENATION: concatenation,
  SOFTMAX: softmax,
  QUANTIZE: quantize,
  DEQUANTIZE: dequantize,
  RESIZE_NEAREST_NEIGHBOR: resizeNearestNeighbor,
  LOGISTIC: logistic,
  STRIDED_SLICE: stridedSlice,
};

/** Op type names: the registry's keys. */
export type OpType = keyof typeof OP_REGISTRY;

/** Op type → its options record (declared in the op's module). */
export type OpOptionsMap = {
  [T in OpType]: (typeof OP_REGISTRY)[T] extends OpDefinition<T, infer Options, infer _Params> ? Options : never;
};

/** Every op type the integer core implements, with the op version this QGraph version defines. */
export const OP_VERSIONS: Readonly<Record<OpType, number>> = Object.fromEntries(
  Object.entries(OP_REGISTRY).map(([type, definition]) => [type, definition.version]),
) as Record<OpType, number>;

/** The definition of a (validated) op, typed for dispatch on an op of any type. */
export function opDefinition(op: OpDef): OpDefinition<string, unknown> {
  return OP_REGISTRY[op.type] as unknown as OpDefinition<string, unknown>;
}
