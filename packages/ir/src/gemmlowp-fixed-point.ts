/**
 * gemmlowp's int32 fixed-point functions that TFLite Micro's int8 SOFTMAX and LOGISTIC use (docs/
 * quantization-spec.md, "SOFTMAX (gemmlowp fixed point)"): the exponential of a negative
 * Q5.26 value and the reciprocal of the Q12.19 sum of exponentials, both in Q0.31.
 * The host builds each SOFTMAX's exponent table with {@link expOnNegativeValues}; the
 * interpreter (kernels.ts) and the C kernel (edgeq_softmax_s8.c) share
 * {@link softmaxReciprocal}'s arithmetic. Every step is exact integer arithmetic.
 */

import { INT32_MAX, INT32_MIN, mulRoundShift, roundingDivideByPOT } from './quant-math.js';

/** Q0.31 raw value of 1.0 as gemmlowp represents it (the largest int32). */
export const Q0_31_ONE = INT32_MAX;

/** Integer bits of the rescaled input difference fed to the exponential (Q5.26). */
export const SOFTMAX_SCALED_DIFF_INTEGER_BITS = 5;
/** Integer bits of a LOGISTIC's rescaled input (Q4.27). */
export const LOGISTIC_INPUT_INTEGER_BITS = 4;
/** Integer bits of the sum of exponentials (Q12.19). */
export const SOFTMAX_ACCUMULATION_INTEGER_BITS = 12;

/**
 * Product of two fixed-point raw values (gemmlowp's SaturatingRoundingDoublingHighMul):
 * floor((a·b + 2^30) / 2^31), exact; INT32_MIN · INT32_MIN saturates to INT32_MAX.
 * (gemmlowp's nudge-and-truncate form equals this floor for both signs.)
 */
export function fixedMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  return mulRoundShift(a, b, 31);
}

/** gemmlowp's SaturatingRoundingMultiplyByPOT for a positive exponent: x · 2^e saturated to int32. */
export function saturatingShiftLeft(x: number, e: number): number {
  const threshold = 2 ** (31 - e) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x * 2 ** e;
}

/** exp(a) for a Q0.31 value a in [−1/4, 0): gemmlowp's Taylor expansion around −1/8. */
function expOnNegativeQuarter(a: number): number {
  const expMinusOneEighth = 1895147668; // Q0.31 of exp(−1/8)
  const oneThird = 715827883; // Q0.31 of 1/3
  const x = a + 2 ** 28; // a + 1/8
  const x2 = fixedMul(x, x);
  const x3 = fixedMul(x2, x);
  const x4 = fixedMul(x2, x2);
  const x4Over4 = roundingDivideByPOT(x4, 2);
  const polynomial = roundingDivideByPOT(fixedMul(x4Over4 + x3, oneThird) + x2, 1);
  return expMinusOneEighth + fixedMul(expMinusOneEighth, x + polynomial);
}

/** Q0.31 of exp(−2^k) for k = −2..4, the factors of gemmlowp's barrel shifter. */
const EXP_OF_MINUS_POWER_OF_TWO: readonly [number, number][] = [
  [-2, 1672461947],
  [-1, 1302514674],
  [0, 790015084],
  [1, 290630308],
  [2, 39332535],
  [3, 720401],
  [4, 242],
];

/**
 * gemmlowp's exp_on_negative_values for an input a ≤ 0 with `integerBits` integer bits
 * (Q5.26 for SOFTMAX, Q4.27 for LOGISTIC; at most 5), result in Q0.31:
 * a = (a mod 1/4 − 1/4) − r; exp of the first part by {@link expOnNegativeQuarter}, then
 * one factor exp(−2^k) for every bit k of r (k = −2 .. integerBits − 1); exp(0) is exactly Q0_31_ONE.
 */
export function expOnNegativeValues(a: number, integerBits = SOFTMAX_SCALED_DIFF_INTEGER_BITS): number {
  const fractionalBits = 31 - integerBits;
  const oneQuarter = 2 ** (fractionalBits - 2);
  const modQuarterMinusQuarter = (a & (oneQuarter - 1)) - oneQuarter;
  let result = expOnNegativeQuarter(saturatingShiftLeft(modQuarterMinusQuarter, integerBits));
  const remainder = modQuarterMinusQuarter - a;
  for (const [k, factor] of EXP_OF_MINUS_POWER_OF_TWO) {
    if (k < integerBits && remainder & (1 << (fractionalBits + k))) result = fixedMul(result, factor);
  }
  return a === 0 ? Q0_31_ONE : result;
}

/**
 * gemmlowp's logistic of a Q4.27 value a, result in Q0.31: 1 / (1 + exp(−|a|)) by
 * {@link expOnNegativeValues} and {@link oneOverOnePlusX}; for a < 0 the result is
 * Q0_31_ONE minus that; a = 0 gives exactly 2^30 (one half).
 */
export function logisticQ4(a: number): number {
  if (a === 0) return 2 ** 30;
  const positive = oneOverOnePlusX(expOnNegativeValues(-Math.abs(a), LOGISTIC_INPUT_INTEGER_BITS));
  return a > 0 ? positive : Q0_31_ONE - positive;
}

/**
 * gemmlowp's one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a) for a Q0.31 value a in [0, 1),
 * result in Q0.31, by three Newton–Raphson steps in Q2.29 from 48/17 − 32/17 · d,
 * d = (1 + a) / 2 rounded half away from zero.
 */
export function oneOverOnePlusX(a: number): number {
  const halfDenominator = Math.trunc((a + Q0_31_ONE + 1) / 2); // a + ONE ≥ 0
  const fortyEightOverSeventeen = 1515870810; // Q2.29
  const minusThirtyTwoOverSeventeen = -1010580540; // Q2.29
  const oneQ2 = 2 ** 29;
  let x = fortyEightOverSeventeen + fixedMul(halfDenominator, minusThirtyTwoOverSeventeen);
  for (let i = 0; i < 3; i++) {
    const oneMinusHalfDenominatorTimesX = oneQ2 - fixedMul(halfDenominator, x);
    x += saturatingShiftLeft(fixedMul(x, oneMinusHalfDenominatorTimesX), 2);
  }
  return saturatingShiftLeft(x, 1);
}

/** The reciprocal of a row's sum of exponentials, as TFLite's GetReciprocal returns it. */
export interface SoftmaxReciprocal {
  /** Q0.31 of 2^bitsOverUnit / sum (a value in (1/2, 1]). */
  scale: number;
  /** Bits of the sum above 1.0: 12 − (leading zeros of the sum). */
  bitsOverUnit: number;
}

/**
 * TFLite's GetReciprocal for a Q12.19 sum in [2^19, 2^31): normalise the sum to
 * 1 + x with x in [0, 1) by its leading zeros, then {@link oneOverOnePlusX}.
 */
export function softmaxReciprocal(sum: number): SoftmaxReciprocal {
  const headroomPlusOne = Math.clz32(sum);
  const shiftedSumMinusOne = sum * 2 ** headroomPlusOne - 2 ** 31;
  return {
    scale: oneOverOnePlusX(shiftedSumMinusOne),
    bitsOverUnit: SOFTMAX_ACCUMULATION_INTEGER_BITS - headroomPlusOne,
  };
}
