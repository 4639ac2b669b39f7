/**
 * The interpreter's side of a parity run: every output of every input vector (back to back,
 * as the generated C writes them), computed in time slices that yield to the event loop, so a
 * long run (a thousand vectors of a real model) never blocks the process for more than a few
 * milliseconds at a time — a test worker keeps answering its runner, a CLI keeps drawing
 * progress and honouring Ctrl-C.
 */

import { setImmediate as nextTurn } from 'node:timers/promises';
import { Interpreter, type InputVector, type QGraph } from '@edgeq/ir';
import { expectedOutputBytes } from './vector-outputs.js';

/** Longest stretch of interpreter work between two yields to the event loop. */
const SLICE_MS = 20;

/**
 * Every output of `g` for each input vector, concatenated in output order as int8 (a copy),
 * yielding to the event loop between vectors every {@link SLICE_MS} ms.
 */
export async function interpreterOutputs(g: QGraph, inputs: readonly InputVector[]): Promise<Int8Array[]> {
  const interp = new Interpreter(g, { validate: false });
  const outputs: Int8Array[] = [];
  let sliceStart = Date.now();
  for (const [v, x] of inputs.entries()) {
    outputs.push(expectedOutputBytes(interp, x, `input vector ${v}`));
    if (Date.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = Date.now();
    }
  }
  return outputs;
}
