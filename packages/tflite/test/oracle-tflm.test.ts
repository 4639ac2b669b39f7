// Done-when 3: in tflm mode (TFLite Micro's double rounding) every op, run alone in LiteRT.js
// on the interpreter's own inputs, is within 1 LSB of the interpreter everywhere; the
// fraction of differing elements is printed per op.
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, randomGraph, REFERENCE_MODELS } from '@edgeq/ir';
import { compareOpByOp, formatOpDiffs, type OpDiff } from '../src/index.js';
import { ORACLE_GRAPHS } from './random-graph-options.js';
import { randomInputs } from './inputs.js';

describe('tflm mode: per-op comparison with LiteRT.js', () => {
  for (const name of REFERENCE_MODELS) {
    it(`${name}: |diff| ≤ 1 LSB in every op`, async () => {
      const g = buildReferenceModel(name, { scales: 'fixed', rounding: 'tflm' }, 11);
      const rows = await compareOpByOp(g, randomInputs(g, 40, 7).map((x) => [x]));
      console.log(`${name} (tflm) vs LiteRT.js, op by op:\n${formatOpDiffs(rows)}`);
      expect(rows).toHaveLength(g.ops.length);
      for (const r of rows) {
        expect(r.elements).toBeGreaterThan(0);
        expect(r.maxAbsDiff, `${r.name}`).toBeLessThanOrEqual(1);
      }
    });
  }

  it('40 random graphs of every core op: |diff| ≤ 1 LSB, fraction per op type', async () => {
    const byType = new Map<string, OpDiff>();
    for (let seed = 2000; seed < 2040; seed++) {
      const g = randomGraph(seed, ORACLE_GRAPHS);
      for (const r of await compareOpByOp(g, randomInputs(g, 20, seed).map((x) => [x]))) {
        expect(r.maxAbsDiff, `${g.name} op ${r.index} ${r.type}`).toBeLessThanOrEqual(1);
        const t = byType.get(r.type) ?? { ...r, name: `${r.type}`, index: byType.size, elements: 0, differing: 0, maxAbsDiff: 0 };
        t.elements += r.elements;
        t.differing += r.differing;
        t.maxAbsDiff = Math.max(t.maxAbsDiff, r.maxAbsDiff);
        byType.set(r.type, t);
      }
    }
    console.log(`40 random graphs (tflm) vs LiteRT.js, by op type:\n${formatOpDiffs([...byType.values()])}`);
    expect(byType.size).toBeGreaterThanOrEqual(10);
  });
});
