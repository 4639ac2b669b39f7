/**
 * CONV_2D: 2-D convolution of an NHWC int8 input with an OHWI int8 filter and an int32
 * bias, requantised per output channel (ops/conv-common.ts), fused activation as clamp.
 */

import type { FusedActivation, Padding } from '../qgraph.js';
import type { ConvLikeParams } from '../op-params.js';
import { ConvKernel } from '../conv-kernel.js';
import { numElements } from '../shapes.js';
import type { OpDefinition } from './definition.js';
import { CONVOLUTION_COMMON, convGeometry } from './conv-common.js';
import { inputOutputDims } from './kernel-binding.js';

export interface ConvOptions {
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padding: Padding;
  activation: FusedActivation;
}

export const conv2d: OpDefinition<'CONV_2D', ConvOptions, ConvLikeParams> = {
  ...CONVOLUTION_COMMON,
  prepare(g, op, params, [, weights, bias]) {
    const kernel = new ConvKernel(weights!, bias!, ...inputOutputDims(g, op), convGeometry(g, op), params, g.quantization);
    return (inputs, y) => kernel.run(inputs[0] as Int8Array, y as Int8Array);
  },
  // Each output element: kh·kw·cin products.
  macs: (g, op) => numElements(g.tensors[op.outputs[0]].shape) * numElements(g.tensors[op.inputs[1]].shape.slice(1)),
};
