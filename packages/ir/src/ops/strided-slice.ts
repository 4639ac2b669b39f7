/**
 * STRIDED_SLICE with unit strides: a box of an NHWC int8 tensor (Keras Cropping1D /
 * Cropping2D, which TFLite's converter writes as STRIDED_SLICE). The output shape gives the
 * box's extent, `begin` its first element; values are copied, scale and zero point shared.
 */

import { QGraphError } from '../errors.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { isInt, needOneNhwcInOut, sameQuant } from './checks.js';
import { inputOutputDims } from './kernel-binding.js';

export interface StridedSliceOptions {
  /** First element of the box along each NHWC axis (batch 0); every stride is 1. */
  begin: number[];
}

export interface StridedSliceParams {
  kind: 'strided-slice';
  beginRow: number;
  beginCol: number;
  beginChannel: number;
}

export const stridedSlice: OpDefinition<'STRIDED_SLICE', StridedSliceOptions, StridedSliceParams> = {
  version: 1,
  validate(g, op, w) {
    const { x, y } = needOneNhwcInOut(g, op, w);
    const begin = op.options.begin;
    if (!Array.isArray(begin) || begin.length !== 4 || !begin.every((v) => isInt(v) && v >= 0)) {
      throw new QGraphError(`${w}.options.begin`, `must be 4 non-negative integers (NHWC), got ${JSON.stringify(begin)}`);
    }
    if (begin[0] !== 0) throw new QGraphError(`${w}.options.begin`, 'slicing the batch axis is not supported');
    for (let k = 1; k < 4; k++) {
      if (begin[k] + y.shape[k] > x.shape[k]) {
        throw new QGraphError(`${w}.options.begin`, `axis ${k}: begin ${begin[k]} + output extent ${y.shape[k]} exceeds the input's ${x.shape[k]}`);
      }
    }
    sameQuant(g, w, op.inputs[0], op.outputs[0]);
  },
  deriveParams: (_g, op) => ({ kind: 'strided-slice', beginRow: op.options.begin[1], beginCol: op.options.begin[2], beginChannel: op.options.begin[3] }),
  prepare(g, op, params) {
    const [xd, yd] = inputOutputDims(g, op);
    return (inputs, output) => {
      const x = inputs[0] as Int8Array;
      const y = output as Int8Array;
      let at = 0;
      for (let row = 0; row < yd.h; row++) {
        for (let col = 0; col < yd.w; col++) {
          const from = ((row + params.beginRow) * xd.w + col + params.beginCol) * xd.c + params.beginChannel;
          y.set(x.subarray(from, from + yd.c), at);
          at += yd.c;
        }
      }
    };
  },
  macs: NO_MACS,
  memory: SEPARATE_OUTPUT,
};
