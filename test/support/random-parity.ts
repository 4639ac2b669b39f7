/**
 * Shared body of the random-graph property tests: for a range of seeds, generated C
 * compiled with gcc under ASan+UBSan must compute exactly what the interpreter computes.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32, numElements, randomGraph, type QGraph, type QuantScheme, type TensorData } from '@edgeq/ir';
import { hostParity } from '@edgeq/harness';

const CHUNK = 25;
export const VECTORS = 24;

/** Random input vectors for a graph, plus the all −128 and all 127 extremes. */
export function inputsFor(g: QGraph, seed: number, count = VECTORS): TensorData[] {
  const t = g.tensors[g.inputs[0]];
  const n = numElements(t.shape);
  const r = mulberry32(seed ^ 0x5eed);
  const out: TensorData[] = [];
  for (let v = 0; v < count; v++) {
    if (t.dtype === 'float32') out.push(new Float32Array(n).map(() => (r() - 0.5) * 20));
    else if (v === 0) out.push(new Int8Array(n).fill(-128));
    else if (v === 1) out.push(new Int8Array(n).fill(127));
    else out.push(new Int8Array(n).map(() => Math.floor(r() * 256) - 128));
  }
  return out;
}

/** Register the property test for `count` graphs of one scheme. */
export function randomParitySuite(label: string, scheme: QuantScheme, count: number): void {
  describe(`random graphs, ${label}: interpreter == gcc (ASan+UBSan)`, () => {
    for (let start = 1; start <= count; start += CHUNK) {
      const end = Math.min(count, start + CHUNK - 1);
      it(`seeds ${start}..${end}`, async () => {
        for (let seed = start; seed <= end; seed++) {
          const g = randomGraph(seed, { scheme });
          const report = await hostParity(g, inputsFor(g, seed), { sanitize: true });
          const where = report.firstDifferingOp ? ` first differing op: ${JSON.stringify(report.firstDifferingOp)}` : '';
          expect(report.stats.exactVectors, `seed ${seed} (${label}): ${report.line}${where}`).toBe(VECTORS);
        }
      }, 600_000);
    }
  });
}
