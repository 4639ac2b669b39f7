/**
 * Per-layer error between the float model and an int8 QGraph frozen from it: runs the
 * same samples through both, dequantises each int8 op output and compares it with the
 * float activation of the layer of the same name (RMSE and SQNR). Where quantisation
 * error enters a network, on the user's own data.
 */

import { Interpreter, dequantizeInt, quantizeFloat, type QGraph } from '@edgeq/ir';
import * as tf from '@tensorflow/tfjs';
import { batches, sampleShapeOf, sampleSize, type ImageSet } from './dataset.js';
import type { EdgeqModel } from './model.js';

/** The error of one layer's int8 output against its float activation. */
export interface LayerErrorEntry {
  layer: string;
  rmse: number;
  /** Absent when the layer's error or signal is zero. */
  sqnrDb?: number;
}

/** Layer-by-layer RMSE and SQNR of `graph` against `model` on the samples of `data` (keep it small: one batch). */
export function layerError(model: EdgeqModel, graph: QGraph, data: ImageSet): LayerErrorEntry[] {
  const nodes = model.net.nodes;
  const byName = new Map(nodes.map((n, i) => [n.name, i] as const));
  const ops = graph.ops.filter((op) => byName.has(op.name) && graph.tensors[op.outputs[0]].quant);
  const px = sampleSize(data);
  const x = [...batches(data, Math.max(1, data.count))][0]?.x ?? new Float32Array(0);
  const xs = tf.tensor(x, [data.count, ...sampleShapeOf(data)]);
  const floatActs = model.activations(xs, ops.map((op) => byName.get(op.name)!));
  xs.dispose();
  const interp = new Interpreter(graph);
  const inQ = graph.tensors[graph.inputs[0]].quant!;
  const err = new Map<string, { se: number; sig: number; n: number }>();
  for (let k = 0; k < data.count; k++) {
    const xq = Int8Array.from(x.subarray(k * px, (k + 1) * px), (v) => quantizeFloat(v, inQ.scale[0], inQ.zeroPoint[0], graph.quantization));
    const values = interp.run([xq], { keepIntermediates: true }).intermediates!;
    for (const op of ops) {
      const f = floatActs.get(byName.get(op.name)!);
      if (!f) continue;
      const t = graph.tensors[op.outputs[0]];
      const v = values.get(op.outputs[0])!;
      if (f.length !== v.length * data.count) continue;
      const e = err.get(op.name) ?? { se: 0, sig: 0, n: 0 };
      for (let j = 0; j < v.length; j++) {
        const ref = f[k * v.length + j];
        const d = dequantizeInt(v[j], t.quant!.scale[0], t.quant!.zeroPoint[0]) - ref;
        e.se += d * d;
        e.sig += ref * ref;
        e.n++;
      }
      err.set(op.name, e);
    }
  }
  return ops.filter((op) => err.has(op.name)).map((op) => {
    const e = err.get(op.name)!;
    const entry: LayerErrorEntry = { layer: op.name, rmse: Math.sqrt(e.se / e.n) };
    if (e.se > 0 && e.sig > 0) entry.sqnrDb = 10 * Math.log10(e.sig / e.se);
    return entry;
  });
}
