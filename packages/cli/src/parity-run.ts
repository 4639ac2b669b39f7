/**
 * Parity runs: seeded random input vectors, and host parity in slices (one compiled
 * binary per slice) so a progress bar can follow a long run; stats are merged and the
 * first differing op is reported with its vector index in the whole run.
 */

import { graphInputs, mulberry32, type InputVector, type QGraph } from '@edgeq/ir';
import { hostParity, parityLine, type HostParityReport, type ParityStats } from '@edgeq/harness';
import type { GenerateOptions } from '@edgeq/codegen';
import { usageError } from './errors.js';
import type { ProgressTask } from './progress.js';

/** Result of a parity run on one target. */
export interface ParityResult {
  target: string;
  runner: string;
  line: string;
  stats: ParityStats;
  arenaBytes: number;
  constBytes: number;
  firstDifferingOp?: HostParityReport['firstDifferingOp'];
}

/**
 * Seeded random int8 input vectors for a graph (bit-exactness needs no real data): a bare
 * tensor per vector for a one-input graph, else one tensor per graph input, in order.
 */
export function randomInputs(g: QGraph, count: number, seed: number): InputVector[] {
  const inputs = graphInputs(g);
  for (const t of inputs) {
    if (t.dtype !== 'int8') throw usageError(`--random: model input "${t.name}" is ${t.dtype}; ${inputs.length === 1 ? 'give --data instead' : 'random vectors are int8'}`);
  }
  const rand = mulberry32(seed ^ 0x5eed);
  return Array.from({ length: count }, () => {
    const tensors = inputs.map((t) => Int8Array.from({ length: t.elements }, () => Math.floor(rand() * 256) - 128));
    return tensors.length === 1 ? tensors[0] : tensors;
  });
}

/** Merge the stats of consecutive slices of one run (vector indices shifted). */
export function mergeStats(parts: ParityStats[]): ParityStats {
  const s: ParityStats = { vectors: 0, elements: 0, exactVectors: 0, mismatchedElements: 0, maxAbsDiff: 0, firstMismatches: [] };
  for (const p of parts) {
    for (const m of p.firstMismatches) if (s.firstMismatches.length < 10) s.firstMismatches.push({ ...m, vector: m.vector + s.vectors });
    s.vectors += p.vectors;
    s.elements += p.elements;
    s.exactVectors += p.exactVectors;
    s.mismatchedElements += p.mismatchedElements;
    s.maxAbsDiff = Math.max(s.maxAbsDiff, p.maxAbsDiff);
  }
  return s;
}

/**
 * Host parity over `inputs`, in slices; the first differing op comes from the first slice
 * that mismatches. `simulationWorkers`: worker threads of the interpreter's side (default: one per core when a slice is long enough).
 */
export async function runHostParity(g: QGraph, inputs: readonly InputVector[], sanitize: boolean, task?: ProgressTask, codegen?: GenerateOptions, simulationWorkers?: number): Promise<ParityResult> {
  const slice = Math.max(500, Math.ceil(inputs.length / 10));
  const parts: ParityStats[] = [];
  let first: HostParityReport['firstDifferingOp'];
  let last: HostParityReport | undefined;
  for (let at = 0; at < inputs.length; at += slice) {
    const chunk = inputs.slice(at, at + slice);
    last = await hostParity(g, chunk, { sanitize, codegen, simulationWorkers });
    if (!first && last.firstDifferingOp) first = { ...last.firstDifferingOp, vector: last.firstDifferingOp.vector + at };
    parts.push(last.stats);
    task?.tick(chunk.length);
  }
  const stats = mergeStats(parts);
  const runner = `gcc${sanitize ? ', ASan+UBSan' : ''}`;
  return { target: 'host', runner, line: parityLine(stats, `host (${runner})`), stats, arenaBytes: last?.arenaBytes ?? 0, constBytes: last?.constBytes ?? 0, firstDifferingOp: first };
}
