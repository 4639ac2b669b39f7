/**
 * ADD: element-wise sum of two int8 tensors of the same shape, each rescaled to a common
 * scale, then requantised to the output (TFLite Micro's method in tflm / single mode,
 * aligned shifts in pow2 mode, XNNPACK's in fp32 mode). May run in place on an input.
 */

import type { FusedActivation, OpDefOf, QGraph } from '../qgraph.js';
import type { AddParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { addRequant } from '../requant-derive.js';
import { activationRange } from '../quant-math.js';
import { sameShape, shapeString } from '../shapes.js';
import { AddKernel } from '../add-kernel.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS } from './definition.js';
import { needActivation, needInputsAndActivationOption, needShape, outputOf } from './checks.js';
import { opWhere, scaleOf, zpOf } from './quant-of.js';

export interface AddOptions {
  activation: FusedActivation;
}

function addParams(g: QGraph, op: OpDefOf<'ADD'>): AddParams {
  const [a, b] = op.inputs.map((i) => g.tensors[i]);
  const outT = g.tensors[op.outputs[0]];
  const so = scaleOf(outT);
  const [actMin, actMax] = activationRange(op.options.activation, so, zpOf(outT));
  const base = { kind: 'add' as const, in1Zp: zpOf(a), in2Zp: zpOf(b), outZp: zpOf(outT), actMin, actMax };
  return { ...base, ...addRequant(scaleOf(a), scaleOf(b), so, g.quantization, opWhere(g, op)) };
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
