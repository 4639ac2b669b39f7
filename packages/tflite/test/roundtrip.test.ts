// Done-when 1: QGraph → .tflite → QGraph is identical for the reference models and
// ≥ 100 random graphs, in every requantisation scheme.
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, randomGraph, REFERENCE_MODELS, type QuantScheme } from '@edgeq/ir';
import { exportTflite, importTflite, readTfliteModel } from '../src/index.js';
import { TFLITE_GRAPHS } from './random-graph-options.js';
import { canonicalScales } from './canonical.js';

const SCHEMES: QuantScheme[] = [
  { scales: 'fixed', rounding: 'tflm' },
  { scales: 'fixed', rounding: 'single' },
  { scales: 'pow2', rounding: 'tflm' },
  { scales: 'fixed', rounding: 'fp32' },
];

describe('QGraph → .tflite → QGraph', () => {
  for (const name of REFERENCE_MODELS) {
    for (const scheme of SCHEMES) {
      it(`${name} (${scheme.scales}/${scheme.rounding}) comes back identical`, () => {
        const g = buildReferenceModel(name, scheme, 3);
        const back = importTflite(exportTflite(g), `${name}.tflite`);
        expect(back).toEqual(canonicalScales(g));
      });
    }
  }

  it('120 random graphs come back identical (ops, tensors, blob bytes, scheme)', () => {
    const opCounts = new Map<string, number>();
    for (let seed = 1; seed <= 120; seed++) {
      const g = randomGraph(seed, { ...TFLITE_GRAPHS, scheme: SCHEMES[seed % SCHEMES.length] });
      g.ops.forEach((op) => opCounts.set(op.type, (opCounts.get(op.type) ?? 0) + 1));
      const back = importTflite(exportTflite(g), `random_${seed}.tflite`);
      expect(back, `seed ${seed}`).toEqual(canonicalScales(g));
      expect(Buffer.from(back.blob).equals(Buffer.from(g.blob)), `seed ${seed} blob`).toBe(true);
    }
    // Every op of the integer core (bar the boundary ops) was exercised.
    for (const op of ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'MEAN', 'RESHAPE', 'PAD', 'CONCATENATION', 'SOFTMAX']) {
      expect(opCounts.get(op) ?? 0, op).toBeGreaterThanOrEqual(5);
    }
  });

  it('30 random graphs with several inputs and outputs come back identical, inputs and outputs in order', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const g = randomGraph(seed, { ...TFLITE_GRAPHS, multiIo: true, scheme: SCHEMES[seed % SCHEMES.length] });
      const bytes = exportTflite(g);
      const sg = readTfliteModel(bytes).subgraphs[0];
      expect(sg.inputs.map((t) => sg.tensors[t].name), `seed ${seed}`).toEqual(g.inputs.map((t) => g.tensors[t].name));
      expect(sg.outputs.map((t) => sg.tensors[t].name), `seed ${seed}`).toEqual(g.outputs.map((t) => g.tensors[t].name));
      expect(importTflite(bytes, `random_${seed}.tflite`), `seed ${seed}`).toEqual(canonicalScales(g));
    }
  });

  it('writes what TFLite expects: schema 3, int8 op versions, per-channel dims, bias scales', () => {
    const g = buildReferenceModel('mbv2mini');
    const m = readTfliteModel(exportTflite(g));
    expect(m.version).toBe(3);
    const versions = Object.fromEntries(m.operatorCodes.map((c) => [c.builtinCode, c.version]));
    // CONV_2D 3, DEPTHWISE_CONV_2D 3, ADD 2, MEAN 2, FULLY_CONNECTED 4, SOFTMAX 2 (op_version.cc, int8).
    expect(versions).toEqual({ 3: 3, 4: 3, 0: 2, 40: 2, 9: 4, 25: 2 });
    const sg = m.subgraphs[0];
    const byName = (n: string) => sg.tensors.find((t) => t.name === n)!;
    const dw = byName('ir1_dw/weights');
    expect(dw.shape).toEqual([1, 3, 3, 64]);
    expect(dw.quantization!.quantizedDimension).toBe(3);
    expect(dw.quantization!.scale).toHaveLength(64);
    const pw = byName('ir1_expand/weights');
    expect(pw.quantization!.quantizedDimension).toBe(0);
    expect(pw.quantization!.scale).toHaveLength(64);
    // bias scale = s_in · s_w[c] in float32, zero point 0
    const bias = byName('ir1_expand/bias');
    const sIn = Math.fround(g.tensors[g.ops.find((o) => o.name === 'ir1_expand')!.inputs[0]].quant!.scale[0]);
    bias.quantization!.scale.forEach((s, c) => expect(s).toBe(Math.fround(sIn * pw.quantization!.scale[c])));
    expect(bias.quantization!.zeroPoint.every((z) => z === 0)).toBe(true);
    // MEAN gets its axes as an int32 constant input [1, 2]
    const meanOp = sg.operators.find((o) => m.operatorCodes[o.opcodeIndex].builtinCode === 40)!;
    const axes = sg.tensors[meanOp.inputs[1]];
    expect(axes.type).toBe(2);
    expect(Array.from(new Int32Array(m.buffers[axes.buffer].slice().buffer))).toEqual([1, 2]);
  });
});
