/**
 * CONCATENATION on the channel axis: a const table of edgeq_concat_input (one row per
 * input: its arena address, channels and requantisation) and one edgeq_concat_params.
 */

import type { ConcatParams } from '@edgeq/ir';
import { constPointerField, enumField, int32Fields, type CStructDescription } from './c-struct.js';
import { arenaRef, RQ_MODE_ENUM, type OpEmitter } from './emitter-support.js';

/** `edgeq_concat_input` (include/edgeq.h). */
export const CONCAT_INPUT_STRUCT: CStructDescription = {
  typeName: 'edgeq_concat_input',
  fields: [constPointerField('data', 'int8_t'), ...int32Fields('channels', 'zp', 'multiplier', 'shift')],
};

/** `edgeq_concat_params` (include/edgeq.h). */
export const CONCAT_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_concat_params',
  fields: [...int32Fields('pixels', 'out_channels', 'num_inputs', 'out_zp', 'act_min', 'act_max'), enumField('mode', RQ_MODE_ENUM)],
};

export const concatenationEmitter: OpEmitter<'CONCATENATION'> = {
  structs: [CONCAT_INPUT_STRUCT, CONCAT_PARAMS_STRUCT],
  emit({ ctx, op, params, constants, output }) {
    const g = ctx.graph;
    const p = params as ConcatParams;
    const outShape = g.tensors[op.outputs[0]].shape;
    const inputs = constants.structArray(CONCAT_INPUT_STRUCT, 'concat_inputs', op.inputs.map((t, k) => ({
      data: arenaRef(ctx, t),
      channels: g.tensors[t].shape[3],
      zp: p.inZps[k],
      multiplier: p.requants[k].multiplier[0],
      shift: p.requants[k].shift[0],
    })));
    const s = constants.struct(CONCAT_PARAMS_STRUCT, {
      pixels: outShape[1] * outShape[2], out_channels: outShape[3],
      num_inputs: op.inputs.length, out_zp: p.outZp,
      act_min: p.actMin, act_max: p.actMax, mode: ctx.modeEnum,
    });
    return `edgeq_concat_channels_s8(&${s}, ${inputs}, ${output});`;
  },
};
