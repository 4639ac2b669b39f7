/**
 * Option definitions and parsers shared by several commands (scheme, target, data,
 * numbers), so every command spells and checks them the same way.
 */

import { Option } from 'commander';
import type { RoundingMode, ScaleMode } from '@edgeq/ir';
import { usageError } from '../errors.js';
import { TARGET_IDS } from '../targets.js';

/** `--scales fixed|pow2`. */
export const scalesOption = () =>
  new Option('--scales <mode>', 'requantisation scales: fixed (Q31 multiplier + shift, TFLite) or pow2 (one shift)').choices(['fixed', 'pow2']);
/** The `--rounding` modes: every RoundingMode of a QGraph. */
export const ROUNDING_MODES: readonly RoundingMode[] = ['tflm', 'single', 'fp32'];
/** `--rounding tflm|single|fp32`. */
export const roundingOption = () =>
  new Option(
    '--rounding <mode>',
    'fixed-scale requantisation rounding: tflm (double rounding, TFLite Micro / CMSIS-NN), single (TFLite single rounding) or fp32 (float32 multiplier, round half to even: what LiteRT/XNNPACK compute)',
  ).choices(ROUNDING_MODES);
/**
 * fp32 rounds a float32 multiplier, which only fixed scales have: `--rounding fp32` with pow2
 * scales is a usage error, said before any work. `scalesSource` says where the pow2 comes from.
 */
export function checkRoundingForScales(scales: ScaleMode | undefined, rounding: RoundingMode | undefined, scalesSource = '--scales pow2'): void {
  if (rounding === 'fp32' && scales === 'pow2') throw usageError(`--rounding fp32: rounds a float32 multiplier, which only fixed scales have (${scalesSource})`);
}
/** `--target <id>` (checked in code so the error names the value). */
/** `--optimize speed|size`: what the specialised kernels trade (codegen GenerateOptions.optimize; default speed). */
export const optimizeOption = () =>
  new Option('--optimize <what>', 'specialised kernels: speed (default; int16 weights and lookup tables where they save instructions) or size (int8 weights in flash, expanded on the fly)').choices(['speed', 'size']);

/** The `--optimize` value of a command's options. */
export interface OptimizeOpts {
  optimize?: 'speed' | 'size';
}

export const targetOption = (dflt = 'host') => new Option('--target <id>', `target core (${TARGET_IDS.join(', ')})`).default(dflt);

/** `--results FILE`: merge what the command computed into a results document (results-file.ts). */
export const resultsOption = () =>
  new Option('--results <file>', 'add what this command measured to a results document (created if absent; edgeq report renders it)');

/**
 * `--sim-workers N`: worker threads of the int8 interpreter when it runs over many samples
 * (simulate, parity, and the int8 evaluation of ptq, qat and freeze). A name of its own:
 * `--workers` of the training commands means training workers, with another default.
 */
export const simWorkersOption = () =>
  new Option('--sim-workers <n>', 'int8 interpreter worker threads over many samples (default: one per core when the run is long enough; 1: the main thread)')
    .argParser(positiveInt('--sim-workers'));

/** Parse a positive integer flag value. */
export function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw usageError(`${flag} ${v}: expected a positive integer`);
    return n;
  };
}

/** Parse a non-negative integer flag value. */
export function nonNegativeInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw usageError(`${flag} ${v}: expected a non-negative integer`);
    return n;
  };
}

/** Parse a positive number flag value. */
export function positiveNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw usageError(`${flag} ${v}: expected a positive number`);
    return n;
  };
}

/** Parser of a comma-separated list of positive numbers ("1e-4,3e-5"), naming the flag when an entry is not one. */
export function positiveNumbers(flag: string) {
  return (v: string): number[] => {
    const list = v.split(',').map((s) => Number(s.trim()));
    if (!v.trim() || list.some((n) => !Number.isFinite(n) || n <= 0)) throw usageError(`${flag} ${v}: expected positive numbers, comma-separated`);
    return list;
  };
}

/** Scheme options as parsed. */
export interface SchemeOpts {
  scales?: ScaleMode;
  rounding?: RoundingMode;
}

/** Human description of a scheme. */
export function schemeText(s: { scales: ScaleMode; rounding: RoundingMode }): string {
  return s.scales === 'pow2' ? 'pow2 scales (shift only)' : `fixed scales, ${s.rounding} rounding`;
}

/** Format a byte count with thousands separators. */
export const bytes = (n: number) => `${n.toLocaleString('en-US')} B`;
