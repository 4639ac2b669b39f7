/** RESIZE_NEAREST_NEIGHBOR: the source row and column tables and one edgeq_resize_nearest_params. */

import type { ResizeNearestNeighborParams } from '@edgeq/ir';
import { constPointerField, type CStructDescription } from './c-struct.js';
import { IN_OUT_SHAPE_FIELDS, inOutShapeValues, type OpEmitter } from './emitter-support.js';

/** `edgeq_resize_nearest_params` (include/edgeq.h). */
export const RESIZE_NEAREST_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_resize_nearest_params',
  fields: [...IN_OUT_SHAPE_FIELDS, constPointerField('source_rows', 'int32_t'), constPointerField('source_cols', 'int32_t')],
};

export const resizeNearestNeighborEmitter: OpEmitter<'RESIZE_NEAREST_NEIGHBOR'> = {
  structs: [RESIZE_NEAREST_PARAMS_STRUCT],
  emit({ ctx, op, params, constants, input, output }) {
    const p = params as ResizeNearestNeighborParams;
    const s = constants.struct(RESIZE_NEAREST_PARAMS_STRUCT, {
      ...inOutShapeValues(ctx, op),
      source_rows: constants.array('int32_t', 'source_rows', p.sourceRows),
      source_cols: constants.array('int32_t', 'source_cols', p.sourceCols),
    });
    return `edgeq_resize_nearest_s8(&${s}, ${input}, ${output});`;
  },
};
