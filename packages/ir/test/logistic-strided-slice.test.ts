/**
 * LOGISTIC and STRIDED_SLICE in the ir: TFLite Micro's LOGISTIC Prepare on hand-worked scales,
 * and the validation errors naming the op and field at fault. (Outputs through the interpreter
 * and gcc: test/ops-hand.test.ts; against LiteRT.js: packages/tflite/test.)
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder, logisticInputScaling, logisticTable, q, type QuantParams } from '../src/index.js';

describe('logisticInputScaling (TFLite Micro CalculateArithmeticOpDataLogistic)', () => {
  it('works out the hand-checked multiplier, left shift and radius', () => {
    // 2^-4 · 2^27 = 2^23 = 0.5 · 2^24: multiplier 2^30, shift 24, radius floor(15 · 2^27 / 2^24) = 120.
    expect(logisticInputScaling(1 / 16)).toEqual({ multiplier: 2 ** 30, leftShift: 24, rangeRadius: 120 });
    // f32(0.1) = 13421773 · 2^-27: real 13421773 = (13421773 / 2^24) · 2^24, multiplier 13421773 · 2^7.
    expect(logisticInputScaling(0.1)).toEqual({ multiplier: 1717986944, leftShift: 24, rangeRadius: 120 });
    // 2^5 · 2^27 = 0.5 · 2^33: radius floor(15 · 2^27 / 2^33) = floor(0.23) = 0.
    expect(logisticInputScaling(32)).toEqual({ multiplier: 2 ** 30, leftShift: 33, rangeRadius: 0 });
  });

  it('never rounds the multiplier to 2^31 for a float32 scale: the largest mantissa gives 2^31 − 2^7', () => {
    // The float32 just below 2^-4 is (1 − 2^-24) · 2^-4: q = 1 − 2^-24, q · 2^31 = 2^31 − 2^7 exactly.
    const below = Math.fround(2 ** -4 * (1 - 2 ** -24));
    expect(logisticInputScaling(below)).toEqual({ multiplier: 2 ** 31 - 2 ** 7, leftShift: 23, rangeRadius: 240 });
  });

  it('reports the scales where TFLite Micro overflows instead of deriving parameters', () => {
    // 2^-29 · 2^27 = 0.25 = 0.5 · 2^-1: radius 15 · 2^27 · 2 exceeds int32.
    expect(logisticInputScaling(2 ** -29)).toMatch(/below 2\^-28/);
    expect(typeof logisticInputScaling(2 ** -28)).toBe('object');
  });

  it('tabulates the output of every int8 input: zero point maps to one half, the ends saturate', () => {
    const t = logisticTable(1 / 16, 5);
    expect(t[5 + 128]).toBe(0);
    expect(t[0]).toBe(-128);
    expect(t[255]).toBe(127);
    for (let i = 1; i < 256; i++) expect(t[i]).toBeGreaterThanOrEqual(t[i - 1]);
  });
});

function logisticGraph(inScale: number, out: QuantParams, options: object = {}, outShape = [1, 4]) {
  const b = new GraphBuilder('logistic', { scales: 'fixed', rounding: 'tflm' });
  const x = b.input('x', [1, 4], q(inScale, 0));
  b.output(b.op('LOGISTIC', 'sigmoid', [x], options as Record<string, never>, outShape, out));
  return () => b.build();
}

describe('LOGISTIC validation', () => {
  it('accepts output scale 1/256, zero point -128', () => {
    expect(logisticGraph(0.1, q(1 / 256, -128))).not.toThrow();
  });
  it('refuses any other output quantisation', () => {
    expect(logisticGraph(0.1, q(1 / 128, -128))).toThrow(/ops\[0\] "sigmoid" \(LOGISTIC\)\.outputs\[0\]: logistic output must have scale 1\/256 and zero point -128/);
    expect(logisticGraph(0.1, q(1 / 256, 0))).toThrow(/zero point -128, got 0.00390625 and 0/);
  });
  it('refuses an input scale below 2^-28', () => {
    expect(logisticGraph(2 ** -30, q(1 / 256, -128))).toThrow(/\(LOGISTIC\)\.inputs\[0\]: input scale 9\.3\d+e-10 is below 2\^-28/);
  });
  it('refuses options and a shape change', () => {
    expect(logisticGraph(0.1, q(1 / 256, -128), { beta: 1 })).toThrow(/\.options: LOGISTIC has no options/);
    expect(logisticGraph(0.1, q(1 / 256, -128), {}, [1, 2, 2])).toThrow(/output shape \[1, 2, 2\] differs from input \[1, 4\]/);
  });
});

function sliceGraph(begin: unknown, outShape = [1, 2, 2, 3], outQ = q(0.5, 1)) {
  const b = new GraphBuilder('slice', { scales: 'fixed', rounding: 'tflm' });
  const x = b.input('x', [1, 4, 5, 3], q(0.5, 1));
  b.output(b.op('STRIDED_SLICE', 'crop', [x], { begin } as { begin: number[] }, outShape, outQ));
  return () => b.build();
}

describe('STRIDED_SLICE validation', () => {
  it('accepts a box inside the input', () => {
    expect(sliceGraph([0, 2, 3, 0])).not.toThrow();
  });
  it('refuses a box reaching past the input', () => {
    expect(sliceGraph([0, 3, 0, 0])).toThrow(/ops\[0\] "crop" \(STRIDED_SLICE\)\.options\.begin: axis 1: begin 3 \+ output extent 2 exceeds the input's 4/);
  });
  it('refuses a malformed begin and a sliced batch', () => {
    expect(sliceGraph([0, 1, 1])).toThrow(/\.options\.begin: must be 4 non-negative integers \(NHWC\), got \[0,1,1\]/);
    expect(sliceGraph([0, -1, 0, 0])).toThrow(/must be 4 non-negative integers/);
    expect(sliceGraph([1, 0, 0, 0], [1, 2, 2, 3])).toThrow(/slicing the batch axis is not supported/);
  });
  it('refuses a different output quantisation', () => {
    expect(sliceGraph([0, 0, 0, 0], [1, 2, 2, 3], q(0.25, 1))).toThrow(/input and output must share scale and zero point/);
  });
});
