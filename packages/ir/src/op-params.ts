/**
 * Derived integer parameters of each op: clamp ranges, padding, requantisation
 * multipliers/shifts, softmax tables. Computed once, here, from the QGraph's float32
 * scales; the interpreter executes them and the code generator emits them as C
 * constants, so host and device cannot derive different numbers.
 */

import type { OpDef, OpDefOf, QGraph, QuantScheme, TensorDef } from './qgraph.js';
import { QGraphError } from './errors.js';
import {
  activationRange,
  exactLog2,
  quantizeMultiplier,
  mbqmDouble,
  mbqmSingle,
  pow2Shift,
  float32ToBits,
  fp32Requant,
  roundHalfEven,
  frexp,
} from './quant-math.js';
import { numElements, spatialGeometry } from './shapes.js';

/**
 * Per-channel (or per-tensor, length 1) requantisation: multiplier unused (0) in pow2
 * mode; in fp32 mode `multiplier` holds the float32 multiplier's bit pattern and shift is 0.
 */
export interface Requant {
  multiplier: Int32Array;
  shift: Int32Array;
}

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

/** Apply one requantisation (channel c) to an int32 value, in the graph's scheme. */
export function requantize(x: number, rq: Requant, c: number, scheme: QuantScheme): number {
  if (scheme.scales === 'pow2') return pow2Shift(x, rq.shift[c]);
  if (scheme.rounding === 'fp32') return fp32Requant(x, rq.multiplier[c]);
  return scheme.rounding === 'single'
    ? mbqmSingle(x, rq.multiplier[c], rq.shift[c])
    : mbqmDouble(x, rq.multiplier[c], rq.shift[c]);
}

function opWhere(g: QGraph, op: OpDef): string {
  return `ops[${g.ops.indexOf(op)}] ${JSON.stringify(op.name)}`;
}

/** One requantisation from real multipliers, in the graph's scheme. */
export function makeRequant(reals: number[], scheme: QuantScheme, where: string): Requant {
  const n = reals.length;
  const rq: Requant = { multiplier: new Int32Array(n), shift: new Int32Array(n) };
  reals.forEach((m, c) => {
    if (scheme.scales === 'pow2') {
      const k = exactLog2(m);
      if (k === undefined) {
        throw new QGraphError(where, `power-of-two mode needs a power-of-two multiplier, got ${m} (channel ${c})`);
      }
      if (k < -31 || k > 31) throw new QGraphError(where, `power-of-two shift ${k} out of [-31, 31] (channel ${c})`);
      rq.shift[c] = k;
    } else if (scheme.rounding === 'fp32') {
      // The caller computed m in float32 arithmetic, in XNNPACK's order.
      const f = Math.fround(m);
      if (!(f > 0) || !(f < 256)) throw new QGraphError(where, `fp32 multiplier ${f} out of (0, 256) (channel ${c})`);
      rq.multiplier[c] = float32ToBits(f);
    } else {
      const q = quantizeMultiplier(m, scheme.rounding === 'single');
      rq.multiplier[c] = q.multiplier;
      rq.shift[c] = q.shift;
    }
  });
  return rq;
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
  const sIn = scaleOf(inT);
  const sOut = scaleOf(outT);
  const reals: number[] = [];
  const fp32 = g.quantization.rounding === 'fp32';
  // fp32: XNNPACK forms input_scale * kernel_scale / output_scale in float32, left to right.
  for (let c = 0; c < channels; c++) reals.push(fp32 ? f32(f32(sIn * scaleOf(wT, c)) / sOut) : (sIn * scaleOf(wT, c)) / sOut);
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
    requant: makeRequant(reals, g.quantization, opWhere(g, op)),
  };
}

/** Fixed-point power of two used by TFLite Micro's int8 ADD to keep precision. */
export const ADD_LEFT_SHIFT = 20;

function addParams(g: QGraph, op: OpDefOf<'ADD'>): AddParams {
  const [a, b] = op.inputs.map((i) => g.tensors[i]);
  const outT = g.tensors[op.outputs[0]];
  const s1 = scaleOf(a);
  const s2 = scaleOf(b);
  const so = scaleOf(outT);
  const where = opWhere(g, op);
  const [actMin, actMax] = activationRange(op.options.activation, so, zpOf(outT));
  const base = { kind: 'add' as const, in1Zp: zpOf(a), in2Zp: zpOf(b), outZp: zpOf(outT), actMin, actMax };
  if (g.quantization.scales === 'pow2') {
    const sMin = Math.min(s1, s2);
    return {
      ...base,
      leftShift: 0,
      in1: makeRequant([s1 / sMin], g.quantization, `${where} input 1`),
      in2: makeRequant([s2 / sMin], g.quantization, `${where} input 2`),
      out: makeRequant([sMin / so], g.quantization, `${where} output`),
    };
  }
  if (g.quantization.rounding === 'fp32') {
    const x = xnnpackAddParams(s1, s2, so);
    if (x) return { ...base, ...x };
    // Outside XNNPACK's range TFLite runs its builtin int8 ADD: TFLite Micro's method,
    // double rounding (leftShift 20 tells the kernels which rule applies).
  }
  const twiceMax = 2 * Math.max(s1, s2);
  const tflm: QuantScheme = { scales: 'fixed', rounding: 'tflm' };
  const rqScheme = g.quantization.rounding === 'fp32' ? tflm : g.quantization;
  return {
    ...base,
    leftShift: ADD_LEFT_SHIFT,
    in1: makeRequant([s1 / twiceMax], rqScheme, `${where} input 1`),
    in2: makeRequant([s2 / twiceMax], rqScheme, `${where} input 2`),
    out: makeRequant([twiceMax / (2 ** ADD_LEFT_SHIFT * so)], rqScheme, `${where} output`),
  };
}

/**
 * XNNPACK's int8 ADD (fp32 mode): a = f32(s1/s_out), b = f32(s2/s_out); shift = 20 − exponent
 * of max(a, b); integer multipliers round-half-even(a·2^shift), (b·2^shift) below 2^21;
 * out = (m1·(x1−zp1) + m2·(x2−zp2) + 2^(shift−1)) >> shift, + zp_out, clamp.
 * Stored as in1/in2.multiplier and out.shift; leftShift 0. Undefined outside XNNPACK's range.
 */
function xnnpackAddParams(s1: number, s2: number, so: number): Pick<AddParams, 'leftShift' | 'in1' | 'in2' | 'out'> | undefined {
  const a = f32(s1 / so);
  const b = f32(s2 / so);
  // XNNPACK only takes ratios in [2^-10, 2^8); TFLite then keeps the op in its builtin kernel.
  if (![a, b].every((r) => r >= 2 ** -10 && r < 2 ** 8)) return undefined;
  // The float32 exponent of max(a, b): max = q · 2^(e+1) with q in [0.5, 1).
  const shift = 20 - (frexp(Math.max(a, b))[1] - 1);
  const one = (m: number): Requant => ({ multiplier: Int32Array.of(m), shift: Int32Array.of(0) });
  return {
    leftShift: 0,
    in1: one(roundHalfEven(a * 2 ** shift)),
    in2: one(roundHalfEven(b * 2 ** shift)),
    out: { multiplier: Int32Array.of(0), shift: Int32Array.of(shift) },
  };
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
  const sIn = scaleOf(inT);
  const sOut = scaleOf(outT);
  const where = opWhere(g, op);
  if (g.quantization.scales === 'pow2') {
    const k = exactLog2(sIn / sOut);
    if (k === undefined || Math.abs(k) > 24) {
      throw new QGraphError(where, `power-of-two mode needs s_in/s_out = 2^k with |k| ≤ 24, got ${sIn / sOut}`);
    }
    return { kind: 'mean', inZp: zpOf(inT), outZp: zpOf(outT), count, requant: makeRequant([], g.quantization, where), pow2Exp: k };
  }
  // fp32: the multiplier is formed in float32 as s_in / (s_out · count) (kernels.ts meanHwXnnpack).
  const real = g.quantization.rounding === 'fp32' ? f32(sIn / f32(sOut * count)) : sIn / (sOut * count);
  return {
    kind: 'mean',
    inZp: zpOf(inT),
    outZp: zpOf(outT),
    count,
    requant: makeRequant([real], g.quantization, where),
    pow2Exp: 0,
  };
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
