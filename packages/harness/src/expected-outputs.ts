/**
 * The interpreter's side of a parity run: output 0 of every input vector, computed in
 * time slices that yield to the event loop, so a long run (a thousand vectors of a real
 * model) never blocks the process for more than a few milliseconds at a time — a test
 * worker keeps answering its runner, a CLI keeps drawing progress and honouring Ctrl-C.
 */

import { setImmediate as nextTurn } from 'node:timers/promises';
import { Interpreter, type QGraph, type TensorData } from '@edgeq/ir';

/** Longest stretch of interpreter work between two yields to the event loop. */
const SLICE_MS = 20;

/** Output 0 of `g` for each input, as int8 (a copy), yielding to the event loop between vectors every {@link SLICE_MS} ms. */
export async function interpreterOutputs(g: QGraph, inputs: readonly TensorData[]): Promise<Int8Array[]> {
  const interp = new Interpreter(g, { validate: false });
  const outputs: Int8Array[] = [];
  let sliceStart = Date.now();
  for (const x of inputs) {
    const y = interp.run([x]).outputs[0];
    outputs.push(new Int8Array(y.buffer.slice(y.byteOffset, y.byteOffset + y.byteLength)));
    if (Date.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = Date.now();
    }
  }
  return outputs;
}
