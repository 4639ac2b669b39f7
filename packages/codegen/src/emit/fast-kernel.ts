/**
 * Emission of the specialised CONV_2D / DEPTHWISE_CONV_2D kernels (runtime-c
 * csrc/edgeq_pointwise_conv_s8.c, edgeq_conv_im2col_s8.c, edgeq_conv_im2col_s4.c, edgeq_depthwise_conv_3x3_s8.c,
 * edgeq_depthwise_conv_rows_s8.c) that fast-kernels.ts and fast-depthwise.ts planned: the re-laid-out weights, the per-channel
 * requantisation table (edgeq_channel_requant rows) and the kernel's parameter struct, whose
 * geometry values the plan carries. The one place that emits a fast kernel call.
 */

import type { ConvLikeParams } from '@edgeq/ir';
import type { FastPlan } from '../fast-kernels.js';
import { commentText } from '../c-syntax.js';
import { constPointerField, int32Fields, type CStructDescription, type CStructValues } from './c-struct.js';
import { declareCompactArrays, expandedRowsRef } from '../compact-requant.js';
import { IN_OUT_SHAPE_FIELDS, scratchBufferRef, type OpConstants, type EmitContext } from './emitter-support.js';

/** `edgeq_channel_requant`: one output channel's folded bias, multiplier, rounding constant and shift. */
export const CHANNEL_REQUANT_STRUCT: CStructDescription = {
  typeName: 'edgeq_channel_requant',
  fields: int32Fields('bias', 'mult', 'round', 'shift'),
};

const ACTIVATION_AND_CHANNELS = [...int32Fields('act_min', 'act_max'), constPointerField('requant', 'edgeq_channel_requant')];

/** `edgeq_pointwise_params`: 1x1 convolution. */
export const POINTWISE_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_pointwise_params',
  fields: [...int32Fields('pixels', 'cin', 'cout'), ...ACTIVATION_AND_CHANNELS],
};

/** `edgeq_conv_im2col_params`: general convolution through an int16 column. */
export const COLUMN_CONV_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_conv_im2col_params',
  fields: [
    ...IN_OUT_SHAPE_FIELDS,
    ...int32Fields('kernel_h', 'kernel_w', 'stride_h', 'stride_w', 'dilation_h', 'dilation_w', 'pad_top', 'pad_left', 'in_zp', 'taps'),
    ...ACTIVATION_AND_CHANNELS,
  ],
};

/** `edgeq_depthwise_3x3_params`: 3x3 depthwise convolution through an int16 plane. */
export const DEPTHWISE_3X3_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_depthwise_3x3_params',
  fields: [
    ...IN_OUT_SHAPE_FIELDS,
    ...int32Fields('stride', 'pad_top', 'pad_left', 'in_zp', 'plane_h', 'plane_w'),
    ...ACTIVATION_AND_CHANNELS,
  ],
};

/** `edgeq_depthwise_rows_params`: depthwise convolution of any geometry through int16 input rows. */
export const DEPTHWISE_ROWS_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_depthwise_rows_params',
  fields: [
    ...int32Fields('in_h', 'in_w', 'in_row_step', 'in_col_step', 'out_h', 'out_w', 'out_row_step', 'out_col_step', 'channels', 'depth_multiplier'),
    ...int32Fields('kernel_h', 'kernel_w', 'w_row_step', 'w_col_step', 'stride_h', 'stride_w', 'dilation_h', 'dilation_w', 'pad_top', 'pad_left'),
    ...int32Fields('in_zp', 'cache_w', 'cache_rows'),
    ...ACTIVATION_AND_CHANNELS,
  ],
};

/** The parameter struct of each fast kernel kind. */
export const FAST_PARAMS_STRUCTS: Readonly<Record<FastPlan['kind'], CStructDescription>> = {
  pointwise: POINTWISE_PARAMS_STRUCT,
  pointwise_w8: POINTWISE_PARAMS_STRUCT,
  conv_im2col: COLUMN_CONV_PARAMS_STRUCT,
  conv_im2col_w8: COLUMN_CONV_PARAMS_STRUCT,
  conv_im2col_s4: COLUMN_CONV_PARAMS_STRUCT,
  depthwise_3x3: DEPTHWISE_3X3_PARAMS_STRUCT,
  depthwise_rows: DEPTHWISE_ROWS_PARAMS_STRUCT,
};

/** Every struct the fast kernels' emitted C declares. */
export const FAST_KERNEL_STRUCTS: readonly CStructDescription[] = [CHANNEL_REQUANT_STRUCT, ...new Set(Object.values(FAST_PARAMS_STRUCTS))];

/** Declares a planned fast kernel's constants and returns its call. */
export function emitFastKernel(
  ctx: EmitContext,
  opIndex: number,
  plan: FastPlan,
  params: ConvLikeParams,
  constants: OpConstants,
  input: string,
  output: string,
): string {
  const type = plan.weights instanceof Int16Array ? 'int16_t' : plan.weights instanceof Uint8Array ? 'uint8_t' : 'int8_t';
  const packed = constants.array(type, 'weights', plan.weights);
  // int4 weights for an int8-weight kernel: unpacked into the op's scratch, after the kernel's own.
  const weights = plan.int4Unpack
    ? `edgeq_s4_unpack(${packed}, ${plan.int4Unpack.count}, (int8_t *)(void *)EDGEQ_ARENA(${ctx.scratchOffsets!.get(opIndex)! + plan.int4Unpack.offset}))`
    : packed;
  const compact = ctx.compactRequant?.get(opIndex);
  const values = { ...plan.structValues, act_min: params.actMin, act_max: params.actMax };
  const scratch = plan.scratchBytes > 0 ? `, (int16_t *)(void *)${scratchBufferRef(ctx, opIndex)}` : '';
  const comment = `/* ${commentText(plan.reason, 200)} */`;
  if (compact) {
    // Compact data in flash; a stack copy of the parameter struct points at the rows expanded in scratch.
    const arrays = declareCompactArrays(constants, compact);
    const s = constants.struct(FAST_PARAMS_STRUCTS[plan.kind], { ...values, requant: 'NULL' });
    const typeName = FAST_PARAMS_STRUCTS[plan.kind].typeName;
    return `${comment} { ${typeName} params = ${s}; params.requant = ${expandedRowsRef(ctx, opIndex, arrays, compact, plan.scratchBytes)}; ` +
      `${plan.fn}(&params, ${input}, ${weights}, ${output}${scratch}); }`;
  }
  const rows: CStructValues[] = [];
  for (let i = 0; i < plan.channelConstants.length; i += 4) {
    const [bias, mult, round, shift] = plan.channelConstants.subarray(i, i + 4);
    rows.push({ bias, mult, round, shift });
  }
  const channelTable = constants.structArray(CHANNEL_REQUANT_STRUCT, 'channel_requant', rows);
  const s = constants.struct(FAST_PARAMS_STRUCTS[plan.kind], { ...values, requant: channelTable });
  return `${comment} ${plan.fn}(&${s}, ${input}, ${weights}, ${output}${scratch});`;
}
