// Done-when 2 (generated C part): in fp32 mode the generated C (host gcc, ASan+UBSan for the
// reference models) equals the interpreter bit for bit, 1000 inputs each. The full 100-graph
// run is test/fp32-parity-all.ts (≈3 min); this file keeps 12 random graphs to stay fast.
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, randomGraph, REFERENCE_MODELS, type QuantScheme } from '@edgeq/ir';
import { hostParity } from '@edgeq/harness';
import { randomInputs } from './inputs.js';
import { FP32_GRAPHS } from './random-graph-options.js';

const FP32: QuantScheme = { scales: 'fixed', rounding: 'fp32' };

describe('fp32 mode: generated C = interpreter', () => {
  for (const name of REFERENCE_MODELS) {
    it(`${name}: 1000 inputs`, async () => {
      const g = buildReferenceModel(name, FP32, 11);
      const r = await hostParity(g, randomInputs(g, 1000, 100), { sanitize: name === 'dscnn' });
      console.log(`${name} fp32 ${r.line}`);
      expect(r.stats.exactVectors).toBe(1000);
    });
  }
  it('12 random graphs (same seeds as the LiteRT test): 1000 inputs each', async () => {
    for (let seed = 1000; seed < 1012; seed++) {
      const g = randomGraph(seed, FP32_GRAPHS);
      const r = await hostParity(g, randomInputs(g, 1000, seed));
      expect(r.stats.exactVectors, `${g.name}: ${r.line}`).toBe(1000);
    }
  });
});
