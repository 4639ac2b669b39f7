/** QUANTIZE: a float32 graph input to int8 with the output's scale and zero point. */

import type { EmptyOptions } from '../qgraph.js';
import type { BoundaryParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { quantizeFloat } from '../quant-math.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS, SEPARATE_OUTPUT } from './definition.js';
import { needActivation, needInputs, needShape, outputOf } from './checks.js';
import { boundaryParams } from './quant-of.js';
import { elementwise } from './kernel-binding.js';

export const quantize: OpDefinition<'QUANTIZE', EmptyOptions, BoundaryParams> = {
  version: 1,
  validate(g, op, w) {
    needInputs(w, op, 1);
    const x = g.tensors[op.inputs[0]];
    if (x.dtype !== 'float32' || x.buffer) throw new QGraphError(`${w}.inputs[0]`, `QUANTIZE input ${JSON.stringify(x.name)} must be a float32 activation`);
    needActivation(g, `${w}.outputs[0]`, op.outputs[0], 'output');
    if (!g.inputs.includes(op.inputs[0])) throw new QGraphError(w, 'QUANTIZE is only supported on a graph input');
    needShape(`${w}.outputs[0]`, 'output', outputOf(g, op), x.shape);
  },
  deriveParams: (g, op) => boundaryParams(g.tensors[op.outputs[0]]),
  prepare: (g, _op, { scale, zeroPoint }) => elementwise((value) => quantizeFloat(value, scale, zeroPoint, g.quantization)),
  macs: NO_MACS,
  memory: SEPARATE_OUTPUT,
};
