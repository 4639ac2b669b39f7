/**
 * Outputs of graphs with several outputs, as the harnesses stream them: one vector's
 * outputs are every output's bytes back to back, in `graph.outputs` order (what the host
 * and firmware harness mains write). Builds the interpreter's expected bytes in that
 * layout, splits a vector's bytes per output, and names the output of a mismatch.
 */

import { graphOutputs, inputVectorTensors, type InputVector, type Interpreter, type QGraph } from '@edgeq/ir';
import type { Mismatch, ParityStats } from './compare.js';

/** Bytes of one vector's outputs (every output back to back), as the interpreter computes them. */
export function expectedOutputBytes(interp: Interpreter, vector: InputVector, where?: string): Int8Array {
  const outputs = interp.run(inputVectorTensors(interp.graph, vector, where)).outputs;
  const all = new Int8Array(outputs.reduce((s, o) => s + o.byteLength, 0));
  let at = 0;
  for (const o of outputs) {
    all.set(new Int8Array(o.buffer, o.byteOffset, o.byteLength), at);
    at += o.byteLength;
  }
  return all;
}

/** Bytes of all outputs of one vector. */
export function outputVectorBytes(g: QGraph): number {
  return graphOutputs(g).reduce((s, o) => s + o.bytes, 0);
}

/** One vector's output bytes split per graph output. */
export function splitOutputBytes(g: QGraph, vector: Uint8Array): Uint8Array[] {
  let at = 0;
  return graphOutputs(g).map((o) => vector.subarray(at, (at += o.bytes)));
}

/**
 * With several outputs, a mismatch's `element` counts bytes across every output of the
 * vector; this names the output (`output`, its position) and the element within it.
 */
export function locateMismatches(g: QGraph, stats: ParityStats): ParityStats {
  if (g.outputs.length === 1) return stats;
  const outputs = graphOutputs(g);
  const locate = (m: Mismatch): Mismatch => {
    let at = 0;
    for (const o of outputs) {
      if (m.element < at + o.bytes) return { ...m, output: o.position, element: m.element - at };
      at += o.bytes;
    }
    return m;
  };
  return { ...stats, firstMismatches: stats.firstMismatches.map(locate) };
}
