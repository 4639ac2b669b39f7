/** SOFTMAX over the last axis: the 256-entry exponent table and one edgeq_softmax_params. */

import { numElements, type SoftmaxParams } from '@edgeq/ir';
import { constPointerField, enumField, int32Fields, type CStructDescription } from './c-struct.js';
import { RQ_MODE_ENUM, type OpEmitter } from './emitter-support.js';

/** `edgeq_softmax_params` (include/edgeq.h). */
export const SOFTMAX_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_softmax_params',
  fields: [...int32Fields('rows', 'classes'), constPointerField('exp_table', 'uint32_t'), enumField('mode', RQ_MODE_ENUM)],
};

export const softmaxEmitter: OpEmitter<'SOFTMAX'> = {
  structs: [SOFTMAX_PARAMS_STRUCT],
  emit({ ctx, op, params, constants, input, output }) {
    const p = params as SoftmaxParams;
    const shape = ctx.graph.tensors[op.inputs[0]].shape;
    const classes = shape[shape.length - 1];
    const table = constants.array('uint32_t', 'exp_table', p.expTable);
    const s = constants.struct(SOFTMAX_PARAMS_STRUCT, {
      rows: numElements(shape) / classes, classes, exp_table: table, mode: ctx.modeEnum,
    });
    return `edgeq_softmax_s8(&${s}, ${input}, ${output});`;
  },
};
