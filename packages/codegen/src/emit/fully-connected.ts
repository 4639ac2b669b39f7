/**
 * FULLY_CONNECTED: int8 weights [out, in] (or int4 weights packed two per byte, on
 * edgeq_fully_connected_s4), int32 bias, requantisation arrays, edgeq_fc_params.
 */

import { constantData, type ConvLikeParams } from '@edgeq/ir';
import { enumField, int32Fields, structField, type CStructDescription } from './c-struct.js';
import { REQUANT_STRUCT, RQ_MODE_ENUM, weightsArray, type OpEmitter } from './emitter-support.js';

/** `edgeq_fc_params` (include/edgeq.h). */
export const FC_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_fc_params',
  fields: [
    ...int32Fields('in_features', 'out_features', 'in_zp', 'out_zp', 'act_min', 'act_max'),
    enumField('mode', RQ_MODE_ENUM),
    structField('rq', REQUANT_STRUCT),
  ],
};

export const fullyConnectedEmitter: OpEmitter<'FULLY_CONNECTED'> = {
  structs: [FC_PARAMS_STRUCT],
  emit({ ctx, op, params, constants, input, output }) {
    const g = ctx.graph;
    const p = params as ConvLikeParams;
    const weightShape = g.tensors[op.inputs[1]].shape;
    const weights = weightsArray(constants, g, op.inputs[1]);
    const bias = constants.array('int32_t', 'bias', constantData(g, op.inputs[2]));
    const rq = constants.requant(p.requant);
    const s = constants.struct(FC_PARAMS_STRUCT, {
      in_features: weightShape[1], out_features: weightShape[0],
      in_zp: p.inZp, out_zp: p.outZp, act_min: p.actMin, act_max: p.actMax,
      mode: ctx.modeEnum,
      rq,
    });
    return `edgeq_fully_connected_${weights.int4 ? 's4' : 's8'}(&${s}, ${input}, ${weights.name}, ${bias}, ${output});`;
  },
};
