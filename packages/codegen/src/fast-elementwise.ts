/**
 * Build-time specialisation of ADD: decides whether an op can run on runtime-c's table
 * kernel (csrc/edgeq_add_table_s8.c) and precomputes what it needs. Each input's rescaled
 * term, requantise((x - zp) * 2^left_shift), depends on one int8 value only, so both are
 * 256-entry int32 tables computed here with the reference arithmetic of @edgeq/ir; the sum's
 * requantisation becomes one edgeq_channel_requant row (fast-kernels.ts
 * fastChannelRows). When the fast output formula is not exact the op keeps the
 * reference kernel and the reason is returned. Tables cost 2 KiB of flash per op, so
 * `optimize: 'size'` has the kernel build them at run time into 2 KiB of arena scratch
 * (csrc/edgeq_add_terms_s8.c: 512 reference requantisations per call).
 */

import { deriveOpParams, mbqmDouble, mbqmSingle, numElements, pow2Shift, type AddParams, type OpDef, type QGraph } from '@edgeq/ir';
import { fastChannelRows, type FastMode } from './fast-kernels.js';
import type { OptimizeFor } from './fast-fully-connected.js';

/** An ADD op planned onto the table kernel. */
export interface AddTablePlan {
  kind: 'add_table';
  /** Kernel function name, e.g. edgeq_add_table_s8_tflm_clamp. */
  fn: string;
  size: number;
  /** Rescaled term of input 1 (resp. 2) for int8 value v at index v & 255 (doubled in tflm mode). */
  term1: Int32Array;
  term2: Int32Array;
  /** The output's edgeq_channel_requant row: bias (0), mult, round, shift. */
  requant: Int32Array;
  /**
   * Where the term tables live: 'flash' (term1/term2 emitted as constants) or 'scratch'
   * (built per call by edgeq_add_terms_s8 into `scratchBytes` of arena; --optimize size).
   */
  terms: 'flash' | 'scratch';
  /** Arena scratch the op needs (2048 when the tables are built at run time, else 0). */
  scratchBytes: number;
}

/** Bytes of the two run-time term tables (csrc/edgeq_add_terms_s8.c). */
export const ADD_TERMS_SCRATCH_BYTES = 512 * 4;

/** The requantisation the reference ADD applies in each fast mode (edgeq_internal.h edgeq_rq). */
const REQUANTIZE: Readonly<Record<FastMode, (x: number, multiplier: number, shift: number) => number>> = {
  tflm: mbqmDouble,
  single: mbqmSingle,
  pow2: (x, _m, s) => pow2Shift(x, s),
};

/** The 256-entry term table of one input, indexed by the int8 value's low byte. */
function termTable(mode: FastMode, zp: number, leftShift: number, multiplier: number, shift: number): Int32Array {
  const table = new Int32Array(256);
  for (let v = -128; v < 128; v++) table[v & 255] = REQUANTIZE[mode]((v - zp) * 2 ** leftShift, multiplier, shift);
  return table;
}

const maxAbs = (t: Int32Array) => t.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Plan the table kernel of an ADD op, or the reason it keeps the reference kernel. */
export function planFastAdd(g: QGraph, op: OpDef, mode: FastMode, optimize: OptimizeFor): AddTablePlan | string {
  const p = deriveOpParams(g, op) as AddParams;
  const size = numElements(g.tensors[op.outputs[0]].shape);
  if (numElements(g.tensors[op.inputs[0]].shape) !== size || numElements(g.tensors[op.inputs[1]].shape) !== size) {
    return 'broadcast inputs';
  }
  const term1 = termTable(mode, p.in1Zp, p.leftShift, p.in1.multiplier[0], p.in1.shift[0]);
  const term2 = termTable(mode, p.in2Zp, p.leftShift, p.in2.multiplier[0], p.in2.shift[0]);
  const requant = fastChannelRows(mode, [0], [maxAbs(term1) + maxAbs(term2)], { requant: p.out, outZp: p.outZp, actMin: p.actMin, actMax: p.actMax }, 1);
  if (typeof requant === 'string') return requant;
  if (mode === 'tflm') {
    // The kernels requantise 2 * sum in tflm mode (edgeq_fast.h).
    for (let i = 0; i < 256; i++) { term1[i] *= 2; term2[i] *= 2; }
  }
  const clamp = p.actMin !== -128 || p.actMax !== 127;
  const terms = optimize === 'size' ? 'scratch' : 'flash';
  return { kind: 'add_table', fn: `edgeq_add_table_s8_${mode}${clamp ? '_clamp' : ''}`, size, term1, term2, requant,
    terms, scratchBytes: terms === 'scratch' ? ADD_TERMS_SCRATCH_BYTES : 0 };
}
