/**
 * DEPTHWISE_CONV_2D: each input channel convolved with its own `depthMultiplier` filters
 * (filter 1HW(C·M)), requantised per output channel (ops/conv-common.ts).
 */

import type { ConvLikeParams } from '../op-params.js';
import { DepthwiseKernel } from '../depthwise-kernel.js';
import { numElements } from '../shapes.js';
import type { OpDefinition } from './definition.js';
import type { ConvOptions } from './conv-2d.js';
import { CONVOLUTION_COMMON, convGeometry } from './conv-common.js';
import { inputOutputDims } from './kernel-binding.js';

export interface DepthwiseOptions extends ConvOptions {
  depthMultiplier: number;
}

export const depthwiseConv2d: OpDefinition<'DEPTHWISE_CONV_2D', DepthwiseOptions, ConvLikeParams> = {
  ...CONVOLUTION_COMMON,
  prepare(g, op, params, [, weights, bias]) {
    const kernel = new DepthwiseKernel(weights!, bias!, ...inputOutputDims(g, op), convGeometry(g, op), op.options.depthMultiplier, params, g.quantization);
    return (inputs, y) => kernel.run(inputs[0] as Int8Array, y as Int8Array);
  },
  // Each output element: kh·kw products (one input channel).
  macs: (g, op) => numElements(g.tensors[op.outputs[0]].shape) * numElements(g.tensors[op.inputs[1]].shape.slice(1, 3)),
};
