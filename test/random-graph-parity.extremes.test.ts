/**
 * Property test of the contract's edge families (issue 13): random graphs with extreme scales,
 * shifts at their limits, both at once, and large MEAN windows, in every scheme. Each graph is
 * refused with a QGraphError naming the tensor or op at fault, or runs bit for bit the same in
 * the interpreter and in gcc-built C under ASan+UBSan (all of them in one compile). Graphs whose
 * output is a constant are always refused, naming the output.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { QGraphError, QUANT_SCHEMES, randomGraph, type QGraph, type RandomGraphOptions } from '@edgeq/ir';
import { batchHostParity, type BatchItem, type BatchResult } from './support/batch-parity.js';
import { inputsFor } from './support/parity-inputs.js';

const FAMILIES: [string, RandomGraphOptions, number][] = [
  ['extreme scales', { extremeScales: true }, 5],
  ['shifts at their limits', { shiftLimits: true }, 5],
  ['extreme scales and shift limits', { extremeScales: true, shiftLimits: true }, 4],
  ['large MEAN windows', { largeMeanWindow: true }, 2],
];
const VECTORS = 8;

interface Case {
  label: string;
  family: string;
  graph?: QGraph;
  refusal?: unknown;
}

const cases: Case[] = [];
for (const scheme of QUANT_SCHEMES) {
  for (const [family, opts, seeds] of FAMILIES) {
    for (let seed = 1; seed <= seeds; seed++) {
      const label = `${family}, ${scheme.scales}/${scheme.rounding}, seed ${seed}`;
      try {
        cases.push({ label, family, graph: randomGraph(seed, { ...opts, scheme }) });
      } catch (e) {
        cases.push({ label, family, refusal: e });
      }
    }
  }
}

describe('random graphs at the edges of the contract: refused by name or interpreter == gcc (ASan+UBSan)', () => {
  const valid = cases.filter((c) => c.graph);
  let results: BatchResult[];
  beforeAll(async () => {
    const items: BatchItem[] = valid.map((c, k) => ({ label: c.label, graph: c.graph!, inputs: inputsFor(c.graph!, k + 1, VECTORS) }));
    results = await batchHostParity(items);
  }, 600_000);

  for (const [family] of FAMILIES) {
    it(family, () => {
      const mine = cases.filter((c) => c.family === family);
      // Most graphs of a family are valid, so the family is really exercised.
      expect(mine.filter((c) => c.graph).length).toBeGreaterThanOrEqual(Math.ceil(mine.length * 0.8));
      for (const c of mine) {
        if (c.refusal) {
          expect(c.refusal, c.label).toBeInstanceOf(QGraphError);
          expect((c.refusal as QGraphError).where, c.label).toMatch(/^(tensors\[\d+\] "[^"]+"\.quant\.scale\[\d+\]|ops\[\d+\] "[^"]+")/);
          continue;
        }
        const r = results[valid.indexOf(c)];
        expect(r.error, c.label).toBeUndefined();
        expect(r.exactVectors, c.label).toBe(VECTORS);
      }
    });
  }
});

describe('random graphs with a constant output', () => {
  it('are refused naming the output, in every scheme (50 seeds each)', () => {
    for (const scheme of QUANT_SCHEMES) {
      for (let seed = 1; seed <= 50; seed++) {
        expect(() => randomGraph(seed, { scheme, constantOutput: true }), `seed ${seed}`).toThrow(/^outputs\[0\]: graph output tensors\[\d+\] "constant_output" is a constant/);
      }
    }
  });
});
