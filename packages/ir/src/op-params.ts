/**
 * Derived integer parameters of each op: clamp ranges, padding, requantisation
 * multipliers/shifts, softmax tables. Computed once, from the QGraph's float32 scales,
 * by each op's module (ops/<op>.ts, dispatched here); the interpreter executes them and
 * the code generator emits them as C constants, so host and device cannot derive
 * different numbers. This module holds the parameter types; the requantisation
 * they share is requant-derive.ts.
 */

import type { OpDef, QGraph } from './qgraph.js';
import type { Requant } from './requant-derive.js';
import { opDefinition, type OP_REGISTRY, type OpDefinition, type OpType } from './ops/index.js';

export { makeRequant, requantize, type Requant } from './requant-derive.js';

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
   * Entry d for d = max − x in 0..255: fixed modes, the Q0.31 exponential TFLite Micro's
   * softmax computes for the difference −d (0 where it skips the element; ops/softmax.ts);
   * fp32 mode, the float32 bit patterns of f32(exp(f32(−s_in · beta) · d)) (TFLite's float
   * table, exp correctly rounded).
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
