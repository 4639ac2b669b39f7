/** STRIDED_SLICE with unit strides (Keras cropping): one edgeq_strided_slice_params. */

import type { StridedSliceParams } from '@edgeq/ir';
import { int32Fields, type CStructDescription } from './c-struct.js';
import { IN_OUT_SHAPE_FIELDS, inOutShapeValues, type OpEmitter } from './emitter-support.js';

/** `edgeq_strided_slice_params` (include/edgeq.h). */
export const STRIDED_SLICE_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_strided_slice_params',
  fields: [...IN_OUT_SHAPE_FIELDS, ...int32Fields('begin_row', 'begin_col', 'begin_channel')],
};

export const stridedSliceEmitter: OpEmitter<'STRIDED_SLICE'> = {
  structs: [STRIDED_SLICE_PARAMS_STRUCT],
  emit({ ctx, op, params, constants, input, output }) {
    const p = params as StridedSliceParams;
    const s = constants.struct(STRIDED_SLICE_PARAMS_STRUCT, {
      ...inOutShapeValues(ctx, op),
      begin_row: p.beginRow, begin_col: p.beginCol, begin_channel: p.beginChannel,
    });
    return `edgeq_strided_slice_s8(&${s}, ${input}, ${output});`;
  },
};
