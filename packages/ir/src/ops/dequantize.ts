/** DEQUANTIZE: an int8 graph output to float32 with the input's scale and zero point. */

import type { EmptyOptions } from '../qgraph.js';
import type { BoundaryParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { dequantizeInt } from '../quant-math.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { needActivation, needInputs, needShape, outputOf } from './checks.js';
import { boundaryParams } from './quant-of.js';
import { elementwise } from './kernel-binding.js';

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
  deriveParams: (g, op) => boundaryParams(g.tensors[op.inputs[0]]),
  prepare: (_g, _op, { scale, zeroPoint }) => elementwise((value) => dequantizeInt(value, scale, zeroPoint)),
  macs: NO_MACS,
  memory: SEPARATE_OUTPUT,
};
