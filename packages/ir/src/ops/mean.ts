/**
 * MEAN over H and W (global average pooling) of an NHWC int8 tensor: the sum of each
 * channel requantised by s_in / (s_out · count), or a rounding division in pow2 mode.
 */

import type { OpDefOf, QGraph } from '../qgraph.js';
import type { MeanParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { makeRequant } from '../op-params.js';
import { exactLog2 } from '../quant-math.js';
import * as kernels from '../kernels.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { need4d, needOneActivationInOut, needShape } from './checks.js';
import { hwc } from './kernel-binding.js';
import { f32, opWhere, scaleOf, zpOf } from './quant-of.js';

export interface MeanOptions {
  /** Reduced axes; only [1, 2] (H and W of NHWC) is supported. */
  axes: number[];
  keepDims: boolean;
}

function meanParams(g: QGraph, op: OpDefOf<'MEAN'>): MeanParams {
  const inT = g.tensors[op.inputs[0]];
  const outT = g.tensors[op.outputs[0]];
  const count = inT.shape[1] * inT.shape[2];
  const sIn = scaleOf(inT);
  const sOut = scaleOf(outT);
  const where = opWhere(g, op);
  if (g.quantization.scales === 'pow2') {
    const k = exactLog2(sIn / sOut);
    if (k === undefined || Math.abs(k) > 24) {
      throw new QGraphError(where, `power-of-two mode needs s_in/s_out = 2^k with |k| ≤ 24, got ${sIn / sOut}`);
    }
    return { kind: 'mean', inZp: zpOf(inT), outZp: zpOf(outT), count, requant: makeRequant([], g.quantization, where), pow2Exp: k };
  }
  // fp32: the multiplier is formed in float32 as s_in / (s_out · count) (kernels.ts meanHwXnnpack).
  const real = g.quantization.rounding === 'fp32' ? f32(sIn / f32(sOut * count)) : sIn / (sOut * count);
  return {
    kind: 'mean',
    inZp: zpOf(inT),
    outZp: zpOf(outT),
    count,
    requant: makeRequant([real], g.quantization, where),
    pow2Exp: 0,
  };
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
  },
  deriveParams: meanParams,
  prepare(g, op, params) {
    const xd = hwc(g.tensors[op.inputs[0]].shape);
    return (inputs, y) => kernels.meanHw(inputs[0] as Int8Array, xd, y as Int8Array, params, g.quantization);
  },
  macs: NO_MACS,
  memory: SEPARATE_OUTPUT,
};
