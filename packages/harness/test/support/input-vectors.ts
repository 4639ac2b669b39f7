/**
 * Test helper: input vectors for a one-input graph — all -128, all 127, then seeded random
 * int8 values — shared by the device parity tests of the specialised kernels.
 */
import { mulberry32, numElements, type QGraph } from '@edgeq/ir';

export function extremeAndRandomVectors(g: QGraph, count: number, seed: number): Int8Array[] {
  const n = numElements(g.tensors[g.inputs[0]].shape);
  const r = mulberry32(seed);
  const out = [new Int8Array(n).fill(-128), new Int8Array(n).fill(127)];
  while (out.length < count) out.push(Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128));
  return out;
}
