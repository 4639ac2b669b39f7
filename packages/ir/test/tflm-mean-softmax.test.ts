/**
 * TFLite Micro's MEAN and SOFTMAX arithmetic (tflite-micro 90b983c, docs/quantization-spec.md):
 * parameter derivations and gemmlowp primitives against hand-worked values, the int32 bounds
 * the validator enforces, and the correctly rounded float32 exp of the fp32 softmax table.
 * Interpreter + gcc vectors for the same rules are in test/ops-hand.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  GraphBuilder,
  Interpreter,
  MEAN_MAX_COUNT,
  QGraphError,
  SOFTMAX_MAX_CLASSES,
  correctlyRoundedExpF32,
  expOnNegativeValues,
  fixedMul,
  kernels,
  meanFoldCount,
  meanRequant,
  mulberry32,
  oneOverOnePlusX,
  q,
  roundHalfEven,
  softmaxExpTable,
  softmaxInputScaling,
  softmaxReciprocal,
  type MeanParams,
  type QuantScheme,
} from '../src/index.js';

const TFLM: QuantScheme = { scales: 'fixed', rounding: 'tflm' };
const SINGLE: QuantScheme = { scales: 'fixed', rounding: 'single' };
const POW2: QuantScheme = { scales: 'pow2', rounding: 'tflm' };
const FP32: QuantScheme = { scales: 'fixed', rounding: 'fp32' };

describe('MEAN: TFLite Micro folds 1/count into QuantizeMultiplier(s_in / s_out)', () => {
  it('7x7, equal scales: (2^30, 1) -> k = 5, floor(2^35 / 49) = 701219150, shift -4', () => {
    // 2^35 / 49 = 701219150.37
    const rq = meanRequant(0.5, 0.5, 49, TFLM, 'mean').requant;
    expect([rq.multiplier[0], rq.shift[0]]).toEqual([701219150, -4]);
    expect(meanRequant(0.5, 0.5, 49, SINGLE, 'mean').requant.multiplier[0]).toBe(701219150);
  });

  it('the cap k ≤ 31 + shift binds for tiny ratios: 2^-30 is (2^30, -29), k = 2, floor(2^32 / 49) = 87652393, shift -31', () => {
    // 2^32 / 49 = 87652393.8
    expect(meanFoldCount(2 ** 30, -29, 49)).toEqual({ multiplier: 87652393, shift: -31 });
    const rq = meanRequant(2 ** -30, 1, 49, TFLM, 'mean').requant;
    expect([rq.multiplier[0], rq.shift[0]]).toEqual([87652393, -31]);
  });

  it('count 1 leaves the multiplier alone; count 3: k = 1, floor(2^31 / 3) = 715827882', () => {
    expect(meanFoldCount(1234567890, 2, 1)).toEqual({ multiplier: 1234567890, shift: 2 });
    expect(meanFoldCount(2 ** 30, 0, 3)).toEqual({ multiplier: 715827882, shift: -1 });
  });

  /** The interpreter's MEAN on one 7x7 channel. */
  function mean7x7(scheme: QuantScheme, zpIn: number, zpOut: number, input: Int8Array): number {
    const b = new GraphBuilder('mean', scheme);
    const x = b.input('x', [1, 7, 7, 1], q(0.5, zpIn));
    b.output(b.mean('gap', x, q(0.5, zpOut)));
    return new Interpreter(b.build()).run([input]).outputs[0][0];
  }

  it('sum 23 of 49 lands on .5 and rounds away: 1 (23/49 = 0.469; the Q31(1/49) rule gave 0)', () => {
    // SRDHM(23, 701219150) = floor((16128040450 + 2^30) / 2^31) = floor(8.0102) = 8; 8 / 2^4 = 0.5 -> 1.
    expect(mean7x7(TFLM, 0, 0, Int8Array.from({ length: 49 }, (_, i) => (i < 23 ? 1 : 0)))).toBe(1);
  });

  it('the zero point is subtracted as n · zp_in from the raw sum', () => {
    // Raw sum 49·5 + 23 = 268, zp_in 5: 268 - 245 = 23 -> 1 as above; + zp_out -3 = -2.
    expect(mean7x7(TFLM, 5, -3, Int8Array.from({ length: 49 }, (_, i) => (i < 23 ? 6 : 5)))).toBe(-2);
  });

  it('refuses H·W whose int32 sum could overflow ([1, 4096, 4096, 1]) and accepts the largest H·W', () => {
    expect(MEAN_MAX_COUNT).toBe(8421504); // floor((2^31 - 1) / 255); 255 · 8421504 = 2147483520
    const build = (h: number, w: number) => () => {
      const b = new GraphBuilder('mean', TFLM);
      b.output(b.mean('gap', b.input('x', [1, h, w, 1], q(0.5, 0)), q(0.5, 0)));
      return b.build();
    };
    expect(build(4096, 4096)).toThrow(QGraphError);
    expect(build(4096, 4096)).toThrow(/255·H·W < 2\^31/);
    expect(build(3133, 2688)).not.toThrow(); // 8421504 elements
    expect(build(2903, 2901)).toThrow(/8421603 elements/);
  });

  it('pow2 with s_in / s_out = 2^24 saturates (255 · 2^24 / 1 exceeds int32)', () => {
    const p: MeanParams = { kind: 'mean', inZp: -128, outZp: 0, count: 1, ...meanRequant(1, 2 ** -24, 1, POW2, 'mean') };
    expect(p.pow2Exp).toBe(24);
    expect(kernels.meanOfSum(255, p, POW2)).toBe(127);
    expect(kernels.meanOfSum(-255, p, POW2)).toBe(-128);
  });

  it('fp32: n · zp_in becomes float32 before the product, as in C (365·365·127 = 16919575 -> 16919576)', () => {
    // n = 133225, zp_in 127, zp_out 0, s_in = s_out = 1: s = f32(1 / 133225) = 7.5060989e-6.
    // Sum -16852963: raw = sum + n·zp_in = 66612, f32(66612 · s) = 0.49999624.
    // bias = f32(0 - f32(f32(16919575) · s)) = f32(-(16919576 · s)) = -127.00000763 -> t = -126.50000763 -> -127.
    // (With the exact 16919575 the bias is -127.0 and t = -126.5 rounds half to even to -126: the old TypeScript.)
    const n = 133225;
    const p: MeanParams = { kind: 'mean', inZp: 127, outZp: 0, count: n, ...meanRequant(1, 1, n, FP32, 'mean') };
    expect(kernels.meanOfSum(-16852963, p, FP32)).toBe(-127);
    // Every sum next to a rounding tie follows the spec's float32 order.
    const f = Math.fround;
    const s = f(1 / f(n));
    const bias = f(0 - f(f(n * 127) * s));
    for (let k = -128; k < 127; k++) {
      const tie = Math.round((k + 0.5) * n) - n * 127;
      for (let sum = tie - 3; sum <= tie + 3; sum++) {
        expect(kernels.meanOfSum(sum, p, FP32)).toBe(Math.max(-128, Math.min(127, roundHalfEven(f(f(f(sum + n * 127) * s) + bias)))));
      }
    }
  });
});

describe('SOFTMAX: TFLite Micro Prepare (PreprocessSoftmaxScaling, CalculateInputRadius)', () => {
  it('s_in 0.1, beta 1: real 6710886.5 -> (1717986944, 23), diff_min -248', () => {
    // f32(0.1) = 13421773·2^-27; · 2^26 = 6710886.5 = (13421773/2^24)·2^23; q·2^31 = 13421773·2^7 exactly.
    // diff_min = -floor(31·2^26 / 2^23) = -248.
    expect(softmaxInputScaling(0.1, 1, false)).toEqual({ multiplier: 1717986944, leftShift: 23, diffMin: -248 });
    expect(softmaxInputScaling(0.1, 1, true)).toEqual({ multiplier: 1717986944, leftShift: 23, diffMin: -248 });
  });

  it('large beta·s_in is capped at 2^31 - 1 (double) or 2^30 - 1 (single rounding)', () => {
    // 2^31 - 1 = (1 - 2^-31)·2^31: multiplier 2^31 - 1, shift 31, diff_min -floor(31·2^26/2^31) = 0.
    expect(softmaxInputScaling(1, 64, false)).toEqual({ multiplier: 2147483647, leftShift: 31, diffMin: 0 });
    // 2^30 - 1 = (1 - 2^-30)·2^30: multiplier round((1 - 2^-30)·2^31) = 2^31 - 2, shift 30, diff_min -floor(1.9375) = -1.
    expect(softmaxInputScaling(1, 64, true)).toEqual({ multiplier: 2147483646, leftShift: 30, diffMin: -1 });
  });

  it('beta · s_in ≤ 2^-26 is refused, as TFLite Micro refuses it (QuantizeMultiplierGreaterThanOne)', () => {
    expect(softmaxInputScaling(2 ** -27, 1, false)).toBeUndefined();
    expect(softmaxInputScaling(2 ** -26, 1, false)).toBeUndefined(); // real = 1, not > 1
    const build = (scheme: QuantScheme) => () => {
      const b = new GraphBuilder('softmax', scheme);
      b.output(b.softmax('sm', b.input('x', [1, 4], q(2 ** -27, 0))));
      return b.build();
    };
    expect(build(TFLM)).toThrow(/beta · input scale must exceed 2\^-26/);
    expect(build(FP32)).not.toThrow();
  });

  it('the table: exp(0) = 2^31 - 1, differences below diff_min are 0', () => {
    // s_in 1: shift 27, diff_min -15. Entry 1: rescaled -2^26 (-1.0) -> 790015308 (worked in ops-hand.test.ts).
    const table = softmaxExpTable(softmaxInputScaling(1, 1, false)!, false);
    expect(table[0]).toBe(2147483647);
    expect(table[1]).toBe(790015308);
    expect(table[15]).toBeGreaterThan(0);
    expect(Array.from(table.subarray(16)).every((v) => v === 0)).toBe(true);
  });

  it(`at most ${SOFTMAX_MAX_CLASSES} classes: 4096 · 2^19 would overflow the Q12.19 sum`, () => {
    const build = (n: number) => () => {
      const b = new GraphBuilder('softmax', TFLM);
      b.output(b.softmax('sm', b.input('x', [1, n], q(0.1, 0))));
      return b.build();
    };
    expect(build(4095)).not.toThrow();
    expect(build(4096)).toThrow(/more than 4095 classes/);
  });
});

describe('SOFTMAX: gemmlowp fixed point', () => {
  it('exp_on_negative_values(-2^26) = 790015308 (hand-worked in ops-hand.test.ts), exp(0) = 2^31 - 1', () => {
    expect(expOnNegativeValues(-(2 ** 26))).toBe(790015308);
    expect(expOnNegativeValues(0)).toBe(2147483647);
  });

  it('exp(-1/4) by the Taylor step alone: 1672462419', () => {
    // a = -2^24 (Q5.26 -1/4): a & (2^24 - 1) = 0, a mod 1/4 - 1/4 = -2^24 = a, remainder 0: no barrel factor.
    expect(expOnNegativeValues(-(2 ** 24))).toBe(1672462419);
  });

  it('stays within 3e-7 of exp over [-31, 0]', () => {
    for (let a = 0; a >= -31 * 2 ** 26; a -= 1234567) {
      expect(Math.abs(expOnNegativeValues(a) / 2 ** 31 - Math.exp(a / 2 ** 26))).toBeLessThan(3e-7);
    }
  });

  it('one_over_one_plus_x: 1/(1 + 0.5) = 1431655762, 1/(1 + 0) = 2^31 - 1; within 4e-9 of 1/(1 + x)', () => {
    expect(oneOverOnePlusX(2 ** 30)).toBe(1431655762);
    expect(oneOverOnePlusX(0)).toBe(2147483647);
    for (let a = 0; a < 2 ** 31; a += 7654321) expect(Math.abs(oneOverOnePlusX(a) / 2 ** 31 - 1 / (1 + a / 2 ** 31))).toBeLessThan(4e-9);
  });

  it('GetReciprocal of 731488 (1.3952 in Q12.19): 12 leading zeros, x = 848691200, 1539191218', () => {
    expect(softmaxReciprocal(731488)).toEqual({ scale: 1539191218, bitsOverUnit: 0 });
    // 3·2^19: 11 leading zeros, 1 bit over unit, x = 3·2^30 - 2^31 = 2^30.
    expect(softmaxReciprocal(3 * 2 ** 19)).toEqual({ scale: 1431655762, bitsOverUnit: 1 });
  });

  it('fixedMul is SRDHM for both signs: floor((a·b + 2^30) / 2^31), INT32_MIN² saturates', () => {
    // -3·2^30 · 1 / 2^31 = -1.5 -> gemmlowp's nudge (1 - 2^30) then truncation: trunc(-1.9999) = -1 = floor(-1.5 + 0.5).
    expect(fixedMul(-3 * 2 ** 30, 1)).toBe(-1);
    expect(fixedMul(-(2 ** 31), -(2 ** 31))).toBe(2147483647);
    expect(fixedMul(2 ** 30, -1010580540)).toBe(-505290270);
  });

  it('rows whose sum of exps reaches 512 = 2^28 in Q12.19 (exponent > 31, refused by TFLite Micro) give 0 -> -128', () => {
    // 600 equal logits: sum 600·2^19 = 314572800 (3 leading zeros, 9 bits over unit): exponent 32;
    // the exact probability 256/600 = 0.43 rounds to 0 as well.
    const table = softmaxExpTable(softmaxInputScaling(0.1, 1, false)!, false);
    const y = new Int8Array(600);
    kernels.softmax(new Int8Array(600).fill(3), 600, y, { kind: 'softmax', expTable: table, float: false });
    expect(y.every((v) => v === -128)).toBe(true);
  });
});

describe('fp32 SOFTMAX table: correctly rounded float32 exp', () => {
  it('agrees with f32(Math.exp) where Math.exp decides, and gives exp(-1) = 0.36787945', () => {
    expect(correctlyRoundedExpF32(-1)).toBe(Math.fround(0.36787944117144233));
    expect(correctlyRoundedExpF32(0)).toBe(1);
    const random = mulberry32(7);
    for (let i = 0; i < 2000; i++) {
      const x = Math.fround(-random() * 100);
      expect(correctlyRoundedExpF32(x)).toBe(Math.fround(Math.exp(x)));
    }
  });

  it('underflows to float32 subnormals and to 0 correctly', () => {
    // exp(-103) = 1.8e-45 -> nearest multiple of 2^-149 (1.4e-45) is 2^-149; exp(-104) = 6.8e-46 < 2^-150 -> 0.
    expect(correctlyRoundedExpF32(-103)).toBe(2 ** -149);
    expect(correctlyRoundedExpF32(-104)).toBe(0);
    expect(correctlyRoundedExpF32(-200)).toBe(0);
  });

  it('refuses positive arguments', () => {
    expect(() => correctlyRoundedExpF32(1)).toThrow(RangeError);
  });
});

describe('AVERAGE_POOL_2D: the int32 window sum is bounded', () => {
  it('windows are at most 64x64 (|Σ x| ≤ 128 · 4096 = 2^19), so no sum can overflow', () => {
    const build = (size: number) => () => {
      const b = new GraphBuilder('pool', TFLM);
      b.output(b.pool('AVERAGE_POOL_2D', 'pool', b.input('x', [1, size, size, 1], q(0.5, 0)), [size, size], [1, 1]));
      return b.build();
    };
    expect(build(64)).not.toThrow();
    expect(build(65)).toThrow(/filterH: must be an integer in \[1, 64\]/);
  });
});
