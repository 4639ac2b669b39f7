/**
 * Scale-level derivations of the integer parameters: from float32 scales and a scheme to
 * the requantisations the kernels execute. The one place these numbers are derived; the
 * QGraph's op parameters (op-params.ts) and QAT's integer simulation (@edgeq/qat
 * requant-sim.ts) both call these functions, so training and inference cannot drift.
 */

import type { QuantScheme } from './qgraph.js';
import { QGraphError } from './errors.js';
import {
  exactLog2,
  float32ToBits,
  fp32Requant,
  frexp,
  mbqmDouble,
  mbqmSingle,
  pow2Shift,
  quantizeMultiplier,
  roundHalfEven,
} from './quant-math.js';

/**
 * Per-channel (or per-tensor, length 1) requantisation: multiplier unused (0) in pow2
 * mode; in fp32 mode `multiplier` holds the float32 multiplier's bit pattern and shift is 0.
 */
export interface Requant {
  multiplier: Int32Array;
  shift: Int32Array;
}

/** Apply one requantisation (channel c) to an int32 value, in the graph's scheme. */
export function requantize(x: number, rq: Requant, c: number, scheme: QuantScheme): number {
  if (scheme.scales === 'pow2') return pow2Shift(x, rq.shift[c]);
  if (scheme.rounding === 'fp32') return fp32Requant(x, rq.multiplier[c]);
  return scheme.rounding === 'single'
    ? mbqmSingle(x, rq.multiplier[c], rq.shift[c])
    : mbqmDouble(x, rq.multiplier[c], rq.shift[c]);
}

/**
 * Largest left shift of a fixed-point requantisation (real multiplier < 2^31): x · 2^shift of
 * an int32 x stays inside int64 before saturation, in C as in TypeScript. Larger multipliers
 * are refused: they would only saturate every output anyway.
 */
export const MAX_FIXED_SHIFT = 31;

/**
 * One requantisation from real multipliers, in the graph's scheme.
 * @param where names the op (and input) in error messages
 * @throws QGraphError when a multiplier cannot be represented in the scheme
 */
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
      if (!(m >= 0 && m < 2 ** MAX_FIXED_SHIFT)) {
        throw new QGraphError(where, `real multiplier ${m} out of [0, 2^${MAX_FIXED_SHIFT}) (channel ${c}): its shift would exceed ${MAX_FIXED_SHIFT}`);
      }
      const q = quantizeMultiplier(m, scheme.rounding === 'single');
      if (q.shift > MAX_FIXED_SHIFT) throw new QGraphError(where, `shift ${q.shift} of multiplier ${m} exceeds ${MAX_FIXED_SHIFT} (channel ${c})`);
      rq.multiplier[c] = q.multiplier;
      rq.shift[c] = q.shift;
    }
  });
  return rq;
}

/** Every requantisation scheme a QGraph may use (fixed-point tflm / single / fp32, power-of-two). */
export const QUANT_SCHEMES: readonly QuantScheme[] = [
  { scales: 'fixed', rounding: 'tflm' },
  { scales: 'fixed', rounding: 'single' },
  { scales: 'fixed', rounding: 'fp32' },
  { scales: 'pow2', rounding: 'tflm' },
];

const f32 = Math.fround;

/** The ops whose int32 accumulators {@link convRequant} requantises. */
export type ConvLikeOpType = 'CONV_2D' | 'DEPTHWISE_CONV_2D' | 'FULLY_CONNECTED';

/**
 * Real multipliers s_in · s_w[c] / s_out of a CONV_2D / DEPTHWISE_CONV_2D /
 * FULLY_CONNECTED op, one per output channel. Scales are taken as float32.
 * - fp32 mode: product and quotient in float32, left to right (XNNPACK's order).
 * - fixed tflm / single, FULLY_CONNECTED with one weight scale (TFLite Micro's
 *   GetQuantizedConvolutionMultipler): `double(f32(s_in · s_w)) / double(s_out)`, the
 *   product rounded to float32 first.
 * - otherwise (convolutions, per-channel FULLY_CONNECTED, pow2): `double(s_in) · double(s_w[c]) / double(s_out)`.
 * @param weightScales one scale per channel, or one for the whole tensor
 */
export function convRealMultipliers(
  opType: ConvLikeOpType, inputScale: number, weightScales: ArrayLike<number>, outputScale: number, channels: number, scheme: QuantScheme,
): number[] {
  const sIn = f32(inputScale);
  const sOut = f32(outputScale);
  const fp32 = scheme.rounding === 'fp32';
  const roundedProduct = opType === 'FULLY_CONNECTED' && weightScales.length === 1 && scheme.scales === 'fixed';
  const reals: number[] = [];
  for (let c = 0; c < channels; c++) {
    const sW = f32(weightScales[weightScales.length === 1 ? 0 : c]);
    reals.push(fp32 ? f32(f32(sIn * sW) / sOut) : roundedProduct ? f32(sIn * sW) / sOut : (sIn * sW) / sOut);
  }
  return reals;
}

/** The requantisation of a conv-like op's accumulators (see {@link convRealMultipliers}). */
export function convRequant(
  opType: ConvLikeOpType, inputScale: number, weightScales: ArrayLike<number>, outputScale: number, channels: number, scheme: QuantScheme, where: string,
): Requant {
  return makeRequant(convRealMultipliers(opType, inputScale, weightScales, outputScale, channels, scheme), scheme, where);
}

/** Fixed-point power of two used by TFLite Micro's int8 ADD to keep precision. */
export const ADD_LEFT_SHIFT = 20;

/** The requantisation part of an ADD's parameters. */
export interface AddRequant {
  /** 2^leftShift scales each input difference first (20: TFLite Micro's rule; 0: pow2 or XNNPACK). */
  leftShift: number;
  in1: Requant;
  in2: Requant;
  out: Requant;
}

/**
 * How an ADD with these parameters computes: `'xnnpack'` (fp32 mode within XNNPACK's
 * range, marked by leftShift 0), otherwise requantisation of both inputs and the sum in the
 * returned scheme. The one fallback rule: fp32 outside XNNPACK's range runs TFLite's
 * builtin int8 ADD, i.e. TFLite Micro's double rounding (`tflm`).
 */
export function addArithmetic(leftShift: number, scheme: QuantScheme): QuantScheme | 'xnnpack' {
  if (scheme.scales === 'fixed' && scheme.rounding === 'fp32') {
    return leftShift === 0 ? 'xnnpack' : { scales: 'fixed', rounding: 'tflm' };
  }
  return scheme;
}

/**
 * ADD requantisation from the input scales s1, s2 and the output scale (float32):
 * pow2 — both inputs aligned to the smaller scale, one shift to the output;
 * fp32 — XNNPACK's integer form when in its range, else the fallback of {@link addArithmetic};
 * tflm / single — TFLite Micro's: (x − zp)·2^20 scaled by s_i / (2·max(s1, s2)), the sum
 * by 2·max(s1, s2) / (2^20·s_out).
 * @param where names the op in error messages
 */
export function addRequant(s1: number, s2: number, outputScale: number, scheme: QuantScheme, where: string): AddRequant {
  const [a, b, so] = [f32(s1), f32(s2), f32(outputScale)];
  if (scheme.scales === 'pow2') {
    const sMin = Math.min(a, b);
    return {
      leftShift: 0,
      in1: makeRequant([a / sMin], scheme, `${where} input 1`),
      in2: makeRequant([b / sMin], scheme, `${where} input 2`),
      out: makeRequant([sMin / so], scheme, `${where} output`),
    };
  }
  if (scheme.rounding === 'fp32') {
    const x = xnnpackAddRequant(a, b, so);
    if (x) return x;
  }
  const twiceMax = 2 * Math.max(a, b);
  const rqScheme = addArithmetic(ADD_LEFT_SHIFT, scheme) as QuantScheme;
  return {
    leftShift: ADD_LEFT_SHIFT,
    in1: makeRequant([a / twiceMax], rqScheme, `${where} input 1`),
    in2: makeRequant([b / twiceMax], rqScheme, `${where} input 2`),
    out: makeRequant([twiceMax / (2 ** ADD_LEFT_SHIFT * so)], rqScheme, `${where} output`),
  };
}

/**
 * XNNPACK's int8 ADD (fp32 mode): a = f32(s1/s_out), b = f32(s2/s_out); shift = 20 − exponent
 * of max(a, b); integer multipliers round-half-even(a·2^shift), (b·2^shift) below 2^21;
 * out = (m1·(x1−zp1) + m2·(x2−zp2) + 2^(shift−1)) >> shift, + zp_out, clamp.
 * Stored as in1/in2.multiplier and out.shift; leftShift 0. Undefined outside XNNPACK's range.
 */
function xnnpackAddRequant(s1: number, s2: number, so: number): AddRequant | undefined {
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

/** The requantisation part of a MEAN's parameters. */
export interface MeanRequant {
  /** fixed mode: requantisation of the sum with s_in / (s_out · count); empty in pow2 mode. */
  requant: Requant;
  /** pow2 mode: k = log2(s_in / s_out); 0 otherwise. */
  pow2Exp: number;
}

/**
 * MEAN requantisation of a sum of `count` elements, from s_in and s_out (float32).
 * tflm / single — TFLite Micro's reduce kernel: (m, shift) = QuantizeMultiplier(s_in / s_out),
 * then 1/count folded in: k = min(floor(log2 count), 32, 31 + shift),
 * m' = floor(m · 2^k / count), shift' = shift − k (see {@link meanFoldCount}).
 * fp32 — the multiplier formed in float32 as s_in / (s_out · count) (XNNPACK's MEAN).
 * @param where names the op in error messages
 * @throws QGraphError in pow2 mode unless s_in / s_out = 2^k with |k| ≤ 24
 */
export function meanRequant(inputScale: number, outputScale: number, count: number, scheme: QuantScheme, where: string): MeanRequant {
  const sIn = f32(inputScale);
  const sOut = f32(outputScale);
  if (scheme.scales === 'pow2') {
    const k = exactLog2(sIn / sOut);
    if (k === undefined || Math.abs(k) > 24) {
      throw new QGraphError(where, `power-of-two mode needs s_in/s_out = 2^k with |k| ≤ 24, got ${sIn / sOut}`);
    }
    return { requant: makeRequant([], scheme, where), pow2Exp: k };
  }
  if (scheme.rounding === 'fp32') {
    return { requant: makeRequant([f32(sIn / f32(sOut * count))], scheme, where), pow2Exp: 0 };
  }
  const q = quantizeMultiplier(sIn / sOut, scheme.rounding === 'single');
  const folded = meanFoldCount(q.multiplier, q.shift, count);
  return { requant: { multiplier: Int32Array.of(folded.multiplier), shift: Int32Array.of(folded.shift) }, pow2Exp: 0 };
}

/**
 * TFLite's QuantizedMeanOrSum folding of 1/count into a quantised multiplier (m, shift):
 * k = floor(log2 count) capped at 32 and at 31 + shift (so shift − k ≥ −31),
 * m' = floor(m · 2^k / count) (< 2^31 since 2^k ≤ count), shift' = shift − k.
 */
export function meanFoldCount(multiplier: number, shift: number, count: number): { multiplier: number; shift: number } {
  const k = Math.min(31 - Math.clz32(count), 32, 31 + shift);
  const folded = (BigInt(multiplier) << BigInt(k)) / BigInt(count);
  return { multiplier: Number(folded), shift: shift - k };
}
