/**
 * Exact requantisation in the inference forward pass: the output of a conv/depthwise/
 * dense node (folded, fake-quantised weights and int32-grid bias) is mapped back to its
 * integer accumulator and requantised with the same Q31 multiplier, shift and rounding
 * (TFLite Micro double rounding or single rounding) as @edgeq/ir, then clamped to the
 * fused activation range. Plain fake-quant rounds once in float and so differs from
 * double rounding by one LSB on ~2^-(right shift + 1) of the outputs; with this the QAT
 * model's inference predictions are the integer graph's. MEAN and ADD are simulated the
 * same way. Inference only (no gradient).
 */

import * as tf from '@tensorflow/tfjs';
import { ADD_LEFT_SHIFT, activationRange, makeRequant, mbqmDouble, mbqmSingle, saturateInt32, type FusedActivation, type RoundingMode } from '@edgeq/ir';

/** Parameters of one node's requantisation, as the integer graph will derive them. */
export interface RequantSimParams {
  inScale: number;
  weightScales: number[];
  outScale: number;
  outZeroPoint: number;
  activation: FusedActivation;
  rounding: RoundingMode;
}

/**
 * y (float, [..., C]) → dequantised int8 output of the integer kernel. The accumulator is
 * recovered as round(y / (s_in·s_w[c])), exact while float32 rounding stays below half a unit.
 */
export function requantSim(y: tf.Tensor, p: RequantSimParams): tf.Tensor {
  const c = y.shape[y.shape.length - 1];
  const f = Math.fround;
  const sIn = f(p.inScale);
  const sOut = f(p.outScale);
  const ws = (k: number) => f(p.weightScales[p.weightScales.length === 1 ? 0 : k]);
  const reals = Array.from({ length: c }, (_, k) => (sIn * ws(k)) / sOut);
  const units = Array.from({ length: c }, (_, k) => sIn * ws(k));
  const [lo, hi] = activationRange(p.activation, sOut, p.outZeroPoint);
  return requantRaw(y, units, reals, p.outZeroPoint, lo, hi, sOut, p.rounding);
}

/**
 * The integer MEAN over H and W (fixed-point mode): sum → Σ(q − zp) → requantised with
 * s_in / (s_out · count). `sum` is the float sum over H, W of the dequantised input.
 */
export function meanSim(sum: tf.Tensor, inScale: number, outScale: number, outZeroPoint: number, count: number, rounding: RoundingMode): tf.Tensor {
  const c = sum.shape[sum.shape.length - 1];
  const f = Math.fround;
  const real = f(inScale) / (f(outScale) * count);
  return requantRaw(sum, new Array(c).fill(f(inScale)), new Array(c).fill(real), outZeroPoint, -128, 127, f(outScale), rounding);
}

function requantRaw(y: tf.Tensor, units: number[], reals: number[], zp: number, lo: number, hi: number, sOut: number, rounding: RoundingMode): tf.Tensor {
  const c = units.length;
  const rq = makeRequant(reals, { scales: 'fixed', rounding }, 'requantSim');
  const mbqm = rounding === 'single' ? mbqmSingle : mbqmDouble;
  const v = y.dataSync();
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const k = i % c;
    const acc = Math.round(v[i] / units[k]);
    let q = mbqm(acc, rq.multiplier[k], rq.shift[k]) + zp;
    q = q < lo ? lo : q > hi ? hi : q;
    out[i] = (q - zp) * sOut;
  }
  return tf.tensor(out, y.shape);
}

/**
 * The integer ADD of TFLite Micro (fixed-point mode): each input (x − zp)·2^20 is scaled
 * by s_i / (2·max(s1, s2)), the sum by 2·max(s1, s2) / (2^20·s_out), both with the graph's
 * rounding; `a` and `b` are dequantised values on their own grids.
 */
export function addSim(
  a: tf.Tensor, b: tf.Tensor, s1: number, s2: number, outScale: number, outZeroPoint: number,
  activation: FusedActivation, rounding: RoundingMode,
): tf.Tensor {
  const f = Math.fround;
  const [fa, fb, so] = [f(s1), f(s2), f(outScale)];
  const twiceMax = 2 * Math.max(fa, fb);
  const scheme = { scales: 'fixed' as const, rounding };
  const r1 = makeRequant([fa / twiceMax], scheme, 'addSim');
  const r2 = makeRequant([fb / twiceMax], scheme, 'addSim');
  const ro = makeRequant([twiceMax / (2 ** ADD_LEFT_SHIFT * so)], scheme, 'addSim');
  const mbqm = rounding === 'single' ? mbqmSingle : mbqmDouble;
  const [lo, hi] = activationRange(activation, so, outZeroPoint);
  const va = a.dataSync();
  const vb = b.dataSync();
  const out = new Float32Array(va.length);
  const lsh = 2 ** ADD_LEFT_SHIFT;
  for (let i = 0; i < va.length; i++) {
    const x1 = mbqm(Math.round(va[i] / fa) * lsh, r1.multiplier[0], r1.shift[0]);
    const x2 = mbqm(Math.round(vb[i] / fb) * lsh, r2.multiplier[0], r2.shift[0]);
    let q = mbqm(saturateInt32(x1 + x2), ro.multiplier[0], ro.shift[0]) + outZeroPoint;
    q = q < lo ? lo : q > hi ? hi : q;
    out[i] = (q - outZeroPoint) * so;
  }
  return tf.tensor(out, a.shape);
}
