/**
 * FULLY_CONNECTED: int8 input (any shape, flattened) times [out, in] int8 weights plus
 * int32 bias, requantised per output (ops/conv-common.ts); run as a 1x1 convolution.
 */

import type { FusedActivation } from '../qgraph.js';
import type { ConvLikeParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { ConvKernel } from '../conv-kernel.js';
import { numElements, shapeString } from '../shapes.js';
import type { OpDefinition } from './definition.js';
import { SEPARATE_OUTPUT } from './definition.js';
import { checkAccumulator, checkWeightsBias, needActivation, needInputsAndActivationOption, needShape, outputOf } from './checks.js';
import { convParams } from './conv-common.js';

export interface FullyConnectedOptions {
  activation: FusedActivation;
}

export const fullyConnected: OpDefinition<'FULLY_CONNECTED', FullyConnectedOptions, ConvLikeParams> = {
  version: 1,
  validate(g, op, w) {
    needInputsAndActivationOption(w, op, 3);
    const x = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
    needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
    const wt = g.tensors[op.inputs[1]];
    if (wt.shape.length !== 2) throw new QGraphError(`${w}.inputs[1]`, `weights must be [out, in], got ${shapeString(wt.shape)}`);
    if (numElements(x.shape) !== wt.shape[1]) throw new QGraphError(`${w}.inputs[0]`, `input has ${numElements(x.shape)} elements, weights expect ${wt.shape[1]}`);
    needShape(`${w}.outputs[0]`, 'output', outputOf(g, op), [1, wt.shape[0]]);
    checkWeightsBias(g, w, op, wt.shape[0], 0);
    checkAccumulator(g, w, op.inputs[2], wt.shape[1]);
  },
  deriveParams: convParams,
  prepare(g, op, params, [, weights, bias]) {
    // A fully connected layer is a 1x1 convolution of a single pixel.
    const [cout, cin] = g.tensors[op.inputs[1]].shape;
    const geometry = { kh: 1, kw: 1, strideH: 1, strideW: 1, dilH: 1, dilW: 1 };
    const kernel = new ConvKernel(weights!, bias!, { h: 1, w: 1, c: cin }, { h: 1, w: 1, c: cout }, geometry, params, g.quantization);
    return (inputs, y) => kernel.run(inputs[0] as Int8Array, y as Int8Array);
  },
  macs: (g, op) => numElements(g.tensors[op.inputs[1]].shape), // [out, in]
  memory: SEPARATE_OUTPUT,
};
