/**
 * --optimize size: the specialised kernels' per-channel requantisation rows
 * (edgeq_channel_requant {bias, mult, round, shift}, fast-kernels.ts) stored in flash as
 * the model has its data, 9 bytes per channel: int32 biases (none for FULLY_CONNECTED, whose
 * biases are their own array), int32 multipliers and int8 shift codes. When every bias of an
 * op fits int16 around the op's base (the middle of their range; usual with 4-bit weights,
 * whose bias scale is ~16x coarser) the biases are stored as int16 offsets from that int32
 * base: 7 bytes per channel. The rounding constant
 * follows from the shift and the output zero point, and runtime-c's
 * edgeq_channel_requant_expand rebuilds the rows into the op's scratch before the kernel runs.
 * A FULLY_CONNECTED kernel's own bias array (one int32 per output feature) is stored the same
 * way when it fits, and edgeq_bias_expand_b16 rebuilds it after the rows.
 * This module is those functions' TypeScript twin: it compacts an op's data only when the
 * expansion gives every value back exactly.
 */

import { deriveOpParams, type QGraph } from '@edgeq/ir';
import { intLiteral } from './c-syntax.js';
import { FAST_GENERIC_SHIFT, type FastPlan } from './fast-kernels.js';
import type { FcAddChoice } from './fast-planner.js';
import type { EmitContext, OpConstants } from './emit/emitter-support.js';

/** Bytes of one expanded row (sizeof(edgeq_channel_requant)) in the scratch buffer. */
export const EXPANDED_ROW_BYTES = 16;

/** Shift codes of a generic row are the spec's shift minus this (codes -128 .. -1: shifts -64 .. 63). */
const GENERIC_CODE_OFFSET = 64;

/** An op's compact requantisation data and what the generated expansion call needs. */
export interface CompactRequant {
  /** One per row; undefined: every bias is 0 (FULLY_CONNECTED rows). */
  bias?: Int32Array;
  /** Width the biases are stored at in flash: 16 when every bias − biasBase fits int16, else 32. */
  biasBits: 16 | 32;
  /** With 16-bit biases: the op's int32 base each stored bias is relative to (the middle of their range). */
  biasBase: number;
  multiplier: Int32Array;
  /** 1 .. 31: a fast row's shift; -128 .. -1: a generic row's spec shift - 64; 0: a constant row {0, 0, bias, 1}. */
  shiftCode: Int8Array;
  rows: number;
  outZp: number;
  /**
   * FULLY_CONNECTED only: the kernel's bias array (one per output feature) as int16 offsets,
   * when they fit; expanded into scratch after the rows (edgeq_bias_expand_b16).
   */
  fcBias?: CompactBias;
}

/** int32 values stored as int16 offsets from one int32 base (the middle of their range). */
export interface CompactBias {
  base: number;
  offsets: Int16Array;
}

/** The base centring `values`' range, and whether every value lies within int16 of it (the range spans at most 65535). */
function int16Base(values: ArrayLike<number>): { base: number; fits: boolean } {
  let low = 0;
  let high = 0;
  for (let i = 0; i < values.length; i++) {
    low = i === 0 || values[i] < low ? values[i] : low;
    high = i === 0 || values[i] > high ? values[i] : high;
  }
  // Rounded up: a range of exactly 65535 then sits on [-32768, 32767].
  const base = Math.ceil((low + high) / 2);
  return { base, fits: high - base <= 32767 && low - base >= -32768 };
}

/** `bias` as int16 offsets from one base, or undefined when the values span more than 65535. */
export function compactBias(bias: Int32Array): CompactBias | undefined {
  const { base, fits } = int16Base(bias);
  return fits ? { base, offsets: Int16Array.from(bias, (b) => b - base) } : undefined;
}

/** The int32 biases edgeq_bias_expand_b16 rebuilds (base + offset, in int32). */
export function expandBias(c: CompactBias): Int32Array {
  return Int32Array.from(c.offsets, (o) => c.base + o);
}

/** The rows edgeq_channel_requant_expand builds from compact data (4 int32 per row). */
export function expandChannelRows(compact: CompactRequant): Int32Array {
  const rows = new Int32Array(compact.rows * 4);
  for (let r = 0; r < compact.rows; r++) {
    const bias = compact.bias?.[r] ?? 0;
    const code = compact.shiftCode[r];
    // The C computes the rounding constant in uint32 and converts: Int32Array's store wraps the same way.
    if (code === 0) rows.set([0, 0, bias, 1], r * 4);
    else if (code < 0) rows.set([bias, compact.multiplier[r], compact.outZp, FAST_GENERIC_SHIFT + code + GENERIC_CODE_OFFSET], r * 4);
    else rows.set([bias, compact.multiplier[r], 2 ** (code - 1) + compact.outZp * 2 ** code, code], r * 4);
  }
  return rows;
}

/** The shift code of a row, or undefined when none represents it. */
function shiftCodeOf(bias: number, mult: number, shift: number): number | undefined {
  if (bias === 0 && mult === 0 && shift === 1) return 0; // a constant row (its round is stored as the bias)
  if (shift >= 1 && shift <= 31) return shift;
  const code = shift - FAST_GENERIC_SHIFT - GENERIC_CODE_OFFSET;
  return shift >= FAST_GENERIC_SHIFT / 2 && code >= -128 && code <= -1 ? code : undefined;
}

/**
 * Compact data of `rows` (4 int32 each: bias, mult, round, shift), or undefined when some
 * row does not come back exactly from it (then the op keeps its full table).
 * `withBias` false: every bias field must be 0 (FULLY_CONNECTED rows).
 */
export function compactChannelRows(rows: Int32Array, outZp: number, withBias: boolean): CompactRequant | undefined {
  const count = rows.length / 4;
  const bias = new Int32Array(count);
  const multiplier = new Int32Array(count);
  const shiftCode = new Int8Array(count);
  for (let r = 0; r < count; r++) {
    const [b, mult, round, shift] = rows.subarray(r * 4, r * 4 + 4);
    const code = shiftCodeOf(b, mult, shift);
    if (code === undefined || (code === 0 && !withBias)) return undefined;
    bias[r] = code === 0 ? round : b;
    multiplier[r] = mult;
    shiftCode[r] = code;
  }
  // The base centres the biases' range; 16 bits hold them when the range spans at most 65535.
  const { base: biasBase, fits } = int16Base(bias);
  const biasBits = fits ? 16 : 32;
  const compact: CompactRequant = { ...(withBias ? { bias } : {}), biasBits, biasBase: biasBits === 16 ? biasBase : 0, multiplier, shiftCode, rows: count, outZp };
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
    const fcBias = c && compactBias(choice.plan.bias);
    if (c) compact.set(i, fcBias ? { ...c, fcBias } : c);
  }
  return compact;
}

/** Offset, in an op's scratch, of its expanded rows, placed after `kernelScratchBytes` of the kernel's own scratch. */
export function expandedRowsOffset(kernelScratchBytes: number): number {
  return Math.ceil(kernelScratchBytes / 4) * 4;
}

/** Scratch bytes an op needs: the kernel's own, then its expanded rows, then (FULLY_CONNECTED) its expanded biases. */
export function compactScratchBytes(kernelScratchBytes: number, compact: CompactRequant): number {
  return expandedRowsOffset(kernelScratchBytes) + compact.rows * EXPANDED_ROW_BYTES + (compact.fcBias?.offsets.length ?? 0) * 4;
}

/** The names of an op's compact arrays in the generated C (`bias` undefined: NULL). */
export interface CompactRequantArrays {
  bias?: string;
  multiplier: string;
  shiftCode: string;
}

/** Declares an op's compact arrays (the int8 shift codes last, so no padding follows a wider array). */
export function declareCompactArrays(constants: OpConstants, compact: CompactRequant): CompactRequantArrays {
  const bias = !compact.bias ? undefined
    : compact.biasBits === 16 ? constants.array('int16_t', 'channel_bias', Int16Array.from(compact.bias, (b) => b - compact.biasBase))
    : constants.array('int32_t', 'channel_bias', compact.bias);
  const multiplier = constants.array('int32_t', 'channel_mult', compact.multiplier);
  return { bias, multiplier, shiftCode: constants.array('int8_t', 'channel_shift', compact.shiftCode) };
}

/**
 * The C expression that expands an op's compact requantisation data into its scratch (after
 * `kernelScratchBytes` of the kernel's own) and yields the `const edgeq_channel_requant *`.
 */
export function expandedRowsRef(ctx: EmitContext, opIndex: number, arrays: CompactRequantArrays, compact: CompactRequant, kernelScratchBytes: number): string {
  const at = ctx.scratchOffsets!.get(opIndex)! + expandedRowsOffset(kernelScratchBytes);
  const expand = arrays.bias && compact.biasBits === 16 ? `edgeq_channel_requant_expand_b16(${arrays.bias}, ${intLiteral(compact.biasBase)}` : `edgeq_channel_requant_expand(${arrays.bias ?? 'NULL'}`;
  return `${expand}, ${arrays.multiplier}, ${arrays.shiftCode}, ${compact.rows}, ${compact.outZp}, ` +
    `(edgeq_channel_requant *)(void *)EDGEQ_ARENA(${at}))`;
}

/**
 * The C expression that expands a FULLY_CONNECTED's int16 bias offsets (array `offsets`) into
 * its scratch, after its expanded rows, and yields the kernel's `const int32_t *` bias array.
 */
export function expandedBiasRef(ctx: EmitContext, opIndex: number, offsets: string, compact: CompactRequant, kernelScratchBytes: number): string {
  if (!compact.fcBias) throw new Error(`codegen: op ${opIndex} has no compact biases to expand`);
  const at = ctx.scratchOffsets!.get(opIndex)! + expandedRowsOffset(kernelScratchBytes) + compact.rows * EXPANDED_ROW_BYTES;
  return `edgeq_bias_expand_b16(${offsets}, ${intLiteral(compact.fcBias.base)}, ${compact.fcBias.offsets.length}, (int32_t *)(void *)EDGEQ_ARENA(${at}))`;
}
