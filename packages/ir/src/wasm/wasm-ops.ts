/**
 * Which ops the interpreter runs on the WebAssembly kernels (convolutions, fully connected
 * layers, pooling and MEAN's sums always, ADD in fp32 mode), and how each is bound: the
 * WebAssembly counterpart of the `prepare` member of an op's registry entry (ops/<op>.ts).
 * Ops not listed here (and any op whose weights are not constant) keep their TypeScript
 * kernel, so a new op needs nothing here.
 */

import type { OpDef, QGraph } from '../qgraph.js';
import type { AddParams, ConvLikeParams, MeanParams, OpParams, PoolParams } from '../op-params.js';
import { numElements } from '../shapes.js';
import type { TensorData } from '../constants.js';
import type { OpRun } from '../ops/definition.js';
import { convGeometry } from '../ops/conv-common.js';
import { hwc, inputOutputDims } from '../ops/kernel-binding.js';
import type { WasmHeap } from './wasm-heap.js';
import { prepareWasmConv, prepareWasmDepthwise } from './wasm-conv.js';
import { prepareWasmAdd } from './wasm-add.js';
import { prepareWasmPool } from './wasm-pool.js';
import { prepareWasmMean } from './wasm-mean.js';

/** Op types with a WebAssembly kernel. */
export const WASM_OP_TYPES: readonly string[] = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'MEAN'];

/** An op prepared on the WebAssembly kernels. */
export interface WasmOp {
  run: OpRun;
  /**
   * The op's output as a view of its tensor region (valid once the heap is finished), for
   * the interpreter to pass as the output buffer: the kernel then writes it in place and
   * the next kernel reads it in place. Undefined when the output is not left in memory.
   */
  outputView?: () => Int8Array;
}

/**
 * Prepare `op` on the WebAssembly kernels of `heap`, or return undefined when it has none
 * (the caller then uses the op's TypeScript kernel).
 */
export function prepareWasmOp(heap: WasmHeap, g: QGraph, op: OpDef, params: OpParams, constants: readonly (TensorData | undefined)[]): WasmOp | undefined {
  if (constants[0] || (op.type === 'ADD' && constants[1])) return undefined;
  const region = (t: number) => heap.tensorRegion(t, numElements(g.tensors[t].shape));
  const elementsOut = numElements(g.tensors[op.outputs[0]].shape);
  const io = { x: region(op.inputs[0]), y: region(op.outputs[0]) };
  const withOutput = (run: OpRun): WasmOp => ({ run, outputView: () => heap.int8View(io.y, elementsOut) });
  const scheme = g.quantization;
  if (op.type === 'ADD') {
    const kernel = prepareWasmAdd(heap, { a: io.x, b: region(op.inputs[1]), y: io.y }, params as AddParams, scheme, elementsOut);
    return kernel && withOutput((inputs, y) => kernel(inputs[0] as Int8Array, inputs[1] as Int8Array, y as Int8Array));
  }
  if (op.type === 'AVERAGE_POOL_2D' || op.type === 'MAX_POOL_2D') {
    const o = op.options;
    const kernel = prepareWasmPool(heap, io, op.type === 'AVERAGE_POOL_2D', ...inputOutputDims(g, op), [o.filterH, o.filterW], [o.strideH, o.strideW], params as PoolParams);
    return kernel && withOutput((inputs, y) => kernel(inputs[0] as Int8Array, y as Int8Array));
  }
  if (op.type === 'MEAN') {
    const kernel = prepareWasmMean(heap, io.x, hwc(g.tensors[op.inputs[0]].shape), params as MeanParams, scheme);
    return { run: (inputs, y) => kernel(inputs[0] as Int8Array, y as Int8Array) };
  }
  const [, weights, bias] = constants;
  if (!weights || !bias || params.kind !== 'conv') return undefined;
  const p = params as ConvLikeParams;
  if (op.type === 'CONV_2D') {
    const kernel = prepareWasmConv(heap, io, weights, bias, ...inputOutputDims(g, op), convGeometry(g, op), p, scheme);
    return withOutput((inputs, y) => kernel(inputs[0] as Int8Array, y as Int8Array));
  }
  if (op.type === 'DEPTHWISE_CONV_2D') {
    const kernel = prepareWasmDepthwise(heap, io, weights, bias, ...inputOutputDims(g, op), convGeometry(g, op), op.options.depthMultiplier, p, scheme);
    return withOutput((inputs, y) => kernel(inputs[0] as Int8Array, y as Int8Array));
  }
  if (op.type === 'FULLY_CONNECTED') {
    const [cout, cin] = g.tensors[op.inputs[1]].shape;
    const geometry = { kh: 1, kw: 1, strideH: 1, strideW: 1, dilH: 1, dilW: 1 };
    const kernel = prepareWasmConv(heap, io, weights, bias, { h: 1, w: 1, c: cin }, { h: 1, w: 1, c: cout }, geometry, p, scheme);
    return withOutput((inputs, y) => kernel(inputs[0] as Int8Array, y as Int8Array));
  }
  return undefined;
}
