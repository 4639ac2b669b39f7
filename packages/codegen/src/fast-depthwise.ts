/**
 * Build-time specialisation of DEPTHWISE_CONV_2D (called by fast-kernels.ts' planFastOp):
 * picks runtime-c's general depthwise kernel (csrc/edgeq_depthwise_conv_rows_s8.c: any kernel
 * size, stride, dilation, padding and depth multiplier; int8 weights in the model's layout) or
 * the 3x3 plane kernel (csrc/edgeq_depthwise_conv_3x3_s8.c: int16 weights, stride 1 or 2,
 * multiplier 1, no dilation) and precomputes what the chosen kernel needs: per-channel
 * {bias, mult, round, shift} rows with -zp_in * sum(w) folded into the bias (both kernels put
 * raw inputs in the products and zp_in in the padding), the weights, the geometry and the
 * scratch size. Channels that fail a check of the fast requantisation become generic rows
 * (_mixed variants), as for every fast conv kernel.
 */

import { constantData, deriveOpParams, type ConvLikeParams, type OpDef, type QGraph } from '@edgeq/ir';
import { heightWidthChannels } from './emit/emitter-support.js';
import { deriveChannelConstants, variantOf, type ChannelTable, type FastMode, type FastPlan, type WeightStorage } from './fast-kernels.js';

/** The geometry and constants both depthwise kernels start from. */
interface DepthwiseOp {
  params: ConvLikeParams;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  inShape: number[];
  outShape: number[];
  kernelH: number;
  kernelW: number;
  multiplier: number;
  weights: Int8Array;
  table: ChannelTable;
  variant: string;
  reason: string;
}

/**
 * Plan the specialised kernel of a DEPTHWISE_CONV_2D op, or say why it keeps the reference
 * kernel. `storage` 'int8' (the `--optimize size` default) always takes the general kernel,
 * whose weights are the model's int8 bytes; 'int16' takes the 3x3 plane kernel where it is
 * the faster of the two (see chooseKernel).
 */
export function planDepthwise(g: QGraph, op: OpDef, mode: FastMode, storage: WeightStorage, force?: DepthwiseKernel): FastPlan | string {
  const d = prepare(g, op, mode);
  if (typeof d === 'string') return d;
  if (force === 'plane' && !planeFits(d)) return 'DEPTHWISE_CONV_2D: the 3x3 plane kernel was asked for, but the op is not 3x3, stride 1 or 2, multiplier 1, dilation 1';
  const kernel = force ?? (storage === 'int16' ? chooseKernel(d) : 'rows');
  if (kernel === 'plane') return planePlan(d);
  const plan = rowsPlan(d);
  return storage === 'int16' && planeFits(d) && !force ? { ...plan, reason: `${plan.reason} (faster than the 3x3 plane kernel at this size)` } : plan;
}

/** runtime-c's two depthwise kernels: the 3x3 plane kernel and the general (rows) kernel. */
export type DepthwiseKernel = 'plane' | 'rows';

function prepare(g: QGraph, op: OpDef, mode: FastMode): DepthwiseOp | string {
  if (op.type !== 'DEPTHWISE_CONV_2D') return `${op.type} is not a depthwise convolution`;
  const params = deriveOpParams(g, op) as ConvLikeParams;
  const inShape = g.tensors[op.inputs[0]].shape;
  const outShape = g.tensors[op.outputs[0]].shape;
  const [, kernelH, kernelW] = g.tensors[op.inputs[1]].shape;
  const { strideH, strideW, dilationH, dilationW, depthMultiplier: multiplier } = op.options;
  const channels = outShape[3];
  if (inShape[3] * multiplier !== channels) return `DEPTHWISE_CONV_2D: ${inShape[3]} input channels x multiplier ${multiplier} != ${channels} output channels`;
  if (params.padTop < 0 || params.padLeft < 0) return `DEPTHWISE_CONV_2D: negative padding (${params.padTop}, ${params.padLeft})`;
  const weights = constantData(g, op.inputs[1]) as Int8Array;
  const bias = constantData(g, op.inputs[2]) as Int32Array;
  const taps = kernelH * kernelW;
  const sum = new Array<number>(channels).fill(0);
  const absSum = new Array<number>(channels).fill(0);
  for (let t = 0; t < taps; t++) {
    for (let c = 0; c < channels; c++) {
      sum[c] += weights[t * channels + c];
      absSum[c] += Math.abs(weights[t * channels + c]);
    }
  }
  // Padding taps hold zp_in: fold -zp_in * sum(w) into the bias (raw inputs in the products).
  const folded = sum.map((s, c) => bias[c] - params.inZp * s);
  const bound = folded.map((b, c) => Math.abs(b) + 128 * absSum[c]);
  const table = deriveChannelConstants(mode, folded, bound, params, channels, { zeroWeightChannels: absSum.map((t) => t === 0) });
  if (typeof table === 'string') return table;
  const clamp = params.actMin !== -128 || params.actMax !== 127;
  const { variant, reason } = variantOf(mode, clamp, table, channels);
  return { params, strideH, strideW, dilationH, dilationW, inShape, outShape, kernelH, kernelW, multiplier, weights, table, variant, reason };
}

/**
 * 'plane' when the 3x3 plane kernel can run the op and is the faster one, else 'rows'. Both
 * run the same DSP loops (csrc/edgeq_depthwise_3x3_dsp.c, a channel's output rows per call);
 * the plane kernel pays less per channel (no tap gathering from int8, one flat requantisation
 * loop over the whole plane) but cannot transpose. Measured on Cortex-M4 -O2 (tflm, MLPerf Tiny
 * ops, instructions per MAC, plane / general): vww 48x48x8 stride 1 2.53 / 2.69, 48x48x16
 * stride 2 3.91 / 4.25, 24x24x32 stride 1 2.60 / 2.89, 12x12x64 stride 1 2.83 / 3.38, 6x6x128
 * stride 1 3.47 / 4.73, 3x3x256 stride 1 5.32 / 8.24; kws 25x5x64 (taller than wide: the
 * general kernel runs it transposed) 3.63 / 3.02. So: the plane on outputs not taller than
 * wide, while its scratch (the plane and the accumulators of a whole output plane) stays
 * within PLANE_SCRATCH_MAX.
 */
function chooseKernel(d: DepthwiseOp): DepthwiseKernel {
  const [, outH, outW] = d.outShape;
  return planeFits(d) && outH <= outW && planeGeometry(d).scratchBytes <= PLANE_SCRATCH_MAX ? 'plane' : 'rows';
}

/** Largest scratch the planner gives the 3x3 plane kernel by choice (vww's 48x48x8 layer: 14.4 KB). */
const PLANE_SCRATCH_MAX = 16384;

/** The plane kernel's int16 plane (border included, width even) and its scratch bytes (edgeq_depthwise_conv_3x3_s8_get_buffer_size). */
function planeGeometry(d: DepthwiseOp): { planeH: number; planeW: number; scratchBytes: number } {
  const [, ho, wo] = d.outShape;
  const s = d.strideH;
  const planeH = (ho - 1) * s + 3;
  const planeW = ((wo - 1) * s + 4 + 1) & ~1;
  return { planeH, planeW, scratchBytes: planeH * planeW * 2 + (ho * wo + 1) * 4 };
}

/** The 3x3 plane kernel's shapes: 3x3, multiplier 1, no dilation, the same stride 1 or 2 both ways. */
function planeFits(d: DepthwiseOp): boolean {
  return d.kernelH === 3 && d.kernelW === 3 && d.multiplier === 1 && d.dilationH === 1 && d.dilationW === 1 &&
    d.strideW === d.strideH && (d.strideH === 1 || d.strideH === 2);
}

/**
 * The general kernel sweeps its inner loops along a row of outputs, and pays a fixed cost per
 * row and channel (ring bookkeeping, loop entry, the odd last output of the stride-1 3x3 loop):
 * an op whose output is taller than wide (kws: 25x5) runs transposed, sweeping along image
 * columns (height and width, kernel, strides, dilations and padding swapped; the kernel reads
 * and writes the HWC tensors through the steps it is given).
 */
/** Largest int16 plane the general kernel caches whole (vww's 48x48 planes fit). */
const WHOLE_PLANE_BYTES = 6144;

/** Most int32 accumulators the general kernel keeps for a whole-plane sweep (EDGEQ_DW_ROWS_ACC_MAX). */
const ROWS_ACCUMULATORS_MAX = 256;

/**
 * The general kernel's int32 accumulators (accumulator_count in edgeq_depthwise_conv_rows_s8.c):
 * one row of the cache, or with the whole plane cached, room for as many output rows as fit in
 * ROWS_ACCUMULATORS_MAX (+1 for the stride-1 3x3 loop's extra), swept by one call of the 3x3
 * assembly loops on DSP cores.
 */
function rowsAccumulators(outH: number, outW: number, cacheW: number, whole: boolean): number {
  const wanted = Math.min(outH * outW + 1, ROWS_ACCUMULATORS_MAX);
  return whole && wanted > cacheW ? wanted : cacheW;
}

function rowsPlan(d: DepthwiseOp): FastPlan {
  const p = d.params;
  const [, inH, inW, inC] = d.inShape;
  const [, outH, outW, channels] = d.outShape;
  const transposed = outH > outW;
  const image = transposed
    ? { inH: inW, inW: inH, inRow: inC, inCol: inW * inC, outH: outW, outW: outH, outRow: channels, outCol: outW * channels,
      kernelH: d.kernelW, kernelW: d.kernelH, wRow: channels, wCol: d.kernelW * channels,
      strideH: d.strideW, strideW: d.strideH, dilationH: d.dilationW, dilationW: d.dilationH, padTop: p.padLeft, padLeft: p.padTop }
    : { inH, inW, inRow: inW * inC, inCol: inC, outH, outW, outRow: outW * channels, outCol: channels,
      kernelH: d.kernelH, kernelW: d.kernelW, wRow: d.kernelW * channels, wCol: channels,
      strideH: d.strideH, strideW: d.strideW, dilationH: d.dilationH, dilationW: d.dilationW, padTop: p.padTop, padLeft: p.padLeft };
  // Input columns one output row reads, then room for the paired loads past the last tap and
  // the stride-1 3x3 loop's even output count (cache_w even, >= out_w + 4).
  const needed = (image.outW - 1) * image.strideW + (image.kernelW - 1) * image.dilationW + 1;
  const cacheW = (Math.max(needed + 2, image.outW + 4) + 1) & ~1;
  // The whole padded plane of a channel when it takes at most WHOLE_PLANE_BYTES (each row loaded
  // once per channel, no ring bookkeeping per output row), else a ring of the rows one output row reads.
  const paddedRows = (image.outH - 1) * image.strideH + (image.kernelH - 1) * image.dilationH + 1;
  const whole = paddedRows * cacheW * 2 <= WHOLE_PLANE_BYTES;
  const cacheRows = whole ? paddedRows : (image.kernelH - 1) * image.dilationH + 1;
  const tapsW = (image.kernelW + 1) & ~1;
  const scratchBytes = ((cacheRows + 1) * cacheW + image.kernelH * tapsW) * 2 + (rowsAccumulators(image.outH, image.outW, cacheW, cacheRows >= paddedRows) + cacheRows + image.kernelH) * 4;
  return {
    kind: 'depthwise_rows', weightStorage: 'int8', fn: `edgeq_depthwise_conv_rows_s8_${d.variant}`,
    channelConstants: d.table.rows, weights: d.weights, scratchBytes,
    reason: `${d.kernelH}x${d.kernelW} stride ${d.strideH}x${d.strideW}, dilation ${d.dilationH}x${d.dilationW}, multiplier ${d.multiplier} ` +
      `through ${whole ? 'a whole int16 plane' : 'a ring of int16 input rows'}${transposed ? ' (transposed: output taller than wide)' : ''}, int8 weights: ${d.reason}`,
    structValues: {
      in_h: image.inH, in_w: image.inW, in_row_step: image.inRow, in_col_step: image.inCol,
      out_h: image.outH, out_w: image.outW, out_row_step: image.outRow, out_col_step: image.outCol,
      channels, depth_multiplier: d.multiplier,
      kernel_h: image.kernelH, kernel_w: image.kernelW, w_row_step: image.wRow, w_col_step: image.wCol,
      stride_h: image.strideH, stride_w: image.strideW, dilation_h: image.dilationH, dilation_w: image.dilationW,
      pad_top: image.padTop, pad_left: image.padLeft, in_zp: p.inZp, cache_w: cacheW, cache_rows: cacheRows,
    },
  };
}

function planePlan(d: DepthwiseOp): FastPlan {
  const p = d.params;
  const cout = d.outShape[3];
  const s = d.strideH;
  const tap = (ky: number, kx: number, c: number) => d.weights[(ky * 3 + kx) * cout + c] * d.table.weightFactor[c];
  const w16 = new Int16Array(cout * 10);
  for (let c = 0; c < cout; c++) {
    w16.set([tap(0, 0, c), tap(0, 1, c), tap(1, 0, c), tap(1, 1, c), tap(2, 0, c), tap(2, 1, c),
      tap(0, 2, c), tap(1, 2, c), tap(2, 2, c), 0], c * 10);
  }
  const { planeH, planeW, scratchBytes } = planeGeometry(d);
  return {
    kind: 'depthwise_3x3', weightStorage: 'int16', fn: `edgeq_depthwise_conv_3x3_s8_${d.variant}`, channelConstants: d.table.rows, weights: w16,
    scratchBytes,
    reason: `3x3 stride ${s} through an int16 plane (faster than the general kernel on outputs not taller than wide): ${d.reason}`,
    structValues: {
      in: heightWidthChannels(d.inShape), out: heightWidthChannels(d.outShape),
      stride: s, pad_top: p.padTop, pad_left: p.padLeft, in_zp: p.inZp, plane_h: planeH, plane_w: planeW,
    },
  };
}
