/**
 * Input vectors for parity runs (interpreter vs generated C): seeded random values plus the
 * all −128 and all 127 extremes. Free of vitest, so scripts use it too.
 */
import { graphInputs, mulberry32, type InputVector, type QGraph, type TensorData } from '@edgeq/ir';

/** Vectors per graph in the random-graph property tests. */
export const VECTORS = 24;

/**
 * Random input vectors for a graph, plus the all −128 and all 127 extremes: a bare tensor
 * per vector for a one-input graph, else one tensor per graph input.
 */
export function inputVectorsFor(g: QGraph, seed: number, count = VECTORS): InputVector[] {
  const r = mulberry32(seed ^ 0x5eed);
  const tensor = (dtype: string, n: number, v: number): TensorData => {
    if (dtype === 'float32') return new Float32Array(n).map(() => (r() - 0.5) * 20);
    if (v === 0) return new Int8Array(n).fill(-128);
    if (v === 1) return new Int8Array(n).fill(127);
    return new Int8Array(n).map(() => Math.floor(r() * 256) - 128);
  };
  const inputs = graphInputs(g);
  return Array.from({ length: count }, (_, v) => {
    const tensors = inputs.map((t) => tensor(t.dtype, t.elements, v));
    return tensors.length === 1 ? tensors[0] : tensors;
  });
}

/** The vectors of {@link inputVectorsFor} for input 0 only (one-input graphs: the same tensors). */
export function inputsFor(g: QGraph, seed: number, count = VECTORS): TensorData[] {
  return inputVectorsFor(g, seed, count).map((vector) => (Array.isArray(vector) ? (vector as readonly TensorData[])[0] : (vector as TensorData)));
}
