/**
 * Shared body of the random-graph property tests: for a range of seeds, generated C
 * compiled with gcc under ASan+UBSan must compute exactly what the interpreter computes,
 * on every output.
 */
import { describe, expect, it } from 'vitest';
import { graphInputs, mulberry32, randomGraph, type InputVector, type QGraph, type QuantScheme, type RandomGraphOptions, type TensorData } from '@edgeq/ir';
import { hostParity } from '@edgeq/harness';

const CHUNK = 25;
export const VECTORS = 24;

/**
 * Random input vectors for a graph, plus the all −128 and all 127 extremes: a bare tensor
 * per vector for a one-input graph, else one tensor per graph input.
 */
export function inputsFor(g: QGraph, seed: number, count = VECTORS): InputVector[] {
  const r = mulberry32(seed ^ 0x5eed);
  const tensor = (dtype: string, n: number, v: number): TensorData => {
    if (dtype === 'float32') return new Float32Array(n).map(() => (r() - 0.5) * 20);
    if (v === 0) return new Int8Array(n).fill(-128);
    if (v === 1) return new Int8Array(n).fill(127);
    return new Int8Array(n).map(() => Math.floor(r() * 256) - 128);
  };
  const inputs = graphInputs(g);
  return Array.from({ length: count }, (_, v) => {
    const tensors = inputs.map((t) => tensor(t.dtype, t.elements, v));
    return tensors.length === 1 ? tensors[0] : tensors;
  });
}

/** Register the property test for `count` graphs of one scheme (and generator options). */
export function randomParitySuite(label: string, scheme: QuantScheme, count: number, options: RandomGraphOptions = {}): void {
  describe(`random graphs, ${label}: interpreter == gcc (ASan+UBSan)`, () => {
    for (let start = 1; start <= count; start += CHUNK) {
      const end = Math.min(count, start + CHUNK - 1);
      it(`seeds ${start}..${end}`, async () => {
        for (let seed = start; seed <= end; seed++) {
          const g = randomGraph(seed, { ...options, scheme });
          const report = await hostParity(g, inputsFor(g, seed), { sanitize: true });
          const where = report.firstDifferingOp ? ` first differing op: ${JSON.stringify(report.firstDifferingOp)}` : '';
          expect(report.stats.exactVectors, `seed ${seed} (${label}): ${report.line}${where}`).toBe(VECTORS);
        }
      }, 600_000);
    }
  });
}
