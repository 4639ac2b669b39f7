/**
 * Build-time specialisation of CONV_2D and DEPTHWISE_CONV_2D (the depthwise planning itself
 * lives in fast-depthwise.ts): decides whether an op can
 * run on runtime-c's specialised kernels (csrc/edgeq_*_s8.c), and if so precomputes
 * everything they need: per-channel {bias, mult, round, shift} (input zero point folded
 * into the bias for 1x1, output zero point and rounding folded into `round`), weights
 * re-laid out for the kernel, plane/column geometry and the scratch size. Every check
 * that keeps the kernel's 32-bit arithmetic exact is made here, per channel; a channel that
 * fails one is requantised by the reference formula inside the fast kernel (a generic row,
 * _mixed variant), so a few channels never send the whole op to the reference kernel.
 */

import { constantData, deriveOpParams, mbqmDouble, mbqmSingle, pow2Shift, type ConvLikeParams, type OpDef, type QGraph } from '@edgeq/ir';
import type { CStructValues } from './emit/c-struct.js';
import { heightWidthChannels } from './emit/emitter-support.js';
import { planDepthwise, type DepthwiseKernel } from './fast-depthwise.js';
import { planConvInt4, planDepthwiseInt4 } from './fast-int4.js';

export type FastMode = 'tflm' | 'single' | 'pow2';

/** How a fast kernel keeps its weights in flash. */
export type WeightStorage = 'int16' | 'int8';

/** Choices the planner takes from the caller. */
export interface FastPlanOptions {
  /**
   * 'int16' (default): weights widened (and re-laid out) for the fastest inner loops;
   * 'int8': int8 weights in flash, sign-extended on the fly, where a kernel has that variant
   * (CONV_2D: the 1x1 pointwise and the column kernel; DEPTHWISE_CONV_2D: the general kernel,
   * which keeps the model's int8 weights in either storage — fast-depthwise.ts).
   */
  weightStorage?: WeightStorage;
  /**
   * DEPTHWISE_CONV_2D only: force the 3x3 plane kernel ('plane', where it applies) or the general
   * one ('rows') instead of fast-depthwise.ts' choice (for kernel tests).
   */
  depthwiseKernel?: DepthwiseKernel;
}

export interface FastPlan {
  kind: 'pointwise' | 'pointwise_w8' | 'conv_im2col' | 'conv_im2col_w8' | 'conv_im2col_s4' | 'depthwise_3x3' | 'depthwise_rows';
  /** How the weights are stored (int16: widened; int8: as in the model, re-laid out). */
  weightStorage: WeightStorage;
  /** Kernel function name, e.g. edgeq_depthwise_conv_3x3_s8_tflm_clamp (suffix _mixed when some rows are generic). */
  fn: string;
  /** Per-channel requantisation constants (edgeq_channel_requant rows), 4 int32 each: bias, mult, round, shift. */
  channelConstants: Int32Array;
  /** int4 weights (conv_im2col_s4): packed in fast-int4.ts' row pairs. */
  weights: Int8Array | Int16Array | Uint8Array;
  /**
   * Values of the kernel's parameter struct (emit/fast-kernel.ts describes it) except the
   * activation range and the channel table, which the emitter adds.
   */
  structValues: CStructValues;
  scratchBytes: number;
  /**
   * int4 weights the kernel reads as int8: `weights` holds them packed (TFLite's order), and the
   * generated code unpacks the `count` values into the op's scratch at `offset` before the call
   * (runtime-c edgeq_s4_unpack).
   */
  int4Unpack?: { count: number; offset: number };
  /** Why this kernel and variant were chosen (emitted as a comment beside the call). */
  reason: string;
}

/** A fast plan, or why the op keeps the reference kernel. */
export type FastDecision = { plan: FastPlan } | { plan?: undefined; reason: string };

/** Per-channel rows of an op's edgeq_channel_requant table (csrc/edgeq_fast.h). */
export interface ChannelTable {
  /** 4 int32 per channel: bias, mult, round, shift. */
  rows: Int32Array;
  /**
   * Factor each channel's weights must be stored with: 2 for tflm rows on the fast formula
   * when doubling was asked for (the kernel accumulates 2 * acc; the row's bias is already
   * doubled), 1 otherwise.
   */
  weightFactor: Int8Array;
  /** Channels stored as generic rows (reference requantisation; call the _mixed variant), with the failed check. */
  generic: Array<{ channel: number; check: string }>;
}

const I32 = 2 ** 31;
/** edgeq.h EDGEQ_FAST_GENERIC_SHIFT: a row's shift at or above it marks a generic row. */
export const FAST_GENERIC_SHIFT = 256;

/**
 * Per-channel requantisation rows for the fast kernels: the fast formula's constants where
 * its 32-bit arithmetic is exact, a generic row (the reference formula, in the _mixed
 * variants) where a check fails: accumulator bound >= 2^30 in tflm, a right shift outside
 * the formula's range, a rounding constant that overflows int32. Returns a reason string
 * only when even the reference accumulator could overflow int32.
 *
 * `accBound[c]` bounds |accumulator| of channel c (bias included). Also used by the
 * FULLY_CONNECTED and ADD planners (fast-fully-connected.ts, fast-elementwise.ts).
 */
export function deriveChannelConstants(
  mode: FastMode,
  bias: ArrayLike<number>,
  accBound: ArrayLike<number>,
  p: Pick<ConvLikeParams, 'requant' | 'outZp' | 'actMin' | 'actMax'>,
  channels: number,
  options: ChannelTableOptions = {},
): ChannelTable | string {
  const doubleTflm = options.doubleTflm ?? true;
  const rows = new Int32Array(channels * 4);
  const weightFactor = new Int8Array(channels).fill(1);
  const generic: ChannelTable['generic'] = [];
  const perChannel = p.requant.shift.length > 1;
  for (let c = 0; c < channels; c++) {
    const specMultiplier = p.requant.multiplier[perChannel ? c : 0];
    const specShift = p.requant.shift[perChannel ? c : 0];
    const a = accBound[c];
    if (options.zeroWeightChannels?.[c]) {
      // Every accumulator is the bias: store the channel's one output value as round >> 1.
      const v = referenceRequant(mode, bias[c], specMultiplier, specShift) + p.outZp;
      rows.set([0, 0, 2 * Math.min(p.actMax, Math.max(p.actMin, v)), 1], c * 4);
      continue;
    }
    if (a >= I32) return `channel ${c}: accumulator bound ${a} >= 2^31`;
    const fast = fastRow(mode, bias[c], specMultiplier, -specShift, a, p.outZp, doubleTflm);
    if (typeof fast !== 'string') {
      rows.set(fast, c * 4);
      if (mode === 'tflm' && doubleTflm) weightFactor[c] = 2;
      continue;
    }
    if (Math.abs(specShift) >= 128) return `channel ${c}: shift ${specShift} outside (-128, 128)`;
    generic.push({ channel: c, check: fast });
    rows.set([bias[c], mode === 'pow2' ? 0 : specMultiplier, p.outZp, FAST_GENERIC_SHIFT + specShift], c * 4);
  }
  return { rows, weightFactor, generic };
}

/**
 * Fast-formula rows only (bias not doubled), or the reason the first channel that needs the
 * reference formula gives: for kernels without a generic-row variant (the FULLY_CONNECTED
 * and ADD kernels, which fall back to the reference kernel instead).
 */
export function fastChannelRows(
  mode: FastMode, bias: ArrayLike<number>, accBound: ArrayLike<number>,
  p: Pick<ConvLikeParams, 'requant' | 'outZp' | 'actMin' | 'actMax'>, channels: number,
): Int32Array | string {
  const table = deriveChannelConstants(mode, bias, accBound, p, channels, { doubleTflm: false });
  if (typeof table === 'string') return table;
  const first = table.generic[0];
  return first ? `channel ${first.channel}: ${first.check}` : table.rows;
}

/** Options of deriveChannelConstants. */
export interface ChannelTableOptions {
  /**
   * Store tflm fast rows for kernels that accumulate 2 * acc (bias doubled here, weights by
   * the caller through `weightFactor`). Default true.
   */
  doubleTflm?: boolean;
  /**
   * Channels whose weights are all zero: their output is one constant, stored as a fast row
   * {0, 0, 2 * value, 1} whatever their bias and scales (the caller's bias entry is the accumulator).
   */
  zeroWeightChannels?: ArrayLike<boolean>;
}

/** The spec's requantisation of one accumulator (without the output zero point). */
function referenceRequant(mode: FastMode, acc: number, multiplier: number, shift: number): number {
  if (mode === 'pow2') return pow2Shift(acc, shift);
  return mode === 'single' ? mbqmSingle(acc, multiplier, shift) : mbqmDouble(acc, multiplier, shift);
}

/** One channel's fast-formula row {bias, mult, round, shift} (csrc/edgeq_fast.h), or the check it fails. */
function fastRow(mode: FastMode, bias: number, multiplier: number, e: number, a: number, outZp: number, doubleTflm: boolean): number[] | string {
  const m = mode === 'pow2' ? 0 : multiplier;
  let round: number;
  let shift: number;
  let hi: number;
  if (mode === 'single') {
    if (e < 2 || e > 31) return `right shift ${e} outside [2, 31]`;
    round = 2 ** (e - 2) + outZp * 2 ** (e - 1);
    shift = e - 1;
    hi = a / 2 + 1;
  } else {
    if (e < 1 || e > 31) return `right shift ${e} outside [1, 31]`;
    if (mode === 'tflm' && a >= 2 ** 30) return `accumulator bound ${a} >= 2^30`;
    round = 2 ** (e - 1) + outZp * 2 ** e;
    shift = e;
    hi = mode === 'tflm' ? a + 1 : a;
  }
  if (Math.abs(round) + hi + 2 >= I32) return 'rounding constant overflows int32';
  return [mode === 'tflm' && doubleTflm ? 2 * bias : bias, m, round, shift];
}

/** The kernel variant suffix and the reason text of a channel table. */
export function variantOf(mode: FastMode, clamp: boolean, table: ChannelTable, channels: number): { variant: string; reason: string } {
  const mixed = table.generic.length > 0;
  const first = table.generic[0];
  return {
    variant: `${mode}${clamp ? '_clamp' : ''}${mixed ? '_mixed' : ''}`,
    reason: mixed
      ? `${table.generic.length} of ${channels} channels on the reference requantisation (channel ${first.channel}: ${first.check})`
      : `all ${channels} channels on the fast requantisation`,
  };
}

/** True when the op's weights (input 1) are int4 (W4A8). */
export const hasInt4Weights = (g: QGraph, op: OpDef): boolean => op.inputs.length > 1 && g.tensors[op.inputs[1]]?.dtype === 'int4';


/** Plan the specialised kernel of a CONV_2D / DEPTHWISE_CONV_2D op, or undefined. */
export function planFastOp(g: QGraph, op: OpDef, mode: FastMode, options: FastPlanOptions = {}): FastPlan | undefined {
  return decideFastOp(g, op, mode, options).plan;
}

/** Plan the specialised kernel of an op, or say why it keeps the reference kernel. */
export function decideFastOp(g: QGraph, op: OpDef, mode: FastMode, options: FastPlanOptions = {}): FastDecision {
  if (hasInt4Weights(g, op)) {
    const r = op.type === 'DEPTHWISE_CONV_2D' ? planDepthwiseInt4(g, op, mode) : planConvInt4(g, op, mode);
    return typeof r === 'string' ? { reason: r } : { plan: r };
  }
  const r = op.type === 'DEPTHWISE_CONV_2D' ? planDepthwise(g, op, mode, options.weightStorage ?? 'int16', options.depthwiseKernel)
    : planConvLike(g, op, mode, options.weightStorage ?? 'int16');
  return typeof r === 'string' ? { reason: r } : { plan: r };
}

function planConvLike(g: QGraph, op: OpDef, mode: FastMode, storage: WeightStorage): FastPlan | string {
  if (op.type !== 'CONV_2D' && op.type !== 'DEPTHWISE_CONV_2D') return `${op.type} has no specialised kernel here`;
  const p = deriveOpParams(g, op) as ConvLikeParams;
  const o = op.options;
  const inS = g.tensors[op.inputs[0]].shape;
  const outS = g.tensors[op.outputs[0]].shape;
  const wS = g.tensors[op.inputs[1]].shape;
  const w = constantData(g, op.inputs[1]) as Int8Array;
  const bias = constantData(g, op.inputs[2]) as Int32Array;
  const cout = outS[3];
  const [kh, kw] = [wS[1], wS[2]];
  const clamp = p.actMin !== -128 || p.actMax !== 127;
  if (op.type === 'CONV_2D') {
    const cin = inS[3];
    const taps = kh * kw * cin;
    const sumAbs = (c: number) => { let s = 0; for (let i = 0; i < taps; i++) s += Math.abs(w[c * taps + i]); return s; };
    const pointwise = kh === 1 && kw === 1 && o.strideH === 1 && o.strideW === 1 && p.padTop === 0 && p.padLeft === 0 &&
      inS[1] === outS[1] && inS[2] === outS[2] && cin % 8 === 0 && cout % 2 === 0;
    // bias' = bias - zp_in * sum(w): raw int8 inputs enter the products (padding taps hold zp_in).
    const folded = Array.from({ length: cout }, (_, c) => { let s = 0; for (let i = 0; i < taps; i++) s += w[c * taps + i]; return bias[c] - p.inZp * s; });
    const bound = folded.map((b, c) => Math.abs(b) + 128 * sumAbs(c));
    const int8Pointwise = pointwise && storage === 'int8';
    // int8 weights cannot be stored doubled: the int8 kernels double fast tflm accumulators instead.
    const table = deriveChannelConstants(mode, folded, bound, p, cout,
      { zeroWeightChannels: folded.map((_, c) => sumAbs(c) === 0), doubleTflm: storage !== 'int8' });
    if (typeof table === 'string') return table;
    const { variant, reason } = variantOf(mode, clamp, table, cout);
    const f = table.weightFactor;
    // An odd cout: a phantom last channel (zero weights, a zero row after the table) completes the last pair.
    const pairs = Math.ceil(cout / 2);
    const rows = cout % 2 === 0 ? table.rows : Int32Array.from([...table.rows, 0, 0, 0, 1]);
    if (int8Pointwise) {
      // int8, per channel pair and input quad: w[o][k..k+3], w[o+1][k..k+3] (edgeq_pointwise_conv_s8.c).
      const w8 = new Int8Array(cout * cin);
      for (let j = 0; j < cout / 2; j++) {
        for (let k = 0; k < cin; k += 4) {
          for (let i = 0; i < 4; i++) {
            w8[j * 2 * cin + 2 * k + i] = w[2 * j * cin + k + i];
            w8[j * 2 * cin + 2 * k + 4 + i] = w[(2 * j + 1) * cin + k + i];
          }
        }
      }
      return { kind: 'pointwise_w8', weightStorage: 'int8', fn: `edgeq_pointwise_conv_w8_s8_${variant}`, channelConstants: rows, weights: w8,
        scratchBytes: 0, reason: `1x1 stride 1, int8 weights: ${reason}`, structValues: { pixels: outS[1] * outS[2], cin, cout } };
    }
    if (pointwise) {
      // int16, per channel pair and input quad, in the lane order of SXTB16 (edgeq_pointwise_conv_s8.c).
      const quads = Math.ceil(cin / 4);
      const w16 = new Int16Array(pairs * quads * 8);
      const at = (c: number, k: number) => (k < cin && c < cout ? w[c * cin + k] * f[c] : 0);
      for (let j = 0; j < pairs; j++) {
        const [c0, c1] = [2 * j, 2 * j + 1];
        for (let q = 0; q < quads; q++) {
          const k = 4 * q;
          w16.set([at(c0, k), at(c0, k + 2), at(c1, k), at(c1, k + 2), at(c0, k + 1), at(c0, k + 3), at(c1, k + 1), at(c1, k + 3)],
            (j * quads + q) * 8);
        }
      }
      return { kind: 'pointwise', weightStorage: 'int16', fn: `edgeq_pointwise_conv_s8_${variant}`, channelConstants: rows, weights: w16, scratchBytes: 0,
        reason: `1x1 stride 1: ${reason}`, structValues: { pixels: outS[1] * outS[2], cin, cout } };
    }
    const at = (c: number, t: number) => (t < taps && c < cout ? w[c * taps + t] * f[c] : 0);
    const columnValues = (columnTaps: number) => ({
      in: heightWidthChannels(inS), out: heightWidthChannels(outS),
      kernel_h: kh, kernel_w: kw, stride_h: o.strideH, stride_w: o.strideW,
      dilation_h: o.dilationH, dilation_w: o.dilationW, pad_top: p.padTop, pad_left: p.padLeft,
      in_zp: p.inZp, taps: columnTaps,
    });
    if (storage === 'int8') {
      // int8, per channel pair and tap quad: w[o][t], w[o][t+2], w[o][t+1], w[o][t+3], then o+1 (SXTB16 lane order).
      const quadTaps = Math.ceil(taps / 4) * 4;
      const w8 = new Int8Array(pairs * 2 * quadTaps);
      for (let j = 0; j < pairs; j++) {
        for (let t = 0; t < quadTaps; t += 4) {
          for (const c of [2 * j, 2 * j + 1]) w8.set([at(c, t), at(c, t + 2), at(c, t + 1), at(c, t + 3)], (j * quadTaps + t) * 2 + (c & 1) * 4);
        }
      }
      return { kind: 'conv_im2col_w8', weightStorage: 'int8', fn: `edgeq_conv_im2col_w8_s8_${variant}`, channelConstants: rows, weights: w8,
        scratchBytes: quadTaps * 4, reason: `${kh}x${kw} through an int16 column, int8 weights: ${reason}`, structValues: columnValues(quadTaps) };
    }
    const even = taps + (taps & 1);
    // int16, per channel pair and tap pair: w[o][t], w[o][t+1], w[o+1][t], w[o+1][t+1].
    const w16 = new Int16Array(pairs * 2 * even);
    for (let j = 0; j < pairs; j++) {
      for (let t = 0; t < even; t += 2) {
        w16.set([at(2 * j, t), at(2 * j, t + 1), at(2 * j + 1, t), at(2 * j + 1, t + 1)], j * even * 2 + t * 2);
      }
    }
    return { kind: 'conv_im2col', weightStorage: 'int16', fn: `edgeq_conv_im2col_s8_${variant}`, channelConstants: rows, weights: w16, scratchBytes: even * 4,
      reason: `${kh}x${kw} through an int16 column: ${reason}`, structValues: columnValues(even) };
  }
  return `${op.type} has no specialised kernel here`;
}
