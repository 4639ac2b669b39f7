/** ADD of two int8 tensors with independent scales: one edgeq_add_params. */

import { numElements, type AddParams, type OpDef } from '@edgeq/ir';
import { enumField, int32Fields, type CStructDescription, type CStructValues } from './c-struct.js';
import { arenaRef, RQ_MODE_ENUM, type EmitContext, type OpEmitter } from './emitter-support.js';

/** `edgeq_add_params` (include/edgeq.h). */
export const ADD_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_add_params',
  fields: [
    ...int32Fields('size', 'in1_zp', 'in2_zp', 'out_zp', 'left_shift'),
    ...int32Fields('in1_multiplier', 'in1_shift', 'in2_multiplier', 'in2_shift', 'out_multiplier', 'out_shift'),
    ...int32Fields('act_min', 'act_max'),
    enumField('mode', RQ_MODE_ENUM),
  ],
};

/** The values of an ADD op's `edgeq_add_params` (also what edgeq_add_terms_s8 builds its tables from). */
export function addParamsValues(ctx: EmitContext, op: OpDef, p: AddParams): CStructValues {
  return {
    size: numElements(ctx.graph.tensors[op.outputs[0]].shape),
    in1_zp: p.in1Zp, in2_zp: p.in2Zp, out_zp: p.outZp, left_shift: p.leftShift,
    in1_multiplier: p.in1.multiplier[0], in1_shift: p.in1.shift[0],
    in2_multiplier: p.in2.multiplier[0], in2_shift: p.in2.shift[0],
    out_multiplier: p.out.multiplier[0], out_shift: p.out.shift[0],
    act_min: p.actMin, act_max: p.actMax, mode: ctx.modeEnum,
  };
}

export const addEmitter: OpEmitter<'ADD'> = {
  structs: [ADD_PARAMS_STRUCT],
  emit({ ctx, op, params, constants, input, output }) {
    const s = constants.struct(ADD_PARAMS_STRUCT, addParamsValues(ctx, op, params as AddParams));
    return `edgeq_add_s8(&${s}, ${input}, ${arenaRef(ctx, op.inputs[1])}, ${output});`;
  },
};
