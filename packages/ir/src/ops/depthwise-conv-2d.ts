/**
 * DEPTHWISE_CONV_2D: each input channel convolved with its own `depthMultiplier` filters
 * (filter 1HW(C·M)), requantised per output channel (ops/conv-common.ts).
 */

import type { ConvLikeParams } from '../op-params.js';
import { DepthwiseKernel } from '../depthwise-kernel.js';
import { numElements } from '../shapes.js';
import type { OpDefinition } from './definition.js';
import { SEPARATE_OUTPUT } from './definition.js';
import type { ConvOptions } from './conv-2d.js';
import { checkConvolution, convGeometry, convParams, hwc } from './conv-common.js';

export interface DepthwiseOptions extends ConvOptions {
  depthMultiplier: number;
}

export const depthwiseConv2d: OpDefinition<'DEPTHWISE_CONV_2D', DepthwiseOptions, ConvLikeParams> = {
  version: 1,
  validate: checkConvolution,
  deriveParams: convParams,
  prepare(g, op, params, [, weights, bias]) {
    const [xd, yd] = [hwc(g.tensors[op.inputs[0]].shape), hwc(g.tensors[op.outputs[0]].shape)];
    const kernel = new DepthwiseKernel(weights!, bias!, xd, yd, convGeometry(g, op), op.options.depthMultiplier, params, g.quantization);
    return ([x], y) => kernel.run(x as Int8Array, y as Int8Array);
  },
  macs(g, op) {
    const w = g.tensors[op.inputs[1]].shape;
    return numElements(g.tensors[op.outputs[0]].shape) * w[1] * w[2];
  },
  memory: SEPARATE_OUTPUT,
};
