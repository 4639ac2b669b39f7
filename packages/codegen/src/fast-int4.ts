/**
 * Build-time specialisation of W4A8 ops (int4 weights, int8 activations). FULLY_CONNECTED,
 * and CONV_2D 1x1 with stride 1 and no padding (a FULLY_CONNECTED per pixel), go onto runtime-c's
 * edgeq_fully_connected_s4_<variant> (csrc/edgeq_fully_connected_s4.c) as a FullyConnectedPlan
 * (fast-planner.ts; emission in emit/fast-fc-add.ts); every other CONV_2D onto
 * edgeq_conv_im2col_s4_<variant> (csrc/edgeq_conv_im2col_s4.c) as a FastPlan (fast-kernels.ts;
 * emit/fast-kernel.ts), so --optimize size's compact rows (compact-requant.ts) serve both. The
 * weights are re-packed for the kernels (int4RowPairs) from the model's int4 values; the QGraph
 * and .tflite keep TFLite's nibble order. DEPTHWISE_CONV_2D runs on the int8-weight depthwise
 * kernel (edgeq_depthwise_conv_rows_s8) with its weights packed in flash and unpacked into the
 * op's scratch before the call (edgeq_s4_unpack). Any op whose checks fail keeps the packed
 * reference kernel (_s4).
 */

import { constantData, deriveOpParams, packInt4, type ConvLikeParams, type OpDef, type QGraph } from '@edgeq/ir';
import { planDepthwise } from './fast-depthwise.js';
import { heightWidthChannels } from './emit/emitter-support.js';
import type { FastMode, FastPlan } from './fast-kernels.js';
import { fullyConnectedRows, type FullyConnectedPlan } from './fast-fully-connected.js';

/**
 * int4 weights [outFeatures][inFeatures] in edgeq_fully_connected_s4's packing: rows in pairs
 * (an odd count completed by a zero row), per pair and group of 8 inputs k..k+7 (the last
 * group zero-padded) 4 bytes of row o then 4 of row o+1, byte j holding w[k+j] in its low
 * nibble and w[k+4+j] in its high nibble.
 */
export function int4RowPairs(w: ArrayLike<number>, outFeatures: number, inFeatures: number): Uint8Array {
  const groups = Math.ceil(inFeatures / 8);
  const out = new Uint8Array(Math.ceil(outFeatures / 2) * groups * 8);
  const at = (o: number, i: number) => (o < outFeatures && i < inFeatures ? w[o * inFeatures + i] & 15 : 0);
  for (let pair = 0; pair < Math.ceil(outFeatures / 2); pair++) {
    for (let group = 0; group < groups; group++) {
      for (let r = 0; r < 2; r++) {
        const o = 2 * pair + r;
        for (let j = 0; j < 4; j++) {
          const k = 8 * group + j;
          out[(pair * groups + group) * 8 + r * 4 + j] = at(o, k) | (at(o, k + 4) << 4);
        }
      }
    }
  }
  return out;
}

/** 2^31 / (16 * 128): the DSP path sums 16 * w * x in int32, so sum |w| per row stays below this. */
const MAX_SUM_ABS = 2 ** 31 / (16 * 128);

/** The rows, checked, of `outFeatures` int4 rows of `inFeatures` weights, or the reason a check fails. */
function checkedRows(g: QGraph, op: OpDef, mode: FastMode, p: ConvLikeParams, outFeatures: number, inFeatures: number) {
  const w = constantData(g, op.inputs[1]);
  const rows = fullyConnectedRows(mode, p, w, constantData(g, op.inputs[2]), outFeatures, inFeatures);
  if (typeof rows === 'string') return rows;
  const heavy = rows.sumAbs.findIndex((s) => s >= MAX_SUM_ABS);
  if (heavy >= 0) return `output ${heavy}: sum |w| ${rows.sumAbs[heavy]} >= 2^31 / (16 * 128)`;
  return { ...rows, weights: int4RowPairs(w, outFeatures, inFeatures) };
}

/** True for a CONV_2D that is a FULLY_CONNECTED per pixel: 1x1, stride 1, no padding. */
function isPointwise(g: QGraph, op: OpDef, p: ConvLikeParams): boolean {
  if (op.type !== 'CONV_2D') return false;
  const [, kh, kw] = g.tensors[op.inputs[1]].shape;
  const [, inH, inW] = g.tensors[op.inputs[0]].shape;
  const [, outH, outW] = g.tensors[op.outputs[0]].shape;
  return kh === 1 && kw === 1 && op.options.strideH === 1 && op.options.strideW === 1 && p.padTop === 0 && p.padLeft === 0 && inH === outH && inW === outW;
}

/**
 * Plan an int4-weight CONV_2D (other than 1x1 stride 1, which planFastInt4 takes) onto
 * edgeq_conv_im2col_s4, or the reason it keeps the packed reference kernel.
 */
export function planConvInt4(g: QGraph, op: OpDef, mode: FastMode): FastPlan | string {
  if (op.type !== 'CONV_2D') return `int4 weights: ${op.type} on the packed reference kernel (_s4)`;
  const p = deriveOpParams(g, op) as ConvLikeParams;
  if (isPointwise(g, op, p)) return 'int4 weights, 1x1 stride 1: planned as FULLY_CONNECTED (edgeq_fully_connected_s4)';
  const [cout, kh, kw, cin] = g.tensors[op.inputs[1]].shape;
  const taps = kh * kw * cin;
  const rows = checkedRows(g, op, mode, p, cout, taps);
  if (typeof rows === 'string') return `int4 weights: ${rows}`;
  const shared = rows.requantRows.length === 4;
  const channelConstants = Int32Array.from({ length: cout * 4 }, (_, k) => (k % 4 === 0 ? rows.bias[k / 4] : rows.requantRows[(shared ? 0 : k >> 2) * 4 + (k % 4)]));
  const o = op.options;
  return {
    kind: 'conv_im2col_s4', weightStorage: 'int8', fn: `edgeq_conv_im2col_s4_${rows.variant}`, channelConstants, weights: rows.weights,
    scratchBytes: Math.ceil(taps / 4) * 4, reason: `${kh}x${kw} through an int8 column, int4 weights: all ${cout} channels on the fast requantisation`,
    structValues: {
      in: heightWidthChannels(g.tensors[op.inputs[0]].shape), out: heightWidthChannels(g.tensors[op.outputs[0]].shape),
      kernel_h: kh, kernel_w: kw, stride_h: o.strideH, stride_w: o.strideW, dilation_h: o.dilationH, dilation_w: o.dilationW,
      pad_top: p.padTop, pad_left: p.padLeft, in_zp: p.inZp, taps,
    },
  };
}

/**
 * Plan an int4-weight DEPTHWISE_CONV_2D onto edgeq_depthwise_conv_rows_s8 (fast-depthwise.ts, int8
 * storage) with its weights packed in flash and unpacked into scratch after the kernel's own, or
 * the reason it keeps the packed reference kernel.
 */
export function planDepthwiseInt4(g: QGraph, op: OpDef, mode: FastMode): FastPlan | string {
  const plan = planDepthwise(g, op, mode, 'int8', 'rows');
  if (typeof plan === 'string') return `int4 weights: ${plan}`;
  const count = plan.weights.length;
  const offset = Math.ceil(plan.scratchBytes / 4) * 4;
  return {
    ...plan, weights: packInt4(plan.weights), int4Unpack: { count, offset }, scratchBytes: offset + Math.ceil(count / 4) * 4,
    reason: `${plan.reason}; int4 weights unpacked into scratch (${count} B) before the call`,
  };
}

/** Plan an int4-weight op onto edgeq_fully_connected_s4, or the reason it keeps the packed reference kernel. */
export function planFastInt4(g: QGraph, op: OpDef, mode: FastMode): FullyConnectedPlan | string {
  const shapeOf = (t: number) => g.tensors[t].shape;
  const p = deriveOpParams(g, op) as ConvLikeParams;
  let batches: number;
  let inFeatures: number;
  let outFeatures: number;
  if (op.type === 'FULLY_CONNECTED') {
    [outFeatures, inFeatures] = shapeOf(op.inputs[1]);
    batches = shapeOf(op.inputs[0]).reduce((a, d) => a * d, 1) / inFeatures;
  } else if (isPointwise(g, op, p)) {
    const [, outH, outW, cout] = shapeOf(op.outputs[0]);
    [batches, inFeatures, outFeatures] = [outH * outW, shapeOf(op.inputs[0])[3], cout];
  } else {
    return `int4 weights: ${op.type} is not a FULLY_CONNECTED per pixel`;
  }
  const rows = checkedRows(g, op, mode, p, outFeatures, inFeatures);
  if (typeof rows === 'string') return rows;
  return {
    kind: 'fully_connected', fn: `edgeq_fully_connected_s4_${rows.variant}`, bias: rows.bias, requantRows: rows.requantRows,
    weights: rows.weights, batches, inFeatures, outFeatures,
  };
}
