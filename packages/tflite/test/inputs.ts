/** Test helper: seeded uniform int8 input vectors for a single-input QGraph. */

import { mulberry32, numElements, type QGraph } from '@edgeq/ir';

export function randomInputs(g: QGraph, count: number, seed: number): Int8Array[] {
  const rand = mulberry32(seed);
  const n = numElements(g.tensors[g.inputs[0]].shape);
  return Array.from({ length: count }, () => Int8Array.from({ length: n }, () => Math.floor(rand() * 256) - 128));
}
