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
/** `--rounding tflm|single`. */
export const roundingOption = () =>
  new Option('--rounding <mode>', 'fixed-point rounding: tflm (double rounding, TFLM/CMSIS-NN default) or single').choices(['tflm', 'single']);
/** `--target <id>` (checked in code so the error names the value). */
export const targetOption = (dflt = 'host') => new Option('--target <id>', `target core (${TARGET_IDS.join(', ')})`).default(dflt);

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
