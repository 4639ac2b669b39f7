/**
 * Exact integer arithmetic in the inference forward pass: the output of a conv/depthwise/
 * dense node (folded, fake-quantised weights and int32-grid bias) is mapped back to its
 * integer accumulator and requantised as the integer graph will, then clamped to the fused
 * activation range; MEAN and ADD likewise. Plain fake-quant rounds once in float and so
 * differs from the integer kernels by one LSB on some outputs; with this the QAT model's
 * inference predictions are the integer graph's. Inference only (no gradient).
 *
 * Nothing here derives or applies a requantisation itself: parameters come from
 * @edgeq/ir's requant-derive (the derivations the QGraph's op parameters use), arithmetic
 * from its `requantize` dispatch (tflm / single / pow2 / fp32) and its scalar ADD and MEAN
 * kernels, so the simulation follows the interpreter in every rounding mode.
 */

import * as tf from '@tensorflow/tfjs';
import {
  activationRange,
  addRequant,
  convRequant,
  kernels,
  meanRequant,
  requantize,
  type AddParams,
  type ConvLikeOpType,
  type FusedActivation,
  type MeanParams,
  type QuantScheme,
} from '@edgeq/ir';

const f32 = Math.fround;

/** Parameters of one node's requantisation, as the integer graph will derive them. */
export interface RequantSimParams {
  /** The integer op the node becomes (FULLY_CONNECTED derives a per-tensor multiplier differently). */
  opType: ConvLikeOpType;
  inScale: number;
  /** One scale per output channel, or one for the whole tensor. */
  weightScales: number[];
  outScale: number;
  outZeroPoint: number;
  activation: FusedActivation;
  /** The graph's scheme (scales and rounding). */
  scheme: QuantScheme;
}

/**
 * y (float, [..., C]) → dequantised int8 output of the integer kernel. The accumulator is
 * recovered as round(y / (s_in·s_w[c])), exact while float32 rounding stays below half a unit.
 */
export function requantSim(y: tf.Tensor, p: RequantSimParams): tf.Tensor {
  const channels = y.shape[y.shape.length - 1];
  const sIn = f32(p.inScale);
  const sOut = f32(p.outScale);
  const zp = p.outZeroPoint;
  const rq = convRequant(p.opType, sIn, p.weightScales, sOut, channels, p.scheme, 'requantSim');
  const units = Array.from({ length: channels }, (_, c) => sIn * f32(p.weightScales[p.weightScales.length === 1 ? 0 : c]));
  const [lo, hi] = activationRange(p.activation, sOut, zp);
  const v = y.dataSync();
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const c = i % channels;
    const q = requantize(Math.round(v[i] / units[c]), rq, c, p.scheme) + zp;
    out[i] = ((q < lo ? lo : q > hi ? hi : q) - zp) * sOut;
  }
  return tf.tensor(out, y.shape);
}

/**
 * The integer MEAN over H and W: `sum` ([..., C]) is the float sum over H, W of the
 * dequantised input, s_in·Σ(q − zp_in); the result is the dequantised int8 output.
 */
export function meanSim(
  sum: tf.Tensor, inScale: number, inZeroPoint: number, outScale: number, outZeroPoint: number, count: number, scheme: QuantScheme,
): tf.Tensor {
  const sIn = f32(inScale);
  const sOut = f32(outScale);
  const p: MeanParams = {
    kind: 'mean', inZp: inZeroPoint, outZp: outZeroPoint, count,
    ...meanRequant(sIn, sOut, count, scheme, 'meanSim'),
  };
  const v = sum.dataSync();
  const out = Float32Array.from(v, (s) => (kernels.meanOfSum(Math.round(s / sIn), p, scheme) - outZeroPoint) * sOut);
  return tf.tensor(out, sum.shape);
}

/**
 * The integer ADD: `a` and `b` are dequantised values on their own grids (scales s1, s2),
 * the result the dequantised int8 output of @edgeq/ir's ADD kernel for the graph's scheme.
 * The kernel is fed the differences q − zp with zero points 0: its arithmetic only sees
 * (q − zp), so the input zero points need not be known.
 */
export function addSim(
  a: tf.Tensor, b: tf.Tensor, s1: number, s2: number, outScale: number, outZeroPoint: number,
  activation: FusedActivation, scheme: QuantScheme,
): tf.Tensor {
  const [fa, fb, so] = [f32(s1), f32(s2), f32(outScale)];
  const [actMin, actMax] = activationRange(activation, so, outZeroPoint);
  const p: AddParams = {
    kind: 'add', in1Zp: 0, in2Zp: 0, outZp: outZeroPoint, actMin, actMax,
    ...addRequant(fa, fb, so, scheme, 'addSim'),
  };
  const va = a.dataSync();
  const vb = b.dataSync();
  const out = new Float32Array(va.length);
  for (let i = 0; i < va.length; i++) {
    out[i] = (kernels.addElement(Math.round(va[i] / fa), Math.round(vb[i] / fb), p, scheme) - outZeroPoint) * so;
  }
  return tf.tensor(out, a.shape);
}
