/**
 * Requantisation primitives against hand-worked values and against independent BigInt
 * transcriptions of the published formulas (TFLite's SaturatingRoundingDoublingHighMul
 * with its nudge and truncating division, gemmlowp's RoundingDivideByPOT with masks,
 * TFLite's single-rounding MultiplyByQuantizedMultiplier).
 */
import { describe, expect, it } from 'vitest';
import {
  activationRange,
  exactLog2,
  frexp,
  mbqmDouble,
  mbqmSingle,
  mulberry32,
  pow2Shift,
  quantizeFloat,
  quantizeMultiplier,
  roundDivAway,
  roundingDivideByPOT,
  srdhm,
} from '../src/index.js';

const TFLM = { scales: 'fixed', rounding: 'tflm' } as const;
const I32_MIN = -(2n ** 31n);
const I32_MAX = 2n ** 31n - 1n;
const sat = (v: bigint) => (v < I32_MIN ? I32_MIN : v > I32_MAX ? I32_MAX : v);
/** C-style truncating division. */
const tdiv = (a: bigint, b: bigint) => a / b;
/** TFLite SRDHM, literally: nudge then truncating division by 2^31. */
function refSrdhm(a: bigint, b: bigint): bigint {
  if (a === I32_MIN && b === I32_MIN) return I32_MAX;
  const ab = a * b;
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return tdiv(ab + nudge, 1n << 31n);
}
/** gemmlowp RoundingDivideByPOT, literally, in 32-bit terms. */
function refRdbpot(x: bigint, e: bigint): bigint {
  const mask = (1n << e) - 1n;
  const remainder = x & mask;
  const threshold = (mask >> 1n) + (x < 0n ? 1n : 0n);
  return (x >> e) + (remainder > threshold ? 1n : 0n);
}
function refDouble(x: bigint, m: bigint, shift: number): bigint {
  const left = shift > 0 ? BigInt(shift) : 0n;
  const right = shift > 0 ? 0n : BigInt(-shift);
  return refRdbpot(refSrdhm(sat(x * (1n << left)), m), right);
}
function refSingle(x: bigint, m: bigint, shift: number): bigint {
  const total = BigInt(31 - shift);
  return sat((x * m + (1n << (total - 1n))) >> total);
}
function refPow2(x: bigint, shift: number): bigint {
  if (shift >= 0) return sat(x * (1n << BigInt(shift)));
  const n = BigInt(-shift);
  return (x + (1n << (n - 1n))) >> n;
}

const rand = mulberry32(42);
const edgeX = [-2147483648, 2147483647, 0, 1, -1, 2, -2, 1 << 30, -(1 << 30), 65535, -65536, 123456789, -987654321];
const edgeM = [1 << 30, 2147483647, 1073741825, 1500000000, 2147483520];
function randomI32(): number {
  const kind = rand();
  if (kind < 0.3) return Math.floor((rand() - 0.5) * 2 ** 32);
  if (kind < 0.6) return Math.floor((rand() - 0.5) * 2 ** 20);
  return Math.floor((rand() - 0.5) * 2 ** 12);
}

describe('hand-worked requantisation', () => {
  it('double rounding (tflm) rounds twice, single rounds once', () => {
    // 5 * 0.25 = 1.25: SRDHM(5, 2^30) = floor(6/2) = 3, then 3/2 = 1.5 rounds away to 2.
    expect(mbqmDouble(5, 1 << 30, -1)).toBe(2);
    // single: floor((5*2^30 + 2^31) / 2^32) = floor(1.75) = 1.
    expect(mbqmSingle(5, 1 << 30, -1)).toBe(1);
    // -6 * 0.25 = -1.5: SRDHM = floor(-5/2) = -3, then -3/2 = -1.5 rounds away to -2.
    expect(mbqmDouble(-6, 1 << 30, -1)).toBe(-2);
    expect(mbqmSingle(-6, 1 << 30, -1)).toBe(-1);
    // 2.5 (x=5, M=0.5): SRDHM rounds half up: 3; -2.5 -> -2.
    expect(mbqmDouble(5, 1 << 30, 0)).toBe(3);
    expect(mbqmDouble(-5, 1 << 30, 0)).toBe(-2);
    // left shift: M = 32 = 0.5 * 2^6: 3 * 64 * 0.5 = 96.
    expect(mbqmDouble(3, 1 << 30, 6)).toBe(96);
    expect(mbqmSingle(3, 1 << 30, 6)).toBe(96);
    // left shift saturates: huge x * 2^6 clamps to INT32_MAX before the multiply.
    expect(mbqmDouble(2 ** 30, 1 << 30, 6)).toBe(1073741824);
  });

  it('power-of-two shifts round half up and saturate left shifts', () => {
    expect(pow2Shift(5, -2)).toBe(1); // 1.25
    expect(pow2Shift(6, -2)).toBe(2); // 1.5 -> 2
    expect(pow2Shift(-6, -2)).toBe(-1); // -1.5 -> -1 (half up)
    expect(pow2Shift(-7, -2)).toBe(-2); // -1.75
    expect(pow2Shift(3, 4)).toBe(48);
    expect(pow2Shift(2 ** 30, 4)).toBe(2147483647);
    expect(pow2Shift(-(2 ** 30), 4)).toBe(-2147483648);
  });

  it('quantizeMultiplier matches TFLite on exact and edge values', () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 3 * 2 ** 29, shift: 0 });
    expect(quantizeMultiplier(0.25)).toEqual({ multiplier: 2 ** 30, shift: -1 });
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    // 1 - 2^-40 rounds up to 2^31 in Q31 and is renormalised.
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    // 1 - 2^-24 is representable: m = 2^31 - 2^7.
    expect(quantizeMultiplier(1 - 2 ** -24)).toEqual({ multiplier: 2 ** 31 - 2 ** 7, shift: 0 });
    // Exponents below -31 flush to zero.
    expect(quantizeMultiplier(2 ** -32)).toEqual({ multiplier: 2 ** 30, shift: -31 });
    expect(quantizeMultiplier(2 ** -33)).toEqual({ multiplier: 0, shift: 0 });
    // Single rounding clamps shift to 30.
    expect(quantizeMultiplier(2 ** 40, true)).toEqual({ multiplier: 2147483647, shift: 30 });
    // Rounds half away from zero at Q31: q = 0.5 + 2^-32 -> 2^30 + 0.5 -> 2^30 + 1.
    expect(quantizeMultiplier(0.5 + 2 ** -32).multiplier).toBe(2 ** 30 + 1);
    expect(() => quantizeMultiplier(-1)).toThrow(/must be finite and ≥ 0/);
  });

  it('frexp and exactLog2', () => {
    expect(frexp(8)).toEqual([0.5, 4]);
    expect(frexp(0.75)).toEqual([0.75, 0]);
    expect(frexp(2 ** -1060)).toEqual([0.5, -1059]); // subnormal
    expect(exactLog2(2 ** -7)).toBe(-7);
    expect(exactLog2(0.3)).toBeUndefined();
  });

  it('rounded division, activation ranges, float quantisation', () => {
    expect(roundDivAway(3, 2)).toBe(2);
    expect(roundDivAway(-3, 2)).toBe(-2);
    expect(roundDivAway(10, 4)).toBe(3);
    expect(roundDivAway(-10, 4)).toBe(-3);
    expect(roundDivAway(9, 4)).toBe(2);
    expect(activationRange('RELU6', 0.0625, -100)).toEqual([-100, -4]); // 6 / 0.0625 = 96
    expect(activationRange('RELU', 0.1, 5)).toEqual([5, 127]);
    expect(activationRange('NONE', 0.1, 5)).toEqual([-128, 127]);
    expect(activationRange('RELU6', 0.001, -128)).toEqual([-128, 127]);
    expect(quantizeFloat(0.25, 0.5, 1, TFLM)).toBe(2); // 0.5 rounds away from zero
    expect(quantizeFloat(-0.25, 0.5, 1, TFLM)).toBe(0);
    expect(quantizeFloat(1000, 0.5, 1, TFLM)).toBe(127);
    expect(quantizeFloat(Number.NaN, 0.5, 1, TFLM)).toBe(1);
  });
});

describe('exact 64-bit arithmetic against BigInt references', () => {
  it('SRDHM and RoundingDivideByPOT on edges and 20,000 random inputs', () => {
    for (const a of edgeX) for (const b of edgeM) expect(srdhm(a, b)).toBe(Number(refSrdhm(BigInt(a), BigInt(b))));
    for (let i = 0; i < 20000; i++) {
      const a = randomI32();
      const b = Math.floor(rand() * 2 ** 31);
      expect(srdhm(a, b)).toBe(Number(refSrdhm(BigInt(a), BigInt(b))));
      const e = Math.floor(rand() * 32);
      expect(roundingDivideByPOT(a, e)).toBe(Number(refRdbpot(BigInt(a), BigInt(e))));
    }
  });

  it('MultiplyByQuantizedMultiplier (double, single) and pow2 over every shift', () => {
    for (let shift = -31; shift <= 30; shift++) {
      const xs = [...edgeX, ...Array.from({ length: 300 }, randomI32)];
      const ms = [...edgeM, ...Array.from({ length: 4 }, () => 2 ** 30 + Math.floor(rand() * 2 ** 30))];
      for (const x of xs) {
        for (const m of ms) {
          expect(mbqmDouble(x, m, shift), `double x=${x} m=${m} s=${shift}`).toBe(Number(refDouble(BigInt(x), BigInt(m), shift)));
          expect(mbqmSingle(x, m, shift), `single x=${x} m=${m} s=${shift}`).toBe(Number(refSingle(BigInt(x), BigInt(m), shift)));
        }
        if (shift >= -31 && shift <= 31) expect(pow2Shift(x, shift), `pow2 x=${x} s=${shift}`).toBe(Number(refPow2(BigInt(x), shift)));
      }
    }
  });

  it('quantizeMultiplier reconstructs the real multiplier to Q31 precision', () => {
    for (let i = 0; i < 5000; i++) {
      const real = 2 ** (rand() * 60 - 40);
      const { multiplier, shift } = quantizeMultiplier(real);
      if (multiplier === 0) {
        expect(real).toBeLessThan(2 ** -32);
        continue;
      }
      expect(multiplier).toBeGreaterThanOrEqual(2 ** 30);
      expect(multiplier).toBeLessThan(2 ** 31);
      const back = multiplier * 2 ** (shift - 31);
      expect(Math.abs(back - real) / real).toBeLessThanOrEqual(2 ** -31);
    }
  });
});
