// Build-time planning of the FULLY_CONNECTED and ADD kernels (fast-fully-connected.ts,
// fast-elementwise.ts, fast-planner.ts), checked on hand-worked values: the int16 block
// layout, the folded biases, the shared requantisation row, the ADD term tables, which
// kernel --optimize picks and the reason recorded in the generated C.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, q, type QGraph, type QuantScheme } from '@edgeq/ir';
import { OP_EMITTERS, blockedWeights, firmwareSizeof, generateModel, planFastAdd, planFastFullyConnected, planFcAddOps, type AddTablePlan, type FullyConnectedPlan } from '../src/index.js';

const TFLM: QuantScheme = { scales: 'fixed', rounding: 'tflm' };

/** x [1, 5] (scale 1, zero point 3) -> FC 2 x 5 (weights [[1, 2, -3, 4, 5], [0, -1, 1, 2, -2]], bias [100, -7], per-tensor scale 2^-4) -> scale `outScale`. */
function fcGraph(outScale: number): QGraph {
  const b = new GraphBuilder('fc', TFLM);
  const x = b.input('x', [1, 5], q(1, 3));
  b.output(b.fullyConnected(x, {
    name: 'fc', weights: Int8Array.of(1, 2, -3, 4, 5, 0, -1, 1, 2, -2), weightShape: [2, 5], weightScales: [2 ** -4],
    bias: Int32Array.of(100, -7), out: q(outScale, 0),
  }));
  return b.build();
}

/** x (scale 0.5) + y (scale 0.25) -> scale 1, all zero points 0, six elements. */
function addGraph(): QGraph {
  const b = new GraphBuilder('add', TFLM);
  const x = b.input('x', [1, 1, 1, 6], q(0.5, 0));
  const y = b.input('y', [1, 1, 1, 6], q(0.25, 0));
  b.output(b.add('sum', x, y, q(1, 0)));
  return b.build();
}

describe('FULLY_CONNECTED planning', () => {
  it('lays int16 weights out in blocks of four rows, SXTB16 lane order, tails after each block', () => {
    // w[o][i] = 10 * o + i, 5 rows x 6 inputs: rows 0-3 as one block (quad 0 per row: i = 0, 2, 1, 3;
    // then each row's tail i = 4, 5), row 4 alone.
    const w = Array.from({ length: 30 }, (_, k) => 10 * Math.floor(k / 6) + (k % 6));
    expect(Array.from(blockedWeights(w, 5, 6, 1))).toEqual([
      0, 2, 1, 3, 10, 12, 11, 13, 20, 22, 21, 23, 30, 32, 31, 33,
      4, 5, 14, 15, 24, 25, 34, 35,
      40, 42, 41, 43, 44, 45,
    ]);
  });

  it('folds the input zero point into the bias, doubles int16 weights and biases in tflm speed mode, shares one requantisation row', () => {
    const g = fcGraph(0.25);
    // Row sums 9 and 0: bias - 3 * sum = [100 - 27, -7 - 0] = [73, -7].
    const size = planFastFullyConnected(g, g.ops[0], 'tflm', 'size') as FullyConnectedPlan;
    expect(size.fn).toBe('edgeq_fully_connected_w8_s8_tflm');
    expect(Array.from(size.bias)).toEqual([73, -7]);
    expect(Array.from(size.weights)).toEqual([1, 2, -3, 4, 5, 0, -1, 1, 2, -2]);
    // Per-tensor scale: one row. Multiplier of 2^-4 / 0.25 = 0.25 -> (2^30, shift -1): e = 1,
    // round = 2^(e-1) + zp_out * 2^e = 1.
    expect(Array.from(size.requantRows)).toEqual([0, 2 ** 30, 1, 1]);
    const speed = planFastFullyConnected(g, g.ops[0], 'tflm', 'speed') as FullyConnectedPlan;
    expect(speed.fn).toBe('edgeq_fully_connected_w16_s8_tflm');
    expect(Array.from(speed.bias)).toEqual([146, -14]);
    // Single rows (2 < 4): quad i = 0, 2, 1, 3 then the tail i = 4, each doubled.
    expect(Array.from(speed.weights)).toEqual([2, -6, 4, 8, 10, 0, 2, -2, 4, -4]);
    // Other modes keep the weights and biases as they are.
    expect(Array.from((planFastFullyConnected(g, g.ops[0], 'pow2', 'speed') as FullyConnectedPlan).bias)).toEqual([73, -7]);
  });

  it('keeps the reference kernel when the fast formula would not be exact, and says why in the C', async () => {
    // Multiplier 2^-4 / 2^-7 = 8: a left shift, which the fast formula does not take.
    const g = fcGraph(2 ** -7);
    expect(planFastFullyConnected(g, g.ops[0], 'tflm', 'speed')).toMatch(/^channel 0: right shift -\d+ outside \[1, 31\]$/);
    const c = (await generateModel(g)).files.get('model.c')!;
    expect(c).toMatch(/edgeq_fully_connected_s8\(/);
    expect(c).toMatch(/FULLY_CONNECTED fc \(reference: channel 0: right shift/);
  });
});

describe('ADD planning', () => {
  it('term tables hold each input\'s rescaled term, doubled in tflm mode; one requantisation of the sum', () => {
    const g = addGraph();
    const plan = planFastAdd(g, g.ops[0], 'tflm', 'speed') as AddTablePlan;
    expect(plan.fn).toBe('edgeq_add_table_s8_tflm');
    // left shift 20; in1 multiplier 0.5 / (2 * 0.5) = 0.5 -> SRDHM(v * 2^20, 2^30) = v * 2^19;
    // in2 0.25 / 1 = 0.25 -> RDBPOT(v * 2^19, 1) = v * 2^18; both doubled.
    for (const v of [-128, -1, 0, 1, 3, 127]) {
      expect(plan.term1[v & 255]).toBe(v * 2 ** 20);
      expect(plan.term2[v & 255]).toBe(v * 2 ** 19);
    }
    // Output multiplier 1 / 2^20 = 0.5 * 2^-19: e = 19, round = 2^18. x = 3, y = -2 (1.5 - 0.5 = 1):
    // 2 * sum = 2^21; SRDHM(2^20, 2^30) = 2^19; (2^19 + 2^18) >> 19 = 1.
    expect(Array.from(plan.requant)).toEqual([0, 2 ** 30, 2 ** 18, 19]);
    const sum = (plan.term1[3] + plan.term2[-2 & 255]) / 2;
    expect((Math.floor((2 * sum * 2 ** 30 + 2 ** 31) / 2 ** 32) + plan.requant[2]) >> plan.requant[3]).toBe(1);
  });

  it('optimize size builds the term tables at run time into 2 KiB of arena scratch instead of flash', async () => {
    const g = addGraph();
    const sizePlan = planFastAdd(g, g.ops[0], 'tflm', 'size') as AddTablePlan;
    const speedPlan = planFastAdd(g, g.ops[0], 'tflm', 'speed') as AddTablePlan;
    expect([sizePlan.terms, sizePlan.scratchBytes, speedPlan.terms, speedPlan.scratchBytes]).toEqual(['scratch', 2048, 'flash', 0]);
    expect(planFcAddOps(g, 'tflm', 'size').get(0)?.reason).toBe('fast: edgeq_add_table_s8_tflm');
    const speed = await generateModel(g);
    const size = await generateModel(g, { optimize: 'size' });
    expect(speed.files.get('model.c')).toMatch(/edgeq_add_table_s8_tflm\(/);
    expect(speed.files.get('model.c')).not.toMatch(/edgeq_add_terms_s8\(/);
    expect(size.files.get('model.c')).toMatch(/edgeq_add_terms_s8\(&\w+, terms\);.*edgeq_add_table_s8_tflm\(&table,/);
    expect(size.plan.scratchOffsets.has(0)).toBe(true);
    expect(speed.plan.scratchOffsets.has(0)).toBe(false);
    // Speed: two 256-entry int32 tables in flash; size: the reference parameter struct the tables are built from.
    expect(speed.constBytes - size.constBytes).toBe(2048 - firmwareSizeof(OP_EMITTERS.ADD.structs[0]));
  });
});
