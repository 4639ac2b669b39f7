/**
 * Build-time specialisation of W4A8 ops (int4 weights, int8 activations): FULLY_CONNECTED,
 * and CONV_2D 1x1 with stride 1 and no padding (a FULLY_CONNECTED per pixel), onto runtime-c's
 * edgeq_fully_connected_s4_<variant> (csrc/edgeq_fully_connected_s4.c). fast-planner.ts calls
 * this for every op with int4 weights; the plan is a FullyConnectedPlan, so emission
 * (emit/fast-fc-add.ts) and --optimize size's compact rows (compact-requant.ts) are shared with
 * the int8 kernels. The weights are re-packed for the kernel (int4RowPairs) from the model's
 * int4 values; the QGraph and .tflite keep TFLite's nibble order. Ops this kernel does not
 * take (other convolutions, depthwise) keep the packed reference kernels (_s4), with the
 * reason recorded in the generated C.
 */

import { constantData, deriveOpParams, type ConvLikeParams, type OpDef, type QGraph } from '@edgeq/ir';
import type { FastMode } from './fast-kernels.js';
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
  } else if (op.type === 'CONV_2D') {
    const [, kh, kw] = shapeOf(op.inputs[1]);
    const [, inH, inW, cin] = shapeOf(op.inputs[0]);
    const [, outH, outW, cout] = shapeOf(op.outputs[0]);
    const o = op.options;
    if (kh !== 1 || kw !== 1 || o.strideH !== 1 || o.strideW !== 1 || p.padTop !== 0 || p.padLeft !== 0 || inH !== outH || inW !== outW) {
      return `int4 weights: ${kh}x${kw} stride ${o.strideH}x${o.strideW} on the packed reference kernel (edgeq_conv2d_s4); only 1x1 stride 1 has a specialised int4 kernel`;
    }
    [batches, inFeatures, outFeatures] = [outH * outW, cin, cout];
  } else {
    return `int4 weights: ${op.type} on the packed reference kernel (_s4)`;
  }
  const w = constantData(g, op.inputs[1]);
  const rows = fullyConnectedRows(mode, p, w, constantData(g, op.inputs[2]), outFeatures, inFeatures);
  if (typeof rows === 'string') return rows;
  const heavy = rows.sumAbs.findIndex((s) => s >= MAX_SUM_ABS);
  if (heavy >= 0) return `output ${heavy}: sum |w| ${rows.sumAbs[heavy]} >= 2^31 / (16 * 128)`;
  return {
    kind: 'fully_connected', fn: `edgeq_fully_connected_s4_${rows.variant}`, bias: rows.bias, requantRows: rows.requantRows,
    weights: int4RowPairs(w, outFeatures, inFeatures), batches, inFeatures, outFeatures,
  };
}
