/**
 * Label files: checks a decoded labels .npy before anything is sized from it — integer
 * class ids (an integer dtype, or floats holding whole numbers; never NaN) in
 * 0 .. classes−1 — so a bad label is one line naming the file, the position and the value
 * instead of a TypeError or an out-of-memory abort in the confusion matrix.
 */

import { inputError } from '../errors.js';
import type { NpyArray } from './npy.js';

/**
 * The labels of `arr` as class ids, after checking every one is an integer in
 * `0 .. classes-1`.
 * @param file the labels file (named in errors)
 * @param classes how many classes there are (e.g. the model's output size)
 * @param what what fixes the class count, for the message (e.g. `model dscnn has 10 outputs`)
 */
export function classIds(arr: NpyArray, file: string, classes: number, what: string): Int32Array {
  if (arr.descr === '<f4' || arr.descr === '<f8') {
    const at = arr.data.findIndex((v) => !Number.isInteger(v));
    if (at >= 0) throw inputError(`${file}: label ${at} is ${arr.data[at]}: labels must be integer class ids (dtype '${arr.descr}' holds a non-integer)`);
  }
  const at = arr.data.findIndex((v) => v < 0 || v >= classes);
  if (at >= 0) throw inputError(`${file}: label ${at} is ${arr.data[at]}, outside the class ids 0..${classes - 1} (${what})`);
  return Int32Array.from(arr.data);
}
