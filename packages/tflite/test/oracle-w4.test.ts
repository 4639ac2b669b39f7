// Issue 17, item 4 (LiteRT part): LiteRT.js runs edgeq's INT4 exports, and agrees with the
// interpreter bit for bit in the rounding each operator gets there. Measured: CONV_2D and
// FULLY_CONNECTED with an INT4 filter requantise like every int8 operator in LiteRT.js
// (edgeq's fp32 mode, as oracle-fp32.test.ts shows for int8), while DEPTHWISE_CONV_2D with
// an INT4 filter uses TFLite's double rounding (edgeq's tflm mode): XNNPACK leaves it to
// TFLite's builtin kernel. Each operator is therefore compared in the mode LiteRT computes.
import { describe, expect, it } from 'vitest';
import { randomGraph, type QuantScheme, type RandomGraphOptions } from '@edgeq/ir';
import { compareOpByOp, compareWholeModel, formatOpDiffs, type OpDiff } from '../src/index.js';
import { ORACLE_GRAPHS } from './random-graph-options.js';
import { randomInputs } from './inputs.js';

const FP32: QuantScheme = { scales: 'fixed', rounding: 'fp32' };
const TFLM: QuantScheme = { scales: 'fixed', rounding: 'tflm' };
const WEIGHTED = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);

/** The edgeq rounding mode LiteRT.js computes an operator with an INT4 filter in. */
const LITERT_MODE_OF_INT4: Record<string, QuantScheme['rounding']> = { CONV_2D: 'fp32', FULLY_CONNECTED: 'fp32', DEPTHWISE_CONV_2D: 'tflm' };

describe('INT4 weights: LiteRT.js = interpreter', () => {
  it('30 random W4 / mixed graphs, op by op in fp32 and tflm mode: every INT4 operator bit-exact in its LiteRT mode, every op within 1 LSB', async () => {
    // key: `${type}/${mode}` of the int4 operators; every other op is only held to 1 LSB here.
    const int4Rows = new Map<string, OpDiff>();
    for (const scheme of [FP32, TFLM]) {
      for (let seed = 3000; seed < 3030; seed++) {
        const options: RandomGraphOptions = { ...ORACLE_GRAPHS, ops: ['conv', 'dw', 'fc', 'add', 'avgpool', 'reshape', 'pad'], weightBits: seed % 2 ? 4 : 'mixed', scheme };
        const g = randomGraph(seed, options);
        for (const r of await compareOpByOp(g, randomInputs(g, 20, seed).map((x) => [x]))) {
          expect(r.maxAbsDiff, `${g.name} (${scheme.rounding}) op ${r.index} ${r.type}`).toBeLessThanOrEqual(1);
          const op = g.ops[r.index];
          if (!WEIGHTED.has(op.type) || g.tensors[op.inputs[1]].dtype !== 'int4') continue;
          const key = `${op.type}/${scheme.rounding}`;
          const row = int4Rows.get(key) ?? { index: int4Rows.size, name: scheme.rounding, type: op.type, elements: 0, differing: 0, maxAbsDiff: 0 };
          row.elements += r.elements;
          row.differing += r.differing;
          row.maxAbsDiff = Math.max(row.maxAbsDiff, r.maxAbsDiff);
          int4Rows.set(key, row);
          if (LITERT_MODE_OF_INT4[op.type] === scheme.rounding) expect(r.differing, `${g.name} (${scheme.rounding}) op ${r.index} ${op.type} int4`).toBe(0);
        }
      }
    }
    console.log(`INT4 operators of 30 random graphs vs LiteRT.js, op by op (name = edgeq rounding mode):\n${formatOpDiffs([...int4Rows.values()])}`);
    // All three operators were compared in both modes, on a real number of elements.
    for (const type of WEIGHTED) for (const mode of ['fp32', 'tflm']) expect(int4Rows.get(`${type}/${mode}`)?.elements ?? 0, `${type}/${mode}`).toBeGreaterThan(1000);
    // The other mode is not the one LiteRT computes: it differs somewhere (this is what picks the mode).
    for (const type of WEIGHTED) {
      const other = LITERT_MODE_OF_INT4[type] === 'fp32' ? 'tflm' : 'fp32';
      expect(int4Rows.get(`${type}/${other}`)!.differing, `${type}/${other}`).toBeGreaterThan(0);
    }
  });

  it('20 random W4 / mixed graphs of CONV_2D, FULLY_CONNECTED and int8 ops in fp32 mode: whole model bit-exact, 200 inputs each', async () => {
    let elements = 0;
    let int4Layers = 0;
    for (let seed = 3100; seed < 3120; seed++) {
      const g = randomGraph(seed, { ...ORACLE_GRAPHS, ops: ['conv', 'fc', 'add', 'avgpool', 'mean', 'reshape', 'pad'], weightBits: seed % 2 ? 4 : 'mixed', scheme: FP32 });
      int4Layers += g.ops.filter((op) => WEIGHTED.has(op.type) && g.tensors[op.inputs[1]].dtype === 'int4').length;
      const stats = await compareWholeModel(g, randomInputs(g, 200, seed).map((x) => [x]));
      expect(stats.differing, `${g.name}: ${g.ops.map((o) => o.type).join(' → ')}`).toBe(0);
      elements += stats.elements;
    }
    console.log(`20 random W4/mixed fp32 graphs (${int4Layers} INT4 layers) vs LiteRT.js, whole model: 0/${elements} elements differ`);
    expect(int4Layers).toBeGreaterThanOrEqual(20);
    expect(elements).toBeGreaterThan(10_000);
  });
});
