/**
 * Two of TFLite Micro's float32 rules (commit 90b983c2b3f1480642e040bbd2ddb37b998f3424), on
 * the hand-worked cases where edgeq used to differ from it, through the interpreter:
 * QUANTIZE divides by the scale (AffineQuantize), and FULLY_CONNECTED with one weight scale
 * rounds s_in·s_w to float32 before dividing by s_out (GetQuantizedConvolutionMultipler).
 */
import { describe, expect, it } from 'vitest';
import {
  GraphBuilder,
  Interpreter,
  bitsToFloat32,
  convRequant,
  deriveOpParams,
  q,
  quantizeFloat,
  type ConvLikeParams,
  type QuantScheme,
} from '../src/index.js';

const TFLM: QuantScheme = { scales: 'fixed', rounding: 'tflm' };
const SINGLE: QuantScheme = { scales: 'fixed', rounding: 'single' };
const FP32: QuantScheme = { scales: 'fixed', rounding: 'fp32' };

/**
 * x = float32 bits 1076137942 = 10784726·2^−22 ≈ 2.57127905; scale = bits 1022409474 =
 * 15776514·2^−29 ≈ 0.0293860473; zero point −81.
 * Exact x/scale = 10784726/15776514·2^7 = 87.49999702..., 2.98e−6 below 87.5. Float32 spacing
 * in [64, 128) is 2^−17 ≈ 7.63e−6, so the nearest float32 is 87.5 itself: f32(x/scale) = 87.5,
 * round half away → 88, + zp → 7.
 * The reciprocal: f32(1/scale) = 34.029754638671875 (true 1/scale = 34.02975537), and
 * x · 34.029754638671875 = 87.49999514, 4.86e−6 below 87.5: nearer to 87.5 − 2^−17 =
 * 87.49999237, which rounds to 87, + zp → 6.
 */
const X = bitsToFloat32(1076137942);
const SCALE = bitsToFloat32(1022409474);

describe('QUANTIZE: x / scale (TFLite Micro) except in fp32 mode (x · 1/scale, LiteRT)', () => {
  it('the 87.5 tie: 7 in tflm and single, 6 in fp32', () => {
    expect(quantizeFloat(X, SCALE, -81, TFLM)).toBe(7);
    expect(quantizeFloat(X, SCALE, -81, SINGLE)).toBe(7);
    expect(quantizeFloat(X, SCALE, -81, FP32)).toBe(6);
    // Zero point 0 shows the sign: half away from zero on both sides.
    expect(quantizeFloat(-X, SCALE, 0, TFLM)).toBe(-88);
    expect(quantizeFloat(-X, SCALE, 0, FP32)).toBe(-87);
  });

  it('NaN gives the zero point, ±∞ and |x/scale| ≥ 2^31 saturate', () => {
    for (const scheme of [TFLM, FP32]) {
      expect(quantizeFloat(Number.NaN, SCALE, -81, scheme)).toBe(-81);
      expect(quantizeFloat(Number.POSITIVE_INFINITY, SCALE, -81, scheme)).toBe(127);
      expect(quantizeFloat(Number.NEGATIVE_INFINITY, SCALE, -81, scheme)).toBe(-128);
      expect(quantizeFloat(2 ** 40, 2 ** -10, 0, scheme)).toBe(127); // x/scale = 2^50
      expect(quantizeFloat(-(2 ** 40), 2 ** -10, 0, scheme)).toBe(-128);
    }
  });

  it('the interpreter runs the graph scheme\'s rule', () => {
    const run = (scheme: QuantScheme) => {
      const b = new GraphBuilder('quantize_tie', scheme);
      b.output(b.quantize('quantize', b.input('x', [1, 2], undefined, 'float32'), q(SCALE, -81)));
      return Array.from(new Interpreter(b.build()).run([Float32Array.of(X, 0)]).outputs[0]);
    };
    expect(run(TFLM)).toEqual([7, -81]);
    expect(run(FP32)).toEqual([6, -81]);
  });
});

/**
 * s_in = f32(0.010723833), s_w = f32(0.0025014039), s_out = f32(34.060356).
 * Double product (exact: 24 + 24 bits): s_in·s_w = 2.6824637814247543e−5; rounded to float32:
 * 2.682463855308015e−5. Divided by s_out in double:
 *   edgeq's old rule  M = 7.875618711642711e−7,
 *   TFLite Micro's    M = 7.875618928561349e−7.
 * QuantizeMultiplier: frexp gives M = q·2^−20 with q ∈ [0.5, 1); round_half_away(q·2^31) =
 * 1773431675 (old) and 1773431724 (TFLite Micro), shift −20 both.
 * acc = −31108666: acc·M = −24.49999920 (old) and −24.49999988 (TFLite Micro). With the Q31
 * multipliers, SRDHM(acc, m) = round(acc·m / 2^31): −25690111.169... → −25690111 (old) and
 * −25690111.879... → −25690112 (TFLite Micro); then a rounding shift right by 20 (half away):
 * −25690111 / 2^20 = −24.4999990 → −24, and −25690112 / 2^20 = −24.5 exactly (24.5·2^20 =
 * 25690112) → half away → −25. Output zero point −20: −44 (old) vs −45 (TFLite Micro).
 */
describe('FULLY_CONNECTED with one weight scale: real multiplier from f32(s_in·s_w) (TFLite Micro)', () => {
  const [sIn, sW, sOut] = [0.010723833, 0.0025014039, 34.060356];
  const acc = -31108666;

  const fcGraph = (scheme: QuantScheme, weightScales: number[]) => {
    const b = new GraphBuilder('fc_tie', scheme);
    const x = b.input('x', [1, 1], q(sIn, 0));
    const cout = weightScales.length;
    b.output(b.fullyConnected(x, {
      name: 'fc', weights: new Int8Array(cout), weightShape: [cout, 1], weightScales,
      bias: new Int32Array(cout).fill(acc), out: q(sOut, -20),
    }));
    return b.build();
  };

  it('derives multiplier 1773431724, shift −20 in tflm and single', () => {
    for (const scheme of [TFLM, SINGLE]) {
      const g = fcGraph(scheme, [sW]);
      const p = deriveOpParams(g, g.ops[0]) as ConvLikeParams;
      expect(p.requant.multiplier[0]).toBe(1773431724);
      expect(p.requant.shift[0]).toBe(-20);
    }
  });

  it('computes −45 for acc −31108666 (tflm)', () => {
    const g = fcGraph(TFLM, [sW]);
    expect(Array.from(new Interpreter(g).run([Int8Array.of(0)]).outputs[0])).toEqual([-45]);
  });

  it('keeps the double product for convolutions and per-channel FULLY_CONNECTED with several scales', () => {
    expect(convRequant('CONV_2D', sIn, [sW], sOut, 1, TFLM, 'conv').multiplier[0]).toBe(1773431675);
    expect(convRequant('DEPTHWISE_CONV_2D', sIn, [sW], sOut, 1, TFLM, 'dw').multiplier[0]).toBe(1773431675);
    const g = fcGraph(TFLM, [sW, sW]);
    const p = deriveOpParams(g, g.ops[0]) as ConvLikeParams;
    expect(Array.from(p.requant.multiplier)).toEqual([1773431675, 1773431675]);
    expect(Array.from(new Interpreter(g).run([Int8Array.of(0)]).outputs[0])).toEqual([-44, -44]);
  });
});
