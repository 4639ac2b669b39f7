/**
 * Narrowing an int8 graph's weights to int4: hand-worked weights, scales and biases for
 * FULLY_CONNECTED (channel outermost), DEPTHWISE_CONV_2D (channel innermost), a power-of-two
 * graph, per-tensor weights kept or split per channel; the layer selection rules; the
 * errors naming the op; and a real architecture (dscnn) whose weight bytes halve.
 */
import { describe, expect, it } from 'vitest';
import {
  GraphBuilder, Interpreter, buildReferenceModel, channelWeightScale, constantData, narrowWeightsToInt4, q, tensorBytes,
  type QGraph,
} from '../src/index.js';

const f32 = Math.fround;

/** x[1,3] -> FC(2 outputs) with the given int8 weights, scales and bias. */
function fcGraph(weights: number[], scales: number[], bias: number[], shape = [2, 3], scheme: 'fixed' | 'pow2' = 'fixed'): QGraph {
  const b = new GraphBuilder('fc', { scales: scheme, rounding: 'tflm' });
  const x = b.input('x', [1, shape[1]], q(0.5, 0));
  b.output(b.fullyConnected(x, { name: 'fc', weights: Int8Array.from(weights), weightShape: shape, weightScales: scales, bias: Int32Array.from(bias), out: q(1, 0) }));
  return b.build();
}

const weightsOf = (g: QGraph, op = 0) => g.tensors[g.ops[op].inputs[1]];
const valuesOf = (g: QGraph, op = 0) => Array.from(constantData(g, g.ops[op].inputs[1]));
const biasOf = (g: QGraph, op = 0) => Array.from(constantData(g, g.ops[op].inputs[2]));

describe('narrowWeightsToInt4', () => {
  it('narrows per-channel FULLY_CONNECTED weights and re-quantises the bias (hand-worked, max clipping)', () => {
    // Channel 0: w8 [70, -42, 8] · 0.01 = [0.70, -0.42, 0.08]; max 0.70 -> s4 = f32(0.1);
    //   levels 7, -4.2 -> -4, 0.8 -> 1; bias 100 · 0.01 / 0.1 = 10.
    // Channel 1: w8 [63, 0, -64] · 0.02 = [1.26, 0, -1.28]; max 1.28 -> s4 = f32(1.28 / 7) ≈ 0.182857;
    //   levels 6.89 -> 7, 0, -7; bias -50 · 0.02 / 0.182857 = -5.47 -> -5.
    const g = fcGraph([70, -42, 8, 63, 0, -64], [0.01, 0.02], [100, -50]);
    const n = narrowWeightsToInt4(g, { clipping: 'max' });
    expect(weightsOf(n).dtype).toBe('int4');
    expect(weightsOf(n).quant).toEqual({ scale: [f32(0.1), f32(1.28 / 7)], zeroPoint: [0, 0], axis: 0 });
    expect(valuesOf(n)).toEqual([7, -4, 1, 7, 0, -7]);
    expect(biasOf(n)).toEqual([10, -5]);
    expect(weightsOf(n).buffer!.byteLength).toBe(3); // 6 values, two per byte
    expect(n.metadata?.weightNarrowing).toEqual({ bits: 4, clipping: 'max', granularity: 'keep', ops: ['fc'] });
    // The input graph is untouched.
    expect(weightsOf(g).dtype).toBe('int8');
    expect(valuesOf(g)).toEqual([70, -42, 8, 63, 0, -64]);
  });

  it('computes what the same int4 weights built directly compute', () => {
    const n = narrowWeightsToInt4(fcGraph([70, -42, 8, 63, 0, -64], [0.01, 0.02], [100, -50]), { clipping: 'max' });
    const b = new GraphBuilder('fc');
    const x = b.input('x', [1, 3], q(0.5, 0));
    b.output(b.fullyConnected(x, {
      name: 'fc', weights: Int8Array.from([7, -4, 1, 7, 0, -7]), weightShape: [2, 3], weightScales: [f32(0.1), f32(1.28 / 7)], weightBits: 4,
      bias: Int32Array.from([10, -5]), out: q(1, 0),
    }));
    const direct = b.build();
    const input = Int8Array.from([12, -7, 100]);
    expect(Array.from(new Interpreter(n).run([input]).outputs[0])).toEqual(Array.from(new Interpreter(direct).run([input]).outputs[0]));
  });

  it('finds DEPTHWISE_CONV_2D channels innermost (1HW(C·M) layout)', () => {
    // Weights [1, 1, 2, 2], element order (w0,c0) (w0,c1) (w1,c0) (w1,c1) = [70, 30, -14, -70], scales [0.01, 0.02].
    // Channel 0: [0.70, -0.14] -> s4 0.1, levels 7, -1.4 -> -1; bias 50 · 0.01 / 0.1 = 5.
    // Channel 1: [0.60, -1.40] -> s4 0.2, levels 3, -7; bias -30 · 0.02 / 0.2 = -3.
    const b = new GraphBuilder('dw');
    const x = b.input('x', [1, 2, 2, 2], q(0.5, 0));
    b.output(b.depthwiseConv2d(x, {
      name: 'dw', weights: Int8Array.from([70, 30, -14, -70]), weightShape: [1, 1, 2, 2], weightScales: [0.01, 0.02],
      bias: Int32Array.from([50, -30]), out: q(1, 0), padding: 'VALID',
    }));
    const n = narrowWeightsToInt4(b.build(), { clipping: 'max' });
    expect(weightsOf(n).quant).toEqual({ scale: [f32(0.1), f32(0.2)], zeroPoint: [0, 0], axis: 3 });
    expect(valuesOf(n)).toEqual([7, 3, -1, -7]);
    expect(biasOf(n)).toEqual([5, -3]);
  });

  it('rounds scales up to a power of two in pow2 mode, and biases half away from zero', () => {
    // w8 [100, -20, 3, 50] · 2^-7 = [0.78125, -0.15625, 0.0234375, 0.390625]; 0.78125 / 7 = 0.1116 -> 2^-3.
    // Levels 6.25 -> 6, -1.25 -> -1, 0.1875 -> 0, 3.125 -> 3; bias 72 · 2^-7 / 2^-3 = 4.5 -> 5.
    const n = narrowWeightsToInt4(fcGraph([100, -20, 3, 50], [2 ** -7], [72], [1, 4], 'pow2'), { clipping: 'max' });
    expect(weightsOf(n).quant).toEqual({ scale: [2 ** -3], zeroPoint: [0] });
    expect(valuesOf(n)).toEqual([6, -1, 0, 3]);
    expect(biasOf(n)).toEqual([5]);
  });

  it('keeps per-tensor weights per-tensor by default, or gives them a scale per channel', () => {
    // w8 [[70, 7], [14, -6]] · 0.01. Kept: one scale 0.70 / 7 = 0.1 -> [7, 0.7 -> 1, 1.4 -> 1, -0.6 -> -1].
    // Per channel: channel 0 as above [7, 1]; channel 1 [0.14, -0.06] -> s4 0.02 -> [7, -3].
    const g = fcGraph([70, 7, 14, -6], [0.01], [0, 0], [2, 2]);
    const kept = narrowWeightsToInt4(g, { clipping: 'max' });
    expect(weightsOf(kept).quant).toEqual({ scale: [f32(0.1)], zeroPoint: [0] });
    expect(valuesOf(kept)).toEqual([7, 1, 1, -1]);
    const split = narrowWeightsToInt4(g, { clipping: 'max', granularity: 'per-channel' });
    expect(weightsOf(split).quant).toEqual({ scale: [f32(0.1), f32(0.02)], zeroPoint: [0, 0], axis: 0 });
    expect(valuesOf(split)).toEqual([7, 1, 7, -3]);
  });

  it('uses the squared-error clip search by default', () => {
    // One channel of 63 weights spread over ±30 and one outlier 127: the MSE clip lies below the max.
    const w8 = [...Array.from({ length: 63 }, (_, i) => Math.round(30 * Math.sin(i * 1.7))), 127];
    const g = fcGraph(w8, [0.01], [0], [1, 64]);
    const scale = weightsOf(narrowWeightsToInt4(g)).quant!.scale[0];
    expect(scale).toBe(channelWeightScale(w8.map((v) => v * 0.01), 7, 'mse', f32, 1));
    expect(scale).toBeLessThan(f32(1.27 / 7));
  });

  it('selects all, all but the first and last, or named weighted ops', () => {
    const g = buildReferenceModel('dscnn', { scales: 'fixed', rounding: 'tflm' }, 1);
    const weighted = g.ops.filter((op) => ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(op.type)).map((op) => op.name);
    const int4Ops = (n: QGraph) => n.ops.filter((op) => n.tensors[op.inputs[1]]?.dtype === 'int4').map((op) => op.name);
    const all = narrowWeightsToInt4(g, { clipping: 'max' });
    expect(int4Ops(all)).toEqual(weighted);
    expect(int4Ops(narrowWeightsToInt4(g, { layers: 'keep-first-last', clipping: 'max' }))).toEqual(weighted.slice(1, -1));
    expect(int4Ops(narrowWeightsToInt4(g, { layers: [weighted[2]], clipping: 'max' }))).toEqual([weighted[2]]);
    // Weight bytes halve (rounded up per tensor); biases stay int32.
    const weightBytes = (n: QGraph) => n.ops.filter((op) => weighted.includes(op.name)).reduce((s, op) => s + tensorBytes(n.tensors[op.inputs[1]]), 0);
    const ceilHalves = g.ops.filter((op) => weighted.includes(op.name)).reduce((s, op) => s + Math.ceil(tensorBytes(g.tensors[op.inputs[1]]) / 2), 0);
    expect(weightBytes(all)).toBe(ceilHalves);
    expect(Array.from(new Interpreter(all).run([new Int8Array(g.tensors[g.inputs[0]].shape.reduce((a, b) => a * b))]).outputs[0]).length).toBeGreaterThan(0);
    // Narrowing again under 'all' leaves int4 ops alone.
    expect(narrowWeightsToInt4(all, { clipping: 'max' }).blob).toEqual(all.blob);
  });

  it('refuses a bias that leaves int32 on the int4 scale, naming the op and the element', () => {
    // w8 [1, 0] · 0.01: max 0.01 -> s4 = f32(0.01 / 7), seven times finer; bias 2^30 · 0.01 / s4 ≈ 7.5e9 > 2^31 - 1.
    const g = fcGraph([1, 0], [0.01], [2 ** 30], [1, 2]);
    expect(() => narrowWeightsToInt4(g, { clipping: 'max' })).toThrow(/op "fc" \(FULLY_CONNECTED\) bias "fc\/bias"\[0\]: re-quantised to the int4 scale it is 75\d{8}, outside int32/);
  });

  it('names the op it cannot narrow', () => {
    const g = buildReferenceModel('dscnn', { scales: 'fixed', rounding: 'tflm' }, 1);
    const pool = g.ops.find((op) => !['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(op.type))!;
    expect(() => narrowWeightsToInt4(g, { layers: ['nope'] })).toThrow(/op "nope": no op of that name/);
    expect(() => narrowWeightsToInt4(g, { layers: [pool.name] })).toThrow(new RegExp(`op "${pool.name}" \\(${pool.type}\\).*has no weights`));
    const once = narrowWeightsToInt4(g, { layers: [g.ops[0].name], clipping: 'max' });
    expect(() => narrowWeightsToInt4(once, { layers: [g.ops[0].name] })).toThrow(new RegExp(`op "${g.ops[0].name}" \\(CONV_2D\\): weights .* are int4; narrowing needs quantised int8`));
  });
});
