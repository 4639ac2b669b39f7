/**
 * Quantisation arithmetic shared by the interpreter and the code generator: turning real
 * multipliers into (Q31 multiplier, shift) pairs as TFLite does, the requantisation
 * primitives of docs/quantization-spec.md, and activation clamp ranges.
 *
 * Every 64-bit product is computed exactly: doubles are exact only to 2^53, so products
 * of two int32 values are split into 16-bit halves (see mulRoundShift). The C runtime
 * (packages/runtime-c/src/edgeq_requant.h) implements the same functions with int64.
 */

import type { FusedActivation, QuantScheme } from './qgraph.js';

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
const TWO_16 = 65536;

/** Round half away from zero (C's `round`/`lround`, TFLite's TfLiteRound). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** Clamp to [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Saturate a (mathematically exact) integer to int32. */
export function saturateInt32(x: number): number {
  return x < INT32_MIN ? INT32_MIN : x > INT32_MAX ? INT32_MAX : x;
}

const frexpView = new DataView(new ArrayBuffer(8));

/**
 * C's frexp for finite doubles: x = q · 2^e with |q| in [0.5, 1), exactly.
 * Returns [q, e]; frexp(0) = [0, 0].
 */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  frexpView.setFloat64(0, x);
  const hi = frexpView.getUint32(0);
  let biased = (hi >>> 20) & 0x7ff;
  let extra = 0;
  if (biased === 0) {
    // Subnormal: scale into the normal range first.
    x *= 2 ** 64;
    extra = -64;
    frexpView.setFloat64(0, x);
    biased = (frexpView.getUint32(0) >>> 20) & 0x7ff;
  }
  const e = biased - 1022;
  // Replace the exponent field with 1022 (value in [0.5, 1)).
  const hiNow = frexpView.getUint32(0);
  frexpView.setUint32(0, (hiNow & 0x800fffff) | (1022 << 20));
  return [frexpView.getFloat64(0), e + extra];
}

/** A real multiplier as TFLite stores it: real ≈ multiplier · 2^(shift − 31). */
export interface QuantizedMultiplier {
  /** Q31 multiplier in [2^30, 2^31 − 1], or 0. */
  multiplier: number;
  /** Power-of-two exponent; positive means a left shift. */
  shift: number;
}

/**
 * TFLite's QuantizeMultiplier: frexp, round half away from zero to Q31, renormalise
 * 2^31, flush exponents below −31 to zero. `single` additionally clamps shift to ≤ 30
 * as TFLite does under TFLITE_SINGLE_ROUNDING.
 */
export function quantizeMultiplier(real: number, single = false): QuantizedMultiplier {
  if (!(real >= 0) || !Number.isFinite(real)) {
    throw new RangeError(`quantizeMultiplier: multiplier must be finite and ≥ 0, got ${real}`);
  }
  if (real === 0) return { multiplier: 0, shift: 0 };
  let [q, shift] = frexp(real);
  let qFixed = roundHalfAway(q * 2 ** 31);
  if (qFixed === 2 ** 31) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  if (single && shift > 30) return { multiplier: INT32_MAX, shift: 30 };
  return { multiplier: qFixed, shift };
}

/**
 * floor((a · b + 2^(r−1)) / 2^r) computed exactly, for int32 `a`, 0 ≤ b < 2^31 and
 * 1 ≤ r ≤ 62: one round-half-up right shift of the full 64-bit product.
 * The result may exceed int32 for small r; callers saturate.
 */
export function mulRoundShift(a: number, b: number, r: number): number {
  // Fast path: |a·b| < 2^52 and the rounding term ≤ 2^51, so the sum is an exact double.
  if (r <= 52 && a < 2097152 && a > -2097152) return Math.floor((a * b + 2 ** (r - 1)) / 2 ** r);
  const bh = Math.floor(b / TWO_16);
  const bl = b - bh * TWO_16;
  const p1 = a * bh; // |p1| < 2^46, exact
  const p2 = a * bl; // |p2| < 2^47, exact
  if (r <= 16) {
    // a·b = p1·2^16 + p2; p1·2^(16−r) is exact and the tail fits easily.
    return p1 * 2 ** (16 - r) + Math.floor((p2 + 2 ** (r - 1)) / 2 ** r);
  }
  const rr = r - 16;
  const pow = 2 ** rr;
  const q1 = Math.floor(p1 / pow);
  const r1 = p1 - q1 * pow; // in [0, 2^rr)
  const qy = Math.floor(p2 / TWO_16); // the low 16 bits of p2 never reach the result
  return q1 + Math.floor((r1 + qy + pow / 2) / pow);
}

/**
 * TFLite's SaturatingRoundingDoublingHighMul: round-half-up of a·b / 2^31. The only
 * saturating case (both INT32_MIN) cannot occur since b is a non-negative multiplier.
 */
export function srdhm(a: number, b: number): number {
  return mulRoundShift(a, b, 31);
}

/** gemmlowp's RoundingDivideByPOT: int32 x / 2^e rounded half away from zero, 0 ≤ e ≤ 31. */
export function roundingDivideByPOT(x: number, e: number): number {
  if (e === 0) return x;
  // x is an int32, so 32-bit bitwise operators are exact here.
  const mask = e === 31 ? 0x7fffffff : (1 << e) - 1;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + ((x & mask) > threshold ? 1 : 0);
}

/**
 * MultiplyByQuantizedMultiplier, double rounding (TFLite Micro / CMSIS-NN default):
 * saturate(x · 2^left) → SRDHM → RoundingDivideByPOT(right).
 */
export function mbqmDouble(x: number, multiplier: number, shift: number): number {
  if (shift <= 0 && x < 2097152 && x > -2097152) {
    // Common case inlined: no left shift, |x·m| < 2^52 so the double product is exact.
    const h = Math.floor((x * multiplier + 1073741824) / 2147483648);
    if (shift === 0) return h;
    const e = -shift;
    const mask = e === 31 ? 0x7fffffff : (1 << e) - 1;
    return (h >> e) + ((h & mask) > (mask >> 1) + (h < 0 ? 1 : 0) ? 1 : 0);
  }
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const shifted = left > 0 ? saturateInt32(x * 2 ** left) : x;
  return roundingDivideByPOT(srdhm(shifted, multiplier), right);
}

/**
 * MultiplyByQuantizedMultiplier, single rounding (TFLITE_SINGLE_ROUNDING):
 * saturate((x · m + 2^(30−shift)) >> (31 − shift)), shift in [−31, 30].
 */
export function mbqmSingle(x: number, multiplier: number, shift: number): number {
  return saturateInt32(mulRoundShift(x, multiplier, 31 - shift));
}

/**
 * Power-of-two requantisation: x · 2^shift. A left shift saturates; a right shift rounds
 * half up (one arithmetic shift with a rounding bias).
 */
export function pow2Shift(x: number, shift: number): number {
  if (shift >= 0) return saturateInt32(x * 2 ** shift);
  // x is an int32: floor(x / 2^n) plus the bit just below the cut (round half up).
  const n = -shift;
  return (x >> n) + ((x >> (n - 1)) & 1);
}

/** Exponent n with 2^n === x, or undefined when x is not an exact power of two. */
export function exactLog2(x: number): number | undefined {
  if (!(x > 0) || !Number.isFinite(x)) return undefined;
  const [q, e] = frexp(x);
  return q === 0.5 ? e - 1 : undefined;
}

/** Integer division rounded half away from zero (TFLite's average-pool rounding). */
export function roundDivAway(num: number, den: number): number {
  const half = Math.floor(den / 2);
  const v = num >= 0 ? num + half : num - half;
  return Math.trunc(v / den);
}

/**
 * TFLite's CalculateActivationRangeQuantized for int8: the clamp range of a fused
 * activation, with real bounds quantised in float32 and rounded half away from zero.
 */
export function activationRange(
  act: FusedActivation,
  scale: number,
  zeroPoint: number,
): [number, number] {
  const quantize = (f: number) => zeroPoint + roundHalfAway(Math.fround(f / Math.fround(scale)));
  switch (act) {
    case 'NONE':
      return [-128, 127];
    case 'RELU':
      return [Math.max(-128, quantize(0)), 127];
    case 'RELU6':
      return [Math.max(-128, quantize(0)), Math.min(127, quantize(6))];
  }
}

/**
 * Whether QUANTIZE multiplies by the float32 reciprocal of the scale (fp32 mode: LiteRT's
 * rule) rather than dividing by the scale (every other mode: TFLite Micro's AffineQuantize).
 */
export function quantizesByReciprocal(scheme: QuantScheme): boolean {
  return scheme.scales !== 'pow2' && scheme.rounding === 'fp32';
}

/**
 * Float → int8 as QUANTIZE computes it at the graph boundary, in float32:
 * `v = f32(x / f32(scale))` (TFLite Micro), or `v = f32(x · f32(1/f32(scale)))` in fp32 mode
 * (LiteRT; see {@link quantizesByReciprocal}); then q = clamp(round_half_away(v) + zp, −128, 127).
 * NaN gives the zero point; ±∞ and any |v| beyond the int8 range saturate.
 * (Two float32 values divided in double and rounded once to float32 give exactly the
 * correctly rounded float32 quotient: 53 ≥ 2·24 + 2 bits.)
 */
export function quantizeFloat(x: number, scale: number, zeroPoint: number, scheme: QuantScheme): number {
  const s = Math.fround(scale);
  const v = quantizesByReciprocal(scheme) ? Math.fround(Math.fround(x) * Math.fround(1 / s)) : Math.fround(Math.fround(x) / s);
  if (Number.isNaN(v)) return clamp(zeroPoint, -128, 127);
  return clamp(roundHalfAway(v) + zeroPoint, -128, 127);
}

/** int8 → float as DEQUANTIZE computes it, in float32: f32((q − zp) · scale). */
export function dequantizeInt(q: number, scale: number, zeroPoint: number): number {
  return Math.fround((q - zeroPoint) * Math.fround(scale));
}

const f32Bits = new DataView(new ArrayBuffer(4));

/** The IEEE-754 bit pattern of float32(x), as an int32 (how fp32 multipliers are stored). */
export function float32ToBits(x: number): number {
  f32Bits.setFloat32(0, x);
  return f32Bits.getInt32(0);
}

/** The float32 whose bit pattern is the int32 `bits`. */
export function bitsToFloat32(bits: number): number {
  f32Bits.setInt32(0, bits);
  return f32Bits.getFloat32(0);
}

/** Round half to even (IEEE default rounding, C's lrintf/nearbyintf). */
export function roundHalfEven(x: number): number {
  const fl = Math.floor(x);
  const d = x - fl;
  if (d > 0.5) return fl + 1;
  if (d < 0.5) return fl;
  return fl % 2 === 0 ? fl : fl + 1;
}

/**
 * fp32 requantisation (XNNPACK's rule): f32(x) · f32(scale) in float32, rounded half to
 * even. `scaleBits` is the float32 multiplier's bit pattern. The product is clamped to
 * ±2^15 first (the C twin does the same before its magic-number rounding); any value
 * that far out saturates int8 anyway.
 */
export function fp32Requant(x: number, scaleBits: number): number {
  const v = Math.fround(Math.fround(x) * bitsToFloat32(scaleBits));
  return roundHalfEven(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
}
