/**
 * LOGISTIC (sigmoid) of an int8 tensor, output scale 1/256 and zero point −128: TFLite
 * Micro's int8 rule in every scheme. The host derives TFLite's input multiplier, left
 * shift and range radius from the input scale and evaluates the rule for each of the 256
 * possible inputs into a table; the interpreter and the C kernel only look outputs up.
 */

import type { QGraph } from '../qgraph.js';
import { QGraphError } from '../errors.js';
import { INT32_MAX, frexp, mbqmDouble, roundHalfAway, roundingDivideByPOT } from '../quant-math.js';
import { LOGISTIC_INPUT_INTEGER_BITS, logisticQ4 } from '../gemmlowp-fixed-point.js';
import { sameShape, shapeString } from '../shapes.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { needOneActivationInOut } from './checks.js';
import { f32, scaleOf, zpOf } from './quant-of.js';

/** LOGISTIC has no options. */
export type LogisticOptions = Record<string, never>;

/** TFLite Micro's input scaling of an int8 LOGISTIC (CalculateArithmeticOpDataLogistic). */
export interface LogisticInputScaling {
  /** Q31 multiplier of s_in · 2^27, in [2^30, 2^31). */
  multiplier: number;
  /** Power-of-two exponent of s_in · 2^27 (frexp); positive is a left shift. */
  leftShift: number;
  /** |x − zp_in| at or beyond this saturates the output (−128 below, 127 above). */
  rangeRadius: number;
}

export interface LogisticParams {
  kind: 'logistic';
  /** Output for input q at index q + 128. */
  table: Int8Array;
}

/** Number of entries of the LOGISTIC output table (every int8 input). */
export const LOGISTIC_TABLE_SIZE = 256;

/**
 * TFLite Micro's LOGISTIC Prepare for int8: real = s_in · 2^27 in double (exact for a
 * float32 scale); (q, leftShift) = frexp(real); multiplier = round_half_away(q · 2^31);
 * rangeRadius = floor(15 · 2^27 / 2^leftShift).
 * @returns a reason string instead when TFLite Micro's arithmetic is undefined there: the
 *   multiplier rounding to 2^31 (impossible for a float32 scale: q · 2^31 is then an
 *   integer below 2^31) or a radius beyond int32 (s_in < 2^−28)
 */
export function logisticInputScaling(inputScale: number): LogisticInputScaling | string {
  const real = f32(inputScale) * 2 ** (31 - LOGISTIC_INPUT_INTEGER_BITS);
  const [q, leftShift] = frexp(real);
  const multiplier = roundHalfAway(q * 2 ** 31);
  if (multiplier > INT32_MAX) return `the input multiplier of scale ${inputScale} rounds to 2^31 (TFLite Micro's int32 overflows)`;
  const rangeRadius = Math.floor(((2 ** LOGISTIC_INPUT_INTEGER_BITS - 1) * 2 ** (31 - LOGISTIC_INPUT_INTEGER_BITS)) / 2 ** leftShift);
  if (rangeRadius > INT32_MAX) return `input scale ${inputScale} is below 2^-28 (TFLite Micro's range radius overflows int32)`;
  return { multiplier, leftShift, rangeRadius };
}

/**
 * One output of TFLite Micro's int8 LOGISTIC for input q: d = q − zp_in; −128 when
 * d ≤ −rangeRadius, 127 when d ≥ rangeRadius; else
 * clamp(RoundingDivideByPOT(logistic_Q4.27→Q0.31(MBQM(d, multiplier, leftShift)), 23) − 128, −128, 127)
 * with MultiplyByQuantizedMultiplier's double rounding.
 */
export function logisticOutput(q: number, inputZeroPoint: number, s: LogisticInputScaling): number {
  const d = q - inputZeroPoint;
  if (d <= -s.rangeRadius) return -128;
  if (d >= s.rangeRadius) return 127;
  // |d| < rangeRadius, so d · 2^leftShift < 15 · 2^27: the left shift cannot overflow.
  const inQ4 = mbqmDouble(d, s.multiplier, s.leftShift);
  const outQ8 = roundingDivideByPOT(logisticQ4(inQ4), 31 - 8) - 128;
  return Math.max(-128, Math.min(127, outQ8));
}

/** The 256-entry output table of a LOGISTIC whose input has scale `inputScale` and zero point `inputZeroPoint`. */
export function logisticTable(inputScale: number, inputZeroPoint: number): Int8Array {
  const scaling = logisticInputScaling(inputScale);
  if (typeof scaling === 'string') throw new RangeError(`logisticTable: ${scaling}`);
  return Int8Array.from({ length: LOGISTIC_TABLE_SIZE }, (_, i) => logisticOutput(i - 128, inputZeroPoint, scaling));
}

export const logistic: OpDefinition<'LOGISTIC', LogisticOptions, LogisticParams> = {
  version: 1,
  validate(g, op, w) {
    const { x, y } = needOneActivationInOut(g, op, w);
    if (typeof op.options !== 'object' || op.options === null || Object.keys(op.options).length !== 0) {
      throw new QGraphError(`${w}.options`, `LOGISTIC has no options, got ${JSON.stringify(op.options)}`);
    }
    if (!sameShape(x.shape, y.shape)) throw new QGraphError(w, `output shape ${shapeString(y.shape)} differs from input ${shapeString(x.shape)}`);
    if (f32(y.quant!.scale[0]) !== 1 / 256 || y.quant!.zeroPoint[0] !== -128) {
      throw new QGraphError(`${w}.outputs[0]`, `logistic output must have scale 1/256 and zero point -128, got ${y.quant!.scale[0]} and ${y.quant!.zeroPoint[0]}`);
    }
    const scaling = logisticInputScaling(scaleOf(x));
    if (typeof scaling === 'string') throw new QGraphError(`${w}.inputs[0]`, scaling);
  },
  deriveParams(g: QGraph, op) {
    const x = g.tensors[op.inputs[0]];
    return { kind: 'logistic', table: logisticTable(scaleOf(x), zpOf(x)) };
  },
  prepare(_g, _op, params) {
    const { table } = params;
    return (inputs, output) => {
      const x = inputs[0] as Int8Array;
      const y = output as Int8Array;
      for (let i = 0; i < x.length; i++) y[i] = table[x[i] + 128];
    };
  },
  macs: NO_MACS,
  memory: SEPARATE_OUTPUT,
};
