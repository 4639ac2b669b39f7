/** AVERAGE_POOL_2D and MAX_POOL_2D: one edgeq_pool_params (shared by both ops). */

import type { PoolParams } from '@edgeq/ir';
import { int32Fields, type CStructDescription } from './c-struct.js';
import { IN_OUT_SHAPE_FIELDS, heightWidthChannels, kernelVariantEmitter, type OpEmitArgs } from './emitter-support.js';

/** `edgeq_pool_params` (include/edgeq.h). */
export const POOL_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_pool_params',
  fields: [
    ...IN_OUT_SHAPE_FIELDS,
    ...int32Fields('filter_h', 'filter_w', 'stride_h', 'stride_w', 'pad_top', 'pad_left', 'act_min', 'act_max'),
  ],
};

function emitPool(kernel: string, { ctx, op, params, constants, input, output }: OpEmitArgs<'AVERAGE_POOL_2D' | 'MAX_POOL_2D'>): string {
  const p = params as PoolParams;
  const o = op.options;
  const s = constants.struct(POOL_PARAMS_STRUCT, {
    in: heightWidthChannels(ctx.graph.tensors[op.inputs[0]].shape),
    out: heightWidthChannels(ctx.graph.tensors[op.outputs[0]].shape),
    filter_h: o.filterH, filter_w: o.filterW, stride_h: o.strideH, stride_w: o.strideW,
    pad_top: p.padTop, pad_left: p.padLeft, act_min: p.actMin, act_max: p.actMax,
  });
  return `${kernel}(&${s}, ${input}, ${output});`;
}

export const averagePool2dEmitter = kernelVariantEmitter<'AVERAGE_POOL_2D'>([POOL_PARAMS_STRUCT], 'edgeq_avg_pool_s8', emitPool);
export const maxPool2dEmitter = kernelVariantEmitter<'MAX_POOL_2D'>([POOL_PARAMS_STRUCT], 'edgeq_max_pool_s8', emitPool);
