/**
 * The interpreter's side of a parity run: every output of every input vector (back to back,
 * as the generated C writes them), computed by @edgeq/ir's batch simulation — on worker
 * threads for a long run, else on this thread in time slices that yield to the event loop —
 * so the process is never blocked for more than a few milliseconds at a time: a test worker
 * keeps answering its runner, a CLI keeps drawing progress and honouring Ctrl-C.
 */

import { simulateBatch, type InputVector, type QGraph } from '@edgeq/ir';

/** Options of {@link interpreterOutputs}. */
export interface InterpreterOutputsOptions {
  /** Interpreter worker threads (simulateBatch; default: one per core when the run is long enough). */
  workers?: number;
}

/**
 * Every output of `g` for each input vector, concatenated in output order as int8 (one
 * fresh array per vector); the same bits whatever the worker count.
 */
export async function interpreterOutputs(g: QGraph, inputs: readonly InputVector[], opts: InterpreterOutputsOptions = {}): Promise<Int8Array[]> {
  const batch = await simulateBatch(g, inputs, { validate: false, workers: opts.workers });
  const perVector = batch.values.reduce((s, v, k) => s + batch.elements[k] * v.BYTES_PER_ELEMENT, 0);
  return inputs.map((_, v) => {
    const all = new Int8Array(perVector);
    let at = 0;
    batch.values.forEach((values, k) => {
      const bytes = batch.elements[k] * values.BYTES_PER_ELEMENT;
      all.set(new Int8Array(values.buffer, values.byteOffset + v * bytes, bytes), at);
      at += bytes;
    });
    return all;
  });
}
