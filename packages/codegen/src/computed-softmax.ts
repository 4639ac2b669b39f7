/**
 * --optimize size: SOFTMAX ops whose 1 KiB exponent table stays out of flash. Their
 * exponentials are computed at run time into scratch (runtime-c's edgeq_softmax_computed_s8)
 * from the input scaling of TFLite Micro's Prepare; generate.ts gives each such op the
 * scratch and emit/softmax.ts emits the call. An op qualifies when the scaling rebuilds the
 * table the interpreter uses exactly (every fixed-point scheme; fp32 keeps its float table).
 */

import { deriveOpParams, softmaxExpTable, softmaxInputScaling, type QGraph, type SoftmaxInputScaling, type SoftmaxParams } from '@edgeq/ir';

/** Scratch bytes of edgeq_softmax_computed_s8: the 256-entry uint32 exponent table. */
export const COMPUTED_SOFTMAX_SCRATCH_BYTES = 256 * 4;

/** The input scaling of every SOFTMAX that computes its exponentials at run time, by op index. */
export function planComputedSoftmax(g: QGraph): Map<number, SoftmaxInputScaling> {
  const planned = new Map<number, SoftmaxInputScaling>();
  if (g.quantization.rounding === 'fp32') return planned;
  const single = g.quantization.scales === 'fixed' && g.quantization.rounding === 'single';
  g.ops.forEach((op, i) => {
    if (op.type !== 'SOFTMAX') return;
    const scaling = softmaxInputScaling(g.tensors[op.inputs[0]].quant!.scale[0], op.options.beta, single);
    if (!scaling) return;
    const table = (deriveOpParams(g, op) as SoftmaxParams).expTable;
    if (softmaxExpTable(scaling, single).every((v, d) => v === table[d])) planned.set(i, scaling);
  });
  return planned;
}
