/**
 * The op emitter registry: one entry per @edgeq/ir op type, each from its own module
 * emit/<op>.ts. `emitOp` (called by generate.ts for every op) looks the op up here, or
 * hands it to fast-kernel.ts when the fast-kernel planner accepted it. Adding an op to
 * codegen means a new emit/<op>.ts and one line below.
 */

import { deriveOpParams, dtypeByteLength, numElements, type AddParams, type ConvLikeParams, type OpDef, type OpType } from '@edgeq/ir';
import { commentText } from '../c-syntax.js';
import { expandedBiasRef, expandedRowsRef } from '../compact-requant.js';
import { nestedStructs, type CStructDescription } from './c-struct.js';
import { arenaRef, OpConstants, scratchBufferRef, type EmitContext, type EmittedOp, type OpEmitter } from './emitter-support.js';
import { emitFastKernel, FAST_KERNEL_STRUCTS } from './fast-kernel.js';
import { emitFcAddKernel, FC_ADD_KERNEL_STRUCTS } from './fast-fc-add.js';
import { addEmitter, addParamsValues } from './add.js';
import { concatenationEmitter } from './concatenation.js';
import { conv2dEmitter, depthwiseConv2dEmitter } from './conv-2d.js';
import { dequantizeEmitter } from './dequantize.js';
import { fullyConnectedEmitter } from './fully-connected.js';
import { meanEmitter } from './mean.js';
import { padEmitter } from './pad.js';
import { averagePool2dEmitter, maxPool2dEmitter } from './pool-2d.js';
import { quantizeEmitter } from './quantize.js';
import { reshapeEmitter } from './reshape.js';
import { resizeNearestNeighborEmitter } from './resize-nearest-neighbor.js';
import { softmaxEmitter } from './softmax.js';
import { logisticEmitter } from './logistic.js';
import { stridedSliceEmitter } from './strided-slice.js';

/** The emitter of every op type. */
export const OP_EMITTERS: { readonly [T in OpType]: OpEmitter<T> } = {
  CONV_2D: conv2dEmitter,
  DEPTHWISE_CONV_2D: depthwiseConv2dEmitter,
  FULLY_CONNECTED: fullyConnectedEmitter,
  ADD: addEmitter,
  AVERAGE_POOL_2D: averagePool2dEmitter,
  MAX_POOL_2D: maxPool2dEmitter,
  MEAN: meanEmitter,
  RESHAPE: reshapeEmitter,
  PAD: padEmitter,
  CONCATENATION: concatenationEmitter,
  SOFTMAX: softmaxEmitter,
  QUANTIZE: quantizeEmitter,
  DEQUANTIZE: dequantizeEmitter,
  RESIZE_NEAREST_NEIGHBOR: resizeNearestNeighborEmitter,
  LOGISTIC: logisticEmitter,
  STRIDED_SLICE: stridedSliceEmitter,
};

/**
 * Every C struct that generated code declares (registered emitters, fast kernels, and the
 * structs nested in them), each once, nested structs before the structs holding them.
 */
export function describedStructs(): CStructDescription[] {
  const all = [...Object.values(OP_EMITTERS).flatMap((e) => e.structs), ...FAST_KERNEL_STRUCTS, ...FC_ADD_KERNEL_STRUCTS].flatMap(nestedStructs);
  const byName = new Map<string, CStructDescription>();
  for (const s of all) {
    const seen = byName.get(s.typeName);
    if (seen && seen !== s) throw new Error(`codegen: two different descriptions of ${s.typeName}`);
    byName.set(s.typeName, s);
  }
  return [...byName.values()];
}

/** Emit one op: its const declarations and its kernel call. */
export function emitOp(ctx: EmitContext, op: OpDef, index: number): EmittedOp {
  const g = ctx.graph;
  const constants = new OpConstants(ctx, op.name);
  const params = deriveOpParams(g, op);
  const input = arenaRef(ctx, op.inputs[0]);
  const output = arenaRef(ctx, op.outputs[0]);
  const fast = ctx.fast?.get(index);
  const fcAdd = ctx.fcAdd?.get(index);
  const activation = params as { actMin: number; actMax: number };
  const compact = ctx.compactRequant?.get(index);
  const call = fast
    ? emitFastKernel(ctx, index, fast, params as ConvLikeParams, constants, input, output)
    : fcAdd?.plan
      ? emitFcAddKernel(fcAdd.plan, constants, {
        input, input2: op.type === 'ADD' ? arenaRef(ctx, op.inputs[1]) : '', output, actMin: activation.actMin, actMax: activation.actMax,
        addTerms: fcAdd.plan.kind === 'add_table' && fcAdd.plan.terms === 'scratch'
          ? { params: addParamsValues(ctx, op, params as AddParams), scratch: scratchBufferRef(ctx, index) } : undefined,
        compactRequant: compact ? {
          compact,
          expand: (arrays) => expandedRowsRef(ctx, index, arrays, compact, 0),
          expandBias: (offsets) => expandedBiasRef(ctx, index, offsets, compact, 0),
        } : undefined,
      })
      : (OP_EMITTERS[op.type] as OpEmitter).emit({ ctx, op, opIndex: index, params, constants, input, output });
  const outTensor = g.tensors[op.outputs[0]];
  const weightTensor = WEIGHTED_OPS.has(op.type) ? g.tensors[op.inputs[1]] : undefined;
  const weights = weightTensor ? { bytes: constants.weightBytes, bits: weightTensor.dtype === 'int4' ? 4 as const : 8 as const } : undefined;
  return {
    index,
    label: ctx.ids.make(`op_${op.name}`),
    type: op.type,
    comment: commentText(`${index}: ${op.type} ${op.name}${fcAdd ? ` (${fcAdd.reason})` : ''}`),
    declarations: constants.declarations,
    call,
    outOffset: ctx.offsets.get(op.outputs[0])!,
    outBytes: dtypeByteLength(outTensor.dtype, numElements(outTensor.shape)),
    constBytes: constants.constBytes,
    weights,
    flashNote: `constants ${groupedBytes(constants.constBytes)}${weights ? ` (weights ${groupedBytes(weights.bytes)}, int${weights.bits})` : ''}`,
  };
}

/** The ops whose input 1 is a weight tensor. */
const WEIGHTED_OPS: ReadonlySet<string> = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);

/** A byte count with thousands separators, e.g. "23,396 B". */
const groupedBytes = (n: number): string => `${n.toLocaleString('en-US')} B`;
