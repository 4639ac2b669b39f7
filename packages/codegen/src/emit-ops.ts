/**
 * Per-op C emission: for each QGraph op, the const data it needs (weights, bias,
 * multipliers, shifts, parameter struct) and the one kernel call that runs it. Every
 * number comes from @edgeq/ir's deriveOpParams, the same source the interpreter uses.
 */

import {
  constantData,
  deriveOpParams,
  numElements,
  type AddParams,
  type BoundaryParams,
  type ConcatParams,
  type ConvLikeParams,
  type MeanParams,
  type OpDef,
  type PadParams,
  type PoolParams,
  type QGraph,
  type Requant,
  type SoftmaxParams,
} from '@edgeq/ir';
import type { FastPlan } from './fast-kernels.js';
import { commentText, floatLiteral, intArrayBody, intLiteral, type IdentifierTable } from './c-syntax.js';

/** C for one op: declarations at file scope, statements inside invoke(). */
export interface EmittedOp {
  index: number;
  /** Identifier-safe op name (also used in profiles). */
  label: string;
  type: string;
  comment: string;
  declarations: string[];
  call: string;
  /** Output tensor arena offset and bytes (for tracing). */
  outOffset: number;
  outBytes: number;
  /** Bytes of const data this op adds to flash. */
  constBytes: number;
}

export interface EmitContext {
  graph: QGraph;
  ids: IdentifierTable;
  offsets: Map<number, number>;
  modeEnum: string;
  /** Ops that run on a specialised kernel (by op index). */
  fast?: ReadonlyMap<number, FastPlan>;
  /** Arena offset of each op's scratch buffer (by op index). */
  scratchOffsets?: ReadonlyMap<number, number>;
}

const hwc = (s: number[]) => `{ ${s[1]}, ${s[2]}, ${s[3]} }`;
const arenaRef = (ctx: EmitContext, t: number) => `EDGEQ_ARENA(${ctx.offsets.get(t)})`;
const arenaRef2 = (ctx: EmitContext, op: number) => `EDGEQ_ARENA(${ctx.scratchOffsets!.get(op)})`;

class OpEmitter {
  readonly declarations: string[] = [];
  constBytes = 0;
  constructor(readonly ctx: EmitContext, readonly op: OpDef) {}

  array(kind: 'int8_t' | 'int16_t' | 'int32_t' | 'uint32_t', role: string, values: ArrayLike<number>, align = 4): string {
    const id = this.ctx.ids.make(`${role}_${this.op.name}`);
    const suffix = kind === 'uint32_t' ? 'u' : '';
    this.declarations.push(`static const ${kind} ${id}[${values.length}] EDGEQ_ALIGN(${align}) = {\n${intArrayBody(values, 16, suffix)}\n};`);
    this.constBytes += values.length * (kind === 'int8_t' ? 1 : kind === 'int16_t' ? 2 : 4);
    return id;
  }

  requant(rq: Requant, role = 'rq'): { m: string; s: string } {
    return { m: this.array('int32_t', `${role}_mult`, rq.multiplier), s: this.array('int32_t', `${role}_shift`, rq.shift) };
  }

  /** Per-channel {bias, mult, round, shift} of a specialised kernel. */
  chq(values: Int32Array): string {
    const id = this.ctx.ids.make(`chq_${this.op.name}`);
    const rows: string[] = [];
    for (let i = 0; i < values.length; i += 4) rows.push(`  { ${Array.from(values.subarray(i, i + 4), (v) => intLiteral(v)).join(', ')} }`);
    this.declarations.push(`static const edgeq_channel_requant ${id}[${values.length / 4}] = {\n${rows.join(',\n')}\n};`);
    this.constBytes += values.length * 4;
    return id;
  }

  struct(type: string, fields: string[]): string {
    const id = this.ctx.ids.make(`params_${this.op.name}`);
    this.declarations.push(`static const ${type} ${id} = {\n  ${fields.join(',\n  ')}\n};`);
    this.constBytes += 4 * fields.length;
    return id;
  }
}

/** Emit one op. */
export function emitOp(ctx: EmitContext, op: OpDef, index: number): EmittedOp {
  const g = ctx.graph;
  const e = new OpEmitter(ctx, op);
  const params = deriveOpParams(g, op);
  const inT = g.tensors[op.inputs[0]];
  const outT = g.tensors[op.outputs[0]];
  const x = arenaRef(ctx, op.inputs[0]);
  const y = arenaRef(ctx, op.outputs[0]);
  const mode = ctx.modeEnum;
  let call = '';
  const fast = ctx.fast?.get(index);
  if (fast) {
    const p = params as ConvLikeParams;
    const w = e.array(fast.weights instanceof Int16Array ? 'int16_t' : 'int8_t', 'weights', fast.weights);
    const ch = e.chq(fast.chq);
    const type = { pointwise: 'edgeq_pointwise_params', conv_im2col: 'edgeq_conv_im2col_params', depthwise_3x3: 'edgeq_depthwise_3x3_params' }[fast.kind];
    const s = e.struct(type, [...fast.fields, `.act_min = ${p.actMin}`, `.act_max = ${p.actMax}`, `.requant = ${ch}`]);
    const scratch = fast.scratchBytes > 0 ? `, (int16_t *)(void *)${arenaRef2(ctx, index)}` : '';
    call = `${fast.fn}(&${s}, ${x}, ${w}, ${y}${scratch});`;
  } else switch (op.type) {
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D': {
      const p = params as ConvLikeParams;
      const o = op.options;
      const wShape = g.tensors[op.inputs[1]].shape;
      const w = e.array('int8_t', 'weights', constantData(g, op.inputs[1]));
      const b = e.array('int32_t', 'bias', constantData(g, op.inputs[2]));
      const rq = e.requant(p.requant);
      const s = e.struct('edgeq_conv_params', [
        `.in = ${hwc(inT.shape)}`, `.out = ${hwc(outT.shape)}`,
        `.kernel_h = ${wShape[1]}`, `.kernel_w = ${wShape[2]}`,
        `.stride_h = ${o.strideH}`, `.stride_w = ${o.strideW}`,
        `.dilation_h = ${o.dilationH}`, `.dilation_w = ${o.dilationW}`,
        `.pad_top = ${p.padTop}`, `.pad_left = ${p.padLeft}`,
        `.depth_multiplier = ${op.type === 'DEPTHWISE_CONV_2D' ? op.options.depthMultiplier : 1}`,
        `.in_zp = ${p.inZp}`, `.out_zp = ${p.outZp}`, `.act_min = ${p.actMin}`, `.act_max = ${p.actMax}`,
        `.mode = ${mode}`, `.rq = { ${rq.m}, ${rq.s}, ${p.requant.multiplier.length > 1 ? 1 : 0} }`,
      ]);
      const fn = op.type === 'CONV_2D' ? 'edgeq_conv2d_s8' : 'edgeq_depthwise_conv2d_s8';
      call = `${fn}(&${s}, ${x}, ${w}, ${b}, ${y});`;
      break;
    }
    case 'FULLY_CONNECTED': {
      const p = params as ConvLikeParams;
      const wShape = g.tensors[op.inputs[1]].shape;
      const w = e.array('int8_t', 'weights', constantData(g, op.inputs[1]));
      const b = e.array('int32_t', 'bias', constantData(g, op.inputs[2]));
      const rq = e.requant(p.requant);
      const s = e.struct('edgeq_fc_params', [
        `.in_features = ${wShape[1]}`, `.out_features = ${wShape[0]}`,
        `.in_zp = ${p.inZp}`, `.out_zp = ${p.outZp}`, `.act_min = ${p.actMin}`, `.act_max = ${p.actMax}`,
        `.mode = ${mode}`, `.rq = { ${rq.m}, ${rq.s}, ${p.requant.multiplier.length > 1 ? 1 : 0} }`,
      ]);
      call = `edgeq_fully_connected_s8(&${s}, ${x}, ${w}, ${b}, ${y});`;
      break;
    }
    case 'ADD': {
      const p = params as AddParams;
      const s = e.struct('edgeq_add_params', [
        `.size = ${numElements(outT.shape)}`,
        `.in1_zp = ${p.in1Zp}`, `.in2_zp = ${p.in2Zp}`, `.out_zp = ${p.outZp}`, `.left_shift = ${p.leftShift}`,
        `.in1_multiplier = ${intLiteral(p.in1.multiplier[0])}`, `.in1_shift = ${p.in1.shift[0]}`,
        `.in2_multiplier = ${intLiteral(p.in2.multiplier[0])}`, `.in2_shift = ${p.in2.shift[0]}`,
        `.out_multiplier = ${intLiteral(p.out.multiplier[0])}`, `.out_shift = ${p.out.shift[0]}`,
        `.act_min = ${p.actMin}`, `.act_max = ${p.actMax}`, `.mode = ${mode}`,
      ]);
      call = `edgeq_add_s8(&${s}, ${x}, ${arenaRef(ctx, op.inputs[1])}, ${y});`;
      break;
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const p = params as PoolParams;
      const o = op.options;
      const s = e.struct('edgeq_pool_params', [
        `.in = ${hwc(inT.shape)}`, `.out = ${hwc(outT.shape)}`,
        `.filter_h = ${o.filterH}`, `.filter_w = ${o.filterW}`, `.stride_h = ${o.strideH}`, `.stride_w = ${o.strideW}`,
        `.pad_top = ${p.padTop}`, `.pad_left = ${p.padLeft}`, `.act_min = ${p.actMin}`, `.act_max = ${p.actMax}`,
      ]);
      call = `${op.type === 'AVERAGE_POOL_2D' ? 'edgeq_avg_pool_s8' : 'edgeq_max_pool_s8'}(&${s}, ${x}, ${y});`;
      break;
    }
    case 'MEAN': {
      const p = params as MeanParams;
      const fixed = p.requant.multiplier.length > 0;
      const s = e.struct('edgeq_mean_params', [
        `.in = ${hwc(inT.shape)}`, `.in_zp = ${p.inZp}`, `.out_zp = ${p.outZp}`,
        `.multiplier = ${fixed ? intLiteral(p.requant.multiplier[0]) : 0}`, `.shift = ${fixed ? p.requant.shift[0] : 0}`,
        `.pow2_exp = ${p.pow2Exp}`, `.mode = ${mode}`,
      ]);
      call = `edgeq_mean_hw_s8(&${s}, ${x}, ${y});`;
      break;
    }
    case 'RESHAPE':
      call = `edgeq_copy_s8(${x}, ${y}, ${numElements(outT.shape)});`;
      break;
    case 'PAD': {
      const p = params as PadParams;
      const pads = op.options.paddings;
      const s = e.struct('edgeq_pad_params', [
        `.in = ${hwc(inT.shape)}`, `.out = ${hwc(outT.shape)}`,
        `.pad_top = ${pads[1][0]}`, `.pad_left = ${pads[2][0]}`, `.pad_channels_before = ${pads[3][0]}`,
        `.pad_value = ${p.padValue}`,
      ]);
      call = `edgeq_pad_s8(&${s}, ${x}, ${y});`;
      break;
    }
    case 'CONCATENATION': {
      const p = params as ConcatParams;
      const inputsId = ctx.ids.make(`concat_inputs_${op.name}`);
      const entries = op.inputs.map((t, k) => {
        const rq = p.requants[k];
        return `  { ${arenaRef(ctx, t)}, ${g.tensors[t].shape[3]}, ${p.inZps[k]}, ${intLiteral(rq.multiplier[0])}, ${rq.shift[0]} }`;
      });
      e.declarations.push(`static const edgeq_concat_input ${inputsId}[${entries.length}] = {\n${entries.join(',\n')}\n};`);
      e.constBytes += 20 * entries.length;
      const s = e.struct('edgeq_concat_params', [
        `.pixels = ${outT.shape[1] * outT.shape[2]}`, `.out_channels = ${outT.shape[3]}`,
        `.num_inputs = ${op.inputs.length}`, `.out_zp = ${p.outZp}`,
        `.act_min = ${p.actMin}`, `.act_max = ${p.actMax}`, `.mode = ${mode}`,
      ]);
      call = `edgeq_concat_channels_s8(&${s}, ${inputsId}, ${y});`;
      break;
    }
    case 'SOFTMAX': {
      const p = params as SoftmaxParams;
      const classes = inT.shape[inT.shape.length - 1];
      const table = e.array('uint32_t', 'exp_table', p.expTable);
      const s = e.struct('edgeq_softmax_params', [
        `.rows = ${numElements(inT.shape) / classes}`, `.classes = ${classes}`, `.exp_table = ${table}`, `.mode = ${mode}`,
      ]);
      call = `edgeq_softmax_s8(&${s}, ${x}, ${y});`;
      break;
    }
    case 'QUANTIZE': {
      const p = params as BoundaryParams;
      const inv = Math.fround(1 / Math.fround(p.scale));
      call = `edgeq_quantize_f32_s8((const float *)(const void *)${x}, ${y}, ${numElements(outT.shape)}, ${floatLiteral(inv)}, ${p.zeroPoint});`;
      break;
    }
    case 'DEQUANTIZE': {
      const p = params as BoundaryParams;
      call = `edgeq_dequantize_s8_f32(${x}, (float *)(void *)${y}, ${numElements(outT.shape)}, ${floatLiteral(p.scale)}, ${p.zeroPoint});`;
      break;
    }
  }
  const outBytes = numElements(outT.shape) * (outT.dtype === 'float32' ? 4 : 1);
  return {
    index,
    label: ctx.ids.make(`op_${op.name}`).slice(0),
    type: op.type,
    comment: commentText(`${index}: ${op.type} ${op.name}`),
    declarations: e.declarations,
    call,
    outOffset: ctx.offsets.get(op.outputs[0])!,
    outBytes,
    constBytes: e.constBytes,
  };
}
