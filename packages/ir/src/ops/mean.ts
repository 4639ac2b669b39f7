/**
 * MEAN over H and W (global average pooling) of an NHWC int8 tensor: the sum of each
 * channel requantised by TFLite Micro's multiplier for s_in / s_out with 1/count folded in
 * (tflm, single), XNNPACK's float rule (fp32), or a rounding division (pow2).
 */

import type { OpDefOf, QGraph } from '../qgraph.js';
import type { MeanParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { meanRequant } from '../requant-derive.js';
import * as kernels from '../kernels.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { need4d, needOneActivationInOut, needShape } from './checks.js';
import { hwc } from './kernel-binding.js';
import { opWhere, scaleOf, zpOf } from './quant-of.js';

/** Most elements one MEAN may average: |Σ(x − zp_in)| ≤ 255·count must stay below 2^31. */
export const MEAN_MAX_COUNT = Math.floor((2 ** 31 - 1) / 255);

export interface MeanOptions {
  /** Reduced axes; only [1, 2] (H and W of NHWC) is supported. */
  axes: number[];
  keepDims: boolean;
}

function meanParams(g: QGraph, op: OpDefOf<'MEAN'>): MeanParams {
  const inT = g.tensors[op.inputs[0]];
  const outT = g.tensors[op.outputs[0]];
  const count = inT.shape[1] * inT.shape[2];
  const { requant, pow2Exp } = meanRequant(scaleOf(inT), scaleOf(outT), count, g.quantization, opWhere(g, op));
  return { kind: 'mean', inZp: zpOf(inT), outZp: zpOf(outT), count, requant, pow2Exp };
}

export const mean: OpDefinition<'MEAN', MeanOptions, MeanParams> = {
  version: 1,
  validate(g, op, w) {
    const { x, y: out } = needOneActivationInOut(g, op, w);
    need4d(w, 'input', x);
    const { axes, keepDims } = op.options;
    if (!Array.isArray(axes) || axes.length !== 2 || axes[0] !== 1 || axes[1] !== 2) throw new QGraphError(`${w}.options.axes`, `only [1, 2] (H, W) is supported, got ${JSON.stringify(axes)}`);
    if (typeof keepDims !== 'boolean') throw new QGraphError(`${w}.options.keepDims`, 'must be a boolean');
    needShape(`${w}.outputs[0]`, 'output', out, keepDims ? [1, 1, 1, x.shape[3]] : [1, x.shape[3]]);
    const count = x.shape[1] * x.shape[2];
    if (count > MEAN_MAX_COUNT) {
      throw new QGraphError(`${w}.inputs[0]`, `MEAN over ${x.shape[1]}×${x.shape[2]} = ${count} elements: the int32 sum needs H·W ≤ ${MEAN_MAX_COUNT} (255·H·W < 2^31)`);
    }
  },
  deriveParams: meanParams,
  prepare(g, op, params) {
    const xd = hwc(g.tensors[op.inputs[0]].shape);
    return (inputs, y) => kernels.meanHw(inputs[0] as Int8Array, xd, y as Int8Array, params, g.quantization);
  },
  macs: NO_MACS,
  memory: SEPARATE_OUTPUT,
};
