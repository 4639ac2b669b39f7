/**
 * Build-time specialisation of FULLY_CONNECTED: decides whether an op can run on runtime-c's
 * blocked FULLY_CONNECTED kernels (csrc/edgeq_fully_connected_w16_s8.c for `optimize:
 * 'speed'`, csrc/edgeq_fully_connected_w8_s8.c for `'size'`) and precomputes what they need:
 * the biases with the input zero point folded in, {mult, round, shift} per output feature
 * (one row when the weight scale is per-tensor), and the weights (int16 in the kernel's block layout, or the model's int8 rows unchanged).
 * When a check that keeps the kernel's 32-bit arithmetic exact fails, the op keeps the
 * reference kernel and the reason is returned.
 */

import { constantData, deriveOpParams, numElements, type ConvLikeParams, type OpDef, type QGraph } from '@edgeq/ir';
import { fastChannelRows, hasInt4Weights, type FastMode } from './fast-kernels.js';
import { planFastInt4 } from './fast-int4.js';

/** What `--optimize` trades: instructions (wider weights where it pays) or flash (int8 weights). */
export type OptimizeFor = 'speed' | 'size';

/** A FULLY_CONNECTED op planned onto a blocked kernel. */
export interface FullyConnectedPlan {
  kind: 'fully_connected';
  /** Kernel function name, e.g. edgeq_fully_connected_w16_s8_tflm_clamp. */
  fn: string;
  /** Per output feature: bias - zp_in * sum(w) (doubled with the int16 weights in tflm mode). */
  bias: Int32Array;
  /** edgeq_channel_requant rows, 4 int32 each (bias field 0): one per output feature, or one for all when they are equal (per-tensor weight scale). */
  requantRows: Int32Array;
  /**
   * int16 block layout (speed; doubled in tflm mode), the model's int8 rows (size), or int4
   * weights in the row-pair packing of edgeq_fully_connected_s4 (fast-int4.ts).
   */
  weights: Int16Array | Int8Array | Uint8Array;
  batches: number;
  inFeatures: number;
  outFeatures: number;
}

/**
 * The int16 weight layout of edgeq_fully_connected_w16_s8.c: per block of four rows (then
 * single rows), per input quad and row, w[4q], w[4q+2], w[4q+1], w[4q+3]; then per row its
 * `in % 4` tail weights.
 */
export function blockedWeights(w: ArrayLike<number>, outFeatures: number, inFeatures: number, scale: number): Int16Array {
  const quads = Math.floor(inFeatures / 4);
  const tail = inFeatures % 4;
  const out = new Int16Array(outFeatures * inFeatures);
  let k = 0;
  const put = (row: number, i: number) => { out[k++] = scale * w[row * inFeatures + i]; };
  for (let o = 0; o < outFeatures;) {
    const rows = outFeatures - o >= 4 ? 4 : 1;
    for (let q = 0; q < quads; q++) {
      for (let r = 0; r < rows; r++) for (const i of [0, 2, 1, 3]) put(o + r, 4 * q + i);
    }
    for (let r = 0; r < rows; r++) for (let t = 0; t < tail; t++) put(o + r, 4 * quads + t);
    o += rows;
  }
  return out;
}

/** Plan the blocked kernel of a FULLY_CONNECTED op, or the reason it keeps the reference kernel. */
export function planFastFullyConnected(g: QGraph, op: OpDef, mode: FastMode, optimize: OptimizeFor): FullyConnectedPlan | string {
  if (hasInt4Weights(g, op)) return planFastInt4(g, op, mode);
  const p = deriveOpParams(g, op) as ConvLikeParams;
  const [outFeatures, inFeatures] = g.tensors[op.inputs[1]].shape;
  const batches = numElements(g.tensors[op.inputs[0]].shape) / inFeatures;
  const w = constantData(g, op.inputs[1]) as Int8Array;
  const rows = fullyConnectedRows(mode, p, w, constantData(g, op.inputs[2]) as Int32Array, outFeatures, inFeatures);
  if (typeof rows === 'string') return rows;
  // int8 weights cannot be stored doubled: the w8 kernel doubles the accumulator in tflm mode.
  const doubling = optimize === 'speed' && mode === 'tflm' ? 2 : 1;
  const common = { kind: 'fully_connected' as const, bias: rows.bias.map((b) => b * doubling), requantRows: rows.requantRows, batches, inFeatures, outFeatures };
  if (optimize === 'size') return { ...common, fn: `edgeq_fully_connected_w8_s8_${rows.variant}`, weights: w };
  return { ...common, fn: `edgeq_fully_connected_w16_s8_${rows.variant}`, weights: blockedWeights(w, outFeatures, inFeatures, doubling) };
}

/** The biases and requantisation rows of a blocked FULLY_CONNECTED kernel, and its variant suffix. */
export interface FullyConnectedRows {
  /** Per output feature: bias - zp_in * sum(w), not doubled. */
  bias: Int32Array;
  /** edgeq_channel_requant rows (bias field 0): one per output feature, or one shared. */
  requantRows: Int32Array;
  /** e.g. tflm_clamp. */
  variant: string;
  /** Per output feature: sum |w| (for a kernel's own accumulator checks). */
  sumAbs: number[];
}

/**
 * The folded biases and fast requantisation rows of `outFeatures` rows of `inFeatures`
 * weights (row-major `w`), or the reason the fast formula does not hold for one of them.
 * Shared by the int8 / int16 planner above and the int4 one (fast-int4.ts).
 */
export function fullyConnectedRows(
  mode: FastMode, p: ConvLikeParams, w: ArrayLike<number>, bias: ArrayLike<number>, outFeatures: number, inFeatures: number,
): FullyConnectedRows | string {
  // bias' = bias - zp_in * sum(w): raw int8 inputs enter the products.
  const folded = new Array<number>(outFeatures);
  const bound = new Array<number>(outFeatures);
  const sumAbs = new Array<number>(outFeatures);
  for (let o = 0; o < outFeatures; o++) {
    let sum = 0;
    sumAbs[o] = 0;
    for (let i = 0; i < inFeatures; i++) {
      sum += w[o * inFeatures + i];
      sumAbs[o] += Math.abs(w[o * inFeatures + i]);
    }
    folded[o] = bias[o] - p.inZp * sum;
    bound[o] = Math.abs(folded[o]) + 128 * sumAbs[o];
  }
  const channelConstants = fastChannelRows(mode, folded, bound, p, outFeatures);
  if (typeof channelConstants === 'string') return channelConstants;
  const clamp = p.actMin !== -128 || p.actMax !== 127;
  // One shared row when every output feature has the same {mult, round, shift} (per-tensor weight scale).
  const sameAsFirst = (o: number) => [1, 2, 3].every((k) => channelConstants[o * 4 + k] === channelConstants[k]);
  const rows = Array.from({ length: outFeatures }, (_, o) => o).every(sameAsFirst) ? 1 : outFeatures;
  const requantRows = channelConstants.slice(0, rows * 4);
  for (let r = 0; r < rows; r++) requantRows[r * 4] = 0;
  const biasOut = Int32Array.from({ length: outFeatures }, (_, o) => channelConstants[o * 4]);
  return { bias: biasOut, requantRows, variant: `${mode}${clamp ? '_clamp' : ''}`, sumAbs };
}
