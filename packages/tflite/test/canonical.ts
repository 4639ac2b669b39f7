/**
 * Test helper: a QGraph with every scale rounded to float32, which is how QGraph
 * semantics (op-params, validate) read scales and how .tflite stores them. A graph and
 * its .tflite round trip must be equal after this normalisation only.
 */

import type { QGraph } from '@edgeq/ir';

export function canonicalScales(g: QGraph): QGraph {
  return {
    ...g,
    tensors: g.tensors.map((t) => (t.quant ? { ...t, quant: { ...t.quant, scale: t.quant.scale.map(Math.fround) } } : t)),
  };
}
