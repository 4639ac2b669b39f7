/**
 * Build-time specialisation of CONV_2D and DEPTHWISE_CONV_2D: decides whether an op can
 * run on runtime-c's specialised kernels (csrc/edgeq_*_s8.c), and if so precomputes
 * everything they need: per-channel {bias, mult, round, shift} (input zero point folded
 * into the bias for 1x1, output zero point and rounding folded into `round`), weights
 * re-laid out for the kernel, plane/column geometry and the scratch size. Every check
 * that keeps the kernel's 32-bit arithmetic exact is made here; when one fails, the op
 * keeps the reference kernel (never a silent approximation).
 */

import { constantData, deriveOpParams, type ConvLikeParams, type OpDef, type QGraph } from '@edgeq/ir';
import type { CStructValues } from './emit/c-struct.js';
import { heightWidthChannels } from './emit/emitter-support.js';

export type FastMode = 'tflm' | 'single' | 'pow2';

export interface FastPlan {
  kind: 'pointwise' | 'conv_im2col' | 'depthwise_3x3';
  /** Kernel function name, e.g. edgeq_depthwise_conv_3x3_s8_tflm_clamp. */
  fn: string;
  /** Per-channel requantisation constants (edgeq_channel_requant rows), 4 int32 each: bias, mult, round, shift. */
  channelConstants: Int32Array;
  weights: Int8Array | Int16Array;
  /**
   * Values of the kernel's parameter struct (emit/fast-kernel.ts describes it) except the
   * activation range and the channel table, which the emitter adds.
   */
  structValues: CStructValues;
  scratchBytes: number;
}

const I32 = 2 ** 31;

/**
 * Per-channel requantisation constants (edgeq_channel_requant rows: bias, mult, round,
 * shift), or a reason why the fast formula is not exact. `accBound[c]` bounds |accumulator|
 * of channel c. Also used by the FULLY_CONNECTED and ADD planners (fast-fully-connected.ts,
 * fast-elementwise.ts).
 */
export function deriveChannelConstants(
  mode: FastMode,
  bias: ArrayLike<number>,
  accBound: ArrayLike<number>,
  p: Pick<ConvLikeParams, 'requant' | 'outZp'>,
  channels: number,
): Int32Array | string {
  const out = new Int32Array(channels * 4);
  const perChannel = p.requant.shift.length > 1;
  for (let c = 0; c < channels; c++) {
    const m = mode === 'pow2' ? 0 : p.requant.multiplier[perChannel ? c : 0];
    const e = -p.requant.shift[perChannel ? c : 0];
    const a = accBound[c];
    let round: number;
    let shift: number;
    let hi: number;
    if (mode === 'single') {
      if (e < 2 || e > 31) return `channel ${c}: right shift ${e} outside [2, 31]`;
      round = 2 ** (e - 2) + p.outZp * 2 ** (e - 1);
      shift = e - 1;
      hi = a / 2 + 1;
    } else {
      if (e < 1 || e > 31) return `channel ${c}: right shift ${e} outside [1, 31]`;
      if (mode === 'tflm' && a >= 2 ** 30) return `channel ${c}: accumulator bound ${a} >= 2^30`;
      round = 2 ** (e - 1) + p.outZp * 2 ** e;
      shift = e;
      hi = mode === 'tflm' ? a + 1 : a;
    }
    if (Math.abs(round) + hi + 2 >= I32) return `channel ${c}: rounding constant overflows int32`;
    out.set([bias[c], m, round, shift], c * 4);
  }
  return out;
}

/**
 * In tflm mode the kernels accumulate 2a (int16 weights and bias doubled; |a| < 2^30 is
 * checked) so that SMMULR(2a, m) = SRDHM(a, m) needs no shift per output.
 */
function doubled(mode: FastMode, plan: FastPlan | undefined): FastPlan | undefined {
  if (!plan || mode !== 'tflm') return plan;
  const w = plan.weights as Int16Array;
  for (let i = 0; i < w.length; i++) w[i] *= 2;
  for (let i = 0; i < plan.channelConstants.length; i += 4) plan.channelConstants[i] *= 2;
  return plan;
}

/** Plan the specialised kernel of a CONV_2D / DEPTHWISE_CONV_2D op, or undefined. */
export function planFastOp(g: QGraph, op: OpDef, mode: FastMode): FastPlan | undefined {
  return doubled(mode, planFastOpUndoubled(g, op, mode));
}

function planFastOpUndoubled(g: QGraph, op: OpDef, mode: FastMode): FastPlan | undefined {
  if (op.type !== 'CONV_2D' && op.type !== 'DEPTHWISE_CONV_2D') return undefined;
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
  const variant = `${mode}${clamp ? '_clamp' : ''}`;
  const maxDx = Math.max(Math.abs(-128 - p.inZp), Math.abs(127 - p.inZp));
  if (op.type === 'CONV_2D') {
    const cin = inS[3];
    const taps = kh * kw * cin;
    const sumAbs = (c: number) => { let s = 0; for (let i = 0; i < taps; i++) s += Math.abs(w[c * taps + i]); return s; };
    const pointwise = kh === 1 && kw === 1 && o.strideH === 1 && o.strideW === 1 && p.padTop === 0 && p.padLeft === 0 &&
      inS[1] === outS[1] && inS[2] === outS[2] && cin % 8 === 0 && cout % 2 === 0;
    if (pointwise) {
      // bias' = bias - zp_in * sum(w): raw int8 inputs enter the products.
      const folded = Array.from({ length: cout }, (_, c) => { let s = 0; for (let i = 0; i < cin; i++) s += w[c * cin + i]; return bias[c] - p.inZp * s; });
      const bound = folded.map((b, c) => Math.abs(b) + 128 * sumAbs(c));
      const channelConstants = deriveChannelConstants(mode, folded, bound, p, cout);
      if (typeof channelConstants === 'string') return undefined;
      // int16, per channel pair and input quad, in the lane order of SXTB16 (edgeq_pointwise_conv_s8.c).
      const quads = Math.ceil(cin / 4);
      const pairs = Math.ceil(cout / 2);
      const w16 = new Int16Array(pairs * quads * 8);
      const at = (c: number, k: number) => (k < cin ? w[c * cin + k] : 0);
      for (let j = 0; j < pairs; j++) {
        const [c0, c1] = [2 * j, Math.min(2 * j + 1, cout - 1)];
        for (let q = 0; q < quads; q++) {
          const k = 4 * q;
          w16.set([at(c0, k), at(c0, k + 2), at(c1, k), at(c1, k + 2), at(c0, k + 1), at(c0, k + 3), at(c1, k + 1), at(c1, k + 3)],
            (j * quads + q) * 8);
        }
      }
      return { kind: 'pointwise', fn: `edgeq_pointwise_conv_s8_${variant}`, channelConstants, weights: w16, scratchBytes: 0,
        structValues: { pixels: outS[1] * outS[2], cin, cout } };
    }
    if (cout % 2 !== 0) return undefined;
    const even = taps + (taps & 1);
    // Padding taps hold zp_in in the column: fold -zp_in * sum(w) into the bias.
    const folded = Array.from({ length: cout }, (_, c) => { let s = 0; for (let i = 0; i < taps; i++) s += w[c * taps + i]; return bias[c] - p.inZp * s; });
    const bound = folded.map((b, c) => Math.abs(b) + 128 * sumAbs(c));
    const channelConstants = deriveChannelConstants(mode, folded, bound, p, cout);
    if (typeof channelConstants === 'string') return undefined;
    // int16, per channel pair and tap pair: w[o][t], w[o][t+1], w[o+1][t], w[o+1][t+1].
    const w16 = new Int16Array(cout * even);
    const at = (c: number, t: number) => (t < taps ? w[c * taps + t] : 0);
    for (let j = 0; j < cout / 2; j++) {
      for (let t = 0; t < even; t += 2) {
        w16.set([at(2 * j, t), at(2 * j, t + 1), at(2 * j + 1, t), at(2 * j + 1, t + 1)], j * even * 2 + t * 2);
      }
    }
    return { kind: 'conv_im2col', fn: `edgeq_conv_im2col_s8_${variant}`, channelConstants, weights: w16, scratchBytes: even * 4,
      structValues: {
        in: heightWidthChannels(inS), out: heightWidthChannels(outS),
        kernel_h: kh, kernel_w: kw, stride_h: o.strideH, stride_w: o.strideW,
        dilation_h: o.dilationH, dilation_w: o.dilationW, pad_top: p.padTop, pad_left: p.padLeft,
        in_zp: p.inZp, taps: even,
      } };
  }
  // DEPTHWISE_CONV_2D
  const s = o.strideH;
  if (kh !== 3 || kw !== 3 || (op.options as { depthMultiplier: number }).depthMultiplier !== 1 || o.dilationH !== 1 || o.dilationW !== 1 ||
    o.strideW !== s || (s !== 1 && s !== 2) || p.padTop < 0 || p.padLeft < 0 || inS[3] !== cout) return undefined;
  const tap = (ky: number, kx: number, c: number) => w[(ky * 3 + kx) * cout + c];
  // The plane's border holds zp_in: fold -zp_in * sum(w) into the bias (raw inputs in the products).
  const folded = Array.from({ length: cout }, (_, c) => { let t = 0; for (let k = 0; k < 9; k++) t += w[k * cout + c]; return bias[c] - p.inZp * t; });
  const bound = folded.map((b, c) => {
    let t = 0;
    for (let k = 0; k < 9; k++) t += Math.abs(w[k * cout + c]);
    return Math.abs(b) + 128 * t;
  });
  const channelConstants = deriveChannelConstants(mode, folded, bound, p, cout);
  if (typeof channelConstants === 'string') return undefined;
  const w16 = new Int16Array(cout * 10);
  for (let c = 0; c < cout; c++) {
    w16.set([tap(0, 0, c), tap(0, 1, c), tap(1, 0, c), tap(1, 1, c), tap(2, 0, c), tap(2, 1, c),
      tap(0, 2, c), tap(1, 2, c), tap(2, 2, c), 0], c * 10);
  }
  const [ho, wo] = [outS[1], outS[2]];
  const planeH = (ho - 1) * s + 3;
  const planeW = ((wo - 1) * s + 4 + 1) & ~1;
  return { kind: 'depthwise_3x3', fn: `edgeq_depthwise_conv_3x3_s8_${variant}`, channelConstants, weights: w16, scratchBytes: planeH * planeW * 2 + ((wo + 1) & ~1) * 4,
    structValues: {
      in: heightWidthChannels(inS), out: heightWidthChannels(outS),
      stride: s, pad_top: p.padTop, pad_left: p.padLeft, in_zp: p.inZp, plane_h: planeH, plane_w: planeW,
    } };
}
