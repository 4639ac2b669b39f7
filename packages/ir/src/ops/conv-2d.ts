/**
 * CONV_2D: 2-D convolution of an NHWC int8 input with an OHWI int8 filter and an int32
 * bias, requantised per output channel (ops/conv-common.ts), fused activation as clamp.
 */

import type { FusedActivation, Padding } from '../qgraph.js';
import type { ConvLikeParams } from '../op-params.js';
import { ConvKernel } from '../conv-kernel.js';
import { numElements } from '../shapes.js';
import type { OpDefinition } from './definition.js';
import { SEPARATE_OUTPUT } from './definition.js';
import { checkConvolution, convGeometry, convParams, hwc } from './conv-common.js';

export interface ConvOptions {
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padding: Padding;
  activation: FusedActivation;
}

export const conv2d: OpDefinition<'CONV_2D', ConvOptions, ConvLikeParams> = {
  version: 1,
  validate: checkConvolution,
  deriveParams: convParams,
  prepare(g, op, params, [, weights, bias]) {
    const [xd, yd] = [hwc(g.tensors[op.inputs[0]].shape), hwc(g.tensors[op.outputs[0]].shape)];
    const kernel = new ConvKernel(weights!, bias!, xd, yd, convGeometry(g, op), params, g.quantization);
    return ([x], y) => kernel.run(x as Int8Array, y as Int8Array);
  },
  macs(g, op) {
    const w = g.tensors[op.inputs[1]].shape;
    return numElements(g.tensors[op.outputs[0]].shape) * w[1] * w[2] * w[3];
  },
  memory: SEPARATE_OUTPUT,
};
