/** DEQUANTIZE: an int8 graph output to float32 with the input's scale and zero point. */

import type { EmptyOptions } from '../qgraph.js';
import type { BoundaryParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { dequantizeInt } from '../quant-math.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { needActivation, needInputs, needShape, outputOf } from './checks.js';
import { scaleOf, zpOf } from './quant-of.js';

export const dequantize: OpDefinition<'DEQUANTIZE', EmptyOptions, BoundaryParams> = {
  version: 1,
  validate(g, op, w) {
    const out = outputOf(g, op);
    needInputs(w, op, 1);
    const x = needActivation(g, `${w}.inputs[0]`, op.inputs[0], 'input');
    if (out.dtype !== 'float32') throw new QGraphError(`${w}.outputs[0]`, `DEQUANTIZE output ${JSON.stringify(out.name)} must be float32`);
    if (!g.outputs.includes(op.outputs[0])) throw new QGraphError(w, 'DEQUANTIZE is only supported on a graph output');
    needShape(`${w}.outputs[0]`, 'output', out, x.shape);
  },
  deriveParams(g, op) {
    const t = g.tensors[op.inputs[0]];
    return { kind: 'boundary', scale: scaleOf(t), zeroPoint: zpOf(t) };
  },
  prepare(_g, _op, { scale, zeroPoint }) {
    return ([x], y) => {
      const xi = x as Int8Array;
      const yf = y as Float32Array;
      for (let i = 0; i < xi.length; i++) yf[i] = dequantizeInt(xi[i], scale, zeroPoint);
    };
  },
  macs: NO_MACS,
  memory: SEPARATE_OUTPUT,
};
