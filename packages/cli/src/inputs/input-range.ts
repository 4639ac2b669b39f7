/**
 * The model input's quantisation for `ptq` and `qat`: calibrated from the training data
 * like every other tensor (uint8 pixels keep the reference 1/255 grid), or given as
 * `--input-range lo,hi` or `--input-scale S --input-zero-point Z`. Everything becomes the
 * real range the quantiser is built from, checked to give back exactly the asked grid.
 */

import type { ScaleMode } from '@edgeq/ir';
import type { QatApi } from '../components.js';
import { usageError } from '../errors.js';

/** The input-quantisation options as commander parses them. */
export interface InputQuantOpts {
  inputRange?: [number, number];
  inputScale?: number;
  inputZeroPoint?: number;
}

/** Parse `lo,hi` (for `--input-range`). */
export function parseRange(flag: string) {
  return (text: string): [number, number] => {
    const parts = text.split(',').map((s) => Number(s.trim()));
    if (parts.length !== 2 || parts.some((v) => !Number.isFinite(v)) || !(parts[0] < parts[1])) {
      throw usageError(`${flag} ${text}: expected LO,HI with LO < HI (e.g. -60,40)`);
    }
    return [parts[0], parts[1]];
  };
}

/**
 * The real input range to quantise the input with, or undefined for "from the data".
 * A given scale and zero point become the range they cover, [(−128 − Z)·S, (127 − Z)·S].
 * @throws usage errors for half a pair, two ways at once, or a grid the scale mode cannot hold
 */
export function givenInputRange(q: QatApi, o: InputQuantOpts, scales: ScaleMode): [number, number] | undefined {
  const hasScale = o.inputScale !== undefined;
  const hasZero = o.inputZeroPoint !== undefined;
  if (hasScale !== hasZero) throw usageError(`${hasScale ? '--input-scale' : '--input-zero-point'}: give --input-scale and --input-zero-point together`);
  if (hasScale && o.inputRange) throw usageError('--input-range: give either --input-range or --input-scale/--input-zero-point, not both');
  if (o.inputRange) return o.inputRange;
  if (!hasScale) return undefined;
  const s = o.inputScale!;
  const z = o.inputZeroPoint!;
  if (!Number.isInteger(z) || z < -128 || z > 127) throw usageError(`--input-zero-point ${z}: expected an integer in -128..127`);
  const range: [number, number] = [(-128 - z) * s, (127 - z) * s];
  const got = q.activationQuant(range[0], range[1], scales);
  if (got.scale !== q.constrainScale(s, scales) || got.zeroPoint !== z || Math.abs(got.scale - s) > 1e-7 * s) {
    throw usageError(`--input-scale ${s}: not representable with --scales ${scales}${scales === 'pow2' ? ' (it must be a power of two)' : ''}`);
  }
  return range;
}
