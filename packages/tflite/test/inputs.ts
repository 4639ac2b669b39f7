/** Test helper: seeded uniform int8 input vectors for a QGraph (single-input, or one tensor per input). */

import { graphInputs, mulberry32, numElements, type QGraph } from '@edgeq/ir';

export function randomInputs(g: QGraph, count: number, seed: number): Int8Array[] {
  const rand = mulberry32(seed);
  const n = numElements(g.tensors[g.inputs[0]].shape);
  return Array.from({ length: count }, () => Int8Array.from({ length: n }, () => Math.floor(rand() * 256) - 128));
}

/** `count` vectors, each one seeded uniform int8 tensor per graph input, in input order. */
export function randomInputVectors(g: QGraph, count: number, seed: number): Int8Array[][] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => graphInputs(g).map((t) => Int8Array.from({ length: t.elements }, () => Math.floor(rand() * 256) - 128)));
}
