/**
 * Shared body of the random-graph property tests: for a range of seeds, generated C
 * compiled with gcc under ASan+UBSan must compute exactly what the interpreter computes,
 * on every output.
 */
import { describe, expect, it } from 'vitest';
import { randomGraph, type QuantScheme, type RandomGraphOptions } from '@edgeq/ir';
import { hostParity } from '@edgeq/harness';
import { VECTORS, inputVectorsFor } from './parity-inputs.js';

const CHUNK = 25;

/** Register the property test for `count` graphs of one scheme (and generator options). */
export function randomParitySuite(label: string, scheme: QuantScheme, count: number, options: RandomGraphOptions = {}): void {
  describe(`random graphs, ${label}: interpreter == gcc (ASan+UBSan)`, () => {
    for (let start = 1; start <= count; start += CHUNK) {
      const end = Math.min(count, start + CHUNK - 1);
      it(`seeds ${start}..${end}`, async () => {
        for (let seed = start; seed <= end; seed++) {
          const g = randomGraph(seed, { ...options, scheme });
          const report = await hostParity(g, inputVectorsFor(g, seed), { sanitize: true });
          const where = report.firstDifferingOp ? ` first differing op: ${JSON.stringify(report.firstDifferingOp)}` : '';
          expect(report.stats.exactVectors, `seed ${seed} (${label}): ${report.line}${where}`).toBe(VECTORS);
        }
      }, 600_000);
    }
  });
}
