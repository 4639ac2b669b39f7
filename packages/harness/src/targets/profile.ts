// Reads the firmware harness's JSON summary and turns SysTick ticks into executed
// instruction counts (per inference and per op) with the target's exact ratio.
// The figures are QEMU instruction counts, not cycles.
import type { InstructionCounter } from './table.js';

/** The summary written by templates/firmware/harness_main.c.hbs. */
export interface FirmwareSummary {
  readonly model: string;
  readonly vectors: number;
  readonly tick_instr_num: number;
  readonly tick_instr_den: number;
  readonly invoke_ticks_total: number;
  readonly invoke_ticks_min: number;
  readonly invoke_ticks_max: number;
  readonly profile_overhead_ticks_per_1000: number;
  readonly op_ticks_total: readonly number[];
  readonly stack_peak: number;
  readonly stack_size: number;
}

/** Instruction counts of a run. */
export interface InstructionProfile {
  readonly vectors: number;
  /** Mean executed instructions per inference (whole invoke call). */
  readonly instructionsPerInference: number;
  /** Smallest and largest single-inference count (each ±1 tick). */
  readonly instructionsMin: number;
  readonly instructionsMax: number;
  /** Mean instructions per inference for each op, including the profiling hooks' own cost. */
  readonly perOp: ReadonlyArray<{ readonly name: string; readonly instructions: number }>;
  /** Mean cost of one BEGIN/END hook pair, counted inside each op's figure. */
  readonly profileOverheadPerOp: number;
  /** Resolution of a single measured region, in instructions (one SysTick tick). */
  readonly resolution: number;
  readonly stackPeak: number;
  readonly stackSize: number;
  readonly unit: 'instructions (QEMU -icount), not cycles';
}

/** Parses and sanity-checks the summary JSON. */
export function parseFirmwareSummary(text: string): FirmwareSummary {
  const s = JSON.parse(text) as FirmwareSummary;
  for (const k of ['vectors', 'tick_instr_num', 'tick_instr_den', 'invoke_ticks_total', 'stack_peak'] as const) {
    if (typeof s[k] !== 'number') throw new Error(`firmware summary lacks numeric "${k}": ${text.slice(0, 200)}`);
  }
  if (!Array.isArray(s.op_ticks_total)) throw new Error('firmware summary lacks "op_ticks_total"');
  return s;
}

/**
 * Converts a summary into instruction counts. Checks that the firmware was
 * built with the same ticks-to-instructions ratio as `counter`.
 */
export function instructionProfile(s: FirmwareSummary, counter: InstructionCounter, opNames: readonly string[]): InstructionProfile {
  if (s.tick_instr_num !== counter.instrPerTickNum || s.tick_instr_den !== counter.instrPerTickDen) {
    throw new Error(
      `firmware counted ${s.tick_instr_num}/${s.tick_instr_den} instructions per tick, target says ` +
        `${counter.instrPerTickNum}/${counter.instrPerTickDen}`,
    );
  }
  const ratio = counter.instrPerTickNum / counter.instrPerTickDen;
  const n = Math.max(1, s.vectors);
  return {
    vectors: s.vectors,
    instructionsPerInference: Math.round((s.invoke_ticks_total * ratio) / n),
    instructionsMin: Math.round(s.invoke_ticks_min * ratio),
    instructionsMax: Math.round(s.invoke_ticks_max * ratio),
    perOp: s.op_ticks_total.map((t, i) => ({ name: opNames[i] ?? `op${i}`, instructions: Math.round((t * ratio) / n) })),
    profileOverheadPerOp: Math.round((s.profile_overhead_ticks_per_1000 * ratio) / 1000),
    resolution: ratio,
    stackPeak: s.stack_peak,
    stackSize: s.stack_size,
    unit: 'instructions (QEMU -icount), not cycles',
  };
}
