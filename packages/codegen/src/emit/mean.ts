/** MEAN over height and width: one edgeq_mean_params. */

import type { MeanParams } from '@edgeq/ir';
import { enumField, int32Fields, structField, type CStructDescription } from './c-struct.js';
import { HWC_STRUCT, RQ_MODE_ENUM, heightWidthChannels, type OpEmitter } from './emitter-support.js';

/** `edgeq_mean_params` (include/edgeq.h). */
export const MEAN_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_mean_params',
  fields: [
    structField('in', HWC_STRUCT),
    ...int32Fields('in_zp', 'out_zp', 'multiplier', 'shift', 'pow2_exp'),
    enumField('mode', RQ_MODE_ENUM),
  ],
};

export const meanEmitter: OpEmitter<'MEAN'> = {
  structs: [MEAN_PARAMS_STRUCT],
  emit({ ctx, op, params, constants, input, output }) {
    const p = params as MeanParams;
    // pow2 graphs have no fixed-point multiplier: the kernel reads pow2_exp instead.
    const fixed = p.requant.multiplier.length > 0;
    const s = constants.struct(MEAN_PARAMS_STRUCT, {
      in: heightWidthChannels(ctx.graph.tensors[op.inputs[0]].shape),
      in_zp: p.inZp, out_zp: p.outZp,
      multiplier: fixed ? p.requant.multiplier[0] : 0, shift: fixed ? p.requant.shift[0] : 0,
      pow2_exp: p.pow2Exp, mode: ctx.modeEnum,
    });
    return `edgeq_mean_hw_s8(&${s}, ${input}, ${output});`;
  },
};
