/**
 * SOFTMAX over the last axis: the 256-entry exponent table and one edgeq_softmax_params, or
 * under --optimize size (computed-softmax.ts) one edgeq_softmax_scaling_params, the
 * exponentials computed at run time into scratch.
 */

import { numElements, type SoftmaxParams } from '@edgeq/ir';
import { constPointerField, enumField, int32Fields, type CStructDescription } from './c-struct.js';
import { RQ_MODE_ENUM, scratchBufferRef, type OpEmitter } from './emitter-support.js';

/** `edgeq_softmax_params` (include/edgeq.h). */
export const SOFTMAX_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_softmax_params',
  fields: [...int32Fields('rows', 'classes'), constPointerField('exp_table', 'uint32_t'), enumField('mode', RQ_MODE_ENUM)],
};

/** `edgeq_softmax_scaling_params` (include/edgeq.h): --optimize size, exponentials computed at run time. */
export const SOFTMAX_SCALING_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_softmax_scaling_params',
  fields: [...int32Fields('rows', 'classes', 'multiplier', 'left_shift', 'diff_min'), enumField('mode', RQ_MODE_ENUM)],
};

export const softmaxEmitter: OpEmitter<'SOFTMAX'> = {
  structs: [SOFTMAX_PARAMS_STRUCT, SOFTMAX_SCALING_PARAMS_STRUCT],
  emit({ ctx, op, opIndex, params, constants, input, output }) {
    const p = params as SoftmaxParams;
    const shape = ctx.graph.tensors[op.inputs[0]].shape;
    const classes = shape[shape.length - 1];
    const scaling = ctx.computedSoftmax?.get(opIndex);
    if (scaling) {
      const s = constants.struct(SOFTMAX_SCALING_PARAMS_STRUCT, {
        rows: numElements(shape) / classes, classes, multiplier: scaling.multiplier, left_shift: scaling.leftShift,
        diff_min: scaling.diffMin, mode: ctx.modeEnum,
      });
      return `edgeq_softmax_computed_s8(&${s}, ${input}, ${output}, (uint32_t *)(void *)${scratchBufferRef(ctx, opIndex)});`;
    }
    const table = constants.array('uint32_t', 'exp_table', p.expTable);
    const s = constants.struct(SOFTMAX_PARAMS_STRUCT, {
      rows: numElements(shape) / classes, classes, exp_table: table, mode: ctx.modeEnum,
    });
    return `edgeq_softmax_s8(&${s}, ${input}, ${output});`;
  },
};
