/**
 * RESHAPE: the same int8 elements under another shape. On the device the output aliases
 * its input (no copy); the interpreter copies.
 */

import type { EmptyOptions } from '../qgraph.js';
import type { NoParams } from '../op-params.js';
import { QGraphError } from '../errors.js';
import { numElements, shapeString } from '../shapes.js';
import type { OpDefinition } from './definition.js';
import { NO_MACS } from './definition.js';
import { needOneActivationInOut, sameQuant } from './checks.js';

export const reshape: OpDefinition<'RESHAPE', EmptyOptions, NoParams> = {
  version: 1,
  validate(g, op, w) {
    const { x, y: out } = needOneActivationInOut(g, op, w);
    if (numElements(x.shape) !== numElements(out.shape)) throw new QGraphError(w, `cannot reshape ${shapeString(x.shape)} to ${shapeString(out.shape)}`);
    sameQuant(g, w, op.inputs[0], op.outputs[0]);
  },
  deriveParams: () => ({ kind: 'none' }),
  prepare: () => (inputs, y) => (y as Int8Array).set(inputs[0] as Int8Array),
  macs: NO_MACS,
  memory: { outputAliasesInput: true, mayRunInPlace: false },
};
