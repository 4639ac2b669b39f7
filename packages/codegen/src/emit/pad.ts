/** PAD with the input zero point: one edgeq_pad_params. */

import type { PadParams } from '@edgeq/ir';
import { int32Fields, type CStructDescription } from './c-struct.js';
import { IN_OUT_SHAPE_FIELDS, heightWidthChannels, type OpEmitter } from './emitter-support.js';

/** `edgeq_pad_params` (include/edgeq.h). */
export const PAD_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_pad_params',
  fields: [
    ...IN_OUT_SHAPE_FIELDS,
    ...int32Fields('pad_top', 'pad_left', 'pad_channels_before', 'pad_value'),
  ],
};

export const padEmitter: OpEmitter<'PAD'> = {
  structs: [PAD_PARAMS_STRUCT],
  emit({ ctx, op, params, constants, input, output }) {
    const p = params as PadParams;
    const pads = op.options.paddings;
    const s = constants.struct(PAD_PARAMS_STRUCT, {
      in: heightWidthChannels(ctx.graph.tensors[op.inputs[0]].shape),
      out: heightWidthChannels(ctx.graph.tensors[op.outputs[0]].shape),
      pad_top: pads[1][0], pad_left: pads[2][0], pad_channels_before: pads[3][0],
      pad_value: p.padValue,
    });
    return `edgeq_pad_s8(&${s}, ${input}, ${output});`;
  },
};
