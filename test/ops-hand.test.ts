/**
 * Per-op tests with small vectors whose expected outputs are worked out by hand in the
 * comments (not by the code under test). Each case runs through the TypeScript
 * interpreter AND through generated C compiled with gcc (under ASan+UBSan; every case's
 * model in one binary, test/support/batch-parity.ts); both must give exactly the
 * hand-worked values, in every requantisation mode the case lists.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder, Interpreter, q, type ConvSpec, type FusedActivation, type QGraph, type QuantScheme, type TensorData } from '@edgeq/ir';
import { runGeneratedOnHost } from '@edgeq/harness';
import { batchHostOutputs, type BatchOutput } from './support/batch-parity.js';

const TFLM: QuantScheme = { scales: 'fixed', rounding: 'tflm' };
const SINGLE: QuantScheme = { scales: 'fixed', rounding: 'single' };
const POW2: QuantScheme = { scales: 'pow2', rounding: 'tflm' };
const FP32: QuantScheme = { scales: 'fixed', rounding: 'fp32' };

interface Case {
  name: string;
  scheme: QuantScheme;
  graph: () => QGraph;
  input: TensorData;
  expected: number[];
}

const cases: Case[] = [];
const add = (c: Case) => cases.push(c);

/** FC 1 -> 1: acc = bias + (x - zpIn) * w, real multiplier sIn * sW / sOut. */
function fc1(scheme: QuantScheme, sW: number, bias: number, opts: { zpIn?: number; zpOut?: number; sOut?: number; act?: FusedActivation } = {}) {
  return () => {
    const b = new GraphBuilder('fc1', scheme);
    const x = b.input('x', [1, 1], q(1, opts.zpIn ?? 0));
    const y = b.fullyConnected(x, { name: 'fc', weights: new Int8Array([3]), weightShape: [1, 1], weightScales: [sW], bias: new Int32Array([bias]), out: q(opts.sOut ?? 1, opts.zpOut ?? 0), activation: opts.act ?? 'NONE' });
    b.output(y);
    return b.build();
  };
}

// acc = -10 + 5*3 = 5; M = 0.25. tflm: SRDHM(5, 2^30) = 3, RDBPOT(3, 1) = 2 (1.5 away). single: 1.25 -> 1. pow2: (5+2)>>2 = 1.
add({ name: 'FC double rounding 1.25 -> 2', scheme: TFLM, graph: fc1(TFLM, 0.25, -10), input: new Int8Array([5]), expected: [2] });
add({ name: 'FC single rounding 1.25 -> 1', scheme: SINGLE, graph: fc1(SINGLE, 0.25, -10), input: new Int8Array([5]), expected: [1] });
add({ name: 'FC pow2 1.25 -> 1', scheme: POW2, graph: fc1(POW2, 0.25, -10), input: new Int8Array([5]), expected: [1] });
// acc = -21 + 5*3 = -6 -> -1.5. tflm: SRDHM = floor(-5/2) = -3, RDBPOT(-3,1) = -2. single/pow2: floor(-4/4) = -1.
add({ name: 'FC double rounding -1.5 -> -2', scheme: TFLM, graph: fc1(TFLM, 0.25, -21), input: new Int8Array([5]), expected: [-2] });
add({ name: 'FC single rounding -1.5 -> -1', scheme: SINGLE, graph: fc1(SINGLE, 0.25, -21), input: new Int8Array([5]), expected: [-1] });
add({ name: 'FC pow2 -1.5 -> -1', scheme: POW2, graph: fc1(POW2, 0.25, -21), input: new Int8Array([5]), expected: [-1] });
// fp32 (XNNPACK): f32(acc) * f32(M), round half to EVEN. 1.25 -> 1, -1.5 -> -2, and acc = -5 + 15 = 10 -> 2.5 -> 2 (tflm/single: 3).
add({ name: 'FC fp32 1.25 -> 1', scheme: FP32, graph: fc1(FP32, 0.25, -10), input: new Int8Array([5]), expected: [1] });
add({ name: 'FC fp32 -1.5 -> -2', scheme: FP32, graph: fc1(FP32, 0.25, -21), input: new Int8Array([5]), expected: [-2] });
add({ name: 'FC fp32 2.5 -> 2 (half to even)', scheme: FP32, graph: fc1(FP32, 0.25, -5), input: new Int8Array([5]), expected: [2] });
// fp32: acc 2147000003 becomes float32 2147000064 (spacing 128); * 2^-25 = 63.985 -> 64; zpOut -100 -> -36.
add({ name: 'FC accumulator near INT32_MAX (fp32)', scheme: FP32, graph: fc1(FP32, 2 ** -25, 2147000000, { zpOut: -100 }), input: new Int8Array([1]), expected: [-36] });
// Zero points at the extremes: x = -128 with zpIn = -128 -> acc = bias = 40; M = 0.5 -> 20; + zpOut 127 -> clamp 127.
add({ name: 'FC zero points -128 / 127 saturate', scheme: TFLM, graph: fc1(TFLM, 0.5, 40, { zpIn: -128, zpOut: 127 }), input: new Int8Array([-128]), expected: [127] });
// zpIn 127, x = -128: (x - zp) = -255, acc = -765 + 0; M = 2^-3: -95.6 -> -96; zpOut -128 -> clamp -128.
add({ name: 'FC most negative input offset', scheme: TFLM, graph: fc1(TFLM, 0.125, 0, { zpIn: 127, zpOut: 0 }), input: new Int8Array([-128]), expected: [-96] });
// Accumulator near int32 max: bias 2147000000 + 1*3; M = 2^-25 -> 2147000003 / 2^25 = 63.985 -> 64; zpOut -100 -> -36.
add({ name: 'FC accumulator near INT32_MAX', scheme: TFLM, graph: fc1(TFLM, 2 ** -25, 2147000000, { zpOut: -100 }), input: new Int8Array([1]), expected: [-36] });
add({ name: 'FC accumulator near INT32_MAX (single)', scheme: SINGLE, graph: fc1(SINGLE, 2 ** -25, 2147000000, { zpOut: -100 }), input: new Int8Array([1]), expected: [-36] });
add({ name: 'FC accumulator near INT32_MAX (pow2)', scheme: POW2, graph: fc1(POW2, 2 ** -25, 2147000000, { zpOut: -100 }), input: new Int8Array([1]), expected: [-36] });
// Accumulator near int32 min: bias -2147000000 + 1*3 -> -63.985 -> -64; zpOut 100 -> 36.
add({ name: 'FC accumulator near INT32_MIN', scheme: TFLM, graph: fc1(TFLM, 2 ** -25, -2147000000, { zpOut: 100 }), input: new Int8Array([1]), expected: [36] });
// Multiplier just below 1: M = 1 - 2^-24 (m = 2^31 - 2^7, shift 0); acc = 1 + 33*3 = 100 -> 99.999994 -> 100.
add({ name: 'FC multiplier just below 1', scheme: TFLM, graph: fc1(TFLM, 1 - 2 ** -24, 1), input: new Int8Array([33]), expected: [100] });
// Multiplier exactly 1 (m = 2^30, shift +1: a left shift): acc = 100 -> 100.
add({ name: 'FC multiplier exactly 1', scheme: TFLM, graph: fc1(TFLM, 1, 1), input: new Int8Array([33]), expected: [100] });
// Large left shift: M = 32 (shift +6): acc = 0 + 1*3 = 3 -> 96.
add({ name: 'FC multiplier 32 (left shift 6)', scheme: TFLM, graph: fc1(TFLM, 32, 0), input: new Int8Array([1]), expected: [96] });
add({ name: 'FC multiplier 32 (pow2 left shift)', scheme: POW2, graph: fc1(POW2, 32, 0), input: new Int8Array([1]), expected: [96] });
// Tiny multiplier: M = 2^-34 has exponent below -31: TFLite flushes it to 0, so the output is the zero point.
add({ name: 'FC tiny multiplier flushes to zero point', scheme: TFLM, graph: fc1(TFLM, 2 ** -34, 2000000000, { zpOut: 7 }), input: new Int8Array([100]), expected: [7] });
// Fused RELU6 with sOut = 1/16, zpOut = -100: range [-100, -100 + 96 = -4].
// acc = 0 + 100*3 = 300 -> M = 1/16 / (1/16) * ... use sW = 1/16, sOut = 1/16: M = 1 -> 300 -> clamp -4.
add({ name: 'FC RELU6 clamps high', scheme: TFLM, graph: fc1(TFLM, 1 / 16, 0, { sOut: 1 / 16, zpOut: -100, act: 'RELU6' }), input: new Int8Array([100]), expected: [-4] });
// acc = 0 + (-100)*3 = -300 -> -400 -> RELU clamps at zp -100.
add({ name: 'FC RELU6 clamps low', scheme: TFLM, graph: fc1(TFLM, 1 / 16, 0, { sOut: 1 / 16, zpOut: -100, act: 'RELU6' }), input: new Int8Array([-100]), expected: [-100] });

/** Conv 3x3, all-ones weights, M = 1: each output counts the valid taps of its window. */
function convOnes(scheme: QuantScheme, inH: number, inW: number, stride: number, padding: 'SAME' | 'VALID', dilation = 1) {
  return () => {
    const b = new GraphBuilder('conv_ones', scheme);
    const x = b.input('x', [1, inH, inW, 1], q(1, -1));
    const y = b.conv2d(x, { name: 'conv', weights: new Int8Array(9).fill(1), weightShape: [1, 3, 3, 1], weightScales: [1], bias: new Int32Array([0]), out: q(1, 0), stride, padding, dilation });
    b.output(y);
    return b.build();
  };
}
// 3x3 input of zeros with zp -1 => (x - zp) = 1 everywhere. SAME stride 1: corners 4 taps, edges 6, centre 9.
add({ name: 'CONV SAME padding at every border', scheme: TFLM, graph: convOnes(TFLM, 3, 3, 1, 'SAME'), input: new Int8Array(9), expected: [4, 6, 4, 6, 9, 6, 4, 6, 4] });
add({ name: 'CONV SAME padding at every border (pow2)', scheme: POW2, graph: convOnes(POW2, 3, 3, 1, 'SAME'), input: new Int8Array(9), expected: [4, 6, 4, 6, 9, 6, 4, 6, 4] });
// 4x4, stride 2, SAME: out 2x2, total pad 1 goes bottom/right (TFLite). Windows: rows/cols {0..2} and {2..4}; index 4 is padding.
// (0,0): 3x3 = 9; (0,1): 3 rows x 2 cols = 6; (1,0): 6; (1,1): 4. Padding at the top/left would give 4 at (0,0).
add({ name: 'CONV SAME stride 2 pads bottom/right', scheme: TFLM, graph: convOnes(TFLM, 4, 4, 2, 'SAME'), input: new Int8Array(16), expected: [9, 6, 6, 4] });
// 5x5, stride 2 SAME: out 3x3, total pad = 2*2 + 3 - 5 = 2 -> 1 top, 1 bottom. Corners 4, edges 6, centre 9.
add({ name: 'CONV SAME stride 2 odd input pads both sides', scheme: TFLM, graph: convOnes(TFLM, 5, 5, 2, 'SAME'), input: new Int8Array(25), expected: [4, 6, 4, 6, 9, 6, 4, 6, 4] });
// 4x4 VALID: out 2x2, all windows full: 9.
add({ name: 'CONV VALID', scheme: TFLM, graph: convOnes(TFLM, 4, 4, 1, 'VALID'), input: new Int8Array(16), expected: [9, 9, 9, 9] });
// 5x5 dilation 2 VALID: effective kernel 5 -> 1x1 output with 9 taps.
add({ name: 'CONV dilation 2', scheme: TFLM, graph: convOnes(TFLM, 5, 5, 1, 'VALID', 2), input: new Int8Array(25), expected: [9] });

// Depthwise, multiplier 2: input [2, 3], 1x1 filter weights [1, 2, 3, 4] for outputs (c0m0, c0m1, c1m0, c1m1): [2, 4, 9, 12].
add({
  name: 'DEPTHWISE depth multiplier 2', scheme: TFLM, input: new Int8Array([2, 3]), expected: [2, 4, 9, 12],
  graph: () => {
    const b = new GraphBuilder('dw', TFLM);
    const x = b.input('x', [1, 1, 1, 2], q(1, 0));
    b.output(b.depthwiseConv2d(x, { name: 'dw', weights: new Int8Array([1, 2, 3, 4]), weightShape: [1, 1, 1, 4], weightScales: [1, 1, 1, 1], bias: new Int32Array(4), out: q(1, 0) }, 2));
    return b.build();
  },
});
// Per-channel scales: same weights 4 on two channels, sW = [1, 0.25]; x = [5, 5]: acc 20 -> [20, 5].
add({
  name: 'DEPTHWISE per-channel scales', scheme: TFLM, input: new Int8Array([5, 5]), expected: [20, 5],
  graph: () => {
    const b = new GraphBuilder('dwpc', TFLM);
    const x = b.input('x', [1, 1, 1, 2], q(1, 0));
    b.output(b.depthwiseConv2d(x, { name: 'dw', weights: new Int8Array([4, 4]), weightShape: [1, 1, 1, 2], weightScales: [1, 0.25], bias: new Int32Array(2), out: q(1, 0) }));
    return b.build();
  },
});

/** ADD of x (scale sA) and y = x re-quantised to scale sB (a 1x1 depthwise copy, M = sA / sB). */
function add2(scheme: QuantScheme, sA: number, sB: number, sOut: number, zpOut = 0) {
  return () => {
    const b = new GraphBuilder('add', scheme);
    const x = b.input('x', [1, 1, 1, 2], q(sA, 0));
    const y = b.depthwiseConv2d(x, { name: 'copy', weights: new Int8Array([1, 1]), weightShape: [1, 1, 1, 2], weightScales: [1, 1], bias: new Int32Array(2), out: q(sB, 0) });
    const z = b.add('add', x, y, q(sOut, zpOut));
    b.output(z);
    return b.build();
  };
}
// x = y = [3, 1] at scale 0.5 (real 1.5, 0.5); out scale 0.5: real sum 3.0, 1.0 -> [6, 2].
// TFLM integer path: twice_max = 1; in mult 0.5 -> each (x << 20) * 0.5; sum * 2^-19.
add({ name: 'ADD equal scales', scheme: TFLM, graph: add2(TFLM, 0.5, 0.5, 0.5), input: new Int8Array([3, 1]), expected: [6, 2] });
add({ name: 'ADD equal scales (pow2)', scheme: POW2, graph: add2(POW2, 0.5, 0.5, 0.5), input: new Int8Array([3, 1]), expected: [6, 2] });
// Out scale 4 (coarser): [1.5+1.5 = 3 -> 0.75 -> 1, 0.5+0.5 = 1 -> 0.25 -> 0].
// TFLM: out mult = 1/(2^20*4) = 2^-22; scaled inputs 3*2^19 each -> sum 3*2^20 -> * 2^-22 = 0.75: SRDHM(3*2^20, 2^30) = 3*2^19, RDBPOT(., 21) = 0.75 -> 1.
// Different input scales: y at 0.25 holds [6, 2] (same reals). TFLM: in1 mult 0.5 -> 3*2^19; in2 mult 0.25 -> (6<<20)/4 = 3*2^19;
// sum 3*2^20 * 2^-19 = 6; second element 2^19 + 2^19 = 2^20 -> 2.
add({ name: 'ADD different input scales', scheme: TFLM, graph: add2(TFLM, 0.5, 0.25, 0.5), input: new Int8Array([3, 1]), expected: [6, 2] });
add({ name: 'ADD different input scales (single)', scheme: SINGLE, graph: add2(SINGLE, 0.5, 0.25, 0.5), input: new Int8Array([3, 1]), expected: [6, 2] });
add({ name: 'ADD different input scales (pow2)', scheme: POW2, graph: add2(POW2, 0.5, 0.25, 0.5), input: new Int8Array([3, 1]), expected: [6, 2] });
add({ name: 'ADD to a coarser output scale', scheme: TFLM, graph: add2(TFLM, 0.5, 0.5, 4), input: new Int8Array([3, 1]), expected: [1, 0] });
add({ name: 'ADD to a coarser output scale (pow2)', scheme: POW2, graph: add2(POW2, 0.5, 0.5, 4), input: new Int8Array([3, 1]), expected: [1, 0] });
// Saturation: x = 127 twice at 0.5 -> 127.0 at out scale 0.5 -> 254 -> clamp 127; zpOut -128 with -128 inputs -> -128 + (-128 - 0)...
// fp32 (XNNPACK's ADD): a = s1/so, b = s2/so in float32, shift = 20 - exponent(max), m = a*2^shift, out = (m1*x + m2*y + 2^(shift-1)) >> shift.
// 0.5/0.25/0.5: a = 1, b = 0.5, shift 20, m1 = 2^20, m2 = 2^19 (y = [6, 2]): (3*2^20 + 6*2^19 + 2^19) >> 20 = 6; (2^20 + 2^20 + 2^19) >> 20 = 2.
add({ name: 'ADD different input scales (fp32)', scheme: FP32, graph: add2(FP32, 0.5, 0.25, 0.5), input: new Int8Array([3, 1]), expected: [6, 2] });
// Out scale 2: a = b = 0.25, shift 22, m = 2^20. x = y = [1, -1]: (2^20 + 2^20 + 2^21) >> 22 = 1 (0.5 -> 1); (-2^21 + 2^21) >> 22 = 0 (-0.5 -> 0: half up).
add({ name: 'ADD fp32 rounds half up: 0.5 -> 1, -0.5 -> 0', scheme: FP32, graph: add2(FP32, 0.5, 0.5, 2), input: new Int8Array([1, -1]), expected: [1, 0] });
add({ name: 'ADD saturates', scheme: TFLM, graph: add2(TFLM, 0.5, 0.5, 0.5), input: new Int8Array([127, -128]), expected: [127, -128] });

/** Pools on a 1x2x2x1 or given input, raw int8 values (shared scale). */
function pool(scheme: QuantScheme, type: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D', h: number, w: number, f: [number, number], s: [number, number], padding: 'SAME' | 'VALID') {
  return () => {
    const b = new GraphBuilder('pool', scheme);
    const x = b.input('x', [1, h, w, 1], q(0.5, 3));
    b.output(b.pool(type, 'pool', x, f, s, padding));
    return b.build();
  };
}
// Average rounds half away from zero: (1+2)/2 = 1.5 -> 2; (-1-2)/2 = -1.5 -> -2; (2+2+2+3)/4 = 2.25 -> 2.
add({ name: 'AVG_POOL rounds half away', scheme: TFLM, graph: pool(TFLM, 'AVERAGE_POOL_2D', 1, 2, [1, 2], [1, 2], 'VALID'), input: new Int8Array([1, 2]), expected: [2] });
add({ name: 'AVG_POOL rounds negative half away', scheme: TFLM, graph: pool(TFLM, 'AVERAGE_POOL_2D', 1, 2, [1, 2], [1, 2], 'VALID'), input: new Int8Array([-1, -2]), expected: [-2] });
// 3x3 input 1..9, 2x2 stride 2 SAME: out 2x2, pad bottom/right; windows exclude padding:
// (0,0): 1,2,4,5 -> 3; (0,1): 3,6 -> 4.5 -> 5; (1,0): 7,8 -> 7.5 -> 8; (1,1): 9.
add({ name: 'AVG_POOL SAME excludes padding', scheme: TFLM, graph: pool(TFLM, 'AVERAGE_POOL_2D', 3, 3, [2, 2], [2, 2], 'SAME'), input: new Int8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), expected: [3, 5, 8, 9] });
// Max over the valid part: padding never wins even when every value is -128.
add({ name: 'MAX_POOL SAME with -128 inputs', scheme: TFLM, graph: pool(TFLM, 'MAX_POOL_2D', 3, 3, [2, 2], [2, 2], 'SAME'), input: new Int8Array([-128, -128, -120, -128, -128, -128, -128, -128, -128]), expected: [-128, -120, -128, -128] });

/** MEAN over a 2x2x1 input with equal scales. */
function mean(scheme: QuantScheme, zp: number) {
  return () => {
    const b = new GraphBuilder('mean', scheme);
    const x = b.input('x', [1, 2, 2, 1], q(0.5, zp));
    b.output(b.mean('gap', x, q(0.5, zp)));
    return b.build();
  };
}
// (x - zp) = 1,2,3,4: sum 10, /4 = 2.5. tflm: SRDHM(10, 2^30) = 5, RDBPOT(5,1) = 3. single: floor(12/4) = 3. pow2: (10 + 2)/4 = 3.
add({ name: 'MEAN 2.5 -> 3 (tflm)', scheme: TFLM, graph: mean(TFLM, 0), input: new Int8Array([1, 2, 3, 4]), expected: [3] });
add({ name: 'MEAN 2.5 -> 3 (single)', scheme: SINGLE, graph: mean(SINGLE, 0), input: new Int8Array([1, 2, 3, 4]), expected: [3] });
add({ name: 'MEAN 2.5 -> 3 (pow2)', scheme: POW2, graph: mean(POW2, 0), input: new Int8Array([1, 2, 3, 4]), expected: [3] });
// With zp 10: inputs 11..14 give the same offsets; output 3 + 10 = 13. -2.5 case: offsets -1..-4: tflm SRDHM(-10) = floor(-9/2) = -5, RDBPOT(-5,1) = -3 -> 7; pow2 away: -3 -> 7.
add({ name: 'MEAN with zero point', scheme: TFLM, graph: mean(TFLM, 10), input: new Int8Array([11, 12, 13, 14]), expected: [13] });
add({ name: 'MEAN negative half (tflm)', scheme: TFLM, graph: mean(TFLM, 10), input: new Int8Array([9, 8, 7, 6]), expected: [7] });
add({ name: 'MEAN negative half (pow2)', scheme: POW2, graph: mean(POW2, 10), input: new Int8Array([9, 8, 7, 6]), expected: [7] });

/** MEAN over a 7x7x1 input (dscnn's global average pool shape), equal scales, zero points 0. */
function mean7x7(scheme: QuantScheme) {
  return () => {
    const b = new GraphBuilder('mean', scheme);
    const x = b.input('x', [1, 7, 7, 1], q(0.5, 0));
    b.output(b.mean('gap', x, q(0.5, 0)));
    return b.build();
  };
}
// TFLite Micro's MEAN: QuantizeMultiplier(0.5/0.5) = (2^30, shift 1); 1/49 folded in: k = floor(log2 49) = 5,
// multiplier floor(2^30·2^5/49) = 701219150, shift 1 - 5 = -4. Sum 23 (23 ones): SRDHM = floor((23·701219150 + 2^30)/2^31)
// = floor(8.0102) = 8; RDBPOT(8, 4) = 0.5 -> away -> 1, although 23/49 = 0.469 (the old Q31(1/49) rule gave 0).
// single: floor((23·701219150 + 2^34) / 2^35) = floor(0.9694) = 0.
const ones = (n: number, v: number) => Int8Array.from({ length: 49 }, (_, i) => (i < n ? v : 0));
add({ name: 'MEAN 7x7 sum 23 lands on .5 (tflm)', scheme: TFLM, graph: mean7x7(TFLM), input: ones(23, 1), expected: [1] });
add({ name: 'MEAN 7x7 sum 23 (single)', scheme: SINGLE, graph: mean7x7(SINGLE), input: ones(23, 1), expected: [0] });
// Sum -1983 (15 × -128 and one -63): SRDHM = floor((-1983·701219150 + 2^30)/2^31) = floor(-647.013) = -648;
// RDBPOT(-648, 4) = -40.5 -> away -> -41 (exact -1983/49 = -40.47; the old rule gave -40).
add({ name: 'MEAN 7x7 sum -1983 lands on -40.5 (tflm)', scheme: TFLM, graph: mean7x7(TFLM), input: Int8Array.from({ length: 49 }, (_, i) => (i < 15 ? -128 : i === 15 ? -63 : 0)), expected: [-41] });

// fp32 (XNNPACK's MEAN): raw sum * s + bias, s = 0.5/(0.5*4) = 0.25, bias = zpOut - 4*zpIn*s.
// zp 0: 10 * 0.25 = 2.5 -> 2 (half to even). zp 10, inputs 9..6: raw 30 * 0.25 = 7.5, bias 10 - 10 = 0 -> 8 (tflm: 7).
add({ name: 'MEAN 2.5 -> 2 (fp32)', scheme: FP32, graph: mean(FP32, 0), input: new Int8Array([1, 2, 3, 4]), expected: [2] });
add({ name: 'MEAN negative half (fp32)', scheme: FP32, graph: mean(FP32, 10), input: new Int8Array([9, 8, 7, 6]), expected: [8] });

// fp32 MEAN with n·zp_in > 2^24: 365x365x1, s_in = s_out = 1, zp_in 127, zp_out 0; n = 133225, s = f32(1/133225).
// Inputs sum (raw) to 66612, i.e. Σ(x - zp) = -16852963: f32(66612 · s) = 0.49999624; n·zp = 16919575 becomes the
// float32 16919576, bias = f32(-(16919576 · s)) = -127.00000763; t = -126.50000763 -> -127. (Had the bias used the exact
// 16919575, as the TypeScript did before, it is -127.0 and t = -126.5 rounds half to even to -126.)
add({
  name: 'MEAN fp32 with n·zp_in above 2^24', scheme: FP32, expected: [-127],
  input: (() => {
    const n = 365 * 365;
    let raw = 66612; // spread over n int8 values, each the rounded share of what is left
    return Int8Array.from({ length: n }, (_, i) => {
      const v = Math.round(raw / (n - i));
      raw -= v;
      return v;
    });
  })(),
  graph: () => {
    const b = new GraphBuilder('mean', FP32);
    b.output(b.mean('gap', b.input('x', [1, 365, 365, 1], q(1, 127)), q(1, 0)));
    return b.build();
  },
});

// CONCATENATION: a = x (scale 1, zp 0), b = depthwise copy of x with out scale 2 zp 10; output scale 1 zp -1.
// x = [3]: a -> 3 - 1 = 2. b: x*1 at M = 1/2 -> 1.5 -> SRDHM(3, 2^30) = 2, + 10 = 12; re-scaled to out: (12 - 10) * 2 = 4 - 1 = 3.
add({
  name: 'CONCATENATION with different scales', scheme: TFLM, input: new Int8Array([3]), expected: [2, 3],
  graph: () => {
    const b = new GraphBuilder('concat', TFLM);
    const x = b.input('x', [1, 1, 1, 1], q(1, 0));
    const y = b.depthwiseConv2d(x, { name: 'half', weights: new Int8Array([1]), weightShape: [1, 1, 1, 1], weightScales: [1], bias: new Int32Array(1), out: q(2, 10) });
    b.output(b.concat('cat', [x, y], q(1, -1)));
    return b.build();
  },
});
// PAD 1 on every spatial border with the zero point -3.
add({
  name: 'PAD with the zero point', scheme: TFLM, input: new Int8Array([5]), expected: [-3, -3, -3, -3, 5, -3, -3, -3, -3],
  graph: () => {
    const b = new GraphBuilder('pad', TFLM);
    const x = b.input('x', [1, 1, 1, 1], q(1, -3));
    b.output(b.pad('pad', x, [[0, 0], [1, 1], [1, 1], [0, 0]]));
    return b.build();
  },
});
// RESHAPE moves no values.
add({
  name: 'RESHAPE', scheme: TFLM, input: new Int8Array([1, -2, 3, -4]), expected: [1, -2, 3, -4],
  graph: () => {
    const b = new GraphBuilder('reshape', TFLM);
    const x = b.input('x', [1, 2, 2, 1], q(1, 0));
    b.output(b.reshape('r', x, [1, 4]));
    return b.build();
  },
});
/** SOFTMAX over n classes with input scale 1. */
function softmax(n: number) {
  return () => {
    const b = new GraphBuilder('softmax', TFLM);
    const x = b.input('x', [1, n], q(1, 0));
    b.output(b.softmax('sm', x));
    return b.build();
  };
}
// SOFTMAX, TFLite Micro's gemmlowp kernel. Input scale 1, beta 1: real = 1·1·2^26 -> multiplier 2^30,
// left shift 27; diff_min = -floor(31·2^26 / 2^27) = -15. A difference d is rescaled to Q5.26 as
// SRDHM(-d·2^27, 2^30) = -d·2^26; exp(0) = 2^31 - 1 exactly, contributing RDBPOT(2^31 - 1, 12) = 524288 (Q12.19).
// Two equal: sum 2^20, 11 leading zeros -> 1 bit over unit, 1 + x with x = 0 -> reciprocal 2^31 - 1;
// SRDHM(2^31 - 1, 2^31 - 1) = 2^31 - 2, / 2^(1 + 23) = 127.99999988 -> 128 - 128 = 0.
// Three equal: sum 3·2^19, x = 0.5: gemmlowp's 1/(1 + 0.5) = 1431655762 (2/3 is 1431655765.3);
// SRDHM(1431655762, 2^31 - 1) = 1431655761, / 2^24 = 85.333 -> 85 - 128 = -43.
add({ name: 'SOFTMAX two equal', scheme: TFLM, graph: softmax(2), input: new Int8Array([7, 7]), expected: [0, 0] });
add({ name: 'SOFTMAX three equal', scheme: TFLM, graph: softmax(3), input: new Int8Array([-128, -128, -128]), expected: [-43, -43, -43] });
// Extremes: d = 255 < 15 = -diff_min, so TFLite skips it (-128); sum = 524288 -> reciprocal 2^31 - 1, bits over unit 0;
// SRDHM(2^31 - 1, 2^31 - 1) / 2^23 = 255.99999976 -> 256 - 128 = 128, saturates to 127.
add({ name: 'SOFTMAX extremes', scheme: TFLM, graph: softmax(2), input: new Int8Array([127, -128]), expected: [127, -128] });
// One apart: exp(-1) in gemmlowp (a = -2^26): a mod 1/4 - 1/4 = -2^24 -> Q0.31 -2^29; Taylor at x = -2^28:
// x^2 = 2^25, x^3 = -2^22, x^4 = 2^19, x^4/4 = 2^17; SRDHM(2^17 - 2^22, 715827883) + 2^25 = 32200021,
// halved (away) = 16100011; exp(-1/4) = 1895147668 + SRDHM(1895147668, -2^28 + 16100011) = 1672462419;
// remainder 3·2^24 has bits 24 and 25: ·exp(-1/4) (1672461947) -> 1302515042, ·exp(-1/2) (1302514674) -> 790015308.
// Q12.19: 524288 + RDBPOT(790015308, 12) = 524288 + 192875 = 717163 (12 leading zeros, 0 bits over unit);
// x = 717163·2^12 - 2^31 = 790016000; reciprocal 1569935852 (1/1.36788 = 0.731058...);
// SRDHM(1569935852, 2^31 - 1) = 1569935851, / 2^23 = 187.15 -> 187 - 128 = 59;
// SRDHM(1569935852, 790015308) = 577547287, / 2^23 = 68.849 -> 69 - 128 = -59.
add({ name: 'SOFTMAX one apart', scheme: TFLM, graph: softmax(2), input: new Int8Array([1, 0]), expected: [59, -59] });

// SOFTMAX where the old edgeq Q16 table rule differed: input scale 0.1 (float32 13421773·2^-27), beta 1:
// real = 6710886.5 = 0.80000001·2^23 -> multiplier 13421773·2^7 = 1717986944, left shift 23; diff_min = -floor(31·2^26/2^23) = -248.
// Row [6, 16, -20]: max 16, differences -10, 0, -36. Rescaled: SRDHM(-10·2^23, 1717986944) = -67108865,
// SRDHM(-36·2^23, 1717986944) = -241591914 (Q5.26). Their exps (Q0.31): 790014891 and 58677244 (e^-1.0000000149 =
// 0.36787944, e^-3.6 = 0.02732372); Q12.19: 192875 + 524288 + 14325 = 731488 (1.3952); 12 leading zeros, 0 bits over unit;
// x = 731488·2^12 - 2^31 = 848691200 -> reciprocal 1539191218 (1/1.3952 = 0.7167418);
// SRDHM(1539191218, 790014891) = 566236667, / 2^23 = 67.50067 -> 68 - 128 = -60 (the Q16 table gave 67.4997: -61);
// SRDHM(1539191218, 2^31 - 1) = 1539191217 -> 183.486 -> 55; SRDHM(1539191218, 58677244) = 42056431 -> 5.0135 -> -123.
add({
  name: 'SOFTMAX 67.5007 rounds up (gemmlowp)', scheme: TFLM, input: new Int8Array([6, 16, -20]), expected: [-60, 55, -123],
  graph: () => {
    const b = new GraphBuilder('softmax', TFLM);
    b.output(b.softmax('sm', b.input('x', [1, 3], q(0.1, 0))));
    return b.build();
  },
});

// QUANTIZE at the boundary (scale 0.5, zp 1): 0.5 -> 2; -0.5 -> 0; 0.25 -> 0.5 -> 1 (away) -> 2; -0.25 -> 0; 1000 -> 127; -1000 -> -128.
add({
  name: 'QUANTIZE float input', scheme: TFLM, input: new Float32Array([0.5, -0.5, 0.25, -0.25, 1000, -1000]), expected: [2, 0, 2, 0, 127, -128],
  graph: () => {
    const b = new GraphBuilder('quantize', TFLM);
    const f = b.input('f', [1, 1, 1, 6], undefined, 'float32');
    b.output(b.quantize('q', f, q(0.5, 1)));
    return b.build();
  },
});
// FULLY_CONNECTED, one weight scale: TFLite Micro rounds s_in * s_w to float32 before dividing by
// s_out (packages/ir/test/tflm-prepare-rules.test.ts works it). s_in 0.010723833, s_w 0.0025014039,
// s_out 34.060356 -> m 1773431724, shift -20 (the double product gives 1773431675). acc = -31108666
// (bias, input 0 - zp 0): SRDHM = -25690112, / 2^20 = -24.5 exactly -> -25 (away), + zp -20 = -45.
add({
  name: 'FC per-tensor multiplier from f32(s_in * s_w) -> -45', scheme: TFLM, input: new Int8Array([0]), expected: [-45],
  graph: () => {
    const b = new GraphBuilder('fc_f32_product', TFLM);
    const x = b.input('x', [1, 1], q(0.010723833, 0));
    b.output(b.fullyConnected(x, { name: 'fc', weights: new Int8Array([3]), weightShape: [1, 1], weightScales: [0.0025014039], bias: new Int32Array([-31108666]), out: q(34.060356, -20) }));
    return b.build();
  },
});

// QUANTIZE on a tie that only division finds (packages/ir/test/tflm-prepare-rules.test.ts works it):
// x = float32 bits 1076137942 (2.57127905), scale = bits 1022409474 (0.0293860473), zp -81.
// tflm: f32(x / scale) = 87.5 exactly -> 88 -> 7; fp32 (LiteRT): f32(x * f32(1/scale)) = 87.4999924 -> 87 -> 6.
const tieX = new Float32Array(new Uint32Array([1076137942]).buffer)[0];
const tieScale = new Float32Array(new Uint32Array([1022409474]).buffer)[0];
for (const [scheme, expected] of [[TFLM, 7], [FP32, 6]] as const) {
  add({
    name: `QUANTIZE x / scale tie (${scheme.rounding})`, scheme, input: Float32Array.of(tieX), expected: [expected],
    graph: () => {
      const b = new GraphBuilder('quantize_tie', scheme);
      const f = b.input('f', [1, 1], undefined, 'float32');
      b.output(b.quantize('q', f, q(tieScale, -81)));
      return b.build();
    },
  });
}
// DEQUANTIZE at the boundary: (q - 1) * 0.5: 2 -> 0.5; -128 -> -64.5; 1 -> 0.
add({
  name: 'DEQUANTIZE float output', scheme: TFLM, input: new Int8Array([2, -128, 1]), expected: [0.5, -64.5, 0],
  graph: () => {
    const b = new GraphBuilder('dequantize', TFLM);
    const x = b.input('x', [1, 1, 1, 3], q(0.5, 1));
    b.output(b.dequantize('dq', x));
    return b.build();
  },
});

/** RESIZE_NEAREST_NEIGHBOR of an [1, h, w, c] input to [1, oh, ow, c]; scale 0.5, zero point 3. */
function resize(scheme: QuantScheme, inShape: number[], outShape: number[], alignCorners: boolean, halfPixelCenters: boolean) {
  return () => {
    const b = new GraphBuilder('resize', scheme);
    const x = b.input('x', inShape, q(0.5, 3));
    b.output(b.op('RESIZE_NEAREST_NEIGHBOR', 'resize', [x], { alignCorners, halfPixelCenters }, outShape, q(0.5, 3)));
    return b.build();
  };
}
// 2x2x2 -> 4x4x2 (UpSampling2D 2x): scale 2/4 = 0.5, source index floor(i * 0.5) = 0, 0, 1, 1 on both axes.
// Pixels (0,0) = [1, 2], (0,1) = [3, 4], (1,0) = [5, 6], (1,1) = [7, 8].
add({
  name: 'RESIZE_NEAREST 2x2 -> 4x4 repeats each pixel', scheme: TFLM, graph: resize(TFLM, [1, 2, 2, 2], [1, 4, 4, 2], false, false),
  input: new Int8Array([1, 2, 3, 4, 5, 6, 7, 8]),
  expected: [1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4, 5, 6, 5, 6, 7, 8, 7, 8, 5, 6, 5, 6, 7, 8, 7, 8],
});
// Width 3 -> 5, align corners: scale (3-1)/(5-1) = 0.5, index round-half-away(i * 0.5) = 0, 1, 1, 2, 2.
add({
  name: 'RESIZE_NEAREST align corners 3 -> 5', scheme: TFLM, graph: resize(TFLM, [1, 1, 3, 1], [1, 1, 5, 1], true, false),
  input: new Int8Array([10, 20, 30]), expected: [10, 20, 20, 30, 30],
});
// Width 3 -> 5, half-pixel centres: scale 3/5 = 0.6, index floor((i + 0.5) * 0.6) = floor(0.3, 0.9, 1.5, 2.1, 2.7) = 0, 0, 1, 2, 2.
add({
  name: 'RESIZE_NEAREST half-pixel centres 3 -> 5', scheme: POW2, graph: resize(POW2, [1, 1, 3, 1], [1, 1, 5, 1], false, true),
  input: new Int8Array([10, 20, 30]), expected: [10, 10, 20, 30, 30],
});
// Height 3 -> 2 (down): scale 1.5, index floor(0, 1.5) = 0, 1.
add({
  name: 'RESIZE_NEAREST 3 -> 2 rows', scheme: FP32, graph: resize(FP32, [1, 3, 1, 1], [1, 2, 1, 1], false, false),
  input: new Int8Array([-128, 0, 127]), expected: [-128, 0],
});

/** LOGISTIC of a [1, n] input with scale `sIn`, zero point `zpIn`; output scale 1/256, zero point -128. */
function logistic(scheme: QuantScheme, sIn: number, zpIn: number, n: number) {
  return () => {
    const b = new GraphBuilder('logistic', scheme);
    const x = b.input('x', [1, n], q(sIn, zpIn));
    b.output(b.op('LOGISTIC', 'sigmoid', [x], {}, [1, n], q(1 / 256, -128)));
    return b.build();
  };
}
// LOGISTIC, input scale 1/16: real = 2^-4 * 2^27 = 2^23 = 0.5 * 2^24 -> multiplier 2^30, left shift 24;
// range radius = floor(15 * 2^27 / 2^24) = 120. MBQM(d, 2^30, 24) = d * 2^23: d/16 exactly in Q4.27.
// d = 0: exactly one half, 2^30 / 2^23 = 128 -> 0. d = 8: sigmoid(0.5) = 0.62246 * 256 = 159.35 -> 159 -> 31.
// d = 16: sigmoid(1) = 0.73106 * 256 = 187.15 -> 59; d = -16: 68.85 -> 69 -> -59.
// d = 119 (inside the radius): sigmoid(7.4375) * 256 = 255.85 -> 256 - 128 = 128 -> clamp 127; d = 120 = radius -> 127.
// d = -119: 0.15 -> 0 -> -128; d = -120 = -radius -> -128.
add({
  name: 'LOGISTIC scale 1/16 around zero and at the range radius', scheme: TFLM, graph: logistic(TFLM, 1 / 16, 0, 8),
  input: new Int8Array([0, 8, 16, -16, 119, 120, -119, -120]), expected: [0, 31, 59, -59, 127, 127, -128, -128],
});
// Zero point extremes, scale 1/16 (radius 120): zp -128: q = -128 is d = 0 -> 0; q = 127 is d = 255 >= 120 -> 127;
// q = -112 is d = 16 -> 59.
add({
  name: 'LOGISTIC input zero point -128', scheme: POW2, graph: logistic(POW2, 1 / 16, -128, 3),
  input: new Int8Array([-128, 127, -112]), expected: [0, 127, 59],
});
// zp 127: q = 127 is d = 0 -> 0; q = -128 is d = -255 <= -120 -> -128; q = 111 is d = -16 -> -59.
add({
  name: 'LOGISTIC input zero point 127', scheme: SINGLE, graph: logistic(SINGLE, 1 / 16, 127, 3),
  input: new Int8Array([127, -128, 111]), expected: [0, -128, -59],
});
// Scale 1: real = 2^27 = 0.5 * 2^28 -> left shift 28, radius floor(15 * 2^27 / 2^28) = 7.
// d = -6 (inside): sigmoid(-6) = 0.0024726 * 256 = 0.633 -> 1 -> -127; d = -7 (the radius) -> -128 by the clamp,
// although the rule's arithmetic would give sigmoid(-7) * 256 = 0.233 -> 0 -> -128 as well.
// d = -5: 0.0066929 * 256 = 1.713 -> 2 -> -126; d = 5: 254.29 -> 254 -> 126; d = 6: 255.37 -> 255 -> 127; d = 7 -> 127.
add({
  name: 'LOGISTIC scale 1: radius 7, one step before saturation', scheme: FP32, graph: logistic(FP32, 1, 0, 6),
  input: new Int8Array([-5, -6, -7, 5, 6, 7]), expected: [-126, -127, -128, 126, 127, 127],
});
// Scale 2: left shift 29, radius floor(15 * 2^27 / 2^29) = floor(3.75) = 3. d = 2: sigmoid(4) * 256 = 251.40 -> 251 -> 123;
// d = -2: 4.60 -> 5 -> -123; d = +-3 saturate to 127 / -128.
add({
  name: 'LOGISTIC scale 2: radius 3', scheme: TFLM, graph: logistic(TFLM, 2, 0, 4),
  input: new Int8Array([2, -2, 3, -3]), expected: [123, -123, 127, -128],
});
// Scale 32: left shift 33, radius floor(15 * 2^27 / 2^33) = 0: every input saturates, and d = 0 gives -128
// because TFLite Micro tests d <= -radius first.
add({
  name: 'LOGISTIC radius 0: zero input saturates low', scheme: TFLM, graph: logistic(TFLM, 32, 0, 3),
  input: new Int8Array([0, 1, -1]), expected: [-128, 127, -128],
});
// Scale 0.1 (float32 13421773 * 2^-27): real = 13421773 = 0.8 * 2^24 -> multiplier 13421773 * 2^7 = 1717986944,
// left shift 24, radius 120. d = 1: sigmoid(0.1) = 0.52498 * 256 = 134.39 -> 134 -> 6; d = 119: 11.9 -> 127; d = -119 -> -128.
add({
  name: 'LOGISTIC scale 0.1 (non power of two multiplier)', scheme: TFLM, graph: logistic(TFLM, 0.1, 0, 3),
  input: new Int8Array([1, 119, -119]), expected: [6, 127, -128],
});

/** STRIDED_SLICE (cropping) of an [1, h, w, c] input from `begin` to the output shape; scale 0.5, zero point -3. */
function slice(scheme: QuantScheme, inShape: number[], begin: number[], outShape: number[]) {
  return () => {
    const b = new GraphBuilder('slice', scheme);
    const x = b.input('x', inShape, q(0.5, -3));
    b.output(b.op('STRIDED_SLICE', 'crop', [x], { begin }, outShape, q(0.5, -3)));
    return b.build();
  };
}
// 3x4x1 input, values 1..12 row by row; Cropping2D ((1, 1), (1, 0)) keeps rows 1..1 and columns 1..3: [6, 7, 8].
add({
  name: 'STRIDED_SLICE crops rows and columns', scheme: TFLM, graph: slice(TFLM, [1, 3, 4, 1], [0, 1, 1, 0], [1, 1, 3, 1]),
  input: Int8Array.from({ length: 12 }, (_, i) => i + 1), expected: [6, 7, 8],
});
// 1x5x2 input (Cropping1D (2, 1) on T = 5): pixels t = 0..4 hold [10t, 10t + 1]; keeps t = 2, 3.
add({
  name: 'STRIDED_SLICE as Cropping1D keeps whole pixels', scheme: POW2, graph: slice(POW2, [1, 1, 5, 2], [0, 0, 2, 0], [1, 1, 2, 2]),
  input: new Int8Array([0, 1, 10, 11, 20, 21, 30, 31, 40, 41]), expected: [20, 21, 30, 31],
});
// Channel slice: 1x2x1x3 input [1, 2, 3, 4, 5, 6], begin channel 1, 2 channels: [2, 3, 5, 6].
add({
  name: 'STRIDED_SLICE of channels', scheme: FP32, graph: slice(FP32, [1, 2, 1, 3], [0, 0, 0, 1], [1, 2, 1, 2]),
  input: new Int8Array([1, 2, 3, 4, 5, 6]), expected: [2, 3, 5, 6],
});

// ---- int4 weights (W4A8): packed two per byte, element 2k in the low nibble (TFLite's order) ----
// The weight matrix of the three cases below, 3 x 3 = 9 elements (an odd count: the fifth
// byte's high nibble is padding), with both extremes -8 and 7:
//   W = [[-8, 7, 1], [2, -3, 4], [5, -6, 7]]   packed bytes 0x78 0x21 0x4D 0xA5 0x07
// (element 0 = -8 is nibble 0x8 in the low half of byte 0, element 1 = 7 the high half; a
// swapped nibble order would compute with [7, -8, 2, 1, ...] and give other outputs).
const W4_MATRIX = [-8, 7, 1, 2, -3, 4, 5, -6, 7];

/** A one-op graph on the int4 weights W4_MATRIX (s_in = s_w = 1, zero points 0, bias 0, VALID), output scale `sOut`. */
function int4Op(scheme: QuantScheme, inputShape: number[], sOut: number, op: (b: GraphBuilder, x: number, spec: ConvSpec) => number) {
  return () => {
    const b = new GraphBuilder('w4', scheme);
    const x = b.input('x', inputShape, q(1, 0));
    b.output(op(b, x, { name: 'op', weights: Int8Array.from(W4_MATRIX), weightBits: 4, weightShape: [], weightScales: [1, 1, 1], bias: new Int32Array(3), out: q(sOut, 0), padding: 'VALID' }));
    return b.build();
  };
}
/** FULLY_CONNECTED 3 -> 3, M = 1/16. */
const fcInt4 = (scheme: QuantScheme) => int4Op(scheme, [1, 3], 16, (b, x, spec) => b.fullyConnected(x, { ...spec, weightShape: [3, 3] }));
// x = [-128, 127, 3]:
//   row 0: -8*-128 + 7*127 + 1*3 = 1024 + 889 + 3 = 1916  -> 1916/16 = 119.75  -> 120
//   row 1: 2*-128 - 3*127 + 4*3  = -256 - 381 + 12 = -625 -> -39.0625         -> -39
//   row 2: 5*-128 - 6*127 + 7*3  = -640 - 762 + 21 = -1381 -> -86.3125        -> -86
// No ties, so every mode agrees: tflm SRDHM(a, 2^30) = floor((a + 1) / 2) = 958, -312, -690, then
// RDBPOT(., 3) = 119.75 -> 120, -39, -86.25 -> -86; single / pow2 floor((a + 8) / 16) = 120, -39, -86;
// fp32 rounds 119.75, -39.0625, -86.3125 to 120, -39, -86.
for (const scheme of [TFLM, SINGLE, POW2, FP32]) {
  add({ name: `FC int4 weights: nibble order, odd element count, -8 and 7 (${scheme.scales}/${scheme.rounding})`, scheme, graph: fcInt4(scheme), input: new Int8Array([-128, 127, 3]), expected: [120, -39, -86] });
}

/** CONV_2D 1x1, 3 -> 3 channels (odd), W4_MATRIX as [3][1][1][3], M = 1/16, on a 1x2 image. */
const convInt4 = (scheme: QuantScheme) => int4Op(scheme, [1, 1, 2, 3], 16, (b, x, spec) => b.conv2d(x, { ...spec, weightShape: [3, 1, 1, 3] }));
// Pixel 0 = [-128, 127, 3]: as the FC case, [120, -39, -86].
// Pixel 1 = [-1, -128, 127]:
//   row 0: 8 - 896 + 127 = -761 -> -47.5625 -> -48 (tflm: floor(-760/2) = -380, -380/8 = -47.5 away from 0 -> -48)
//   row 1: -2 + 384 + 508 = 890 -> 55.625 -> 56   (tflm: 445/8 = 55.625 -> 56)
//   row 2: -5 + 768 + 889 = 1652 -> 103.25 -> 103 (tflm: 826/8 = 103.25 -> 103)
for (const scheme of [TFLM, POW2, FP32]) {
  add({ name: `CONV int4 weights, 3 output channels (${scheme.scales}/${scheme.rounding})`, scheme, graph: convInt4(scheme), input: new Int8Array([-128, 127, 3, -1, -128, 127]), expected: [120, -39, -86, -48, 56, 103] });
}

/** DEPTHWISE_CONV_2D 3x1 VALID on 3 channels, W4_MATRIX as [1][3][1][3] (tap t, channel c at 3t + c), M = 1/8. */
const depthwiseInt4 = (scheme: QuantScheme) => int4Op(scheme, [1, 3, 1, 3], 8, (b, x, spec) => b.depthwiseConv2d(x, { ...spec, weightShape: [1, 3, 1, 3] }));
// Rows (taps) of x: [1, 2, 3], [-128, 127, -1], [10, 20, 30]; channel c takes W[t][c]:
//   c0: -8*1 + 2*-128 + 5*10 = -214 -> -26.75  -> -27 (tflm: floor(-213/2) = -107, -107/4 = -26.75 -> -27)
//   c1: 7*2 - 3*127 - 6*20  = -487 -> -60.875 -> -61 (tflm: -243/4 = -60.75 -> -61)
//   c2: 1*3 + 4*-1 + 7*30   = 209  -> 26.125  -> 26  (tflm: 105/4 = 26.25 -> 26)
for (const scheme of [TFLM, SINGLE, FP32]) {
  add({ name: `DEPTHWISE int4 weights (${scheme.scales}/${scheme.rounding})`, scheme, graph: depthwiseInt4(scheme), input: new Int8Array([1, 2, 3, -128, 127, -1, 10, 20, 30]), expected: [-27, -61, 26] });
}

// FC 9 -> 4 with int4 weights w[o][i] = ((i + o) mod 16) - 8 (every value -8 .. 7 appears; 36
// elements), s_in = s_w = s_out = 1, input zero point 1 and x = 3 everywhere, so (x - zp) = 2:
//   out[o] = 2 * sum_{i<9} (((i + o) mod 16) - 8) = 2 * (sum of 9 consecutive values from o - 8)
//   o = 0: 2 * (36 - 72) = -72; o = 1: 2 * (45 - 72) = -54; o = 2: 2 * (54 - 72) = -36; o = 3: 2 * (63 - 72) = -18.
function fcInt4Cycle(scheme: QuantScheme) {
  return () => {
    const b = new GraphBuilder('fc_w4_cycle', scheme);
    const x = b.input('x', [1, 9], q(1, 1));
    const w = Int8Array.from({ length: 36 }, (_, k) => ((k % 9 + Math.floor(k / 9)) % 16) - 8);
    b.output(b.fullyConnected(x, { name: 'fc', weights: w, weightBits: 4, weightShape: [4, 9], weightScales: [1], bias: new Int32Array(4), out: q(1, 0) }));
    return b.build();
  };
}
for (const scheme of [TFLM, SINGLE, POW2]) {
  add({ name: `FC int4 weights, every value -8..7, input zero point (${scheme.scales}/${scheme.rounding})`, scheme, graph: fcInt4Cycle(scheme), input: new Int8Array(9).fill(3), expected: [-72, -54, -36, -18] });
}

const workRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-ops-'));
afterAll(() => fs.rm(workRoot, { recursive: true, force: true }));

/**
 * Every case's generated C in one gcc binary (ASan+UBSan), built on first use: one compile
 * instead of one per case. When that binary does not compile, each case builds its own (with
 * the host harness) so the failure names the case and carries the compiler's message.
 */
let batch: Promise<BatchOutput[] | undefined> | undefined;
function batchOutputs(): Promise<BatchOutput[] | undefined> {
  batch ??= batchHostOutputs(cases.map((c) => ({ graph: c.graph(), inputs: [c.input] }))).catch(() => undefined);
  return batch;
}

/** The output bytes of case `c`'s generated C on its input, from the batch binary or its own build. */
async function generatedOutput(c: Case, g: QGraph): Promise<Uint8Array> {
  const fromBatch = (await batchOutputs())?.[cases.indexOf(c)];
  if (fromBatch !== undefined) {
    expect(fromBatch.error, `${c.name}: batch binary`).toBeUndefined();
    return fromBatch.output!;
  }
  const dir = await fs.mkdtemp(path.join(workRoot, 'case-'));
  return (await runGeneratedOnHost(g, [c.input], dir, { sanitize: true })).outputs[0];
}

describe.each(cases)('$name', (c) => {
  // Both kernel sets: the TypeScript reference and the WebAssembly SIMD kernels (packages/ir/wasm).
  it.each(['typescript', 'wasm'] as const)('interpreter (%s kernels) gives the hand-worked output', (kernels) => {
    const g = c.graph();
    expect(g.quantization).toEqual(c.scheme);
    const out = new Interpreter(g, { kernels }).run([c.input]).outputs[0];
    expect(Array.from(out)).toEqual(c.expected);
  });
  it('generated C (gcc) gives the hand-worked output', async () => {
    const g = c.graph();
    // The batch binary feeds input 0 and writes output 0: every case has one of each.
    expect([g.inputs.length, g.outputs.length]).toEqual([1, 1]);
    const raw = await generatedOutput(c, g);
    const outT = g.tensors[g.outputs[0]];
    const values = outT.dtype === 'float32' ? new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4) : new Int8Array(raw.buffer, raw.byteOffset, raw.length);
    expect(Array.from(values)).toEqual(c.expected);
  });
});
