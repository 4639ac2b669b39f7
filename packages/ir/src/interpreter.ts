/**
 * The integer reference interpreter ("simulation"): runs a validated QGraph on int8 (or,
 * through QUANTIZE, float32) inputs and returns its outputs, and on request every
 * intermediate tensor for per-layer debugging. It is the host twin of the generated C.
 */

import type { OpDef, QGraph } from './qgraph.js';
import { constantData, type TensorData } from './constants.js';
import { deriveOpParams, type AddParams, type ConvLikeParams, type OpParams } from './op-params.js';
import { validateQGraph } from './validate.js';
import { numElements } from './shapes.js';
import { dequantizeInt, quantizeFloat } from './quant-math.js';
import * as k from './kernels.js';
import { ConvKernel, type PreparedKernel } from './conv-kernel.js';
import { DepthwiseKernel } from './depthwise-kernel.js';
import { AddKernel } from './add-kernel.js';

/** What a run returns: graph outputs in order, and (when asked) every tensor by index. */
export interface RunResult {
  outputs: TensorData[];
  /** Every activation tensor computed, by tensor index (only with `keepIntermediates`). */
  intermediates?: Map<number, TensorData>;
}

export interface RunOptions {
  keepIntermediates?: boolean;
}

interface PreparedOp {
  op: OpDef;
  params: OpParams;
  consts: TensorData[];
  /** Convolutions and FULLY_CONNECTED: the kernel with its filter prepared and scratch allocated. */
  kernel?: PreparedKernel;
  /** ADD: the prepared elementwise kernel. */
  add?: AddKernel;
}

const hwc = (shape: number[]): k.Hwc => ({ h: shape[1], w: shape[2], c: shape[3] });

/** A QGraph prepared for repeated execution (parameters derived, constants decoded once). */
export class Interpreter {
  readonly graph: QGraph;
  private readonly prepared: PreparedOp[];

  constructor(graph: QGraph, opts: { validate?: boolean } = {}) {
    if (opts.validate !== false) validateQGraph(graph);
    this.graph = graph;
    this.prepared = graph.ops.map((op) => {
      const params = deriveOpParams(graph, op);
      // Constants decoded once (the kernels repack weights and bias for their own loops).
      const consts = op.inputs.slice(1).map((i) => (graph.tensors[i].buffer ? constantData(graph, i) : new Int8Array(0)));
      const add = op.type === 'ADD' ? new AddKernel(params as AddParams, graph.quantization) : undefined;
      return { op, params, consts, kernel: prepareKernel(graph, op, params, consts), add };
    });
  }

  /** Run once. `inputs[k]` feeds `graph.inputs[k]`: Int8Array, or Float32Array for a float input. */
  run(inputs: TensorData[], opts: RunOptions = {}): RunResult {
    const g = this.graph;
    if (inputs.length !== g.inputs.length) throw new Error(`${g.name}: expected ${g.inputs.length} inputs, got ${inputs.length}`);
    const values = new Map<number, TensorData>();
    g.inputs.forEach((t, i) => {
      const def = g.tensors[t];
      const n = numElements(def.shape);
      const given = inputs[i];
      const okType = def.dtype === 'float32' ? given instanceof Float32Array : given instanceof Int8Array;
      if (!okType || given.length !== n) {
        throw new Error(`${g.name}: input ${i} (${def.name}) must be ${def.dtype} with ${n} elements, got ${given.constructor.name}(${given.length})`);
      }
      values.set(t, given);
    });
    for (const p of this.prepared) values.set(p.op.outputs[0], this.execute(p, values));
    const outputs = g.outputs.map((t) => values.get(t)!);
    if (!opts.keepIntermediates) return { outputs };
    return { outputs, intermediates: values };
  }

  private execute(p: PreparedOp, values: Map<number, TensorData>): TensorData {
    const g = this.graph;
    const { op, params } = p;
    const scheme = g.quantization;
    const inT = g.tensors[op.inputs[0]];
    const outT = g.tensors[op.outputs[0]];
    const x = values.get(op.inputs[0])!;
    const y = outT.dtype === 'float32' ? new Float32Array(numElements(outT.shape)) : new Int8Array(numElements(outT.shape));
    const xi = x as Int8Array;
    const yi = y as Int8Array;
    switch (op.type) {
      case 'CONV_2D':
      case 'DEPTHWISE_CONV_2D':
      case 'FULLY_CONNECTED':
        p.kernel!.run(xi, yi);
        break;
      case 'ADD':
        p.add!.run(xi, values.get(op.inputs[1]) as Int8Array, yi);
        break;
      case 'AVERAGE_POOL_2D':
      case 'MAX_POOL_2D': {
        const o = op.options;
        k.pool2d(op.type === 'AVERAGE_POOL_2D', xi, hwc(inT.shape), yi, hwc(outT.shape), o.filterH, o.filterW, o.strideH, o.strideW, params as never);
        break;
      }
      case 'MEAN':
        k.meanHw(xi, hwc(inT.shape), yi, params as never, scheme);
        break;
      case 'RESHAPE':
        yi.set(xi);
        break;
      case 'PAD':
        k.pad(xi, hwc(inT.shape), yi, hwc(outT.shape), op.options.paddings, (params as { padValue: number }).padValue);
        break;
      case 'CONCATENATION': {
        const ins = op.inputs.map((t) => g.tensors[t]);
        k.concatChannels(op.inputs.map((t) => values.get(t) as Int8Array), ins.map((t) => t.shape[3]),
          inT.shape[1] * inT.shape[2], yi, params as never, scheme);
        break;
      }
      case 'SOFTMAX':
        k.softmax(xi, inT.shape[inT.shape.length - 1], yi, params as never);
        break;
      case 'QUANTIZE': {
        const { scale, zeroPoint } = params as { scale: number; zeroPoint: number };
        const xf = x as Float32Array;
        for (let i = 0; i < xf.length; i++) yi[i] = quantizeFloat(xf[i], scale, zeroPoint);
        break;
      }
      case 'DEQUANTIZE': {
        const { scale, zeroPoint } = params as { scale: number; zeroPoint: number };
        const yf = y as Float32Array;
        for (let i = 0; i < xi.length; i++) yf[i] = dequantizeInt(xi[i], scale, zeroPoint);
        break;
      }
    }
    return y;
  }
}

/** The prepared kernel of a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED op (undefined for other ops). */
function prepareKernel(g: QGraph, op: OpDef, params: OpParams, consts: TensorData[]): PreparedKernel | undefined {
  const [w, bias] = consts;
  const p = params as ConvLikeParams;
  if (op.type === 'CONV_2D' || op.type === 'DEPTHWISE_CONV_2D') {
    const o = op.options;
    const ws = g.tensors[op.inputs[1]].shape;
    const geometry = { kh: ws[1], kw: ws[2], strideH: o.strideH, strideW: o.strideW, dilH: o.dilationH, dilW: o.dilationW };
    const [xd, yd] = [hwc(g.tensors[op.inputs[0]].shape), hwc(g.tensors[op.outputs[0]].shape)];
    return op.type === 'CONV_2D'
      ? new ConvKernel(w, bias, xd, yd, geometry, p, g.quantization)
      : new DepthwiseKernel(w, bias, xd, yd, geometry, op.options.depthMultiplier, p, g.quantization);
  }
  if (op.type === 'FULLY_CONNECTED') {
    // A fully connected layer is a 1x1 convolution of a single pixel.
    const [cout, cin] = g.tensors[op.inputs[1]].shape;
    const geometry = { kh: 1, kw: 1, strideH: 1, strideW: 1, dilH: 1, dilW: 1 };
    return new ConvKernel(w, bias, { h: 1, w: 1, c: cin }, { h: 1, w: 1, c: cout }, geometry, p, g.quantization);
  }
  return undefined;
}

/** Convenience: run a graph once. */
export function runQGraph(g: QGraph, inputs: TensorData[], opts: RunOptions = {}): RunResult {
  return new Interpreter(g).run(inputs, opts);
}
