/**
 * CONV_2D and DEPTHWISE_CONV_2D on runtime-c's reference kernels: int8 weights (or int4 weights
 * packed two per byte, on the _s4 kernels: emitter-support.ts weightsArray), int32 bias,
 * the requantisation arrays and one edgeq_conv_params (shared by both ops). The fast
 * variants are emitted by fast-kernel.ts when the planner accepts the op.
 */

import { constantData, type ConvLikeParams } from '@edgeq/ir';
import { enumField, int32Fields, structField, type CStructDescription } from './c-struct.js';
import { IN_OUT_SHAPE_FIELDS, REQUANT_STRUCT, RQ_MODE_ENUM, heightWidthChannels, kernelVariantEmitter, weightsArray, type OpEmitArgs } from './emitter-support.js';

/** `edgeq_conv_params` (include/edgeq.h). */
export const CONV_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_conv_params',
  fields: [
    ...IN_OUT_SHAPE_FIELDS,
    ...int32Fields('kernel_h', 'kernel_w', 'stride_h', 'stride_w', 'dilation_h', 'dilation_w', 'pad_top', 'pad_left'),
    ...int32Fields('depth_multiplier', 'in_zp', 'out_zp', 'act_min', 'act_max'),
    enumField('mode', RQ_MODE_ENUM),
    structField('rq', REQUANT_STRUCT),
  ],
};

function emitConvLike(kernel: string, { ctx, op, params, constants, input, output }: OpEmitArgs<'CONV_2D' | 'DEPTHWISE_CONV_2D'>): string {
  const g = ctx.graph;
  const p = params as ConvLikeParams;
  const o = op.options;
  const weightShape = g.tensors[op.inputs[1]].shape;
  const weights = weightsArray(constants, g, op.inputs[1]);
  const bias = constants.array('int32_t', 'bias', constantData(g, op.inputs[2]));
  const rq = constants.requant(p.requant);
  const s = constants.struct(CONV_PARAMS_STRUCT, {
    in: heightWidthChannels(g.tensors[op.inputs[0]].shape),
    out: heightWidthChannels(g.tensors[op.outputs[0]].shape),
    kernel_h: weightShape[1], kernel_w: weightShape[2],
    stride_h: o.strideH, stride_w: o.strideW,
    dilation_h: o.dilationH, dilation_w: o.dilationW,
    pad_top: p.padTop, pad_left: p.padLeft,
    depth_multiplier: 'depthMultiplier' in o ? o.depthMultiplier : 1,
    in_zp: p.inZp, out_zp: p.outZp, act_min: p.actMin, act_max: p.actMax,
    mode: ctx.modeEnum,
    rq,
  });
  return `${weights.int4 ? kernel.replace(/_s8$/, '_s4') : kernel}(&${s}, ${input}, ${weights.name}, ${bias}, ${output});`;
}

export const conv2dEmitter = kernelVariantEmitter<'CONV_2D'>([CONV_PARAMS_STRUCT], 'edgeq_conv2d_s8', emitConvLike);
export const depthwiseConv2dEmitter = kernelVariantEmitter<'DEPTHWISE_CONV_2D'>([CONV_PARAMS_STRUCT], 'edgeq_depthwise_conv2d_s8', emitConvLike);
