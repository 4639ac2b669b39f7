/**
 * ADD: element-wise sum of two int8 tensors of the same shape, each rescaled to a common
 * scale, then requantised to the output (TFLite Micro's method in tflm / single mode,
 * aligned shifts in pow2 mode, XNNPACK's in fp32 mode). May run in place on an input.
 */

import type { FusedActivation, OpDefOf, QGraph, QuantScheme } from '../qgraph.js';
import type { AddParams, Requant } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { makeRequant } from '../op-params.js';
import { activationRange, frexp, roundHalfEven } from '../quant-math.js';
import { sameShape, shapeString } from '../shapes.js';
import { AddKernel } from '../add-kernel.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS } from './definition.js';
import { needActivation, needInputsAndActivationOption, needShape, outputOf } from './checks.js';
import { f32, opWhere, scaleOf, zpOf } from './quant-of.js';

export interface AddOptions {
  activation: FusedActivation;
}

/** Fixed-point power of two used by TFLite Micro's int8 ADD to keep precision. */
export const ADD_LEFT_SHIFT = 20;

function addParams(g: QGraph, op: OpDefOf<'ADD'>): AddParams {
  const [a, b] = op.inputs.map((i) => g.tensors[i]);
  const outT = g.tensors[op.outputs[0]];
  const s1 = scaleOf(a);
  const s2 = scaleOf(b);
  const so = scaleOf(outT);
  const where = opWhere(g, op);
  const [actMin, actMax] = activationRange(op.options.activation, so, zpOf(outT));
  const base = { kind: 'add' as const, in1Zp: zpOf(a), in2Zp: zpOf(b), outZp: zpOf(outT), actMin, actMax };
  if (g.quantization.scales === 'pow2') {
    const sMin = Math.min(s1, s2);
    return {
      ...base,
      leftShift: 0,
      in1: makeRequant([s1 / sMin], g.quantization, `${where} input 1`),
      in2: makeRequant([s2 / sMin], g.quantization, `${where} input 2`),
      out: makeRequant([sMin / so], g.quantization, `${where} output`),
    };
  }
  if (g.quantization.rounding === 'fp32') {
    const x = xnnpackAddParams(s1, s2, so);
    if (x) return { ...base, ...x };
    // Outside XNNPACK's range TFLite runs its builtin int8 ADD: TFLite Micro's method,
    // double rounding (leftShift 20 tells the kernels which rule applies).
  }
  const twiceMax = 2 * Math.max(s1, s2);
  const tflm: QuantScheme = { scales: 'fixed', rounding: 'tflm' };
  const rqScheme = g.quantization.rounding === 'fp32' ? tflm : g.quantization;
  return {
    ...base,
    leftShift: ADD_LEFT_SHIFT,
    in1: makeRequant([s1 / twiceMax], rqScheme, `${where} input 1`),
    in2: makeRequant([s2 / twiceMax], rqScheme, `${where} input 2`),
    out: makeRequant([twiceMax / (2 ** ADD_LEFT_SHIFT * so)], rqScheme, `${where} output`),
  };
}

/**
 * XNNPACK's int8 ADD (fp32 mode): a = f32(s1/s_out), b = f32(s2/s_out); shift = 20 − exponent
 * of max(a, b); integer multipliers round-half-even(a·2^shift), (b·2^shift) below 2^21;
 * out = (m1·(x1−zp1) + m2·(x2−zp2) + 2^(shift−1)) >> shift, + zp_out, clamp.
 * Stored as in1/in2.multiplier and out.shift; leftShift 0. Undefined outside XNNPACK's range.
 */
function xnnpackAddParams(s1: number, s2: number, so: number): Pick<AddParams, 'leftShift' | 'in1' | 'in2' | 'out'> | undefined {
  const a = f32(s1 / so);
  const b = f32(s2 / so);
  // XNNPACK only takes ratios in [2^-10, 2^8); TFLite then keeps the op in its builtin kernel.
  if (![a, b].every((r) => r >= 2 ** -10 && r < 2 ** 8)) return undefined;
  // The float32 exponent of max(a, b): max = q · 2^(e+1) with q in [0.5, 1).
  const shift = 20 - (frexp(Math.max(a, b))[1] - 1);
  const one = (m: number): Requant => ({ multiplier: Int32Array.of(m), shift: Int32Array.of(0) });
  return {
    leftShift: 0,
    in1: one(roundHalfEven(a * 2 ** shift)),
    in2: one(roundHalfEven(b * 2 ** shift)),
    out: { multiplier: Int32Array.of(0), shift: Int32Array.of(shift) },
  };
}

export const add: OpDefinition<'ADD', AddOptions, AddParams> = {
  version: 1,
  validate(g, op, w) {
    needInputsAndActivationOption(w, op, 2);
    const a = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
    const b = needActivation(g, `${w}.inputs[1]`, op.inputs[1], 'input');
    needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
    if (!sameShape(a.shape, b.shape)) throw new QGraphError(w, `inputs have different shapes ${shapeString(a.shape)} and ${shapeString(b.shape)} (no broadcasting)`);
    needShape(`${w}.outputs[0]`, 'output', outputOf(g, op), a.shape);
  },
  deriveParams: addParams,
  prepare(g, _op, params) {
    const kernel = new AddKernel(params, g.quantization);
    return (inputs, y) => kernel.run(inputs[0] as Int8Array, inputs[1] as Int8Array, y as Int8Array);
  },
  macs: NO_MACS,
  memory: { outputAliasesInput: false, mayRunInPlace: true },
};
