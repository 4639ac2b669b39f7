/**
 * The int8-side commands' parts of a results document (`simulate` / `parity` / `bench
 * --results`): which model variant ran (from the graph's metadata and file), parity
 * verdicts, costs per target, and the interpreter's accuracy, confusion matrix and graph
 * statistics. results-file.ts merges the parts into one document.
 */

import path from 'node:path';
import type { QGraph } from '@edgeq/ir';
import type { Evaluation, ObservedRange } from './evaluate.js';
import type { ModelRef } from './inputs/model.js';
import { variantLabel } from './report/charts.js';
import type { CostEntry, ParityEntry } from './report/schema.js';
import type { ResultsPart } from './results-file.js';
import { weightRangesOf } from './stats.js';

/** The variant a graph is, read from the metadata edgeq's ptq/qat/freeze write. */
export interface GraphVariant {
  variant?: 'ptq' | 'qat';
  scales: 'fixed' | 'pow2';
  granularity?: 'per-channel' | 'per-tensor';
  /** 4 when some of its layers hold int4 weights (W4A8). */
  weightBits?: 4;
  /** "QAT · fixed (out/qat.qgraph.json)", or the graph's name and file when it is not edgeq's. */
  label: string;
}

/** `{ weightBits: 4 }` for a graph with int4 weight tensors (W4A8), else nothing: the field the results rows carry. */
export function weightBitsOf(g: QGraph): { weightBits?: 4 } {
  return g.tensors.some((t) => t.dtype === 'int4') ? { weightBits: 4 } : {};
}

/** Which variant `g` (loaded from `ref`) is, as the report names it. */
export function graphVariant(g: QGraph, ref: ModelRef, untrained = false): GraphVariant {
  const meta = g.metadata ?? {};
  const stage = meta.stage === 'ptq' || meta.stage === 'qat' ? meta.stage : /_qat_/.test(g.name) ? 'qat' : /_ptq_/.test(g.name) ? 'ptq' : undefined;
  const granularity = meta.perChannel === false ? 'per-tensor' : meta.perChannel === true ? 'per-channel' : undefined;
  const scales = g.quantization.scales;
  const file = path.relative(process.cwd(), ref.file) || ref.file;
  const bits = weightBitsOf(g);
  const what = stage ? variantLabel({ variant: stage, scales, granularity, ...bits }) : `${g.name}${untrained ? ' (random untrained weights)' : ''}`;
  return { variant: stage, scales, granularity, ...bits, label: `${what} (${file})` };
}

/** What `parity --results` records: the verdict on the variant it ran, and the target's costs. */
export function parityPart(
  g: QGraph, v: GraphVariant,
  r: { target: string; runner: string; line: string; stats: { vectors: number; exactVectors: number; maxAbsDiff: number }; arenaBytes: number; constBytes: number; instructionsPerInference?: number },
  vectorsFrom: string,
): ResultsPart {
  const parity: ParityEntry = { target: r.target, runner: r.runner, vectors: r.stats.vectors, exactVectors: r.stats.exactVectors, maxAbsDiff: r.stats.maxAbsDiff, line: r.line, variant: v.label, vectorsFrom };
  const cost: CostEntry = { target: r.target, arenaBytes: r.arenaBytes, constBytes: r.constBytes, variant: v.label };
  if (r.instructionsPerInference !== undefined) cost.instructions = Math.round(r.instructionsPerInference);
  return { model: { name: g.name, dataset: 'not given' }, parity: [parity], costs: [cost] };
}

/** One measured target of `bench`. */
export interface BenchTarget {
  target: string;
  usPerInference?: number;
  flashBytes?: number;
  ramBytes?: number;
  instructions?: number;
}

/** What `bench --results` records: one cost row per measured target. */
export function benchPart(g: QGraph, v: GraphVariant, costs: { arenaBytes: number; constBytes: number }, rows: readonly BenchTarget[]): ResultsPart {
  return {
    model: { name: g.name, dataset: 'not given' },
    costs: rows.map((r) => ({
      target: r.target, arenaBytes: costs.arenaBytes, constBytes: costs.constBytes, variant: v.label,
      ...(r.flashBytes !== undefined ? { flashBytes: r.flashBytes } : {}),
      ...(r.ramBytes !== undefined ? { ramBytes: r.ramBytes } : {}),
      ...(r.instructions !== undefined ? { instructions: r.instructions } : {}),
      ...(r.usPerInference !== undefined ? { microseconds: r.usPerInference } : {}),
    })),
  };
}

/**
 * What `simulate --results` records: the graph's weight ranges and observed activation
 * ranges; with labels, the int8 top-1 (as the variant's accuracy row when the graph says
 * which variant it is) and the confusion matrix.
 */
export function simulatePart(g: QGraph, v: GraphVariant, ev: Evaluation, samples: number, source: string, ranges: readonly ObservedRange[]): ResultsPart {
  const part: ResultsPart = {
    model: { name: g.name, dataset: source },
    weightRanges: weightRangesOf(g),
    activationRanges: ranges.map(({ layer, min, max }) => ({ layer, min, max, source: 'observed' as const })),
  };
  if (ev.accuracy === undefined) return part;
  if (v.variant) {
    part.accuracy = [{ variant: v.variant, scales: v.scales, granularity: v.granularity ?? null, ...(v.weightBits ? { weightBits: v.weightBits } : {}), top1: ev.accuracy, correct: ev.correct!, total: samples, evaluatedBy: `int8 interpreter (edgeq simulate, ${source})` }];
  }
  if (ev.confusion) part.confusion = { variant: `${v.label}, int8 interpreter`, labels: ev.confusion.map((_, i) => String(i)), matrix: ev.confusion };
  return part;
}
