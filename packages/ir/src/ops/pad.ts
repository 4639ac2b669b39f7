/** PAD: spatial and channel padding of an NHWC int8 tensor with its zero point (real 0). */

import type { PadParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import * as kernels from '../kernels.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { isInt, need4d, needOneActivationInOut, needShape, sameQuant } from './checks.js';
import { inputOutputDims } from './kernel-binding.js';
import { zpOf } from './quant-of.js';

export interface PadOptions {
  /** [before, after] for each of the 4 NHWC dimensions. */
  paddings: [number, number][];
}

export const pad: OpDefinition<'PAD', PadOptions, PadParams> = {
  version: 1,
  validate(g, op, w) {
    const { x, y: out } = needOneActivationInOut(g, op, w);
    need4d(w, 'input', x);
    const p = op.options.paddings;
    if (!Array.isArray(p) || p.length !== 4 || !p.every((d) => Array.isArray(d) && d.length === 2 && d.every((v) => isInt(v) && v >= 0 && v <= 1024))) {
      throw new QGraphError(`${w}.options.paddings`, `must be 4 pairs of non-negative integers, got ${JSON.stringify(p)}`);
    }
    if (p[0][0] || p[0][1]) throw new QGraphError(`${w}.options.paddings`, 'batch padding is not supported');
    needShape(`${w}.outputs[0]`, 'output', out, x.shape.map((d, k) => d + p[k][0] + p[k][1]));
    sameQuant(g, w, op.inputs[0], op.outputs[0]);
  },
  deriveParams: (g, op) => ({ kind: 'pad', padValue: zpOf(g.tensors[op.inputs[0]]) }),
  prepare(g, op, params) {
    const [xd, yd] = inputOutputDims(g, op);
    return (inputs, y) => kernels.pad(inputs[0] as Int8Array, xd, y as Int8Array, yd, op.options.paddings, params.padValue);
  },
  macs: NO_MACS,
  memory: SEPARATE_OUTPUT,
};
