/** LOGISTIC: the 256-entry int8 output table and one edgeq_logistic_params. */

import { numElements, type LogisticParams } from '@edgeq/ir';
import { constPointerField, type CStructDescription } from './c-struct.js';
import type { OpEmitter } from './emitter-support.js';

/** `edgeq_logistic_params` (include/edgeq.h). */
export const LOGISTIC_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_logistic_params',
  fields: [constPointerField('table', 'int8_t')],
};

export const logisticEmitter: OpEmitter<'LOGISTIC'> = {
  structs: [LOGISTIC_PARAMS_STRUCT],
  emit({ ctx, op, params, constants, input, output }) {
    const p = params as LogisticParams;
    const s = constants.struct(LOGISTIC_PARAMS_STRUCT, { table: constants.array('int8_t', 'logistic_table', p.table) });
    return `edgeq_logistic_s8(&${s}, ${input}, ${output}, ${numElements(ctx.graph.tensors[op.inputs[0]].shape)});`;
  },
};
