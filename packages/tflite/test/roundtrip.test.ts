// Done-when 1: QGraph → .tflite → QGraph is identical for the reference models and
// ≥ 100 random graphs, in every requantisation scheme; and (issue 17, item 4) for random
// graphs with int4 and with mixed int4/int8 weights.
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, randomGraph, REFERENCE_MODELS, type QuantScheme } from '@edgeq/ir';
import { exportTflite, importTflite, readTfliteModel, TensorType } from '../src/index.js';
import { OP_MAP } from '../src/op-map.js';
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

  for (const weightBits of [4, 'mixed'] as const) {
    it(`60 random graphs with ${weightBits === 4 ? 'int4' : 'mixed int4/int8'} weights come back identical (INT4 tensors, op versions 7/7/10)`, () => {
      const weightTypes = new Set<string>();
      let sharedCodes = 0; // builtins whose one operator code serves int4 and int8 weights alike
      for (let seed = 1; seed <= 60; seed++) {
        const g = randomGraph(seed, { ...TFLITE_GRAPHS, weightBits, scheme: SCHEMES[seed % SCHEMES.length] });
        const bytes = exportTflite(g);
        const back = importTflite(bytes, `w4_${seed}.tflite`);
        expect(back, `seed ${seed}`).toEqual(canonicalScales(g));
        expect(Buffer.from(back.blob).equals(Buffer.from(g.blob)), `seed ${seed} blob`).toBe(true);
        // Each int4 weight is an INT4 tensor whose buffer is the blob's packed bytes; each
        // builtin has one operator code, of the INT4-filter version when any of its weights is int4.
        const m = readTfliteModel(bytes);
        const sg = m.subgraphs[0];
        const int4Version: Record<string, number> = { CONV_2D: 7, DEPTHWISE_CONV_2D: 7, FULLY_CONNECTED: 10 };
        const codeOf = new Map<string, number>();
        g.ops.forEach((op, k) => {
          if (!(op.type in int4Version)) return;
          const w = g.tensors[op.inputs[1]];
          weightTypes.add(w.dtype);
          const t = sg.tensors[op.inputs[1]];
          expect(t.type, `seed ${seed} ${w.name}`).toBe(w.dtype === 'int4' ? TensorType.INT4 : TensorType.INT8);
          expect(Buffer.from(m.buffers[t.buffer]).equals(Buffer.from(g.blob.subarray(w.buffer!.offset, w.buffer!.offset + w.buffer!.byteLength))), `seed ${seed} ${w.name} bytes`).toBe(true);
          const code = m.operatorCodes[sg.operators[k].opcodeIndex];
          codeOf.set(op.type, code.version);
        });
        expect(new Set(m.operatorCodes.map((c) => c.builtinCode)).size, `seed ${seed}: one code per builtin`).toBe(m.operatorCodes.length);
        for (const [type, version] of codeOf) {
          const dtypes = new Set(g.ops.filter((op) => op.type === type).map((op) => g.tensors[op.inputs[1]].dtype));
          const anyInt4 = dtypes.has('int4');
          if (dtypes.size === 2) sharedCodes++;
          expect(version, `seed ${seed} ${type}`).toBe(anyInt4 ? int4Version[type] : OP_MAP[type as 'CONV_2D'].exportVersion);
        }
      }
      expect([...weightTypes].sort()).toEqual(weightBits === 4 ? ['int4'] : ['int4', 'int8']);
      if (weightBits === 'mixed') expect(sharedCodes).toBeGreaterThan(5);
    });
  }

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
