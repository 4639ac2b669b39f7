// Done-when 2 (LiteRT part): in fp32 mode LiteRT.js and the interpreter agree bit for bit,
// whole model, ≥ 1,000 inputs each, on the reference models and 100 random graphs of
// CONV/DW/FC/ADD/AVG_POOL/MEAN/RESHAPE/PAD.
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, GraphBuilder, mulberry32, q, randomGraph, REFERENCE_MODELS, type QuantScheme } from '@edgeq/ir';
import { compareWholeModel } from '../src/index.js';
import { randomInputs, randomInputVectors } from './inputs.js';
import { FP32_GRAPHS, FP32_OPS } from './random-graph-options.js';

const FP32: QuantScheme = { scales: 'fixed', rounding: 'fp32' };

describe('fp32 mode: LiteRT.js = interpreter, bit for bit', () => {
  for (const name of REFERENCE_MODELS) {
    it(`${name}: 1000 inputs, whole model`, async () => {
      const g = buildReferenceModel(name, FP32, 11);
      const stats = await compareWholeModel(g, randomInputs(g, 1000, 100).map((x) => [x]));
      console.log(`${name} fp32 vs LiteRT: ${stats.differing}/${stats.elements} elements differ`);
      expect(stats.elements).toBe(1000 * 10);
      expect(stats.differing).toBe(0);
    });
  }

  it('100 random graphs: 1000 inputs each, whole model', async () => {
    let elements = 0;
    const opCounts = new Map<string, number>();
    for (let seed = 1000; seed < 1100; seed++) {
      const g = randomGraph(seed, FP32_GRAPHS);
      g.ops.forEach((op) => opCounts.set(op.type, (opCounts.get(op.type) ?? 0) + 1));
      const stats = await compareWholeModel(g, randomInputs(g, 1000, seed).map((x) => [x]));
      expect(stats.differing, `${g.name}: ${g.ops.map((o) => o.type).join(' → ')}`).toBe(0);
      elements += stats.elements;
    }
    console.log(`100 random fp32 graphs vs LiteRT: 0/${elements} elements differ; ops ${JSON.stringify(Object.fromEntries(opCounts))}`);
    for (const op of FP32_OPS) expect(opCounts.get(op) ?? 0, op).toBeGreaterThanOrEqual(10);
  });

  it('several inputs and outputs: 8 random graphs, 200 inputs each, every output bit-exact', async () => {
    let elements = 0;
    for (let seed = 1200; seed < 1208; seed++) {
      const g = randomGraph(seed, { ...FP32_GRAPHS, multiIo: true });
      expect(g.inputs.length).toBeGreaterThan(1);
      const stats = await compareWholeModel(g, randomInputVectors(g, 200, seed));
      const outputElements = g.outputs.reduce((s, t) => s + g.tensors[t].shape.reduce((a, d) => a * d, 1), 0);
      expect(stats.elements, g.name).toBe(200 * outputElements);
      expect(stats.differing, `${g.name}: ${g.ops.map((o) => o.type).join(' → ')}`).toBe(0);
      elements += stats.elements;
    }
    console.log(`8 random fp32 graphs with several inputs and outputs vs LiteRT: 0/${elements} elements differ`);
  });

  it('MEAN with large zero points (XNNPACK folds them into a float bias): 40 shapes × 200 inputs', async () => {
    const rand = mulberry32(77);
    let elements = 0;
    for (let k = 0; k < 40; k++) {
      const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
      const b = new GraphBuilder(`mean_${k}`, FP32);
      const x = b.input('x', [1, int(1, 9), int(1, 9), int(1, 8)], q(Math.fround(0.01 + rand() * 0.1), int(-120, 120)));
      b.output(b.mean('mean', x, q(Math.fround(0.01 + rand() * 0.1), int(-100, 100)), rand() < 0.5));
      const g = b.build();
      const stats = await compareWholeModel(g, randomInputs(g, 200, k).map((v) => [v]));
      expect(stats.differing, g.name).toBe(0);
      elements += stats.elements;
    }
    expect(elements).toBeGreaterThan(10_000);
  });
});
