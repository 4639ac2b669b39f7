/**
 * bench/mcu-w4.ts's records and their summary: per model and `--optimize` mode, the W4 run
 * beside the W8 run of the same model and mode (constants ratio, the flash bar for
 * weight-dominated models, instructions ratio, CMSIS-NN beside each). Also what
 * bench/lib/readme-tables.ts renders into the README's W4 table.
 */

/** Models whose flash is dominated by weights: the ones the W4 <= 0.55x W8 bar applies to. */
export const WEIGHT_DOMINATED_MODELS: readonly string[] = ['ad01_int8', 'vww_96_int8'];

/** The issue's bar: W4 constants at most this fraction of W8's (same optimize mode). */
export const W4_FLASH_BAR = 0.55;

/** One layer of a run. */
export interface W4OpRecord {
  name: string;
  type: string;
  /** dtype of the op's constant weights (int8 / int4), absent for ops without weights. */
  weight_dtype?: string;
  instructions: number;
  constants: number;
  macs: number;
  cmsis_nn_instructions?: number;
  cmsis_nn_ratio?: number;
}

/** One run: a model's W8 or W4 graph in one optimize mode on the Cortex-M4. */
export interface W4Record {
  model: string;
  source: string;
  weights: 'w8' | 'w4';
  core: string;
  cpu: string;
  rounding: string;
  optimize: string;
  gcc: string;
  /** git commit of the run (with +dirty for uncommitted changes). */
  commit: string;
  macs: number;
  narrowing?: unknown;
  status: string;
  vectors: number;
  parity: string;
  bit_exact: boolean;
  instructions: number;
  instructions_per_mac: number;
  constants: number;
  per_op: W4OpRecord[];
  flash_model: number;
  flash_runtime: number;
  flash_total: number;
  arena: number;
  stack_peak: number;
  cmsis_nn?: { instructions: number; ratio: number; commit?: string; bit_exact?: boolean; flash?: number; constants?: number };
}

/** W4 against W8 for one model in one optimize mode. */
export interface W4Summary {
  model: string;
  optimize: string;
  weight_dominated: boolean;
  constants_w8: number;
  constants_w4: number;
  /** W4 constants / W8 constants (same optimize mode). */
  constants_ratio: number;
  /** For weight-dominated models: constants_ratio <= W4_FLASH_BAR. */
  flash_bar_met?: boolean;
  instructions_w8: number;
  instructions_w4: number;
  /** W4 instructions / W8 instructions. */
  instructions_ratio: number;
  flash_total_w8: number;
  flash_total_w4: number;
  bit_exact: boolean;
  cmsis_nn_w8_instructions?: number;
  cmsis_nn_w4_instructions?: number;
  cmsis_nn_w8_flash?: number;
  cmsis_nn_w4_flash?: number;
}

/** The summary of every (model, optimize) that has both a W8 and a W4 run, in record order. */
export function summariseW4(records: readonly W4Record[]): W4Summary[] {
  const out: W4Summary[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    const key = `${r.model}/${r.optimize}`;
    if (seen.has(key)) continue;
    const w8 = records.find((x) => x.model === r.model && x.optimize === r.optimize && x.weights === 'w8' && x.status === 'ok');
    const w4 = records.find((x) => x.model === r.model && x.optimize === r.optimize && x.weights === 'w4' && x.status === 'ok');
    if (!w8 || !w4) continue;
    seen.add(key);
    const weightDominated = WEIGHT_DOMINATED_MODELS.includes(r.model);
    const constantsRatio = +(w4.constants / w8.constants).toFixed(4);
    out.push({
      model: r.model, optimize: r.optimize, weight_dominated: weightDominated,
      constants_w8: w8.constants, constants_w4: w4.constants, constants_ratio: constantsRatio,
      ...(weightDominated ? { flash_bar_met: constantsRatio <= W4_FLASH_BAR } : {}),
      instructions_w8: w8.instructions, instructions_w4: w4.instructions, instructions_ratio: +(w4.instructions / w8.instructions).toFixed(4),
      flash_total_w8: w8.flash_total, flash_total_w4: w4.flash_total, bit_exact: w8.bit_exact && w4.bit_exact,
      ...(w8.cmsis_nn ? { cmsis_nn_w8_instructions: w8.cmsis_nn.instructions } : {}),
      ...(w4.cmsis_nn ? { cmsis_nn_w4_instructions: w4.cmsis_nn.instructions } : {}),
      ...(w8.cmsis_nn?.flash ? { cmsis_nn_w8_flash: w8.cmsis_nn.flash } : {}),
      ...(w4.cmsis_nn?.flash ? { cmsis_nn_w4_flash: w4.cmsis_nn.flash } : {}),
    });
  }
  return out;
}
