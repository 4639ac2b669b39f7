/**
 * Per-layer error between the float model and an int8 QGraph frozen from it (the report's
 * "per-layer float vs int8" section, for the demo and `ptq`/`qat --results`): runs the
 * same images through both, dequantises each int8 op output and compares it with the
 * float activation of the layer of the same name (RMSE and SQNR).
 */

import { Interpreter, dequantizeInt, quantizeFloat, type QGraph } from '@edgeq/ir';
import type { ImageSet, QatApi, QatModel } from './components.js';
import type { LayerErrorEntry } from './report/schema.js';

/**
 * Layer-by-layer RMSE and SQNR of `graph` against `model` on `data`.
 * @param q @edgeq/qat (passed in, so importing @edgeq/cli does not load TensorFlow.js)
 */
export function layerError(q: Pick<QatApi, 'batchTensors'>, model: QatModel, graph: QGraph, data: ImageSet): LayerErrorEntry[] {
  const nodes = model.net.nodes;
  const byName = new Map(nodes.map((n, i) => [n.name, i] as const));
  const ops = graph.ops.filter((op) => byName.has(op.name) && graph.tensors[op.outputs[0]].quant);
  const px = data.height * data.width * data.channels;
  const x = Float32Array.from(data.images.subarray(0, data.count * px) as ArrayLike<number>, (v) => (data.images instanceof Uint8Array ? v / 255 : v));
  const { xs, ys } = q.batchTensors(x, data.labels.subarray(0, data.count), data);
  const floatActs = model.activations(xs, ops.map((op) => byName.get(op.name)!));
  xs.dispose();
  ys.dispose();
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
