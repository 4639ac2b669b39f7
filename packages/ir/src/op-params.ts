/**
 * Derived integer parameters of each op: clamp ranges, padding, requantisation
 * multipliers/shifts, softmax tables. Computed once, here, from the QGraph's float32
 * scales; the interpreter executes them and the code generator emits them as C
 * constants, so host and device cannot derive different numbers.
 */

import type { OpDef, OpDefOf, QGraph, TensorDef } from './qgraph.js';
import { activationRange, float32ToBits } from './quant-math.js';
import { addRequant, convRequant, makeRequant, meanRequant, type Requant } from './requant-derive.js';
import { numElements, spatialGeometry } from './shapes.js';

export { ADD_LEFT_SHIFT, makeRequant, requantize, type Requant } from './requant-derive.js';

export interface ConvLikeParams {
  kind: 'conv';
  inZp: number;
  outZp: number;
  actMin: number;
  actMax: number;
  padTop: number;
  padLeft: number;
  requant: Requant;
}
export interface AddParams {
  kind: 'add';
  in1Zp: number;
  in2Zp: number;
  outZp: number;
  leftShift: number;
  in1: Requant;
  in2: Requant;
  out: Requant;
  actMin: number;
  actMax: number;
}
export interface PoolParams {
  kind: 'pool';
  padTop: number;
  padLeft: number;
  actMin: number;
  actMax: number;
}
export interface MeanParams {
  kind: 'mean';
  inZp: number;
  outZp: number;
  /** Number of averaged elements (H·W). */
  count: number;
  /** fixed mode: requantisation of the sum with s_in / (s_out · count). */
  requant: Requant;
  /** pow2 mode: out = roundDivAway(sum · 2^max(k,0), count · 2^max(−k,0)), k = log2(s_in/s_out). */
  pow2Exp: number;
}
export interface ConcatParams {
  kind: 'concat';
  inZps: number[];
  outZp: number;
  /** One requantisation per input (scale s_i / s_out). */
  requants: Requant[];
  actMin: number;
  actMax: number;
}
export interface SoftmaxParams {
  kind: 'softmax';
  /**
   * table[d] = round(exp(−d · s_in · beta) · 2^16) for d = max − x in 0..255; in fp32 mode
   * the float32 bit patterns of f32(exp(f32(−s_in · beta) · d)) (TFLite's float table).
   */
  expTable: Uint32Array;
  /** fp32 mode: TFLite's float lookup-table softmax (kernels.ts softmaxFloat). */
  float: boolean;
}
export interface PadParams {
  kind: 'pad';
  padValue: number;
}
export interface BoundaryParams {
  kind: 'boundary';
  scale: number;
  zeroPoint: number;
}
export interface NoParams {
  kind: 'none';
}
export type OpParams =
  | ConvLikeParams
  | AddParams
  | PoolParams
  | MeanParams
  | ConcatParams
  | SoftmaxParams
  | PadParams
  | BoundaryParams
  | NoParams;

function opWhere(g: QGraph, op: OpDef): string {
  return `ops[${g.ops.indexOf(op)}] ${JSON.stringify(op.name)}`;
}

const f32 = Math.fround;
function scaleOf(t: TensorDef, c = 0): number {
  return f32(t.quant!.scale[t.quant!.scale.length === 1 ? 0 : c]);
}
function zpOf(t: TensorDef): number {
  return t.quant!.zeroPoint[0];
}

function convParams(
  g: QGraph,
  op: OpDefOf<'CONV_2D'> | OpDefOf<'DEPTHWISE_CONV_2D'> | OpDefOf<'FULLY_CONNECTED'>,
): ConvLikeParams {
  const [inT, wT] = [g.tensors[op.inputs[0]], g.tensors[op.inputs[1]]];
  const outT = g.tensors[op.outputs[0]];
  const channels = op.type === 'FULLY_CONNECTED' ? wT.shape[0] : outT.shape[3];
  const sOut = scaleOf(outT);
  const [actMin, actMax] = activationRange(op.options.activation, sOut, zpOf(outT));
  let padTop = 0;
  let padLeft = 0;
  if (op.type !== 'FULLY_CONNECTED') {
    const o = op.options;
    padTop = spatialGeometry(inT.shape[1], wT.shape[1], o.strideH, o.dilationH, o.padding).padBefore;
    padLeft = spatialGeometry(inT.shape[2], wT.shape[2], o.strideW, o.dilationW, o.padding).padBefore;
  }
  return {
    kind: 'conv',
    inZp: zpOf(inT),
    outZp: zpOf(outT),
    actMin,
    actMax,
    padTop,
    padLeft,
    requant: convRequant(scaleOf(inT), wT.quant!.scale, sOut, channels, g.quantization, opWhere(g, op)),
  };
}

function addParams(g: QGraph, op: OpDefOf<'ADD'>): AddParams {
  const [a, b] = op.inputs.map((i) => g.tensors[i]);
  const outT = g.tensors[op.outputs[0]];
  const so = scaleOf(outT);
  const [actMin, actMax] = activationRange(op.options.activation, so, zpOf(outT));
  const base = { kind: 'add' as const, in1Zp: zpOf(a), in2Zp: zpOf(b), outZp: zpOf(outT), actMin, actMax };
  return { ...base, ...addRequant(scaleOf(a), scaleOf(b), so, g.quantization, opWhere(g, op)) };
}

function poolParams(g: QGraph, op: OpDefOf<'AVERAGE_POOL_2D'> | OpDefOf<'MAX_POOL_2D'>): PoolParams {
  const inT = g.tensors[op.inputs[0]];
  const outT = g.tensors[op.outputs[0]];
  const o = op.options;
  const [actMin, actMax] = activationRange(o.activation, scaleOf(outT), zpOf(outT));
  return {
    kind: 'pool',
    padTop: spatialGeometry(inT.shape[1], o.filterH, o.strideH, 1, o.padding).padBefore,
    padLeft: spatialGeometry(inT.shape[2], o.filterW, o.strideW, 1, o.padding).padBefore,
    actMin,
    actMax,
  };
}

function meanParams(g: QGraph, op: OpDefOf<'MEAN'>): MeanParams {
  const inT = g.tensors[op.inputs[0]];
  const outT = g.tensors[op.outputs[0]];
  const count = inT.shape[1] * inT.shape[2];
  const { requant, pow2Exp } = meanRequant(scaleOf(inT), scaleOf(outT), count, g.quantization, opWhere(g, op));
  return { kind: 'mean', inZp: zpOf(inT), outZp: zpOf(outT), count, requant, pow2Exp };
}

/** A ratio of two float32 scales: rounded to float32 in fp32 mode (float division), exact otherwise. */
function f32OrDouble(g: QGraph, ratio: number): number {
  return g.quantization.rounding === 'fp32' ? f32(ratio) : ratio;
}

function concatParams(g: QGraph, op: OpDefOf<'CONCATENATION'>): ConcatParams {
  const outT = g.tensors[op.outputs[0]];
  const so = scaleOf(outT);
  const where = opWhere(g, op);
  const [actMin, actMax] = activationRange(op.options.activation, so, zpOf(outT));
  return {
    kind: 'concat',
    inZps: op.inputs.map((i) => zpOf(g.tensors[i])),
    outZp: zpOf(outT),
    requants: op.inputs.map((i, k) => makeRequant([f32OrDouble(g, scaleOf(g.tensors[i]) / so)], g.quantization, `${where} input ${k}`)),
    actMin,
    actMax,
  };
}

/** Number of entries of the softmax exponent table (every possible max − x of int8). */
export const SOFTMAX_TABLE_SIZE = 256;
/** Fixed-point fraction bits of the softmax exponent table. */
export const SOFTMAX_TABLE_BITS = 16;

function softmaxParams(g: QGraph, op: OpDefOf<'SOFTMAX'>): SoftmaxParams {
  const sIn = scaleOf(g.tensors[op.inputs[0]]);
  const beta = op.options.beta;
  const expTable = new Uint32Array(SOFTMAX_TABLE_SIZE);
  if (g.quantization.rounding === 'fp32') {
    // TFLite's PopulateSoftmaxLookupTable: scale = −s_in · beta in float32, table = expf(scale · d).
    const scale = f32(-sIn * f32(beta));
    for (let d = 0; d < SOFTMAX_TABLE_SIZE; d++) expTable[d] = float32ToBits(f32(Math.exp(f32(scale * d)))) >>> 0;
    return { kind: 'softmax', expTable, float: true };
  }
  for (let d = 0; d < SOFTMAX_TABLE_SIZE; d++) {
    expTable[d] = Math.round(Math.exp(-d * sIn * beta) * 2 ** SOFTMAX_TABLE_BITS);
  }
  return { kind: 'softmax', expTable, float: false };
}

/** Derive the integer parameters of one op (the graph must already be validated). */
export function deriveOpParams(g: QGraph, op: OpDef): OpParams {
  switch (op.type) {
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D':
    case 'FULLY_CONNECTED':
      return convParams(g, op);
    case 'ADD':
      return addParams(g, op);
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D':
      return poolParams(g, op);
    case 'MEAN':
      return meanParams(g, op);
    case 'CONCATENATION':
      return concatParams(g, op);
    case 'SOFTMAX':
      return softmaxParams(g, op);
    case 'PAD':
      return { kind: 'pad', padValue: zpOf(g.tensors[op.inputs[0]]) };
    case 'QUANTIZE': {
      const t = g.tensors[op.outputs[0]];
      return { kind: 'boundary', scale: scaleOf(t), zeroPoint: zpOf(t) };
    }
    case 'DEQUANTIZE': {
      const t = g.tensors[op.inputs[0]];
      return { kind: 'boundary', scale: scaleOf(t), zeroPoint: zpOf(t) };
    }
    case 'RESHAPE':
      return { kind: 'none' };
  }
}

/** Multiply–accumulate count of one op (for per-MAC figures). */
export function opMacs(g: QGraph, op: OpDef): number {
  const out = g.tensors[op.outputs[0]];
  switch (op.type) {
    case 'CONV_2D': {
      const w = g.tensors[op.inputs[1]].shape;
      return numElements(out.shape) * w[1] * w[2] * w[3];
    }
    case 'DEPTHWISE_CONV_2D': {
      const w = g.tensors[op.inputs[1]].shape;
      return numElements(out.shape) * w[1] * w[2];
    }
    case 'FULLY_CONNECTED': {
      const w = g.tensors[op.inputs[1]].shape;
      return w[0] * w[1];
    }
    default:
      return 0;
  }
}
