/**
 * Shared checks of the per-op validation (each op module's `validate`): int8 activations,
 * shapes, option fields, weights and bias, accumulator bounds. Every check throws a
 * QGraphError naming the op, tensor or option at fault.
 */

import type { QGraph, TensorDef } from '../qgraph.js';
import { QGraphError, tensorWhere as tWhere } from '../errors.js';
import { constantData } from '../constants.js';
import { numElements, sameShape, shapeString } from '../shapes.js';

/** Accepted `activation` option values. */
export const ACTIVATIONS = ['NONE', 'RELU', 'RELU6'];
/** Accepted `padding` option values. */
export const PADDINGS = ['SAME', 'VALID'];

/** The `activation` option is a FusedActivation. */
export function needActivationOption(w: string, op: { options: unknown }): void {
  needEnum(w, optionFields(op), 'activation', ACTIVATIONS);
}

/** The op has exactly `n` inputs and a FusedActivation `activation` option (ADD, FULLY_CONNECTED). */
export function needInputsAndActivationOption(w: string, op: { inputs: number[]; options: unknown }, n: number): void {
  needInputs(w, op, n);
  needActivationOption(w, op);
}

/** One int8 activation in, one out (RESHAPE, PAD, MEAN, SOFTMAX...): checks both, returns them. */
export function needOneActivationInOut(g: QGraph, op: { inputs: number[]; outputs: number[] }, w: string): { x: TensorDef; y: TensorDef } {
  needInputs(w, op, 1);
  const x = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
  const y = needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
  return { x, y };
}

/**
 * What convolutions and pooling check first: `inputs` inputs, integer window options
 * `windowOptions`, padding and activation, an NHWC int8 activation in and out. Returns the input.
 */
export function checkWindowedOp(g: QGraph, op: { inputs: number[]; outputs: number[]; options: unknown }, w: string, inputs: number, windowOptions: string[]): TensorDef {
  const o = optionFields(op);
  needInputs(w, op, inputs);
  needInts(w, o, windowOptions);
  needEnum(w, o, 'padding', PADDINGS);
  needEnum(w, o, 'activation', ACTIVATIONS);
  const x = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
  needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
  need4d(w, 'input', x);
  return x;
}

/** An integer number (not NaN, not fractional). */
export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** An op's options as a plain record, for the option-field checks. */
export function optionFields(op: { options: unknown }): Record<string, unknown> {
  return (op.options ?? {}) as unknown as Record<string, unknown>;
}

/** The op's (only) output tensor. */
export function outputOf(g: QGraph, op: { outputs: number[] }): TensorDef {
  return g.tensors[op.outputs[0]];
}

/** Tensor `idx` is int8 with per-tensor quantisation; returns it. */
export function needQuantInt8(g: QGraph, w: string, idx: number, role: string): TensorDef {
  const t = g.tensors[idx];
  if (t.dtype !== 'int8') throw new QGraphError(w, `${role} ${tWhere(g, idx)} must be int8, is ${t.dtype}`);
  if (!t.quant) throw new QGraphError(w, `${role} ${tWhere(g, idx)} has no quantisation parameters`);
  if (t.quant.scale.length !== 1) throw new QGraphError(w, `${role} ${tWhere(g, idx)} must be quantised per tensor`);
  return t;
}
/** Tensor `idx` is a per-tensor int8 activation (not a constant); returns it. */
export function needActivation(g: QGraph, w: string, idx: number, role: string): TensorDef {
  const t = needQuantInt8(g, w, idx, role);
  if (t.buffer) throw new QGraphError(w, `${role} ${tWhere(g, idx)} must not be a constant`);
  return t;
}
/** Tensor `t` has exactly `shape`. */
export function needShape(w: string, role: string, t: TensorDef, shape: number[]): void {
  if (!sameShape(t.shape, shape)) throw new QGraphError(w, `${role} ${JSON.stringify(t.name)} has shape ${shapeString(t.shape)}, expected ${shapeString(shape)}`);
}
/** One NHWC (batch 1) int8 activation in, one out (RESIZE_NEAREST_NEIGHBOR, STRIDED_SLICE): checks both, returns them. */
export function needOneNhwcInOut(g: QGraph, op: { inputs: number[]; outputs: number[] }, w: string): { x: TensorDef; y: TensorDef } {
  const { x, y } = needOneActivationInOut(g, op, w);
  need4d(w, 'input', x);
  need4d(w, 'output', y);
  return { x, y };
}
/** Tensor `t` is NHWC with batch 1. */
export function need4d(w: string, role: string, t: TensorDef): void {
  if (t.shape.length !== 4 || t.shape[0] !== 1) throw new QGraphError(w, `${role} ${JSON.stringify(t.name)} must be NHWC with batch 1, got ${shapeString(t.shape)}`);
}
/** Options `keys` are integers in [min, 64]. */
export function needInts(w: string, o: Record<string, unknown>, keys: string[], min = 1): void {
  for (const k of keys) {
    if (!isInt(o[k]) || (o[k] as number) < min || (o[k] as number) > 64) throw new QGraphError(`${w}.options.${k}`, `must be an integer in [${min}, 64], got ${JSON.stringify(o[k])}`);
  }
}
/** Option `key` is one of `values`. */
export function needEnum(w: string, o: Record<string, unknown>, key: string, values: string[]): void {
  if (!values.includes(o[key] as string)) throw new QGraphError(`${w}.options.${key}`, `must be one of ${values.join(', ')}, got ${JSON.stringify(o[key])}`);
}
/** The op has exactly `n` inputs. */
export function needInputs(w: string, op: { inputs: number[] }, n: number): void {
  if (op.inputs.length !== n) throw new QGraphError(`${w}.inputs`, `expects ${n} inputs, got ${op.inputs.length}`);
}

/** Worst-case |accumulator| must stay below 2^31 (int32 accumulation in C). */
export function checkAccumulator(g: QGraph, w: string, biasIdx: number, taps: number): void {
  const bias = constantData(g, biasIdx) as Int32Array;
  let maxBias = 0;
  for (const b of bias) maxBias = Math.max(maxBias, Math.abs(b));
  const bound = maxBias + 255 * 128 * taps;
  if (bound > 2 ** 31 - 1) throw new QGraphError(w, `worst-case accumulator ${bound} overflows int32 (${taps} taps per output)`);
}

/**
 * Weights: symmetric constant, int8 in [-127, 127] or int4 in [-8, 7] (TFLite's int4), per tensor
 * or per channel on `perChannelAxis`; bias: int32 constant of `outChannels`.
 */
export function checkWeightsBias(g: QGraph, w: string, op: { inputs: number[] }, outChannels: number, perChannelAxis: number): void {
  const wt = g.tensors[op.inputs[1]];
  const bt = g.tensors[op.inputs[2]];
  if ((wt.dtype !== 'int8' && wt.dtype !== 'int4') || !wt.buffer || !wt.quant) {
    throw new QGraphError(`${w}.inputs[1]`, `weights ${JSON.stringify(wt.name)} must be a quantised int8 or int4 constant`);
  }
  if (wt.quant.zeroPoint.some((z) => z !== 0)) throw new QGraphError(`${w}.inputs[1]`, `weights ${JSON.stringify(wt.name)} must be symmetric (zero point 0)`);
  if (wt.quant.scale.length !== 1 && (wt.quant.scale.length !== outChannels || wt.quant.axis !== perChannelAxis)) {
    throw new QGraphError(`${w}.inputs[1]`, `weights ${JSON.stringify(wt.name)} per-channel scales must have ${outChannels} entries on axis ${perChannelAxis}`);
  }
  const wd = constantData(g, op.inputs[1]);
  const bad = wt.dtype === 'int4' ? -1 : wd.findIndex((v) => v === -128);
  if (bad >= 0) throw new QGraphError(`${w}.inputs[1]`, `weights ${JSON.stringify(wt.name)} hold -128 at element ${bad}; weights must lie in [-127, 127]`);
  if (bt.dtype !== 'int32' || !bt.buffer) throw new QGraphError(`${w}.inputs[2]`, `bias ${JSON.stringify(bt.name)} must be an int32 constant`);
  if (numElements(bt.shape) !== outChannels) throw new QGraphError(`${w}.inputs[2]`, `bias ${JSON.stringify(bt.name)} has ${numElements(bt.shape)} elements, expected ${outChannels}`);
}

/** Tensors `a` and `b` share scale and zero point (ops that move values without requantising). */
export function sameQuant(g: QGraph, w: string, a: number, b: number): void {
  const qa = g.tensors[a].quant!;
  const qb = g.tensors[b].quant!;
  if (Math.fround(qa.scale[0]) !== Math.fround(qb.scale[0]) || qa.zeroPoint[0] !== qb.zeroPoint[0]) {
    throw new QGraphError(w, `input and output must share scale and zero point (got ${qa.scale[0]}/${qa.zeroPoint[0]} and ${qb.scale[0]}/${qb.zeroPoint[0]})`);
  }
}
