/**
 * Small pieces the op modules' `prepare` share when binding an interpreter kernel:
 * NHWC dims of tensors and the run function of an element-wise map.
 */

import type { QGraph } from '../qgraph.js';
import type { Hwc } from '../kernels.js';
import type { OpRun } from './definition.js';

/** NHWC dims of a batch-1 tensor shape. */
export const hwc = (shape: number[]): Hwc => ({ h: shape[1], w: shape[2], c: shape[3] });

/** NHWC dims of an op's input 0 and output. */
export function inputOutputDims(g: QGraph, op: { inputs: number[]; outputs: number[] }): [Hwc, Hwc] {
  return [hwc(g.tensors[op.inputs[0]].shape), hwc(g.tensors[op.outputs[0]].shape)];
}

/** The run function of an op whose output element i is `convert` of input element i. */
export function elementwise(convert: (value: number) => number): OpRun {
  return (inputs, y) => {
    const x = inputs[0];
    for (let i = 0; i < x.length; i++) y[i] = convert(x[i]);
  };
}
