/**
 * SOFTMAX over the last axis of an int8 tensor, output scale 1/256 and zero point −128.
 * tflm / single / pow2: TFLite Micro's gemmlowp fixed-point softmax; the host derives
 * TFLite's input multiplier, left shift and diff_min and tabulates exp of every possible
 * max − x (256 entries, Q0.31), so the kernels only sum, take the reciprocal and scale.
 * fp32: TFLite's float lookup-table kernel with a correctly rounded float32 exp table.
 */

import type { OpDefOf, QGraph, QuantScheme } from '../qgraph.js';
import type { SoftmaxParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { float32ToBits, mbqmSingle, quantizeMultiplier, srdhm } from '../quant-math.js';
import { expOnNegativeValues, SOFTMAX_SCALED_DIFF_INTEGER_BITS } from '../gemmlowp-fixed-point.js';
import { correctlyRoundedExpF32 } from '../exp-f32.js';
import { sameShape, shapeString } from '../shapes.js';
import * as kernels from '../kernels.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { needOneActivationInOut } from './checks.js';
import { f32, scaleOf } from './quant-of.js';

export interface SoftmaxOptions {
  beta: number;
}

/** Number of entries of the softmax exponent table (every possible max − x of int8). */
export const SOFTMAX_TABLE_SIZE = 256;
/** Most classes a row may have: 4095 · exp(0) in Q12.19 is the largest sum that fits int32. */
export const SOFTMAX_MAX_CLASSES = 4095;

/** TFLite's input scaling of a SOFTMAX (PreprocessSoftmaxScaling, CalculateInputRadius). */
export interface SoftmaxInputScaling {
  /** Q31 multiplier of beta · s_in · 2^26. */
  multiplier: number;
  /** Left shift (≥ 0) applied with the multiplier. */
  leftShift: number;
  /** Smallest x − max whose exponential is computed; smaller differences give output −128. */
  diffMin: number;
}

/**
 * TFLite Micro's SOFTMAX Prepare for int8: real = min(beta · s_in · 2^26, 2^31 − 1)
 * (2^30 − 1 with single rounding) in double — exact, both are float32 — must exceed 1;
 * (multiplier, leftShift) = QuantizeMultiplier(real); diffMin = −floor(31 · 2^26 / 2^leftShift).
 * @returns undefined when beta · s_in · 2^26 ≤ 1 (TFLite Micro refuses the op)
 */
export function softmaxInputScaling(inputScale: number, beta: number, single: boolean): SoftmaxInputScaling | undefined {
  const integerBits = SOFTMAX_SCALED_DIFF_INTEGER_BITS;
  const maxReal = single ? 2 ** 30 - 1 : 2 ** 31 - 1;
  const real = Math.min(f32(beta) * f32(inputScale) * 2 ** (31 - integerBits), maxReal);
  if (!(real > 1)) return undefined;
  const q = quantizeMultiplier(real, single);
  const radius = Math.floor(((2 ** integerBits - 1) * 2 ** (31 - integerBits)) / 2 ** q.shift);
  return { multiplier: q.multiplier, leftShift: q.shift, diffMin: 0 - radius }; // 0 − 0 is +0
}

/**
 * The Q0.31 exponent table of a fixed-point SOFTMAX: entry d (= max − x) is
 * exp_on_negative_values(rescale(−d)) when −d ≥ diffMin, else 0 (TFLite skips those
 * elements; a 0 entry contributes nothing to the sum and yields output −128, the same).
 * rescale is SaturatingRoundingDoublingHighMul(−d · 2^leftShift, multiplier), or with single
 * rounding MultiplyByQuantizedMultiplier's single-rounding form.
 */
export function softmaxExpTable(scaling: SoftmaxInputScaling, single: boolean): Uint32Array {
  const table = new Uint32Array(SOFTMAX_TABLE_SIZE);
  for (let d = 0; d < SOFTMAX_TABLE_SIZE; d++) {
    const diff = -d;
    if (diff < scaling.diffMin) continue;
    // |diff| · 2^leftShift ≤ 31 · 2^26 < 2^31 for every diff ≥ diffMin: no overflow.
    const rescaled = single
      ? mbqmSingle(diff, scaling.multiplier, scaling.leftShift)
      : srdhm(diff * 2 ** scaling.leftShift, scaling.multiplier);
    table[d] = expOnNegativeValues(rescaled);
  }
  return table;
}

/** Whether a scheme's SOFTMAX rescales with single rounding (TFLITE_SINGLE_ROUNDING); pow2 uses double. */
function singleRounding(scheme: QuantScheme): boolean {
  return scheme.scales === 'fixed' && scheme.rounding === 'single';
}

function softmaxParams(g: QGraph, op: OpDefOf<'SOFTMAX'>): SoftmaxParams {
  const sIn = scaleOf(g.tensors[op.inputs[0]]);
  const beta = op.options.beta;
  if (g.quantization.rounding === 'fp32') {
    // TFLite's PopulateSoftmaxLookupTable: scale = −s_in · beta in float32, table = expf(scale · d).
    const scale = f32(-sIn * f32(beta));
    const expTable = new Uint32Array(SOFTMAX_TABLE_SIZE);
    for (let d = 0; d < SOFTMAX_TABLE_SIZE; d++) expTable[d] = float32ToBits(correctlyRoundedExpF32(f32(scale * d))) >>> 0;
    return { kind: 'softmax', expTable, float: true };
  }
  const single = singleRounding(g.quantization);
  const scaling = softmaxInputScaling(sIn, beta, single)!; // validate refused undefined
  return { kind: 'softmax', expTable: softmaxExpTable(scaling, single), float: false };
}

export const softmax: OpDefinition<'SOFTMAX', SoftmaxOptions, SoftmaxParams> = {
  version: 1,
  validate(g, op, w) {
    const { x, y } = needOneActivationInOut(g, op, w);
    if (typeof op.options.beta !== 'number' || !(op.options.beta > 0) || !Number.isFinite(op.options.beta)) throw new QGraphError(`${w}.options.beta`, `must be finite and > 0, got ${op.options.beta}`);
    if (!sameShape(x.shape, y.shape)) throw new QGraphError(w, `output shape ${shapeString(y.shape)} differs from input ${shapeString(x.shape)}`);
    if (x.shape[x.shape.length - 1] > SOFTMAX_MAX_CLASSES) throw new QGraphError(w, `softmax over more than ${SOFTMAX_MAX_CLASSES} classes is not supported (the int32 sum of exponentials would overflow)`);
    if (g.quantization.rounding !== 'fp32' && !softmaxInputScaling(scaleOf(x), op.options.beta, singleRounding(g.quantization))) {
      throw new QGraphError(`${w}.options.beta`, `beta · input scale must exceed 2^-26 (TFLite Micro's softmax refuses smaller), got ${op.options.beta} · ${scaleOf(x)}`);
    }
    if (Math.fround(y.quant!.scale[0]) !== 1 / 256 || y.quant!.zeroPoint[0] !== -128) {
      throw new QGraphError(`${w}.outputs[0]`, `softmax output must have scale 1/256 and zero point -128, got ${y.quant!.scale[0]} and ${y.quant!.zeroPoint[0]}`);
    }
  },
  deriveParams: softmaxParams,
  prepare(g, op, params) {
    const shape = g.tensors[op.inputs[0]].shape;
    const classes = shape[shape.length - 1];
    return (inputs, y) => kernels.softmax(inputs[0] as Int8Array, classes, y as Int8Array, params);
  },
  macs: NO_MACS,
  memory: SEPARATE_OUTPUT,
};
