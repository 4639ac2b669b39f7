/**
 * Target names the CLI accepts for `--target` (the same ids as @edgeq/harness's target
 * table): the host (gcc, native) and Cortex-M cores emulated by QEMU (cortex-m0-mps2: Cortex-M0
 * code on the MPS2 AN385 board, for models the microbit cannot hold).
 */

import { usageError } from './errors.js';

/** Every target id. */
export const TARGET_IDS = ['host', 'cortex-m0', 'cortex-m3', 'cortex-m4', 'cortex-m7', 'cortex-m33', 'cortex-m0-mps2'] as const;
export type TargetName = (typeof TARGET_IDS)[number];

/** Check a `--target` value, naming it when unknown. */
export function parseTarget(value: string, flag = '--target'): TargetName {
  if ((TARGET_IDS as readonly string[]).includes(value)) return value as TargetName;
  throw usageError(`${flag} ${value}: unknown target (known: ${TARGET_IDS.join(', ')})`);
}

/** Parse a comma-separated target list. */
export function parseTargets(value: string, flag = '--targets'): TargetName[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw usageError(`${flag}: expected one or more of ${TARGET_IDS.join(', ')}`);
  return list.map((t) => parseTarget(t, flag));
}
