/**
 * Emission of the specialised FULLY_CONNECTED and ADD kernels that fast-fully-connected.ts
 * fast-int4.ts and fast-elementwise.ts planned (runtime-c csrc/edgeq_fully_connected_w16_s8.c,
 * edgeq_fully_connected_w8_s8.c, edgeq_fully_connected_s4.c, edgeq_add_table_s8.c): their constants (weights,
 * edgeq_channel_requant rows, term tables) and parameter structs, and the kernel call.
 */

import type { AddTablePlan } from '../fast-elementwise.js';
import type { FullyConnectedPlan } from '../fast-fully-connected.js';
import { declareCompactArrays, type CompactRequant, type CompactRequantArrays } from '../compact-requant.js';
import { constPointerField, int32Fields, structField, type CStructDescription, type CStructValues } from './c-struct.js';
import { CHANNEL_REQUANT_STRUCT } from './fast-kernel.js';
import type { OpConstants } from './emitter-support.js';
import { ADD_PARAMS_STRUCT } from './add.js';

/** `edgeq_fc_fast_params` (include/edgeq.h). */
export const FC_FAST_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_fc_fast_params',
  fields: [
    ...int32Fields('batches', 'in_features', 'out_features', 'act_min', 'act_max'),
    constPointerField('bias', 'int32_t'),
    constPointerField('requant', 'edgeq_channel_requant'),
    ...int32Fields('requant_stride'),
  ],
};

/** `edgeq_add_table_params` (include/edgeq.h). */
export const ADD_TABLE_PARAMS_STRUCT: CStructDescription = {
  typeName: 'edgeq_add_table_params',
  fields: [
    ...int32Fields('size', 'act_min', 'act_max'),
    structField('requant', CHANNEL_REQUANT_STRUCT),
    constPointerField('term1', 'int32_t'),
    constPointerField('term2', 'int32_t'),
  ],
};

/** Every struct these kernels' emitted C declares. */
export const FC_ADD_KERNEL_STRUCTS: readonly CStructDescription[] = [FC_FAST_PARAMS_STRUCT, ADD_TABLE_PARAMS_STRUCT, ADD_PARAMS_STRUCT];

/** A FULLY_CONNECTED or ADD op planned onto a specialised kernel. */
export type FcAddPlan = FullyConnectedPlan | AddTablePlan;

const requantRow = (row: ArrayLike<number>): CStructValues => ({ bias: row[0], mult: row[1], round: row[2], shift: row[3] });

/** Where the kernel's inputs and output live, and the op's activation range. */
export interface FcAddOperands {
  input: string;
  /** ADD's second input. */
  input2: string;
  output: string;
  actMin: number;
  actMax: number;
  /** ADD with run-time term tables: its reference parameter struct's values (emit/add.ts) and the scratch buffer. */
  addTerms?: { params: CStructValues; scratch: string };
  /**
   * FULLY_CONNECTED under --optimize size: its compact requantisation data, and the C
   * expression that expands the named compact arrays into scratch (compact-requant.ts).
   */
  compactRequant?: {
    compact: CompactRequant;
    expand: (arrays: CompactRequantArrays) => string;
    /** With compact.fcBias: the C expression that expands the named int16 bias offsets into scratch. */
    expandBias: (offsets: string) => string;
  };
}

/** Declares a planned FULLY_CONNECTED / ADD kernel's constants and returns its call. */
export function emitFcAddKernel(plan: FcAddPlan, constants: OpConstants, o: FcAddOperands): string {
  if (plan.kind === 'fully_connected') {
    const type = plan.weights instanceof Int16Array ? 'int16_t' : plan.weights instanceof Uint8Array ? 'uint8_t' : 'int8_t';
    const weights = constants.array(type, 'weights', plan.weights);
    const fcBias = o.compactRequant?.compact.fcBias;
    // Size mode: int16 offsets from one base when the biases fit (expanded into scratch below).
    const bias = fcBias ? constants.array('int16_t', 'bias', fcBias.offsets) : constants.array('int32_t', 'bias', plan.bias);
    const values = {
      batches: plan.batches, in_features: plan.inFeatures, out_features: plan.outFeatures,
      act_min: o.actMin, act_max: o.actMax, bias: fcBias ? 'NULL' : bias, requant_stride: plan.requantRows.length > 4 ? 1 : 0,
    };
    if (o.compactRequant) {
      // Compact data in flash; a stack copy of the parameter struct points at the rows (and biases) expanded in scratch.
      const arrays = declareCompactArrays(constants, o.compactRequant.compact);
      const s = constants.struct(FC_FAST_PARAMS_STRUCT, { ...values, requant: 'NULL' });
      const expandBias = fcBias ? ` params.bias = ${o.compactRequant.expandBias(bias)};` : '';
      return `{ edgeq_fc_fast_params params = ${s}; params.requant = ${o.compactRequant.expand(arrays)};${expandBias} ` +
        `${plan.fn}(&params, ${o.input}, ${weights}, ${o.output}); }`;
    }
    const rows: CStructValues[] = [];
    for (let i = 0; i < plan.requantRows.length; i += 4) rows.push(requantRow(plan.requantRows.subarray(i, i + 4)));
    const table = constants.structArray(CHANNEL_REQUANT_STRUCT, 'channel_requant', rows);
    const s = constants.struct(FC_FAST_PARAMS_STRUCT, { ...values, requant: table });
    return `${plan.fn}(&${s}, ${o.input}, ${weights}, ${o.output});`;
  }
  if (plan.terms === 'scratch') {
    if (!o.addTerms) throw new Error('codegen: an ADD with run-time term tables needs its parameters and scratch');
    // The tables are built into scratch, then a copy of the table struct on the stack points at them.
    const terms = constants.struct(ADD_PARAMS_STRUCT, o.addTerms.params);
    const s = constants.struct(ADD_TABLE_PARAMS_STRUCT, {
      size: plan.size, act_min: o.actMin, act_max: o.actMax, requant: requantRow(plan.requant), term1: 'NULL', term2: 'NULL',
    });
    return `{ int32_t *terms = (int32_t *)(void *)${o.addTerms.scratch}; edgeq_add_table_params table = ${s}; ` +
      `edgeq_add_terms_s8(&${terms}, terms); table.term1 = terms; table.term2 = terms + 256; ` +
      `${plan.fn}(&table, ${o.input}, ${o.input2}, ${o.output}); }`;
  }
  const term1 = constants.array('int32_t', 'term1', plan.term1);
  const term2 = constants.array('int32_t', 'term2', plan.term2);
  const s = constants.struct(ADD_TABLE_PARAMS_STRUCT, {
    size: plan.size, act_min: o.actMin, act_max: o.actMax, requant: requantRow(plan.requant), term1, term2,
  });
  return `${plan.fn}(&${s}, ${o.input}, ${o.input2}, ${o.output});`;
}
