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

/**
 * Prepare `op` on the WebAssembly kernels of `heap`, or return undefined when it has none
 * (the caller then uses the op's TypeScript kernel).
 */
export function prepareWasmOp(heap: WasmHeap, g: QGraph, op: OpDef, params: OpParams, constants: readonly (TensorData | undefined)[]): OpRun | undefined {
  if (op.type === 'ADD' && params.kind === 'add' && !constants[0] && !constants[1]) {
    const kernel = prepareWasmAdd(heap, params as AddParams, g.quantization, numElements(g.tensors[op.outputs[0]].shape));
    return kernel && ((inputs, y) => kernel(inputs[0] as Int8Array, inputs[1] as Int8Array, y as Int8Array));
  }
  if ((op.type === 'AVERAGE_POOL_2D' || op.type === 'MAX_POOL_2D') && !constants[0]) {
    const o = op.options;
    const kernel = prepareWasmPool(heap, op.type === 'AVERAGE_POOL_2D', ...inputOutputDims(g, op), [o.filterH, o.filterW], [o.strideH, o.strideW], params as PoolParams);
    return kernel && ((inputs, y) => kernel(inputs[0] as Int8Array, y as Int8Array));
  }
  if (op.type === 'MEAN' && !constants[0]) {
    const kernel = prepareWasmMean(heap, hwc(g.tensors[op.inputs[0]].shape), params as MeanParams, g.quantization);
    return (inputs, y) => kernel(inputs[0] as Int8Array, y as Int8Array);
  }
  const [, weights, bias] = constants;
  if (!weights || !bias || params.kind !== 'conv') return undefined;
  const p = params as ConvLikeParams;
  const scheme = g.quantization;
  if (op.type === 'CONV_2D') {
    const kernel = prepareWasmConv(heap, weights, bias, ...inputOutputDims(g, op), convGeometry(g, op), p, scheme);
    return (inputs, y) => kernel.run(inputs[0] as Int8Array, y as Int8Array);
  }
  if (op.type === 'DEPTHWISE_CONV_2D') {
    const kernel = prepareWasmDepthwise(heap, weights, bias, ...inputOutputDims(g, op), convGeometry(g, op), op.options.depthMultiplier, p, scheme);
    return (inputs, y) => kernel.run(inputs[0] as Int8Array, y as Int8Array);
  }
  if (op.type === 'FULLY_CONNECTED') {
    const [cout, cin] = g.tensors[op.inputs[1]].shape;
    const geometry = { kh: 1, kw: 1, strideH: 1, strideW: 1, dilH: 1, dilW: 1 };
    const kernel = prepareWasmConv(heap, weights, bias, { h: 1, w: 1, c: cin }, { h: 1, w: 1, c: cout }, geometry, p, scheme);
    return (inputs, y) => kernel.run(inputs[0] as Int8Array, y as Int8Array);
  }
  return undefined;
}
