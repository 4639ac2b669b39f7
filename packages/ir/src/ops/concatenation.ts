/**
 * CONCATENATION on the channel axis of NHWC int8 tensors of equal spatial size, each
 * input requantised from its own scale to the output's.
 */

import type { FusedActivation, OpDefOf, QGraph } from '../qgraph.js';
import type { ConcatParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { makeRequant } from '../op-params.js';
import { activationRange } from '../quant-math.js';
import { shapeString } from '../shapes.js';
import * as kernels from '../kernels.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { need4d, needActivation, needActivationOption, needShape, outputOf } from './checks.js';
import { opWhere, scaleOf, scaleRatio, zpOf } from './quant-of.js';

export interface ConcatOptions {
  /** Concatenation axis; only the channel axis (3, or −1) is supported. */
  axis: number;
  activation: FusedActivation;
}

function concatParams(g: QGraph, op: OpDefOf<'CONCATENATION'>): ConcatParams {
  const outT = g.tensors[op.outputs[0]];
  const so = scaleOf(outT);
  const where = opWhere(g, op);
  const [actMin, actMax] = activationRange(op.options.activation, so, zpOf(outT));
  return {
    kind: 'concat',
    inZps: op.inputs.map((i) => zpOf(g.tensors[i])),
    outZp: zpOf(outT),
    requants: op.inputs.map((i, k) => makeRequant([scaleRatio(g, scaleOf(g.tensors[i]) / so)], g.quantization, `${where} input ${k}`)),
    actMin,
    actMax,
  };
}

export const concatenation: OpDefinition<'CONCATENATION', ConcatOptions, ConcatParams> = {
  version: 1,
  validate(g, op, w) {
    const out = outputOf(g, op);
    if (op.inputs.length < 1 || op.inputs.length > 16) throw new QGraphError(`${w}.inputs`, `expects 1 to 16 inputs, got ${op.inputs.length}`);
    needActivationOption(w, op);
    if (op.options.axis !== 3 && op.options.axis !== -1) throw new QGraphError(`${w}.options.axis`, `only the channel axis (3 or -1) is supported, got ${JSON.stringify(op.options.axis)}`);
    const xs = op.inputs.map((t, k) => needActivation(g, `${w}.inputs[${k}]`, t, 'input'));
    needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
    xs.forEach((x, k) => {
      need4d(`${w}.inputs[${k}]`, 'input', x);
      if (x.shape[1] !== xs[0].shape[1] || x.shape[2] !== xs[0].shape[2]) throw new QGraphError(`${w}.inputs[${k}]`, `spatial size ${shapeString(x.shape)} differs from input 0 ${shapeString(xs[0].shape)}`);
    });
    needShape(`${w}.outputs[0]`, 'output', out, [1, xs[0].shape[1], xs[0].shape[2], xs.reduce((s, x) => s + x.shape[3], 0)]);
  },
  deriveParams: concatParams,
  prepare(g, op, params) {
    const channels = op.inputs.map((t) => g.tensors[t].shape[3]);
    const inShape = g.tensors[op.inputs[0]].shape;
    const pixels = inShape[1] * inShape[2];
    return (xs, y) => kernels.concatChannels(xs as Int8Array[], channels, pixels, y as Int8Array, params, g.quantization);
  },
  macs: NO_MACS,
  memory: SEPARATE_OUTPUT,
};
