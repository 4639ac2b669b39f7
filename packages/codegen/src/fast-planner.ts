/**
 * Which FULLY_CONNECTED and ADD ops, and which CONV_2D / DEPTHWISE_CONV_2D ops with int4
 * weights, run on a specialised kernel (fast-fully-connected.ts, fast-elementwise.ts,
 * fast-int4.ts) and why: generate.ts calls this once per
 * graph; emit/index.ts emits the planned kernel and records the reason in the op's comment.
 */

import type { QGraph } from '@edgeq/ir';
import type { FastMode } from './fast-kernels.js';
import { planFastAdd } from './fast-elementwise.js';
import { planFastFullyConnected, type OptimizeFor } from './fast-fully-connected.js';
import { planFastInt4 } from './fast-int4.js';
import { hasInt4Weights } from './fast-kernels.js';
import type { FcAddPlan } from './emit/fast-fc-add.js';

/** One op's choice: the plan when the specialised kernel is exact, and the reason either way. */
export interface FcAddChoice {
  plan?: FcAddPlan;
  /** e.g. "fast: edgeq_add_table_s8_tflm" or "reference: channel 3: right shift 0 outside [1, 31]". */
  reason: string;
}

/** The choice for every FULLY_CONNECTED and ADD op, by op index. */
export function planFcAddOps(g: QGraph, mode: FastMode, optimize: OptimizeFor): Map<number, FcAddChoice> {
  const choices = new Map<number, FcAddChoice>();
  g.ops.forEach((op, i) => {
    const planned = op.type === 'FULLY_CONNECTED' ? planFastFullyConnected(g, op, mode, optimize)
      : op.type === 'ADD' ? planFastAdd(g, op, mode, optimize)
        : hasInt4Weights(g, op) ? planFastInt4(g, op, mode) : undefined;
    // An int4 convolution this kernel does not take is the conv planner's (fast-kernels.ts).
    if (planned === undefined || (op.type !== 'FULLY_CONNECTED' && typeof planned === 'string')) return;
    choices.set(i, typeof planned === 'string' ? { reason: `reference: ${planned}` } : { plan: planned, reason: `fast: ${planned.fn}` });
  });
  return choices;
}
