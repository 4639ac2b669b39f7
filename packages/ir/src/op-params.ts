/**
 * Derived integer parameters of each op: clamp ranges, padding, requantisation
 * multipliers/shifts, softmax tables. Computed once, from the QGraph's float32 scales,
 * by each op's module (ops/<op>.ts, dispatched here); the interpreter executes them and
 * the code generator emits them as C constants, so host and device cannot derive
 * different numbers. This module holds the parameter types and the requantisation
 * they share.
 */

import type { OpDef, QGraph, QuantScheme } from './qgraph.js';
import { QGraphError } from './errors.js';
import { exactLog2, quantizeMultiplier, mbqmDouble, mbqmSingle, pow2Shift, float32ToBits, fp32Requant } from './quant-math.js';
import { opDefinition, type OP_REGISTRY, type OpDefinition, type OpType } from './ops/index.js';

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
/** The derived parameters of any registered op (the union of the registry's `Params`). */
export type OpParams = { [T in OpType]: (typeof OP_REGISTRY)[T] extends OpDefinition<T, unknown, infer Params> ? Params : never }[OpType];

/** Apply one requantisation (channel c) to an int32 value, in the graph's scheme. */
export function requantize(x: number, rq: Requant, c: number, scheme: QuantScheme): number {
  if (scheme.scales === 'pow2') return pow2Shift(x, rq.shift[c]);
  if (scheme.rounding === 'fp32') return fp32Requant(x, rq.multiplier[c]);
  return scheme.rounding === 'single'
    ? mbqmSingle(x, rq.multiplier[c], rq.shift[c])
    : mbqmDouble(x, rq.multiplier[c], rq.shift[c]);
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

/** Derive the integer parameters of one op (the graph must already be validated). */
export function deriveOpParams(g: QGraph, op: OpDef): OpParams {
  return opDefinition(op).deriveParams(g, op) as OpParams;
}

/** Multiply–accumulate count of one op (for per-MAC figures). */
export function opMacs(g: QGraph, op: OpDef): number {
  return opDefinition(op).macs(g, op);
}

/** Multiply–accumulates of one inference of the whole graph (sum of `opMacs`). */
export function graphMacs(g: QGraph): number {
  return g.ops.reduce((sum, op) => sum + opMacs(g, op), 0);
}
