/**
 * Input vectors for parity runs (interpreter vs generated C): seeded random values plus the
 * all −128 and all 127 extremes. Free of vitest, so scripts use it too.
 */
import { mulberry32, numElements, type QGraph, type TensorData } from '@edgeq/ir';

/** Vectors per graph in the random-graph property tests. */
export const VECTORS = 24;

/** Random input vectors for a graph's input 0, plus the all −128 and all 127 extremes. */
export function inputsFor(g: QGraph, seed: number, count = VECTORS): TensorData[] {
  const t = g.tensors[g.inputs[0]];
  const n = numElements(t.shape);
  const r = mulberry32(seed ^ 0x5eed);
  const out: TensorData[] = [];
  for (let v = 0; v < count; v++) {
    if (t.dtype === 'float32') out.push(new Float32Array(n).map(() => (r() - 0.5) * 20));
    else if (v === 0) out.push(new Int8Array(n).fill(-128));
    else if (v === 1) out.push(new Int8Array(n).fill(127));
    else out.push(new Int8Array(n).map(() => Math.floor(r() * 256) - 128));
  }
  return out;
}
