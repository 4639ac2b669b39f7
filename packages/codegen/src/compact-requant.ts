/**
 * --optimize size: the specialised kernels' per-channel requantisation rows
 * (edgeq_channel_requant {bias, mult, round, shift}, fast-kernels.ts) stored in flash as
 * compact rows {bias, mult, shift} (or {mult, shift} for FULLY_CONNECTED, whose biases are
 * their own array): the rounding constant follows from the shift and the output zero point,
 * and runtime-c's edgeq_channel_requant_expand rebuilds the rows into the op's scratch before
 * the kernel runs. This module is that function's TypeScript twin: it compacts an op's rows
 * only when the expansion gives every row back exactly.
 */

import { deriveOpParams, type QGraph } from '@edgeq/ir';
import { FAST_GENERIC_SHIFT, type FastPlan } from './fast-kernels.js';
import type { FcAddChoice } from './fast-planner.js';
import type { EmitContext } from './emit/emitter-support.js';

/** Bytes of one expanded row (sizeof(edgeq_channel_requant)) in the scratch buffer. */
export const EXPANDED_ROW_BYTES = 16;

/** An op's compact requantisation rows and what the generated expansion call needs. */
export interface CompactRequant {
  /** {bias, mult, shift} (withBias) or {mult, shift} per row. */
  values: Int32Array;
  rows: number;
  withBias: boolean;
  outZp: number;
}

/** The rows edgeq_channel_requant_expand builds from compact rows (4 int32 per row). */
export function expandChannelRows(compact: CompactRequant): Int32Array {
  const stride = compact.withBias ? 3 : 2;
  const rows = new Int32Array(compact.rows * 4);
  for (let r = 0; r < compact.rows; r++) {
    const at = r * stride;
    const bias = compact.withBias ? compact.values[at] : 0;
    const mult = compact.values[at + stride - 2];
    const shift = compact.values[at + stride - 1];
    if (shift === 0) {
      rows.set([0, 0, bias, 1], r * 4);
      continue;
    }
    // The C computes in uint32 and converts: the same wrap-around as Int32Array's store.
    const round = shift >= FAST_GENERIC_SHIFT / 2 ? compact.outZp : 2 ** (shift - 1) + compact.outZp * 2 ** shift;
    rows.set([bias, mult, round, shift], r * 4);
  }
  return rows;
}

/**
 * Compact rows of `rows` (4 int32 each: bias, mult, round, shift), or undefined when some
 * row does not come back exactly from its compact form (then the op keeps its full table).
 * `withBias` false: every bias field must be 0 (FULLY_CONNECTED rows).
 */
export function compactChannelRows(rows: Int32Array, outZp: number, withBias: boolean): CompactRequant | undefined {
  const count = rows.length / 4;
  const stride = withBias ? 3 : 2;
  const values = new Int32Array(count * stride);
  for (let r = 0; r < count; r++) {
    const [bias, mult, round, shift] = rows.subarray(r * 4, r * 4 + 4);
    // A row {0, 0, round, 1} is a constant: compact {round, 0, 0} (with a bias word to hold it).
    const constant = withBias && bias === 0 && mult === 0 && shift === 1;
    const row = constant ? [round, 0, 0] : withBias ? [bias, mult, shift] : [mult, shift];
    values.set(row, r * stride);
  }
  const compact: CompactRequant = { values, rows: count, withBias, outZp };
  const expanded = expandChannelRows(compact);
  return expanded.every((v, i) => v === rows[i]) ? compact : undefined;
}

/**
 * The compact rows of every op whose specialised kernel takes edgeq_channel_requant rows
 * (CONV_2D / DEPTHWISE_CONV_2D plans, FULLY_CONNECTED plans), by op index: generate.ts calls
 * this for --optimize size and gives each such op scratch for its expanded rows.
 */
export function planCompactRequant(
  g: QGraph,
  fast: ReadonlyMap<number, FastPlan>,
  fcAdd: ReadonlyMap<number, FcAddChoice> | undefined,
): Map<number, CompactRequant> {
  const compact = new Map<number, CompactRequant>();
  const outZp = (i: number) => (deriveOpParams(g, g.ops[i]) as { outZp: number }).outZp;
  for (const [i, plan] of fast) {
    const c = compactChannelRows(plan.channelConstants, outZp(i), true);
    if (c) compact.set(i, c);
  }
  for (const [i, choice] of fcAdd ?? []) {
    if (choice.plan?.kind !== 'fully_connected') continue;
    const c = compactChannelRows(choice.plan.requantRows, outZp(i), false);
    if (c) compact.set(i, c);
  }
  return compact;
}

/** Offset, in an op's scratch, of its expanded rows, placed after `kernelScratchBytes` of the kernel's own scratch. */
export function expandedRowsOffset(kernelScratchBytes: number): number {
  return Math.ceil(kernelScratchBytes / 4) * 4;
}

/**
 * The C expression that expands an op's compact requantisation rows into its scratch (after
 * `kernelScratchBytes` of the kernel's own) and yields the `const edgeq_channel_requant *`.
 */
export function expandedRowsRef(ctx: EmitContext, opIndex: number, compactRows: string, compact: CompactRequant, kernelScratchBytes: number): string {
  const at = ctx.scratchOffsets!.get(opIndex)! + expandedRowsOffset(kernelScratchBytes);
  return `edgeq_channel_requant_expand(${compactRows}, ${compact.rows}, ${compact.withBias ? 1 : 0}, ${compact.outZp}, ` +
    `(edgeq_channel_requant *)(void *)EDGEQ_ARENA(${at}))`;
}
